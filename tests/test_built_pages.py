"""tests/built_pages.py: text as a reader sees it, and the sentences a page is missing."""

from __future__ import annotations

from bs4 import BeautifulSoup
from built_pages import HUGGING_TIMES, missing_sentences, text_of

PAGE = BeautifulSoup(
    "<article><p>It has <strong>1,600</strong> parameters, <b>2.5</b> × more.</p></article>", "html.parser"
)


def test_text_is_folded_as_a_reader_sees_it() -> None:
    assert text_of(PAGE) == "It has 1,600 parameters, 2.5 × more."
    assert text_of(PAGE, HUGGING_TIMES) == "It has 1,600 parameters, 2.5× more."


def test_every_missing_sentence_is_named() -> None:
    assert missing_sentences(PAGE, ["It has 1,600 parameters", "2.5 × more"]) == []
    assert missing_sentences(PAGE, ["It has 1,601 parameters", "2.5 × more", "640"]) == [
        "It has 1,601 parameters",
        "640",
    ]
    assert missing_sentences(PAGE, ["2.5× more"], HUGGING_TIMES) == []
