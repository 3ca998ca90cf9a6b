"""Case and accent folding: what `normalise` does to ticket text before phrases are matched.

Text is casefolded (German `ß` matches `ss`) and accent-folded (`é` -> `e`, `ø` -> `o`,
`č` -> `c`); Latin-script text comes back as ASCII, other scripts keep their letters.
`_normalise_any` is the general algorithm; `normalise` gives exactly its result faster for
the text helpdesks mostly see (see the comments in `normalise`).
"""

from __future__ import annotations

import codecs
import re
import unicodedata

# Letters NFKD does not decompose, and typographic punctuation that would force the slow path.
_SPECIAL = (
    ("ø", "o"), ("æ", "ae"), ("œ", "oe"), ("đ", "d"), ("ł", "l"), ("þ", "th"), ("ð", "d"),
    ("ı", "i"), ("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"'), ("„", '"'), ("–", "-"),
    ("—", "-"), ("«", '"'), ("»", '"'), ("€", " "), ("\u00a0", " "), ("…", "..."),
)  # fmt: skip
_SPECIAL_RE = re.compile("[" + "".join(s for s, _ in _SPECIAL) + "]")
_ACCENTS = re.compile("[\u0300-\u036f]+")  # Latin/Greek/Cyrillic accents after NFKD
_NOT_FOLDABLE = re.compile("[^\x00-\x7f\u0300-\u036f]")


def normalise(text: str) -> str:
    """Casefold and accent-fold text so phrases match regardless of case and accents.

    Args:
        text: any text, in any language or script.

    Returns:
        The folded text. Latin-script text comes back as ASCII.

    Example:
        >>> normalise("Varnostni INCIDENT: Straße, Škoda, høj")
        'varnostni incident: strasse, skoda, hoj'
    """
    if text.isascii():
        return text.lower()  # casefold() of ASCII
    # Folding the whole text gives the same as folding each character or run of non-ASCII
    # characters on its own, unless a character stays non-ASCII (see _normalise_any). So
    # Latin-1 letters go through a byte table, longer runs of other characters through
    # `_fold_run` as the Latin-1 codec meets them: several times faster than casefolding and
    # decomposing the whole text. Anything that does not fold to ASCII takes the general path.
    try:
        raw = text.encode("latin-1", _FOLD_ERRORS)
    except _NotAsciiError:
        return _normalise_any(text)
    for byte, plain in _LATIN1_LONG:
        if byte in raw:
            raw = raw.replace(byte, plain)
    folded = raw.translate(_LATIN1_FOLD)
    if folded.isascii():
        return folded.decode("ascii")
    # Characters that fold to themselves (¿, ¡, §) are kept as they are, as in the general path.
    if any(byte in folded for byte in _LATIN1_OTHER):
        return _normalise_any(text)
    return folded.decode("latin-1")


class _NotAsciiError(Exception):
    """A run of characters does not fold to lower-case ASCII (another script, `ℌ`)."""


_FOLD_ERRORS = "classifier.folding.fold"
_FOLDED: dict[str, str] = {}  # run -> folded run; runs repeat (ä, ß, é), so this stays small
_FOLDED_LIMIT = 4096


def _fold_run(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    run = error.object[error.start : error.end]
    folded = _FOLDED.get(run)
    if folded is None:
        folded = _normalise_any(run)
        # The byte table lower-cases ASCII after this: only text it leaves alone may pass.
        if not folded.isascii() or folded != folded.lower():
            raise _NotAsciiError
        if len(_FOLDED) < _FOLDED_LIMIT:
            _FOLDED[run] = folded
    return folded, error.end


codecs.register_error(_FOLD_ERRORS, _fold_run)


def _latin1_tables() -> tuple[bytes, tuple[tuple[bytes, bytes], ...], tuple[bytes, ...]]:
    """Byte tables folding Latin-1 like `_normalise_any`.

    Returns:
        A translate table (bytes that do not fold to one ASCII character are kept as they
        are), the letters that fold to several (ß -> ss) with their folding, and the bytes
        that fold to other characters (µ -> μ), which only the general path handles.
    """
    table = bytearray(bytes(range(128)).lower() + bytes(range(128, 256)))
    longer, other = [], []
    for code in range(128, 256):
        folded = _normalise_any(chr(code))
        if folded.isascii() and folded == folded.lower():
            if len(folded) == 1:
                table[code] = ord(folded)
            else:
                longer.append((bytes([code]), folded.encode("ascii")))
        elif folded != chr(code):
            other.append(bytes([code]))
    return bytes(table), tuple(longer), tuple(other)


def _normalise_any(text: str) -> str:
    """`normalise` for any text: casefold, replace special letters, decompose, drop accents."""
    low = text.casefold()
    if low.isascii():
        return low
    if _SPECIAL_RE.search(low) is not None:
        for special, plain in _SPECIAL:
            low = low.replace(special, plain)
    decomposed = unicodedata.normalize("NFKD", low)
    if _NOT_FOLDABLE.search(decomposed) is None:
        return decomposed.encode("ascii", "ignore").decode("ascii")
    return _ACCENTS.sub("", decomposed)


_LATIN1_FOLD, _LATIN1_LONG, _LATIN1_OTHER = _latin1_tables()


# How German and Nordic writers spell these letters on a keyboard without them: "ueberlastet"
# for "überlastet", "Koebenhavn" for "København", "Aalborg" for "Ålborg".
_SPELLED_OUT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ø": "oe", "å": "aa"})


def spelled_out(phrase: str) -> str | None:
    """The phrase with ä, ö, ü, ø, å written as ae, oe, ue, oe, aa; None if it has none.

    Folding alone matches "uberlastet" to "überlastet"; a rule phrase also matches the
    spelled-out form by compiling this variant too.

    Example:
        >>> spelled_out("Überlastet")
        'ueberlastet'
    """
    lowered = unicodedata.normalize("NFC", phrase).casefold()
    variant = lowered.translate(_SPELLED_OUT)
    return None if variant == lowered else variant
