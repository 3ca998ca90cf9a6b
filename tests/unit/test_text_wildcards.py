"""Wildcard phrases match as their regexes always did, in time linear in the text's length."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.decide import decide
from classifier.schema import Customer
from classifier.text import Doc, PhraseIndex, compile_phrase, normalise, words
from tests.rules_fixtures import sample_rules, ticket


def backtracking_regex(phrase: str) -> re.Pattern[str]:
    """The regex wildcard phrases compiled to before they were made linear: the reference."""
    norm = normalise(phrase).strip()
    inside = r"\w*"  # the text below has no combining marks, the one difference
    parts: list[str] = []
    for word in norm.split():
        core = r"\W+".join(map(re.escape, words(word)))
        if core:
            lead = inside if word.startswith("*") else r"(?<!\w)" if not parts else ""
            parts.append(lead + core + (inside if word.endswith("*") else ""))
    return re.compile(r"\W+".join(parts) + ("" if norm.endswith("*") else r"(?!\w)"))


def _phrase_word(star_before: bool, letters: str, joined: str, star_after: bool) -> str:
    return ("*" if star_before else "") + letters + joined + ("*" if star_after else "")


PHRASE_WORDS = st.builds(
    _phrase_word,
    st.booleans(),
    st.text(st.sampled_from("ab"), min_size=1, max_size=3),
    st.sampled_from(["", "-b", "-a", "-"]),
    st.booleans(),
)
WILDCARDS = (
    st.lists(st.one_of(PHRASE_WORDS, st.just("*")), min_size=1, max_size=3)
    .map(" ".join)
    .filter(lambda p: "*" in p and bool(words(p)))
)


@settings(max_examples=500, deadline=None)
@given(WILDCARDS, st.text(st.sampled_from("abAB_1 -.é"), max_size=25))
def test_a_wildcard_phrase_matches_exactly_where_its_old_regex_matched(
    phrase: str, text: str
) -> None:
    norm = normalise(text)
    compiled = compile_phrase(phrase)
    assert compiled.pattern is not None
    expected = backtracking_regex(phrase).search(norm) is not None
    assert (compiled.pattern.search(norm) is not None) == expected


@pytest.mark.parametrize(
    ("phrase", "text", "expected"),
    [
        ("*ausfall", "Serverausfall seit 8 Uhr", True),
        ("*ausfall", "Ausfall!", True),
        ("*ausfall", "Ausfallzeit", False),
        ("ausfall*", "Ausfallzeit", True),
        ("ausfall*", "Serverausfall", False),
        ("*ausfall*", "Serverausfallzeit", True),
        ("*e-mail", "my webe-mail bounced", True),
        ("*e-mail", "my e-mails bounced", False),
        ("server* down", "servers down", True),
        ("server* down", "servers downloaded", False),
        ("*foo* bar", "xfooy bar", True),
        ("*foo* bar", "xfooy xbar", False),
        ("*sicherheitslücke", "Eine Sicherheitsluecke? Nein: Datensicherheitslücke.", True),
    ],
)
def test_each_wildcard_form_keeps_its_meaning(phrase: str, text: str, expected: bool) -> None:
    compiled = compile_phrase(phrase)
    assert compiled.matches(Doc("", text), PhraseIndex([compiled])) is expected


def _seconds(phrase: str, text: str) -> float:
    """The best of a few timings of matching the phrase in a fresh document."""
    compiled = compile_phrase(phrase)
    index = PhraseIndex([compiled])
    best = float("inf")
    for _ in range(5):
        doc = Doc("", text)
        doc.norm()  # normalising is linear; the match is what is measured
        start = time.perf_counter()
        compiled.matches(doc, index)
        best = min(best, time.perf_counter() - start)
    return best


# The worst cases found: a long word that contains the phrase's letters but does not match
# (or matches only at its end), for each form of wildcard.
ADVERSARIAL = [
    ("*katko", lambda n: "a" * n + " xkatkox"),
    ("*ausfall", lambda n: "a" * n + " ausfall"),
    ("*ausfall*", lambda n: "ausfall" * (n // 7) + " x"),
    ("ausfall*", lambda n: "ausfall " * (n // 8)),
    ("*e-mail", lambda n: "e" * n + " x mail"),
    ("server* down", lambda n: "server" + "\u093f" * n + " x down"),
    ("*foo* bar", lambda n: "foo" * (n // 3) + " x"),
    ("a b* *c", lambda n: "a " * (n // 2) + "bx xc"),
]


@pytest.mark.parametrize(("phrase", "make"), ADVERSARIAL, ids=[p for p, _ in ADVERSARIAL])
def test_matching_time_grows_linearly_with_the_text(phrase: str, make: object) -> None:
    assert callable(make)
    small, large = _seconds(phrase, make(5_000)), _seconds(phrase, make(20_000))
    # Four times the text: about four times the time; a quadratic match takes sixteen.
    assert large < 8 * small + 0.002, f"{phrase!r}: {small:.4f}s for 5k, {large:.4f}s for 20k"


def test_a_49kb_ticket_made_to_backtrack_is_decided_by_the_sample_rules_at_once() -> None:
    body = "a" * 49_000 + " xsicherheitsluckex xkatkox xnedbrudx"
    slow, rules = ticket("x", body, customer=Customer(tier="enterprise")), sample_rules()
    start = time.perf_counter()
    decision = decide(slow, None, rules)
    assert time.perf_counter() - start < 1.0  # it took 17 s; now a few milliseconds
    assert decision.priority in {"high", "urgent"}
