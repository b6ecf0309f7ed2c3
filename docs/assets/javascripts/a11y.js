// Material's search overlay has role="dialog" but no name; screen readers announce "dialog" alone
// (axe-core rule aria-dialog-name). Name it after its own input's label.
(function () {
  var dialog = document.querySelector(".md-search[role=dialog]");
  var input = document.querySelector(".md-search__input");
  if (dialog && !dialog.hasAttribute("aria-label")) {
    dialog.setAttribute("aria-label", (input && input.getAttribute("aria-label")) || "Search");
  }
})();

// After Material has rendered the page (code annotations are built in the browser):
// - annotation markers are links with only a number drawn by CSS; give them a name (axe: link-name);
// - tables wider than the column scroll inside .md-typeset__scrollwrap, which keyboard users must be
//   able to focus to scroll (axe: scrollable-region-focusable).
function nameAnnotationsAndScrollers() {
  document.querySelectorAll(".md-annotation__index").forEach(function (marker, index) {
    if (!marker.hasAttribute("aria-label")) {
      marker.setAttribute("aria-label", "Code annotation " + (marker.dataset.mdAnnotationId || index + 1));
    }
  });
  var scrollers = [
    [".md-typeset__scrollwrap", "Scrollable table"],
    [".jupyter-wrapper .highlight-ipynb", "Notebook code"], // mkdocs-jupyter's scrolling code cells
    [".jupyter-wrapper .jp-OutputArea-output", "Notebook output", true], // only those wider than the column
  ];
  scrollers.forEach(function (pair) {
    document.querySelectorAll(pair[0]).forEach(function (region) {
      if (pair[2] && region.scrollWidth <= region.clientWidth) return;
      if (!region.hasAttribute("tabindex")) {
        region.setAttribute("tabindex", "0");
        region.setAttribute("role", "region");
        region.setAttribute("aria-label", pair[1]);
      }
    });
  });
}

if (typeof document$ !== "undefined") {
  document$.subscribe(function () {
    setTimeout(nameAnnotationsAndScrollers, 0);
  });
} else {
  document.addEventListener("DOMContentLoaded", nameAnnotationsAndScrollers);
}
