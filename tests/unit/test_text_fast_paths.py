"""The fast paths of text matching give exactly what the general algorithm gives."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.folding import _normalise_any
from classifier.text import Doc, PhraseIndex, compile_phrase, normalise, words

# Letters of the helpdesk languages, special letters, marks, other scripts and punctuation.
ODD = (
    "äöüßÄÖÜẞéèêëÉçčšžČŠŽćđĐøØæÆåÅœłıİþðŁ’‘“”„–—«»€\u00a0…¿¡ﬁﬂℌΩΣσςПроблема系统故障"
    "\u0301\u0308\u0327ᎠꭰK\u200b\t\n"
)
LATIN1 = "".join(map(chr, range(0x80, 0x100)))
MIXED = st.text(st.sampled_from([*"aZ09 _-.,!?'", *ODD, *LATIN1]), max_size=60)


@settings(max_examples=400, deadline=None)
@given(st.one_of(MIXED, st.text(max_size=40)))
def test_normalise_equals_the_general_algorithm_on_any_text(text: str) -> None:
    assert normalise(text) == _normalise_any(text)


@pytest.mark.parametrize("char", LATIN1)
def test_every_latin1_character_folds_as_the_general_algorithm_folds_it(char: str) -> None:
    for text in (char, f"A{char}b", f"{char}\u0301{char}", f"{char}č{char.upper()}ß"):
        assert normalise(text) == _normalise_any(text)


def test_normalise_folds_runs_next_to_ascii_and_keeps_other_scripts() -> None:
    assert normalise("GRÜẞE aus der Straße") == "grusse aus der strasse"
    assert normalise("e\u0301te\u0301 ÉTÉ") == "ete ete"
    assert normalise("¿Qué PASA?") == "¿que pasa?"  # ¿ stays as it is
    assert normalise("¿Qué µ?") == "¿que μ?"  # µ folds to the Greek letter: the general path
    assert normalise("ℌello") == "Hello"  # NFKD makes an upper-case letter; kept as before


PHRASES = [
    "down", "not working", "e-mail", "ei toimi", "høj", "straße", "be", "would be nice",
    "a a", "проблема", "x_y", "7", "ausfall", "not",
]  # fmt: skip
WORDS_ALPHABET = st.sampled_from(
    ["down", "not", "working", "e", "mail", "ei", "toimi", "hoj", "høj", "strasse", "be",
     "would", "nice", "a", "проблема", "x_y", "7", "ausfall", "download", "DOWN"]
)  # fmt: skip
SEPARATORS = st.sampled_from([" ", "  ", ", ", "-", "_", "\n", ".", "!", "é", "¿", "'"])


def _reference_scan(text: str) -> frozenset[tuple[str, ...]]:
    """Whole-word phrase keys found by splitting the text into words (the general path)."""
    ticket_words = words(normalise(text))
    found = set()
    for phrase in PHRASES:
        key = compile_phrase(phrase).key
        n = len(key)
        if any(tuple(ticket_words[i : i + n]) == key for i in range(len(ticket_words))):
            found.add(key)
    return frozenset(found)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(WORDS_ALPHABET, SEPARATORS), max_size=12))
def test_the_phrase_index_finds_what_splitting_into_words_finds(
    pieces: list[tuple[str, str]],
) -> None:
    text = "".join(w + sep for w, sep in pieces)
    index = PhraseIndex([compile_phrase(p) for p in PHRASES])
    assert index.scan(Doc("", text)) == _reference_scan(text)
    assert index.scan(Doc(text, ""), "subject") == _reference_scan(text)


def test_the_phrase_index_reads_ascii_text_without_splitting_it_into_words() -> None:
    doc = Doc("", "Server DOWN, not-working; would be   nice!")
    index = PhraseIndex([compile_phrase(p) for p in PHRASES])
    assert index.scan(doc) == {("down",), ("not", "working"), ("would", "be", "nice"), ("be",),
                               ("not",)}  # fmt: skip
    assert doc.spaced("body") == " server down  not working  would be   nice  "
    assert Doc("", "¿Qué pasa? ¡Hola!").spaced("body") == "  que pasa   hola  "
    assert Doc("", "проблема").spaced() is None  # other scripts are split into words
