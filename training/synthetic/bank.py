"""The shape of one language's phrase bank; the banks themselves live in `lang_*.py`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class LanguageBank:
    """Natively written phrases for one language.

    Templates are `str.format` strings. Slots any template may use: `{product}`, `{code}`,
    `{url}`, `{amount}`, `{invoice}`, `{feature}`, `{wrong}`, `{right}`, `{minutes}`,
    `{clock}`, `{browser}`, `{count}` and, in `affected_cues` only, `{n}`.

    Attributes:
        code: ISO 639-1 language code.
        outage_phrase: the native phrase for "production is down" (first outage subject).
        subjects: issue kind -> subject templates (index 0 is the most obvious one).
        bodies: issue kind -> body templates; body i goes with subject i (see render.py).
        greetings: opening lines of an e-mail or web-form ticket.
        signoffs: closing lines; `{name}` is the customer's contact name.
        urgent_cues: sentences that make a ticket more pressing (raise hidden severity).
        calm_cues: sentences that make it less pressing (lower hidden severity).
        affected_cues: sentences naming how many users are affected (`{n}`).
        names: contact names typical for the language.
        features: feature names for feature requests, in the case the templates need.
        typos: (misspelt, correct) word pairs for typo reports.
        currency: format of an amount, `{v}` is the formatted number.
        decimal_comma: True where 1.234,50 is written, False for 1,234.50.
        clock_sep: separator between hours and minutes ("9:40" or "9.40").
        function_words: common short words of the language, used by tests as a language check.
    """

    code: str
    outage_phrase: str
    subjects: Mapping[str, tuple[str, ...]]
    bodies: Mapping[str, tuple[str, ...]]
    greetings: tuple[str, ...]
    signoffs: tuple[str, ...]
    urgent_cues: tuple[str, ...]
    calm_cues: tuple[str, ...]
    affected_cues: tuple[str, ...]
    names: tuple[str, ...]
    features: tuple[str, ...]
    typos: tuple[tuple[str, str], ...]
    currency: str
    decimal_comma: bool
    clock_sep: str
    function_words: frozenset[str]

    def money(self, value: float) -> str:
        """Format an amount the way the language writes money, e.g. 1.249,00 kr."""
        text = f"{value:,.2f}"
        if self.decimal_comma:
            text = text.replace(",", "_").replace(".", ",").replace("_", ".")
        return self.currency.format(v=text)
