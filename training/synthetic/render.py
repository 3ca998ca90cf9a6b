"""Turn drawn choices into a subject and body in one language; tiny per-row work."""

from __future__ import annotations

from collections.abc import Mapping

from training.synthetic.bank import LanguageBank

CODES: tuple[str, ...] = (
    "ERR-5031", "HTTP 502", "HTTP 503", "E1047", "0x80070005", "AUTH-401", "TIMEOUT-408",
    "PAY-3DS-02",
)  # fmt: skip
PATHS: tuple[str, ...] = (
    "/login", "/settings/billing", "/checkout", "/reports/monthly", "/admin/users", "/pricing",
    "/invoices",
)  # fmt: skip
BROWSERS: tuple[str, ...] = ("Chrome", "Firefox", "Safari", "Edge")
# E-mail and web-form tickets are letters; chat, phone notes and social posts are terse.
LETTER_CHANNELS = frozenset({"email", "web"})
NO_CUE = -1
MIN_MENTIONED = 5  # the "N users"/"N seats" templates are written for five or more
FREE_MIX_KINDS = frozenset({"outage", "feature_request"})


def about(n: int) -> int:
    """A number as people write an estimate: two significant digits from 100 up.

    Besides reading naturally ("about 480 users"), this keeps numbers ending in 01-04, which
    Slovenian declines differently, out of templates written for "5 or more".
    """
    if n < 100:
        return n
    magnitude = int(10 ** (len(str(n)) - 2))
    return round(n / magnitude) * magnitude


def slug(product: str) -> str:
    """Host-name form of a product name: "Pulse API" -> "pulse-api"."""
    return product.lower().replace(" ", "-")


def compose(
    bank: LanguageBank,
    kind: str,
    channel: str,
    slots: Mapping[str, str],
    pick: int,
    *,
    urgent_cue: int = NO_CUE,
    calm_cue: int = NO_CUE,
    affected_cue: int = NO_CUE,
    affected: int = 1,
) -> tuple[str, str]:
    """Write one ticket's subject and body.

    Args:
        bank: the language's phrases.
        kind: issue kind (a key of bank.subjects).
        channel: ticket channel; e-mail and web tickets get a greeting and a sign-off.
        slots: values for the template slots (see LanguageBank).
        pick: a non-negative random integer choosing templates, greeting and sign-off.
        urgent_cue: index of an urgent sentence to add, or NO_CUE.
        calm_cue: index of a calming sentence to add, or NO_CUE.
        affected_cue: index of an "N users affected" sentence to add, or NO_CUE.
        affected: the number of affected users; the cue names it rounded by `about`.

    Returns:
        (subject, body).
    """
    subjects = bank.subjects[kind]
    bodies = bank.bodies[kind]
    which = pick % len(subjects)
    # Subject i belongs with body i; only kinds with generic subjects mix them freely.
    mixed = kind in FREE_MIX_KINDS or which >= len(bodies)
    body_at = (pick // 7) % len(bodies) if mixed else which
    subject = subjects[which].format_map(slots)
    parts = [bodies[body_at].format_map(slots)]
    if affected_cue != NO_CUE:
        parts.append(bank.affected_cues[affected_cue].format(n=about(affected)))
    if urgent_cue != NO_CUE:
        parts.append(bank.urgent_cues[urgent_cue])
    if calm_cue != NO_CUE:
        parts.append(bank.calm_cues[calm_cue])
    text = " ".join(parts)
    if channel in LETTER_CHANNELS:
        greeting = bank.greetings[(pick // 49) % len(bank.greetings)]
        signoff = bank.signoffs[(pick // 343) % len(bank.signoffs)].format(name=slots["name"])
        text = f"{greeting}\n\n{text}\n\n{signoff}"
    return subject, text
