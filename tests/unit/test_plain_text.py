"""Rule phrases see through HTML markup, entities, soft hyphens and zero-width characters."""

from __future__ import annotations

import time

import pytest

from classifier.plain_text import plain_text
from classifier.text import PhraseMatcher


@pytest.mark.parametrize(
    "text",
    [
        "<p>security</p> <p>breach</p>",
        "<p>security</p><p>breach</p>",
        "security&nbsp;breach",
        "security&#160;breach",
        "secu\u00adrity breach",
        "secu&shy;rity breach",
        "secu\u200brity\u2060 breach",
        "\ufeffsecurity breach",
        "<div class='x'>secu<b>rity</b><br/>breach</div>",
        '<P STYLE="color: red">Security<BR>Breach</P>',
        "security<!-- quoted -->breach",
    ],
)
def test_markup_and_invisible_characters_do_not_hide_a_phrase(text: str) -> None:
    assert PhraseMatcher(["security breach"]).search(text) == "security breach"


@pytest.mark.parametrize(
    ("phrase", "text"),
    [
        ("sikkerhedsbrud*", "Vi har opdaget sikker\u00adheds\u00adbruddet"),
        ("tietoturvaloukkaus", "<p>Tietoturva&shy;loukkaus</p>"),
        ("varnostni incident", "Varnostni&nbsp;incident"),
        ("*sicherheitslücke", "Eine Sicherheits&shy;l&uuml;cke"),
    ],
)
def test_the_same_holds_in_every_language(phrase: str, text: str) -> None:
    assert PhraseMatcher([phrase]).search(text) == phrase


@pytest.mark.parametrize(
    "text",
    [
        "if a < b and c > d then",
        "AT&T and R&D",
        "x <- y; <3",
        "Mail me at <name@example.com>",
        "Call <name> on <tel_num> about <acc_num>",  # anonymisation placeholders
        "plain text, no markup at all",
        "Grüße aus Köln",
    ],
)
def test_text_that_is_not_html_is_left_as_it_is(text: str) -> None:
    assert plain_text(text) == text


def test_entities_are_decoded_after_tags_so_escaped_markup_stays_text() -> None:
    assert plain_text("&lt;b&gt;down&lt;/b&gt;") == "<b>down</b>"


def test_a_phrase_still_needs_its_words_when_markup_is_removed() -> None:
    matcher = PhraseMatcher(["security breach"])
    assert matcher.search("<p>security</p><p>no breach here</p>") is None
    assert matcher.search("securi<p>ty breach") is None  # a block tag separates words


@pytest.mark.parametrize("unit", ["<p ", "<!", "<b", "&#", "&nbsp", "\u00ad<"])
def test_removing_markup_takes_time_linear_in_the_text(unit: str) -> None:
    def seconds(n: int) -> float:
        text = unit * n
        start = time.perf_counter()
        plain_text(text)
        return time.perf_counter() - start

    # 4x the text: linear is ~4x the time, quadratic 16x; 10x leaves room for a busy machine
    # (8x failed once in CI while other jobs ran: 8.6x).
    small, large = min(seconds(10_000) for _ in range(5)), min(seconds(40_000) for _ in range(5))
    assert large < 10 * small + 0.002
