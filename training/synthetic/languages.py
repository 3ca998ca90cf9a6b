"""Registry of the phrase banks, one per language."""

from __future__ import annotations

from collections.abc import Mapping

from training.synthetic import lang_da, lang_de, lang_en, lang_fi, lang_nl, lang_sl
from training.synthetic.bank import LanguageBank

BANKS: Mapping[str, LanguageBank] = {
    bank.code: bank
    for bank in (lang_en.BANK, lang_de.BANK, lang_da.BANK, lang_fi.BANK, lang_nl.BANK, lang_sl.BANK)
}
LANGUAGES: tuple[str, ...] = tuple(BANKS)
OUTAGE_PHRASES: Mapping[str, str] = {code: bank.outage_phrase for code, bank in BANKS.items()}
