"""What rule phrases see of a ticket: the text a reader sees, without markup or invisible marks.

Helpdesks send HTML bodies (Freshdesk's `description`, Zendesk's HTML comments) and pasted mail
carries soft hyphens and zero-width characters. None of them is visible to the agent, and each
would split a word or a phrase: `security&nbsp;breach`, `<p>security</p> <p>breach</p>` and
`secu\u00adrity` all read "security breach". Nothing here depends on the language.

Tags of HTML elements are dropped (inline ones such as `<b>` join the letters around them,
others separate words), then entities are decoded, then soft hyphens and zero-width characters
are removed. Text without `<`, `&` or such characters comes back unchanged. Every step is a
single pass: the patterns cannot backtrack, whatever the text.
"""

from __future__ import annotations

import html
import re


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Elements that live inside a line of text: their tags join what is around them ("<b>S</b>OS").
_INLINE = _names(
    "a abbr b bdi bdo big cite code del dfn em font i ins kbd mark q s samp small span strike "
    "strong sub sup tt u var"
)
# Other elements of HTML mail bodies, which break the line or start a block. Anything else in
# angle brackets (`<name>`, `<tel_num>` placeholders, `<a@b.c>`) is text.
_BLOCK = _names(
    "address article aside blockquote body br caption center col colgroup dd div dl dt "
    "figcaption figure footer h1 h2 h3 h4 h5 h6 head header hr html img li link main meta nav "
    "o:p ol p pre section style table tbody td tfoot th thead title tr ul wbr xml"
)
# A tag: its name (group 1), then attributes up to `>`; or a comment, doctype, `<?xml ...?>`.
_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9:]*+)(?=[\s/>])[^<>]*+>|<[!?][^<>]*+>")
# Soft hyphen, zero-width space / non-joiner / joiner, word joiner, BOM (zero-width no-break
# space), Mongolian vowel separator: invisible, yet each splits a word for matching.
_INVISIBLE = "\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff"
_DROP_INVISIBLE = dict.fromkeys(map(ord, _INVISIBLE))


def plain_text(raw: str) -> str:
    """The text as a reader sees it: tags dropped, entities decoded, invisible marks removed.

    Args:
        raw: a ticket's subject or body, plain text or HTML, in any language.

    Returns:
        The visible text; `raw` itself when there is nothing to remove.

    Example:
        >>> plain_text("<p>Security&nbsp;<b>br</b>each</p>")
        ' Security\\xa0breach '
    """
    text = raw
    if "<" in text:
        text = _TAG.sub(_replace_tag, text)
    if "&" in text:
        text = html.unescape(text)
    if not text.isascii():
        text = without_invisible(text)
    return text


def _replace_tag(tag: re.Match[str]) -> str:
    name = tag.group(1)
    if name is None:  # a comment or declaration
        return " "
    name = name.lower()
    return "" if name in _INLINE else " " if name in _BLOCK else tag.group(0)


def without_invisible(text: str) -> str:
    """The text without soft hyphens and zero-width characters (also used on rule phrases)."""
    # One `in` per character is several times faster than a regex search over the text.
    if any(char in text for char in _INVISIBLE):
        return text.translate(_DROP_INVISIBLE)
    return text
