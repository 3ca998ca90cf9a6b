"""A `\\b` at a regex rule's start or end, written so that RE2 reads it as Python's `re` does.

RE2's `\\b` counts only ASCII letters and digits as word characters, so `\\bnotfall\\b` fired
on "Großnotfall". Next to a character that is surely a word character (a letter or digit
written out, or `\\d`), Python's `\\b` only says "no word character on the other side", and RE2
can say that with Unicode classes; without lookbehind it consumes that character, so
`rule_regex` puts the pattern's own match in a group between the two (rules quote the match).
Everything here is conservative: a pattern it cannot read simply keeps RE2's `\\b`, which
`rule_regex` then refuses where it would answer differently.
"""

from __future__ import annotations

import re

# Python's \b at the pattern's edge, next to a word character, as RE2 can say it. (?-i:...):
# case-insensitively RE2 would also count U+0345 (a combining mark that folds to iota) as a
# letter, as it does in \p{L}.
BOUNDARY_BEFORE = r"(?-i:\A|[^\p{L}\p{N}_])"
BOUNDARY_AFTER = r"(?-i:[^\p{L}\p{N}_]|\z)"
# Case-insensitively these letters also match U+0345, which is no word character.
_FOLDS_TO_NON_WORD = frozenset("\u0399\u03b9\u1fbe")
_SPECIAL = frozenset("\\.^$*+?{}[]()|")
_COUNT = re.compile(r"\{(\d*)(?:,\d*)?\}")


def edge_boundaries(pattern: str) -> tuple[str, bool, bool]:
    """The pattern without a `\\b` at its start and one at its end that touch a word character
    for sure, and whether each was taken off (to be written with Unicode classes).

    Only where the neighbour is a letter, digit or _ written out, or `\\d`, and not optional
    (`x?`, `x*`, `x{0,2}`): next to a word character, Python's `\\b` means "no word character on
    the other side", and that is all the rewritten boundary says. With an alternation at the top
    (`\\bvpn|sap\\b`) each `\\b` bounds one alternative only, so nothing is taken off.
    """
    tokens = _top_level_tokens(pattern)
    if tokens is None or len(tokens) < 2:
        return pattern, False, False
    before = tokens[0] == r"\b" and _word_atom(tokens[1]) and not _may_repeat_zero(tokens[2:3])
    if before:
        tokens = tokens[1:]
    after = len(tokens) >= 2 and tokens[-1] == r"\b" and _ends_with_word_atom(tokens[:-1])
    if after:
        tokens = tokens[:-1]
    return "".join(tokens), before, after


def _word_atom(atom: str) -> bool:
    """Whether the token always matches one word character (Python's \\w), also ignoring case."""
    if atom == r"\d":
        return True
    return (
        len(atom) == 1
        and atom not in _SPECIAL
        and (atom.isalnum() or atom == "_")
        and atom not in _FOLDS_TO_NON_WORD
    )


def _may_repeat_zero(tokens: list[str]) -> bool:
    """Whether the token after an atom lets it match nothing (or is no plain quantifier)."""
    if not tokens:
        return False
    quantifier = tokens[0]
    if quantifier in ("?", "*"):
        return True
    if quantifier.startswith("{"):
        count = _COUNT.fullmatch(quantifier)
        return count is None or not count.group(1) or int(count.group(1)) == 0
    return False


def _ends_with_word_atom(tokens: list[str]) -> bool:
    """Whether the tokens' last character matched is a word character for sure: a word atom,
    alone or repeated at least once (`x+`, `\\d{3}`, `\\d+?`)."""
    if tokens and tokens[-1] == "?" and len(tokens) >= 2 and tokens[-2][:1] in ("+", "{"):
        tokens = tokens[:-1]  # lazy: as many as it takes, still at least one
    if tokens and (tokens[-1] == "+" or tokens[-1].startswith("{")):
        if _may_repeat_zero(tokens[-1:]):
            return False
        tokens = tokens[:-1]
    return bool(tokens) and _word_atom(tokens[-1])


def _top_level_tokens(pattern: str) -> list[str] | None:
    """The pattern as atoms and quantifiers outside any group (a group, a class or an escape
    is one token); None with an alternation at the top, or when the pattern does not parse
    this simply (its boundaries are then left to RE2)."""
    tokens: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "|":
            return None
        if c == "\\":
            end = _escape_end(pattern, i)
        elif c == "[":
            end = _class_end(pattern, i)
        elif c == "(":
            end = _group_end(pattern, i)
        elif c == "{":
            count = _COUNT.match(pattern, i)
            end = count.end() if count else None  # a literal "{": left to RE2
        else:
            end = i + 1
        if end is None or end > n:
            return None
        tokens.append(pattern[i:end])
        i = end
    return tokens


def _escape_end(pattern: str, i: int) -> int | None:
    """The index after the escape at pattern[i] ("\\"), as Python reads it."""
    e = pattern[i + 1 : i + 2]
    if not e:
        return None
    if e in "xuU":
        return i + 2 + {"x": 2, "u": 4, "U": 8}[e]
    if e == "N":
        end = pattern.find("}", i)
        return end + 1 if end > 0 else None
    if e.isdigit():  # an octal escape or a backreference: up to three digits
        end = i + 2
        while end < min(i + 4, len(pattern)) and pattern[end].isdigit():
            end += 1
        return end
    return i + 2


def _class_end(pattern: str, i: int) -> int | None:
    """The index after the class [...] starting at pattern[i]."""
    j = i + 1
    j += pattern[j : j + 1] == "^"
    j += pattern[j : j + 1] == "]"  # a literal "]" first
    while j < len(pattern):
        if pattern[j] == "\\":
            j += 2
        elif pattern[j] == "]":
            return j + 1
        else:
            j += 1
    return None


def _group_end(pattern: str, i: int) -> int | None:
    """The index after the group (...) starting at pattern[i]."""
    depth, j = 0, i
    while j < len(pattern):
        c = pattern[j]
        end: int | None = j + 1
        if c == "\\":
            end = _escape_end(pattern, j)
        elif c == "[":
            end = _class_end(pattern, j)
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return j + 1
        if end is None:
            return None
        j = end
    return None
