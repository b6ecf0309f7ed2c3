"""Math: KaTeX's stylesheet and scripts added only to pages that have math (issue 15)."""

from __future__ import annotations

import html
import re

MATH_MARKER = 'class="arithmatex"'  # pymdownx.arithmatex wraps all inline and display math in this
MATH_STYLES = ("assets/vendor/katex/katex.min.css",)
MATH_SCRIPTS = (
    "assets/vendor/katex/katex.min.js",
    "assets/vendor/katex/contrib/auto-render.min.js",
    "assets/javascripts/katex-init.js",
)


def _insert_before_first(output: str, tag: str, urls: list[str], fallback: str, addition: str) -> str:
    """Insert addition before the first `<tag ...="url"` of urls found in output, else before fallback."""
    for url in urls:
        found = re.search(rf'<{tag}\b[^>]*(?:src|href)="{re.escape(url)}"', output)
        if found:
            return output[: found.start()] + addition + output[found.start() :]
    head, marker, tail = output.rpartition(fallback)
    return head + addition + marker + tail if marker else output


def add_math_assets(output: str, page_url: str, extra_css: list[str], extra_javascript: list[str]) -> str:
    """Add KaTeX's stylesheet and scripts to a page that has math; leave a page without math as it is.

    They go just before the site's own extra CSS and scripts, where mkdocs.yml used to list them, so
    the cascade and the order in which scripts subscribe to Material's page events stay the same.
    """
    if MATH_MARKER not in output:
        return output
    from mkdocs.utils import get_relative_url

    def urls(paths) -> list[str]:
        return [html.escape(get_relative_url(str(path), page_url)) for path in paths]

    styles = "".join(f'<link rel="stylesheet" href="{url}">' for url in urls(MATH_STYLES))
    scripts = "".join(f'<script src="{url}"></script>' for url in urls(MATH_SCRIPTS))
    output = _insert_before_first(output, "link", urls(extra_css), "</head>", styles)
    return _insert_before_first(output, "script", urls(extra_javascript), "</body>", scripts)


def on_post_page(output: str, page, config):
    """Add KaTeX to a page that has math."""
    return add_math_assets(output, page.url, config.get("extra_css") or [], config.get("extra_javascript") or [])
