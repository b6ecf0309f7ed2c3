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
function nameAnnotations() {
  document.querySelectorAll(".md-annotation__index").forEach(function (marker, index) {
    if (!marker.hasAttribute("aria-label")) {
      marker.setAttribute("aria-label", "Code annotation " + (marker.dataset.mdAnnotationId || index + 1));
    }
  });
}

// With content.lazy (mkdocs.yml), Material mounts a code block (copy button, annotation markers, tabindex
// when it scrolls sideways) only when the block first comes into view. Until then a block wider than the
// column must still be focusable, and markers built later must be named when they appear.
// Blocks inside a closed <details> are skipped: Chromium has not laid them out, and reading their width would
// lay each one out now (a forced layout per folded block); they are checked when their <details> opens.
function wideCodeBlocks(root) {
  return Array.prototype.filter.call((root || document).querySelectorAll(".md-typeset pre > code:not([tabindex])"), function (code) {
    return !code.closest("details:not([open])") && code.scrollWidth > code.clientWidth;
  });
}

function focusWideCodeOnOpen() {
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (!(details instanceof HTMLDetailsElement) || !details.open) return;
    afterNextPaint(function () {
      wideCodeBlocks(details).forEach(function (code) {
        code.setAttribute("tabindex", "0");
      });
    });
  }, true); // toggle does not bubble
}

function nameLaterAnnotations() {
  var content = document.querySelector(".md-content");
  if (!content || !window.MutationObserver) return;
  new MutationObserver(function () {
    if (content.querySelector(".md-annotation__index:not([aria-label])")) nameAnnotations();
  }).observe(content, { childList: true, subtree: true });
}

// Every width is read before any attribute is written: a write between two reads makes the second read
// lay the page out again (a forced layout per element on a phone).
function nameAnnotationsAndScrollers() {
  var scrollers = [
    [".md-typeset__scrollwrap", "Scrollable table"],
    [".jupyter-wrapper .highlight-ipynb", "Notebook code"], // mkdocs-jupyter's scrolling code cells
    [".jupyter-wrapper .jp-OutputArea-output", "Notebook output", true], // only those wider than the column
    [".md-typeset div.arithmatex", "Scrollable formula", true], // display math wider than a phone
  ];
  var wideCode = wideCodeBlocks();
  var regions = [];
  scrollers.forEach(function (pair) {
    document.querySelectorAll(pair[0]).forEach(function (region) {
      if (pair[2] && region.scrollWidth <= region.clientWidth) return;
      if (!region.hasAttribute("tabindex")) regions.push([region, pair[1]]);
    });
  });
  nameAnnotations();
  wideCode.forEach(function (code) {
    code.setAttribute("tabindex", "0");
  });
  regions.forEach(function (entry) {
    entry[0].setAttribute("tabindex", "0");
    entry[0].setAttribute("role", "region");
    entry[0].setAttribute("aria-label", entry[1]);
  });
}

// Tables wider than their frame: while there is more to the right, the frame carries kf-more, which
// extra.css draws as a fade at the right edge (a cue that works without visible scrollbars, on phones).
var TABLE_FRAMES = ".md-typeset__scrollwrap, .jupyter-wrapper .jp-OutputArea-output";

function hasMore(frame) {
  return Boolean(frame.scrollWidth - frame.clientWidth - frame.scrollLeft > 2 && frame.querySelector("table"));
}

function markMore(frame) {
  frame.classList.toggle("kf-more", hasMore(frame));
}

function cueWideTables() {
  var frames = Array.prototype.slice.call(document.querySelectorAll(TABLE_FRAMES));
  var more = frames.map(hasMore); // all reads first: a class toggled between two reads lays the page out again
  frames.forEach(function (frame, index) {
    frame.classList.toggle("kf-more", more[index]);
    if (!frame.dataset.kfMore) {
      frame.dataset.kfMore = "1";
      frame.addEventListener("scroll", function () { markMore(frame); }, { passive: true });
    }
  });
}

window.addEventListener("resize", cueWideTables);

function afterRender() {
  nameAnnotationsAndScrollers();
  cueWideTables();
  nameLaterAnnotations();
  focusWideCodeOnOpen();
}

// Run after the next frame is drawn: the browser has laid the page out by then, so reading scrollWidth
// costs nothing; run earlier, it forces that first layout inside this script (a long task on a phone).
function afterNextPaint(callback) {
  requestAnimationFrame(function () {
    setTimeout(callback, 0);
  });
}

if (typeof document$ !== "undefined") {
  document$.subscribe(function () {
    afterNextPaint(afterRender);
  });
} else {
  document.addEventListener("DOMContentLoaded", afterRender);
}
