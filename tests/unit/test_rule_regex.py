"""Operators' regex rules run on RE2: linear time, Python's meaning, refusals that say the fix."""

from __future__ import annotations

import re
import time

import pytest
import re2
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.decide import decide
from classifier.errors import RuleConfigError
from classifier.rule_regex import compile_rule_regex
from classifier.rules import RuleSet
from tests.rules_fixtures import one_rule, ticket


def best_cpu_seconds(ruleset: RuleSet, body: str, runs: int = 5) -> float:
    """Best CPU time over `runs` to decide one ticket with `body` against `ruleset`."""
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        decide(ticket("x", body), None, ruleset)
        best = min(best, time.process_time() - start)
    return best


@pytest.mark.parametrize("pattern", ["(a+)+$", r"(\w+\s?)*$", "(a|aa)*$", "(.*a){12}$"])
def test_a_pattern_built_to_backtrack_takes_time_linear_in_the_ticket(pattern: str) -> None:
    # Python's re takes ~0.4 s for (a+)+$ on 22 characters and doubles with each one more.
    ruleset = one_rule({"body_regex": pattern})
    small = best_cpu_seconds(ruleset, "a" * 49_999 + "!")
    large = best_cpu_seconds(ruleset, "a" * 499_999 + "!")
    assert large < 0.5
    # Ten times the text: linear is ~10x, quadratic would be ~100x.
    assert large < 40 * max(small, 1e-4)


def test_the_adversarial_pattern_still_fires_when_it_matches() -> None:
    decision = decide(ticket("x", "a" * 50_000), None, one_rule({"body_regex": "(a+)+$"}))
    assert decision.priority == "urgent"
    assert decision.rules_fired[0].reason == "body regex matched " + repr("a" * 50_000)


# language, pattern, text, fires; each must also be what Python's re (IGNORECASE) says.
UNICODE_CASES = [
    ("da", "strømafbrydelse", "STRØMAFBRYDELSE i nat", True),
    ("da", r"^\w+$", "Æblegrød", True),  # RE2's own \w is ASCII-only
    ("da", r"kl\.\s*\d+", "Nede siden KL. 7", True),
    ("da", "på vej", "PÅ VEJ", True),
    ("da", "på vej", "pa vej", False),  # no accent folding in regexes (phrases do that)
    ("fi", "häiriö", "HÄIRIÖ palvelussa", True),
    ("fi", r"järjestelmä\s+on\s+alhaalla", "Järjestelmä\u00a0on alhaalla", True),  # NBSP is \s
    ("fi", r"^\W+$", "äö", False),
    ("nl", "storing", "STORING bij de server", True),
    ("nl", "ĳs", "ĲS op de weg", True),
    ("nl", r"(\d+) gebruikers", "250 gebruikers kunnen niet inloggen", True),
    ("sl", "izpad omrežja", "IZPAD OMREŽJA", True),
    ("sl", "[čšž]+", "ČŠŽ", True),
    ("sl", r"^\S+$", "strežnik", True),
    ("de", "überlastet", "ÜBERLASTET", True),
    ("de", "straße", "STRAẞE gesperrt", True),  # capital sharp s folds to ß
    ("de", "straße", "STRASSE gesperrt", False),  # simple case folding: ß is not ss (as in re)
    ("de", r"\bERR-\d{3}\b", "Fehler err-503 seit heute", True),
    ("en", r"\bERR-\d{3}\b", "code err-5034", False),
    ("en", "unsubscribe$", "Please unsubscribe\n", True),  # $ before a final newline
    ("en", r"unsubscribe\Z", "Please unsubscribe\n", False),
    ("en", r"^\s*(?:\[spam\]|unsubscribe)", "  [SPAM] win", True),
    ("en", r"\u00e6|\N{LATIN SMALL LETTER O WITH STROKE}", "Ø", True),
    ("en", r"(?-i:ERR)", "err", False),
    ("en", r"(?s)a.b", "a\nb", True),
    ("en", r"a.b", "a\nb", False),
    ("en", "[\\b]", "back\bspace", True),
]


