"""The queue's language filter: the languages waiting for review, by code and name."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from babel import Locale, UnknownLocaleError

PAGE_LOCALE = Locale("en")  # the language the page is written in (<html lang="en">)


@dataclass(frozen=True, slots=True)
class LanguageChoice:
    """One option of the language filter: `code` goes in the query string (`language=da`)."""

    code: str
    label: str
    selected: bool


@lru_cache(maxsize=512)
def language_name(code: str) -> str | None:
    """The name of a language code in the page's language (`da`: "Danish", `pt-BR`:
    "Portuguese (Brazil)"), or None when CLDR does not know the code."""
    try:
        return str(Locale.parse(code.replace("-", "_")).get_display_name(PAGE_LOCALE))
    except (ValueError, UnknownLocaleError):
        name = PAGE_LOCALE.languages.get(code.lower())
        return str(name) if name else None


def _label(code: str) -> str:
    name = language_name(code)
    return f"{code} \u2014 {name}" if name else code


def language_choices(pending: list[str], selected: str | None) -> list[LanguageChoice]:
    """An option per pending language, the one in the URL selected. A language in the URL
    that none of the pending tickets has is kept as an option of its own, so the form shows
    the filter the queue applies (and submitting it again keeps it)."""
    wanted = (selected or "").lower()
    choices = [LanguageChoice(code, _label(code), code == wanted) for code in pending]
    if selected and wanted not in pending:
        choices.append(LanguageChoice(selected, f"{_label(selected)} (none pending)", True))
    return choices
