"""One clean, obvious ticket of a given kind and language, for model and end-to-end tests."""

from __future__ import annotations

from typing import Any

import numpy as np

from classifier.schema import CHANNELS, TIERS
from training.synthetic import labels
from training.synthetic.customers import AFFECTED_SCALE, MEDIAN_VALUE, PRODUCTS
from training.synthetic.generator import COLUMNS
from training.synthetic.kinds import KINDS, PROFILES
from training.synthetic.languages import BANKS
from training.synthetic.render import MIN_MENTIONED, NO_CUE, compose, slug

_FIXED_DRAW = (0, 0, 0, 0, 30, 9 * 60 + 40, 0, 250, 4812, 0)
_COMPUTED = frozenset({"priority"})


def example_ticket(kind: str, language: str, **attrs: Any) -> dict[str, Any]:
    """Build one noise-free ticket record in the public schema.

    The text uses each kind's first (most obvious) subject and body; the label is the hidden
    function's clean priority for the final attributes. Attributes not given get typical values
    for the tier (e.g. monthly value) and kind (e.g. affected users).

    Args:
        kind: one of KINDS, e.g. "outage" or "typo".
        language: one of LANGUAGES, e.g. "da".
        **attrs: column values to set, e.g. tier="enterprise", vip=True, channel="chat".
            Any column except `priority`, which is always computed.

    Returns:
        A dict with exactly the generator's COLUMNS.

    Raises:
        ValueError: unknown kind, language, attribute name, tier or channel.
    """
    from training.synthetic.generator import _slots

    if kind not in PROFILES:
        raise ValueError(f"kind: {kind!r} is not one of {list(KINDS)}")
    if language not in BANKS:
        raise ValueError(f"language: {language!r} is not one of {list(BANKS)}")
    unknown = sorted(set(attrs) - (set(COLUMNS) - _COMPUTED))
    if unknown:
        raise ValueError(
            f"example_ticket: unknown attribute(s) {unknown}; set any of "
            f"{[c for c in COLUMNS if c not in _COMPUTED]} (priority is computed)"
        )
    tier = str(attrs.get("tier", "standard"))
    channel = str(attrs.get("channel", "email"))
    if tier not in TIERS:
        raise ValueError(f"tier: {tier!r} is not one of {list(TIERS)}")
    if channel not in CHANNELS:
        raise ValueError(f"channel: {channel!r} is not one of {list(CHANNELS)}")
    tier_i = TIERS.index(tier)
    profile = PROFILES[kind]
    typical = max(1, round(profile.affected_median * AFFECTED_SCALE[tier_i]))
    affected = int(attrs.get("affected_users", typical if profile.affected_median > 1 else 1))
    value = float(attrs.get("monthly_value", MEDIAN_VALUE[tier_i]))
    vip = bool(attrs.get("vip", False))

    bank = BANKS[language]
    product = PRODUCTS[0]
    subject, body = compose(
        bank, kind, channel, _slots(bank, product, value, _FIXED_DRAW), 0,
        affected_cue=0 if affected >= MIN_MENTIONED else NO_CUE, affected=affected,
    )  # fmt: skip
    sev = labels.severity(
        np.array([profile.severity]), np.array([False]), np.array([False]), np.array([affected])
    )
    score = sev + labels.context(np.array([tier_i]), np.array([vip]), np.array([value]))
    record: dict[str, Any] = {
        "ticket_id": f"EX-{kind}-{language}",
        "created_at": "2025-06-02T09:40:00Z",
        "language": language,
        "subject": subject,
        "body": body,
        "channel": channel,
        "customer_id": "C-EXAMPLE",
        "tier": tier,
        "vip": vip,
        "account_age_days": 400,
        "monthly_value": value,
        "open_tickets": 1,
        "tickets_last_90d": 2,
        "stated_urgency": "",
        "affected_users": affected,
        "tags": slug(product),
    }
    record.update(attrs)
    record["priority"] = labels.LEVELS[int(labels.to_level(score)[0])]
    return {column: record[column] for column in COLUMNS}
