"""MkDocs hook: highlighted code without the elements that change nothing on screen (issue 15, DOM size).

Pygments wraps every token of a code block in a <span>. Two kinds draw exactly as bare text would:
names (class "n"), coloured like the code's own text in Material's theme (`--md-code-hl-name-color` is
`--md-code-fg-color`) and left at the inherited colour in nbconvert's, and whitespace (class "w"), which
has no visible colour. They are a third of a code-heavy page's elements (about 1,200 of the 7,300 on the
receptive-field page), and every element costs a phone style and layout time. This hook unwraps them inside
<pre> and <code> elements, keeping their text byte for byte; every other token keeps its span and colour.
"""

from __future__ import annotations

import re

# Token classes whose span draws nothing its parent <code> would not: Pygments' Name and Whitespace.
INVISIBLE_TOKENS = ("n", "w")
# A Markdown page's blocks are <pre><code>; a notebook page's (nbconvert) are a bare <pre>; inline code is <code>.
CODE_ELEMENT = re.compile(r"(<(pre|code)\b[^>]*>)(.*?)(</\2>)", re.S)
INVISIBLE_SPAN = re.compile(rf'<span class="(?:{"|".join(INVISIBLE_TOKENS)})">([^<]*)</span>')


def unwrap_invisible_tokens(html_text: str) -> str:
    """The HTML with every name and whitespace token span inside a <pre> or <code> element replaced by its text."""

    def in_code(match: re.Match[str]) -> str:
        return match[1] + INVISIBLE_SPAN.sub(r"\1", match[3]) + match[4]

    return CODE_ELEMENT.sub(in_code, html_text)


def on_page_content(html_text: str, page, config, files):
    """Unwrap the invisible token spans of every code block on the page."""
    return unwrap_invisible_tokens(html_text) if html_text else html_text
