"""Behaviour of a model trained on synthetic tickets, checked in every generated language.

- Invariance: swapping the contact's name and the numbers in the text keeps the level.
- Directional: adding the language's "production is down" phrase never lowers the level.
- Directional: an enterprise customer never ranks below a free one for the same ticket.

Each property must hold for at least 95% of a sample of unseen tickets per language.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any

import numpy as np
import pytest

from classifier.model import PriorityModel
from training.synthetic import BANKS, LANGUAGES, OUTAGE_PHRASES, generate_tickets

pytestmark = pytest.mark.slow

SAMPLE_PER_LANGUAGE = 200
REQUIRED_SHARE = 0.95
_DIGITS = re.compile(r"\d")
_ALL_NAMES = sorted({name for bank in BANKS.values() for name in bank.names}, key=len)[::-1]
_NAME_PATTERN = re.compile("|".join(re.escape(name) for name in _ALL_NAMES))


@cache
def _sample(language: str) -> tuple[dict[str, Any], ...]:
    """Unseen tickets (another seed than training) written in `language`."""
    frame = generate_tickets(SAMPLE_PER_LANGUAGE * len(LANGUAGES) * 2, seed=99)
    rows = frame[frame["language"] == language].head(SAMPLE_PER_LANGUAGE)
    return tuple({str(k): v for k, v in row.items()} for row in rows.to_dict("records"))


def _predict(model: PriorityModel, records: Sequence[Mapping[str, Any]]) -> tuple[Any, Any]:
    """Level indices and expected urgency (sum of level index x probability) per record."""
    outputs = model.predict(records, reasons=0)
    levels = np.asarray([model.levels.index(o.priority) for o in outputs])
    proba = np.asarray([[o.probabilities[lv] for lv in model.levels] for o in outputs])
    return levels, proba @ np.arange(len(model.levels))


def _failing(holds: Any) -> float:
    """Share of the sample where the property does not hold."""
    values = np.asarray(holds, dtype=bool)
    return float(np.count_nonzero(~values)) / len(values)


ALLOWED = 1 - REQUIRED_SHARE + 1e-9


def _edit_text(records: Sequence[Mapping[str, Any]], edit: Callable[[str], str]) -> list[Any]:
    return [dict(r) | {"subject": edit(str(r["subject"])), "body": edit(str(r["body"]))}
            for r in records]  # fmt: skip


def _swap_names_and_numbers(language: str, seed: int) -> Callable[[str], str]:
    rng = random.Random(seed)
    names = BANKS[language].names

    def edit(text: str) -> str:
        text = _NAME_PATTERN.sub(lambda m: rng.choice([n for n in names if n != m[0]]), text)
        return _DIGITS.sub(lambda _: str(rng.randint(0, 9)), text)

    return edit


@pytest.mark.parametrize("language", LANGUAGES)
def test_swapping_names_and_numbers_in_the_text_keeps_the_level(
    synthetic_model: PriorityModel, language: str
) -> None:
    sample = _sample(language)
    assert len(sample) >= SAMPLE_PER_LANGUAGE // 2, f"too few {language} tickets generated"
    edited = _edit_text(sample, _swap_names_and_numbers(language, seed=1))
    changed = sum(a != b for a, b in zip(edited, sample, strict=True))
    assert changed >= len(sample) // 2, "the edit should touch most tickets to test anything"
    before, _ = _predict(synthetic_model, sample)
    after, _ = _predict(synthetic_model, edited)
    flipped = _failing(before == after)
    assert flipped <= ALLOWED, (
        f"{language}: swapping names and numbers changed the level of {flipped:.1%} of "
        f"{len(sample)} tickets (allowed {1 - REQUIRED_SHARE:.0%})"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_adding_production_is_down_never_lowers_the_level(
    synthetic_model: PriorityModel, language: str
) -> None:
    sample = _sample(language)
    phrase = OUTAGE_PHRASES[language]
    louder = [dict(r) | {"body": f"{r['body']}\n{phrase}."} for r in sample]
    before, urgency_before = _predict(synthetic_model, sample)
    after, urgency_after = _predict(synthetic_model, louder)
    lowered = _failing(after >= before)
    assert lowered <= ALLOWED, (
        f"{language}: adding {phrase!r} lowered the level of {lowered:.1%} of "
        f"{len(sample)} tickets (allowed {1 - REQUIRED_SHARE:.0%})"
    )
    raised = float(np.mean(after > before))
    assert raised > 0, f"{language}: adding {phrase!r} raised no ticket's level"
    assert np.mean(urgency_after - urgency_before) > 0, f"{language}: the phrase has no effect"


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_enterprise_customer_does_not_rank_below_a_free_one(
    synthetic_model: PriorityModel, language: str
) -> None:
    sample = _sample(language)
    free = [dict(r) | {"tier": "free"} for r in sample]
    enterprise = [dict(r) | {"tier": "enterprise"} for r in sample]
    free_level, free_urgency = _predict(synthetic_model, free)
    ent_level, ent_urgency = _predict(synthetic_model, enterprise)
    below = _failing(ent_level >= free_level)
    assert below <= ALLOWED, (
        f"{language}: enterprise ranked below free for {below:.1%} of {len(sample)} tickets "
        f"(allowed {1 - REQUIRED_SHARE:.0%})"
    )
    lower = _failing(ent_urgency >= free_urgency - 1e-9)
    assert lower <= ALLOWED, (
        f"{language}: enterprise had a lower expected urgency than free for {lower:.1%} of "
        f"{len(sample)} tickets"
    )
    assert np.mean(ent_urgency - free_urgency) > 0, f"{language}: tier has no effect"