@pytest.mark.parametrize(("lang", "pattern", "text", "fires"), UNICODE_CASES)
def test_regexes_match_as_python_re_did_in_each_language(
    lang: str, pattern: str, text: str, fires: bool
) -> None:
    python = re.compile(pattern, re.IGNORECASE).search(text) is not None
    assert python is fires, f"{lang}: the table disagrees with Python's re"
    decision = decide(ticket("", text), None, one_rule({"body_regex": pattern}))
    assert (decision.priority == "urgent") is fires


# Latin letters, digits and spaces the six languages use; RE2 may know a newer Unicode version
# than this Python, so blocks where characters were added lately are left out.
LATIN = "".join(
    chr(c)
    for r in ((0, 0x250), (0x1E00, 0x1F00), (0x2000, 0x2070), (0x3000, 0x3001))
    for c in range(*r)
)


@pytest.mark.parametrize(
    "cls", ["\\w", "\\W", "\\d", "\\D", "\\s", "\\S", "[\\w-]", "[\\d\\s]", "[^\\w]"]
)
def test_character_classes_mean_what_they_mean_in_python(cls: str) -> None:
    rule = compile_rule_regex(cls)
    python = [c for c in LATIN if re.search(cls, c, re.IGNORECASE)]
    assert [c for c in LATIN if rule.search(c) is not None] == python


@pytest.mark.parametrize(
    ("pattern", "construct", "fix"),
    [
        (r"(err)-\1", "uses a backreference", "match the repeated text explicitly"),
        (r"(?P<code>\d+)-(?P=code)", "uses a backreference", "match the repeated text explicitly"),
        (r"error(?!s)", "uses a lookahead", "not: {regex: ...}"),
        (r"(?<!no )outage", "uses a lookbehind", "not: {regex: ...}"),
        (r"(?>a+)b", "atomic group", "write a plain group (?:...)"),
        (r"a++b", "possessive quantifier", "write the plain quantifier"),
        (r"(?x) err - \d+", "inline flag", "remove it"),
        (r"(?#why)err", "comment", "remove the comment"),
        (  # the edges' \b are Unicode-aware; one between alternatives is RE2's own
            r"\bhäiriö\b|\bvika\b",
            r"\b or \B together with letters outside ASCII",
            "use text_matches for whole words",
        ),
        (r"\b\w+@example\.com", r"\b or \B together with letters outside ASCII", r"[^\p{L}\p{N}_]"),
        (r"x.\b", r"\b or \B together with . (any character)", "[a-z0-9-]"),
        (r"feil[^ ]*\b", r"\b or \B together with a negated class [^...]", r"[^\p{L}\p{N}_]"),
        (r"\b\S+\b", r"\b or \B together with \S", "[a-z0-9-]"),
        (r"\bERR\D\b", r"\b or \B together with \D", "[a-z0-9-]"),
        (r"\b[ -\u2000]+", "together with a class range reaching beyond ASCII", "[a-z0-9-]"),
        (r"\bh\xe4iri\u00f6\b", r"\b or \B together with letters outside ASCII", "text_matches"),
        (r"\b\N{LATIN SMALL LETTER AE}", "together with letters outside ASCII", "text_matches"),
        (r"[\W_]+", r"\W inside [...]", r"[^\p{L}\p{N}_]"),
        ("([unclosed", "missing ]", ""),
    ],
)
def test_constructs_re2_cannot_run_are_refused_naming_rule_key_construct_and_fix(
    pattern: str, construct: str, fix: str
) -> None:
    with pytest.raises(RuleConfigError) as caught:
        one_rule({"any": [{"tags": ["x"]}, {"subject_regex": pattern}]}, rule_id="spam-check")
    message = str(caught.value)
    for fragment in (
        "test.yaml",
        "rule 'spam-check'",
        "subject_regex",
        "bad regular expression",
        repr(pattern),
        construct,
        fix,
    ):
        assert fragment in message, message


