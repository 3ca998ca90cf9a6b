"""Operators' `regex:` conditions, compiled with RE2 so that matching is linear in the text.

Python's `re` backtracks: `(a+)+$` on 50,000 characters of ticket text never finishes, and ticket
text is written by whoever opens a ticket. RE2 (`google-re2`) guarantees time linear in the
text, at the price of the constructs that need backtracking (backreferences, lookaround), which
are refused here when the rules file is loaded, naming the construct and the fix.

The pattern keeps Python's meaning where RE2's differs: `\\w`, `\\d` and `\\s` are Unicode-aware
(RE2's are ASCII-only, so `\\w+` would not match "æøå"), `\\Z` is RE2's `\\z`, `$` also matches
before a final newline, and `\\uXXXX` / `\\N{NAME}` escapes are spelled the way RE2 reads them.
RE2's `\\b` counts only ASCII letters and digits as word characters. A `\\b` that opens or
closes the pattern next to a letter, digit or `\\d` written out (`\\bnotfall\\b`,
`\\bhäiriö\\b`, `\\bERR-\\d{3}\\b`) means "no letter, digit or _ on that side", which RE2
can say with Unicode classes (`regex_boundaries.py`), around a group that reports the match
Python's `re` would give.
Any other `\\b` (or `\\B`) stays RE2's, so a pattern that uses one together with anything
that can match another letter is refused: letters outside ASCII, `\\w`, `\\p{...}`, but also
`.`, a negated class `[^...]`, `\\S`, `\\D` and class ranges reaching beyond ASCII (`x.\\b`
would miss "xæ ", and `\\b[^ ]+` would quote "ble" for "æble"). Kept ASCII boundaries
(`\\b(?:vpn|sap)\\b`) still differ where the word touches a non-ASCII letter outside the match,
or where `\\d` meets a digit outside ASCII.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from string import hexdigits
from typing import Any

import re2

from classifier.regex_boundaries import BOUNDARY_AFTER, BOUNDARY_BEFORE, edge_boundaries

# Python's classes on str, written with Unicode properties RE2 understands ("inner": for use
# inside [...]). \w is str.isalnum() or "_"; \s is str.isspace().
_WORD = r"\p{L}\p{N}_"
_SPACE = r"\t\n\x0b\f\r\x1c-\x1f\x85\p{Z}"
_OUTSIDE = {
    "w": f"[{_WORD}]",
    "W": f"[^{_WORD}]",
    "d": r"\p{Nd}",
    "D": r"\P{Nd}",
    "s": f"[{_SPACE}]",
    "S": f"[^{_SPACE}]",
}
_INSIDE = {"w": _WORD, "d": r"\p{Nd}", "D": r"\P{Nd}", "s": _SPACE}
_UNICODE_ESCAPES = {"u": 4, "U": 8}
_UNANCHORED = re2._re2.RE2.Anchor.UNANCHORED
_MULTILINE_FLAG = re.compile(r"\(\?[a-zA-Z]*m")
_WORD_BOUNDARY_FIX = (
    "use text_matches for whole words (they are whole-word and accent-aware), put \\b only at "
    r"the pattern's start or end next to a letter or digit (\bhäiriö\b), or write the "
    r"boundary out: (?:^|[^\p{L}\p{N}_])häiriö(?:[^\p{L}\p{N}_]|$)"
)

# RE2's parse errors for what it does not support -> (the construct, the fix).
_REFUSED: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"invalid escape sequence: \\[1-9]|named backreference"),
     "a backreference", "match the repeated text explicitly, or test it with two conditions"),
    (re.compile(r"invalid perl operator: \(\?[=!]"),
     "a lookahead", "match the context as part of the pattern, or use not: {regex: ...}"),
    (re.compile(r"invalid perl operator: \(\?<[=!]"),
     "a lookbehind", "match the context as part of the pattern, or use not: {regex: ...}"),
    (re.compile(r"invalid perl operator: \(\?>"),
     "an atomic group (?>...)", "write a plain group (?:...); RE2 never backtracks"),
    (re.compile(r"bad repetition operator: [*+?}]\+"),
     "a possessive quantifier", "write the plain quantifier (a* for a*+); RE2 never backtracks"),
    (re.compile(r"invalid perl operator: \(\?\("),
     "a conditional (?(...)...)", "split it into conditions under any: [...]"),
    (re.compile(r"invalid perl operator: \(\?#"),
     "a comment (?#...)", "remove the comment, or move it into the rule's description"),
    (re.compile(r"invalid perl operator: \(\?[xaLu]"),
     "the inline flag", "remove it; RE2 supports the inline flags i, m and s"),
)  # fmt: skip


class RuleRegexError(ValueError):
    """A pattern RE2 cannot run with the meaning it has in Python; the message says the fix."""


@dataclass(frozen=True)
class RuleRegex:
    """A compiled rule pattern: `search` gives the matched text or None."""

    source: str
    compiled: Any = field(repr=False, compare=False)  # the binding's RE2 object
    group: int = 0  # 1 when the pattern's own match is a group inside rewritten boundaries

    def search(self, text: str) -> str | None:
        """The first match's text, in time linear in the text's length."""
        try:
            data = text.encode()
        except UnicodeEncodeError:  # a lone surrogate has no UTF-8 (the API refuses them)
            data = text.encode("utf-8", "replace")
        start, end = self.compiled.Match(_UNANCHORED, data, 0, len(data))[self.group]
        return None if start < 0 else data[start:end].decode()


def compile_rule_regex(pattern: str) -> RuleRegex:
    """Compile an operator's pattern, case-insensitively, with RE2.

    Raises:
        RuleRegexError: the pattern is invalid, or uses a construct RE2 cannot run (the message
            names it and the fix).
    """
    core, before, after = edge_boundaries(pattern)
    translated = _translate(core)
    bounded = before or after
    if bounded:
        translated = (
            f"{BOUNDARY_BEFORE if before else ''}({translated}){BOUNDARY_AFTER if after else ''}"
        )
    options = re2.Options()
    options.case_sensitive = False
    # Only the whole match is reported (faster without groups), or the one group around it.
    options.never_capture = not bounded
    options.log_errors = False
    try:
        compiled = re2.compile(translated, options)
    except re2.error as exc:
        raise _refusal(exc) from exc
    # The module's own `search` spends ~2.5 us a call on str offsets and match objects (more than
    # the match itself on a subject line); its binding's `Match` gives byte offsets directly.
    return RuleRegex(pattern, compiled._regexp, int(bounded))


def _refusal(exc: Exception) -> RuleRegexError:
    arg = exc.args[0] if exc.args else ""
    message = arg.decode("utf-8", "replace") if isinstance(arg, bytes) else str(arg)
    for known, construct, fix in _REFUSED:
        if known.search(message):
            return RuleRegexError(
                f"uses {construct} ({message}), which RE2 does not support (it matches in time "
                f"linear in the text, without backtracking); {fix}"
            )
    return RuleRegexError(message)


def _translate(pattern: str) -> str:
    """The pattern in RE2's syntax with Python's meaning (see the module docstring)."""
    out: list[str] = []
    in_class = boundary = False
    # The first construct seen that can match a letter or digit outside ASCII (None: none).
    wide: str | None = None
    multiline = bool(_MULTILINE_FLAG.search(pattern))
    if "(?P=" in pattern:  # RE2's own message stops at "(?P"
        raise _refusal(re2.error(b"named backreference (?P=...)"))
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            start = i
            text, i = _escape(pattern, i, in_class)
            boundary |= pattern[start + 1] in "bB" and not in_class
            wide = wide or _wide_escape(pattern, start, i)
            out.append(text)
            continue
        if not c.isascii() and (c.isalnum() or c == "_"):
            wide = wide or _LETTERS
        if in_class:
            if c == "-" and _range_beyond_ascii(pattern, i):
                wide = wide or "a class range reaching beyond ASCII"
            in_class = c != "]"
            out.append(c)
        elif c == "[":
            negated = pattern[i + 1 : i + 2] == "^"
            wide = wide or ("a negated class [^...]" if negated else None)
            # "]" right after "[" or "[^" is a literal, not the end of the class.
            j = i + 1 + negated
            j += pattern[j : j + 1] == "]"
            out.append(pattern[i:j])
            in_class, i = True, j
            continue
        elif c == "$" and not multiline:
            out.append(r"(?:\n?\z)")  # Python's $: the end, or before a final newline
        else:
            wide = wide or (". (any character)" if c == "." else None)
            out.append(c)
        i += 1
    if boundary and wide:
        raise RuleRegexError(
            f"uses \\b or \\B together with {wide}; RE2's \\b counts only ASCII letters and "
            "digits as word characters (Python's counts all), so next to any other letter it "
            r"answers differently: \bhäiriö\b would not match 'häiriö ', x.\b not 'xæ '; "
            f"{_WORD_BOUNDARY_FIX}{'' if wide == _LETTERS else _NARROW}"
        )
    return "".join(out)


_LETTERS = r"letters outside ASCII, \w or \p{...}"
_NARROW = "; or name the characters it may match instead, e.g. [a-z0-9-]"


def _wide_escape(pattern: str, start: int, end: int) -> str | None:
    """What the escape pattern[start:end] can match beyond ASCII letters and digits, named; or
    None."""
    e = pattern[start + 1]
    # _escape leaves \xhh's digits to the next characters (RE2 reads it as Python does).
    escape = pattern[start : start + 4] if e == "x" else pattern[start:end]
    if e in "wWpP":
        return _LETTERS
    if e in "SD":
        return f"\\{e}"
    if e in "xuUN" and len(escape) > 2:
        char = _escaped_char(escape)
        if char is not None and not char.isascii() and (char.isalnum() or char == "_"):
            return _LETTERS
    return None


def _escaped_char(escape: str) -> str | None:
    """The character a \\xhh, \\uXXXX, \\UXXXXXXXX or \\N{NAME} escape names (None if malformed)."""
    if escape[1] == "N":
        try:
            return unicodedata.lookup(escape[3:-1])
        except KeyError:
            return None
    digits = escape[2:]
    if escape[1] == "x":
        digits = digits[:2]
    try:
        return chr(int(digits, 16))
    except ValueError:
        return None


def _range_beyond_ascii(pattern: str, i: int) -> bool:
    """Whether the "-" at pattern[i], inside a class, makes a range with an end outside ASCII
    (escaped ends count as outside: `[ -\\u2000]` spans letters though neither end is one)."""
    before, after = pattern[i - 1 : i], pattern[i + 1 : i + 2]
    if before in ("[", "^", "") or after in ("]", ""):
        return False  # a literal "-" at either end of the class
    escaped_end = after == "\\" and pattern[i + 2 : i + 3] in ("x", "u", "U", "N")
    return escaped_end or not (before.isascii() and after.isascii())


def _escape(pattern: str, i: int, in_class: bool) -> tuple[str, int]:
    """The escape starting at pattern[i] ("\\"), in RE2's syntax, and the index after it."""
    e = pattern[i + 1]
    if e in _INSIDE and in_class:
        return _INSIDE[e], i + 2
    if e in "WS" and in_class:
        raise RuleRegexError(
            f"uses \\{e} inside [...], which RE2 cannot combine with other characters there; "
            f"write the negated class out, e.g. [^{_WORD}] for \\W"
        )
    if e in _OUTSIDE:
        return _OUTSIDE[e], i + 2
    if e == "Z" and not in_class:
        return r"\z", i + 2
    if e == "b" and in_class:
        return r"\x08", i + 2  # Python's backspace inside a class
    if e == "C":
        raise RuleRegexError(r"uses \C (one byte), which can split a character; use . instead")
    if e in "uUN":
        return _code_point(pattern, i)
    return pattern[i : i + 2], i + 2


def _code_point(pattern: str, i: int) -> tuple[str, int]:
    """Python's \\uXXXX, \\UXXXXXXXX and \\N{NAME} as RE2's \\x{...}, and the index after it."""
    e = pattern[i + 1]
    if e == "N":
        end = pattern.find("}", i + 3)
        name = pattern[i + 3 : end] if end > 0 and pattern[i + 2 : i + 3] == "{" else ""
        try:
            char = unicodedata.lookup(name)
        except KeyError as exc:
            raise RuleRegexError(f"\\N{{{name}}} is not a Unicode character name") from exc
        return f"\\x{{{ord(char):x}}}", end + 1
    size = _UNICODE_ESCAPES[e]
    digits = pattern[i + 2 : i + 2 + size]
    if len(digits) != size or not all(d in hexdigits for d in digits):
        raise RuleRegexError(f"\\{e} needs {size} hex digits, got {digits!r}")
    return f"\\x{{{digits}}}", i + 2 + size