# Patterns refused, each with a ticket on which Python's re and RE2's ASCII-only \b disagree:
# no match, or a shorter one (the reason would quote "fejlk" for "fejlkø").
BOUNDARY_NEXT_TO_OTHER_LETTERS = [
    ("da", r"\bnede.\b", "Alt er nedeå", "nedeå"),
    ("da", r"\bfejl\S*\b", "fejlkø", "fejlkø"),
    ("fi", r"\bvirhe[^ ]*\b", "virhetilä", "virhetilä"),
    ("fi", r"häiri.\b", "häiriö", "häiriö"),
    ("de", r"\bgro.\b", "groß", "groß"),
    ("de", r"\b\D+ung\b", "Überlastung", "Überlastung"),
    ("sl", r"\bnapak.\b", "napakč", "napakč"),
    ("sl", r"\b[ -\u2000]nik\b", "žnik", "žnik"),
]


def _re2_without_refusal(pattern: str) -> str:
    """The pattern in RE2's syntax, classes spelled as rule_regex spells them."""
    for python, spelled in ((r"\S", r"[^\s\x0b\x1c-\x1f\x85\p{Z}]"), (r"\D", r"\P{Nd}")):
        pattern = pattern.replace(python, spelled)
    return pattern.replace(r"\u2000", r"\x{2000}")


@pytest.mark.parametrize(("lang", "pattern", "text", "python"), BOUNDARY_NEXT_TO_OTHER_LETTERS)
def test_a_boundary_next_to_what_can_match_other_letters_is_refused(
    lang: str, pattern: str, text: str, python: str
) -> None:
    found = re.search(pattern, text, re.IGNORECASE)
    assert found is not None
    assert found.group() == python, f"{lang}: the table disagrees with Python's re"
    options = re2.Options()
    options.case_sensitive = False
    raw = re2.compile(_re2_without_refusal(pattern), options).search(text)
    assert raw is None or raw.group() != python, f"{lang}: RE2 would agree; nothing to refuse"
    with pytest.raises(RuleConfigError, match=r"\\b or \\B together with"):
        one_rule({"body_regex": pattern})


# Boundaries the loader keeps: ASCII words and digits in Danish, Finnish, German and Slovenian
# tickets, where the words they bound touch spaces and punctuation.
KEPT_BOUNDARIES = [r"\bERR-\d{3}\b", r"\bvpn\b", r"\bsap\b", r"\bit\b", r"\bnede\b", r"\b\d+\b"]
TICKETS = [
    "Alt er nede siden kl. 7 - VPN virker ikke, ERR-503 i IT-afdelingen.",
    "Palvelin on alhaalla, VPN ei toimi (ERR-503); häiriö jatkuu.",
    "Der SAP-Server ist seit 7 Uhr nicht erreichbar: Störung, ERR-5034.",
    "Strežnik ne deluje, VPN je padel, napaka ERR-503 v SAP; čakamo.",
    "Ikke noget nede her, vpnløsningen virker; sapere; edit-it",
]


@pytest.mark.parametrize("pattern", KEPT_BOUNDARIES)
def test_kept_boundaries_match_as_python_re_on_nordic_german_and_slovenian_tickets(
    pattern: str,
) -> None:
    rule = compile_rule_regex(pattern)
    for text in TICKETS:
        python = re.search(pattern, text, re.IGNORECASE)
        assert rule.search(text) == (python.group() if python else None), text


def test_an_ascii_word_boundary_differs_from_pythons_only_next_to_other_letters() -> None:
    # The documented difference: a \b the loader keeps as RE2's (here one between two
    # alternatives) treats "é" as a non-word character.
    pattern = r"\bERR-\d{3}\b|\bFEJL\b"
    rs = one_rule({"regex": pattern})
    assert re.search(pattern, "ERR-503é", re.IGNORECASE) is None
    assert decide(ticket("", "ERR-503é"), None, rs).priority == "urgent"


# A \b at the start or end of a pattern, next to a letter or digit written out (or \d), is
# written with Unicode classes: RE2 then answers as Python's re, also where the word touches
# a letter outside ASCII. Each case failed before ("Großnotfall" fired `\bnotfall\b`).
EDGE_BOUNDARY_CASES = [
    ("de", r"\bnotfall\b", "Großnotfall im Rechenzentrum", None),
    ("de", r"\bnotfall\b", "Notfallü", None),
    ("de", r"\bnotfall\b", "Ein NOTFALL: Störung", "NOTFALL"),
    ("de", r"\bstörung\b", "Netzstörung", None),
    ("de", r"\bstörung\b", "Störung seit 7 Uhr", "Störung"),
    ("da", r"\bnede\b", "Alt er nede.", "nede"),
    ("da", r"\bnede\b", "fornedeæ", None),
    ("da", r"\bfejl\b", "fejlå og fejl", "fejl"),
    ("fi", r"\bhäiriö\b", "Verkkohäiriö", None),
    ("fi", r"\bhäiriö\b", "HÄIRIÖ: verkko", "HÄIRIÖ"),
    ("fi", r"\bvika", "äävika vika", "vika"),
    ("sl", r"napaka\b", "napakač napaka", "napaka"),
    ("sl", r"\bERR-\d{3}\b", "ERR-503č", None),
    ("sl", r"\bERR-\d{3}\b", "čERR-503 ERR-503", "ERR-503"),
    ("sl", r"\b\d+\b", "ž42 in 7", "7"),
    ("de", r"\b\d+?\b", "Raum 12", "12"),
    ("fi", r"\bvpn\b", "\u0345vpn", "vpn"),  # a combining mark is no word character
]


@pytest.mark.parametrize(("lang", "pattern", "text", "python"), EDGE_BOUNDARY_CASES)
def test_a_boundary_at_the_patterns_edge_matches_as_python_re_next_to_any_letter(
    lang: str, pattern: str, text: str, python: str | None
) -> None:
    found = re.search(pattern, text, re.IGNORECASE)
    assert (found.group() if found else None) == python, f"{lang}: the table disagrees with re"
    assert compile_rule_regex(pattern).search(text) == python


@pytest.mark.parametrize(
    "pattern",
    [r"\bx?notfall", r"notfall*\b", r"\b(?:vpn|sap)\b", r"\bvpn|sap\b", r"ERR-\d{0,3}\b"],
)
def test_a_boundary_next_to_an_optional_or_grouped_part_stays_re2s(pattern: str) -> None:
    # RE2's own \b: these compile (ASCII only) and the edge rewrite does not apply to them.
    rule = compile_rule_regex(pattern)
    assert rule.group == 0


# Hypothesis: text from Danish, Finnish, German and Slovenian letters, ASCII, digits (also
# Arabic-Indic), a combining mark, iota and punctuation; patterns with edge boundaries.
_ALPHABET = "abcdefghijklmnoprstuvxyzæøåäöüßčšžćđÆØÅÄÖÜČŠŽ_0123456789٣ \n.,:;-!?/()'\"\u0345ιΙ"
_WORDS = ["nede", "notfall", "häiriö", "strežnik", "fejl", "vika", "err", "ü", "x"]
_HYPOTHESIS_PATTERNS = [
    *(rf"\b{w}\b" for w in _WORDS),
    *(rf"\b{w}" for w in _WORDS),
    *(rf"{w}\b" for w in _WORDS),
    r"\bERR-\d{3}\b",
    r"\b\d+\b",
    r"\b\d{2,}",
    r"\bv[a-zäö]*a\b",
    r"\bnot\s*fall\b",
    r"\bfejl(?:en|ene)?\s+\d+\b",
]


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(_HYPOTHESIS_PATTERNS),
    st.lists(st.one_of(st.sampled_from(_WORDS), st.text(_ALPHABET, max_size=3)), max_size=8),
)
def test_edge_boundaries_agree_with_python_re_on_any_text(pattern: str, parts: list[str]) -> None:
    text = "".join(parts)
    found = re.search(pattern, text, re.IGNORECASE)
    assert compile_rule_regex(pattern).search(text) == (found.group() if found else None)


def test_a_lone_surrogate_in_the_text_does_not_stop_the_decision() -> None:
    # The API refuses them, but the classifier is also called from the CLI and training code.
    decision = decide(ticket("", "err-503 \ud800 down"), None, one_rule({"regex": r"err-\d+"}))
    assert decision.rules_fired[0].reason == "text regex matched 'err-503'"


def test_a_rule_describes_its_pattern_as_written() -> None:
    rs = one_rule({"regex": r"ERR-\d+"})
    assert rs.rules[0].when.describe() == r"text regex /ERR-\d+/"
