"""Seeded, vectorised generator of a multilingual helpdesk ticket history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from classifier.schema import CHANNELS, TIERS
from training.synthetic import labels
from training.synthetic.bank import LanguageBank
from training.synthetic.customers import AFFECTED_SCALE, PRODUCTS, make_customers
from training.synthetic.kinds import KINDS, PROFILES
from training.synthetic.languages import BANKS, LANGUAGES
from training.synthetic.render import (
    BROWSERS,
    CODES,
    MIN_MENTIONED,
    NO_CUE,
    PATHS,
    about,
    compose,
    slug,
)

COLUMNS: tuple[str, ...] = (
    "ticket_id", "created_at", "language", "subject", "body", "channel", "customer_id", "tier",
    "vip", "account_age_days", "monthly_value", "open_tickets", "tickets_last_90d",
    "stated_urgency", "affected_users", "tags", "priority",
)  # fmt: skip
DEFAULT_START = datetime(2025, 1, 6, tzinfo=UTC)
DAYS_PER_MONTH = 30.44
# Relative ticket volume per UTC hour: office-hours peaks, a lunch dip, steady night traffic.
HOUR_WEIGHT = np.array([
    0.25, 0.2, 0.15, 0.15, 0.15, 0.2, 0.4, 0.9, 1.8, 2.4, 2.5, 2.2,
    1.6, 2.2, 2.4, 2.1, 1.7, 1.1, 0.8, 0.7, 0.6, 0.55, 0.45, 0.35,
])  # fmt: skip
WEEKEND_WEIGHT = 0.35
CHANNEL_P_SEVERE = (0.30, 0.22, 0.25, 0.15, 0.08)  # email, chat, phone, web, social
CHANNEL_P_OTHER = (0.40, 0.20, 0.07, 0.26, 0.07)
URGENT_CUE_P = {True: 0.25, False: 0.08}
CALM_CUE_P = {True: 0.0, False: 0.15}
AFFECTED_CUE_P = 0.6
DAY = 86_400
CHUNK = 50_000


@dataclass(frozen=True)
class SyntheticTickets:
    """A generated frame plus the hidden truth behind it (for tests and sanity checks).

    Attributes:
        frame: the tickets in the public schema (COLUMNS), oldest first.
        kind: hidden issue kind per row.
        severity: hidden severity score per row (before customer context).
        clean_priority: the label before noise; `frame["priority"]` is the noisy one.
    """

    frame: pd.DataFrame
    kind: npt.NDArray[np.str_]
    severity: npt.NDArray[np.float64]
    clean_priority: npt.NDArray[np.str_]


def _validate(rows: int, months: int, languages: Sequence[str]) -> tuple[str, ...]:
    if rows < 1:
        raise ValueError(f"rows: must be at least 1, got {rows}")
    if months < 1:
        raise ValueError(f"months: must be at least 1, got {months}")
    chosen = tuple(dict.fromkeys(languages))
    unknown = [code for code in chosen if code not in BANKS]
    if not chosen or unknown:
        raise ValueError(f"languages: unknown {unknown or 'empty list'}; use some of {LANGUAGES}")
    return chosen


def _timestamps(
    rows: int, start: datetime, months: int, rng: np.random.Generator
) -> npt.NDArray[np.int64]:
    """Seconds since `start`, sorted; weekdays and office hours busier than nights/weekends."""
    days = max(1, round(months * DAYS_PER_MONTH))
    weekday = (start.weekday() + np.arange(days)) % 7
    day_w = np.where(weekday >= 5, WEEKEND_WEIGHT, 1.0)
    day = rng.choice(days, size=rows, p=day_w / day_w.sum())
    hour = rng.choice(24, size=rows, p=HOUR_WEIGHT / HOUR_WEIGHT.sum())
    seconds = day * DAY + hour * 3600 + rng.integers(0, 3600, size=rows)
    return np.sort(seconds).astype(np.int64)


def _history_counts(
    customer: npt.NDArray[np.int64], seconds: npt.NDArray[np.int64], rng: np.random.Generator
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Tickets the same customer opened in the previous 90 days, and how many are still open."""
    span = int(seconds.max()) + 200 * DAY
    order = np.argsort(customer, kind="stable")  # rows are time-sorted, so stays time-sorted
    keys = customer[order] * span + seconds[order]
    earlier = np.arange(keys.shape[0]) - np.searchsorted(keys, keys - 90 * DAY, side="left")
    recent = np.empty_like(earlier)
    recent[order] = earlier
    # Tickets early in the window also count history from before it.
    per_customer = np.bincount(customer) / max(1.0, seconds.max() / DAY) * 90.0
    ramp = np.clip(1.0 - seconds / (90.0 * DAY), 0.0, 1.0)
    recent = recent + rng.poisson(per_customer[customer] * ramp)
    open_now = rng.binomial(np.minimum(recent, 20), 0.12) + rng.poisson(0.3, size=recent.shape[0])
    return recent.astype(np.int64), open_now.astype(np.int64)


def _affected(
    kind: npt.NDArray[np.int64], tier: npt.NDArray[np.int64], rng: np.random.Generator
) -> npt.NDArray[np.int64]:
    median = np.array([PROFILES[k].affected_median for k in KINDS])[kind]
    scale = np.array(AFFECTED_SCALE)[tier]
    spread = rng.lognormal(0.0, 1.0, size=kind.shape[0])
    many = np.maximum(1, np.round(median * scale * spread))
    return np.where(median > 1, many, 1).astype(np.int64)


def _tags(
    kind: npt.NDArray[np.int64],
    channel: npt.NDArray[np.int64],
    product: npt.NDArray[np.int64],
    rng: np.random.Generator,
) -> list[str]:
    """Helpdesk tags at creation: the product, plus the web form's category when there is one."""
    categories = sorted({p.category for p in PROFILES.values()})
    own = np.array([categories.index(PROFILES[k].category) for k in KINDS])[kind]
    # Customers pick the wrong category on the web form a fair share of the time.
    picked = np.where(
        rng.random(kind.shape[0]) < 0.7, own, rng.integers(0, len(categories), kind.shape[0])
    )
    web = channel == CHANNELS.index("web")
    slugs = [slug(p) for p in PRODUCTS]
    return [
        f"{slugs[p]},{categories[c]}" if w else slugs[p]
        for p, c, w in zip(product.tolist(), picked.tolist(), web.tolist(), strict=True)
    ]


def _slots(bank: LanguageBank, product: str, value: float, draw: Sequence[int]) -> dict[str, str]:
    code_i, path_i, feat_i, typo_i, minutes, clock, browser_i, count, invoice, name_i = draw
    wrong, right = bank.typos[typo_i % len(bank.typos)]
    return {
        "product": product,
        "code": CODES[code_i % len(CODES)],
        "url": f"https://{slug(product)}.example.com{PATHS[path_i % len(PATHS)]}",
        "amount": bank.money(value if value > 0 else 9.0 + minutes),
        "invoice": f"INV-2025-{invoice:05d}",
        "feature": bank.features[feat_i % len(bank.features)],
        "wrong": wrong,
        "right": right,
        "minutes": str(minutes),
        "clock": f"{clock // 60}{bank.clock_sep}{clock % 60:02d}",
        "browser": BROWSERS[browser_i % len(BROWSERS)],
        "count": str(about(count)),
        "name": bank.names[name_i % len(bank.names)],
    }


@dataclass(frozen=True)
class _TextRows:
    """Per-row facts a ticket's text is written from (all arrays of the same length)."""

    lang: npt.NDArray[np.int64]
    kind: npt.NDArray[np.int64]
    channel: npt.NDArray[np.int64]
    product: npt.NDArray[np.int64]
    value: npt.NDArray[np.float64]
    affected: npt.NDArray[np.int64]
    severe: npt.NDArray[np.bool_]
    urgent: npt.NDArray[np.bool_]
    calm: npt.NDArray[np.bool_]


def _cue_indices(
    banks: Sequence[LanguageBank], facts: _TextRows, rng: np.random.Generator
) -> npt.NDArray[np.int64]:
    """Per row: which urgent, calm and "N users affected" sentence to add (NO_CUE for none)."""
    lang, severe, affected = facts.lang, facts.severe, facts.affected
    rows = lang.shape[0]
    sizes = np.array([
        [len(b.urgent_cues), len(b.calm_cues), len(b.affected_cues)] for b in banks
    ])[lang]  # fmt: skip
    chosen = rng.integers(0, 2**20, size=(rows, 3)) % sizes
    # "N people cannot work" (sentence 1) reads wrong for a slow page or a typo.
    chosen[:, 2] = np.where((chosen[:, 2] == 1) & ~severe, 0, chosen[:, 2])
    shows_affected = (affected >= MIN_MENTIONED) & (rng.random(rows) < AFFECTED_CUE_P)
    shown = np.column_stack([facts.urgent, facts.calm, shows_affected])
    return np.where(shown, chosen, NO_CUE).astype(np.int64)


def _write_texts(
    banks: Sequence[LanguageBank],
    facts: _TextRows,
    cues: npt.NDArray[np.int64],
    rng: np.random.Generator,
) -> tuple[list[str], list[str]]:
    """Subjects and bodies, rendered in chunks so 1M rows stay within modest memory."""
    rows = int(facts.lang.shape[0])
    draws = np.column_stack([
        rng.integers(0, 840, size=(rows, 4)),  # code, path, feature, typo
        rng.integers(5, 91, size=rows),  # minutes / seconds
        rng.integers(0, 24 * 60, size=rows),  # clock
        rng.integers(0, 840, size=rows),  # browser
        rng.integers(5, 2000, size=rows),  # count
        rng.integers(1, 99_999, size=rows),  # invoice number
        rng.integers(0, 840, size=rows),  # name
    ]).astype(np.int32)  # fmt: skip
    picks: npt.NDArray[np.int64] = rng.integers(0, 2**31, size=rows)
    subjects: list[str] = []
    bodies: list[str] = []
    for lo in range(0, rows, CHUNK):
        part = slice(lo, lo + CHUNK)
        ints: list[list[int]] = np.column_stack([
            facts.lang[part], facts.kind[part], facts.channel[part], facts.product[part],
            facts.affected[part], picks[part], cues[part], draws[part],
        ]).tolist()  # fmt: skip
        values: list[float] = facts.value[part].tolist()
        for row, val in zip(ints, values, strict=True):
            lg, kd, ch, pr, aff, pick = row[:6]
            cue, draw = row[6:9], row[9:]
            bank = banks[lg]
            subject, body = compose(
                bank, KINDS[kd], CHANNELS[ch], _slots(bank, PRODUCTS[pr], val, draw), pick,
                urgent_cue=cue[0], calm_cue=cue[1], affected_cue=cue[2], affected=aff,
            )  # fmt: skip
            subjects.append(subject)
            bodies.append(body)
    return subjects, bodies


def generate_with_truth(
    rows: int = 20_000,
    seed: int = 7,
    *,
    start: datetime | None = None,
    months: int = 9,
    languages: Sequence[str] = LANGUAGES,
) -> SyntheticTickets:
    """Generate tickets and keep the hidden kind, severity and clean label alongside.

    Same arguments as `generate_tickets`; see docs/synthetic_data.md for the model behind it.
    """
    langs = _validate(rows, months, languages)
    origin = (start or DEFAULT_START).replace(tzinfo=(start or DEFAULT_START).tzinfo or UTC)
    origin = origin.astimezone(UTC)
    rng = np.random.default_rng(seed)
    seconds = _timestamps(rows, origin, months, rng)
    people = make_customers(max(20, rows // 6), langs, rng)
    cust = rng.choice(len(people.ids), size=rows, p=people.activity / people.activity.sum())
    shares = np.array([PROFILES[k].share for k in KINDS])
    kind = rng.choice(len(KINDS), size=rows, p=shares / shares.sum()).astype(np.int64)
    severe = np.array([PROFILES[k].severe for k in KINDS])[kind]
    lang = np.where(
        rng.random(rows) < 0.95, people.language[cust], rng.integers(0, len(langs), rows)
    )
    tier = people.tier[cust]
    affected = _affected(kind, tier, rng)

    urgent = rng.random(rows) < np.where(severe, URGENT_CUE_P[True], URGENT_CUE_P[False])
    calm = ~urgent & (rng.random(rows) < np.where(severe, CALM_CUE_P[True], CALM_CUE_P[False]))
    base = np.array([PROFILES[k].severity for k in KINDS])[kind]
    sev = labels.severity(base, urgent, calm, affected)
    score = sev + labels.context(tier, people.vip[cust], people.monthly_value[cust])
    clean = labels.to_level(score)
    noisy = labels.add_noise(clean, rng)
    stated = labels.stated_urgency(labels.to_level(sev), rng)

    channel_p = np.where(severe[:, None], CHANNEL_P_SEVERE, CHANNEL_P_OTHER).cumsum(axis=1)
    channel = (rng.random(rows)[:, None] > channel_p).sum(axis=1).clip(0, len(CHANNELS) - 1)
    recent, open_now = _history_counts(cust, seconds, rng)
    tags = _tags(kind, channel, people.product[cust], rng)

    banks = [BANKS[code] for code in langs]
    facts = _TextRows(
        lang, kind, channel, people.product[cust], people.monthly_value[cust], affected, severe,
        urgent, calm,
    )  # fmt: skip
    subjects, bodies = _write_texts(banks, facts, _cue_indices(banks, facts, rng), rng)

    stamps = np.datetime64(origin.replace(tzinfo=None), "s") + seconds.astype("timedelta64[s]")
    age = people.signup_days[cust] + seconds // DAY
    level_names = np.array(labels.LEVELS)
    frame = pd.DataFrame({
        "ticket_id": [f"T{i:07d}" for i in range(1, rows + 1)],
        "created_at": [s + "Z" for s in np.datetime_as_string(stamps, unit="s").tolist()],
        "language": np.array(langs)[lang],
        "subject": subjects,
        "body": bodies,
        "channel": np.array(CHANNELS)[channel],
        "customer_id": people.ids[cust],
        "tier": np.array(TIERS)[tier],
        "vip": people.vip[cust],
        "account_age_days": age.astype(np.int64),
        "monthly_value": people.monthly_value[cust],
        "open_tickets": open_now,
        "tickets_last_90d": recent,
        "stated_urgency": stated,
        "affected_users": affected,
        "tags": tags,
        "priority": level_names[noisy],
    })  # fmt: skip
    return SyntheticTickets(frame, np.array(KINDS)[kind], sev, level_names[clean])


def generate_tickets(
    rows: int = 20_000,
    seed: int = 7,
    *,
    start: datetime | None = None,
    months: int = 9,
    languages: Sequence[str] = LANGUAGES,
) -> pd.DataFrame:
    """Generate a seeded, deterministic multilingual ticket history.

    Args:
        rows: number of tickets (at least 1).
        seed: seed of the numpy Generator; the same seed gives an identical frame.
        start: first moment of the history (UTC; naive datetimes are read as UTC).
            Defaults to 2025-01-06T00:00:00Z.
        months: length of the history in months (about 30.44 days each).
        languages: language codes to write in, a subset of LANGUAGES.

    Returns:
        A frame with exactly COLUMNS, oldest ticket first, labelled in `priority`.

    Raises:
        ValueError: rows or months below 1, or an unknown language code.
    """
    return generate_with_truth(rows, seed, start=start, months=months, languages=languages).frame


OUTPUT_SUFFIXES = (".csv", ".parquet", ".jsonl")


def output_problem(path: Path) -> str | None:
    """Why `write_tickets` cannot write to `path`, or None."""
    if path.suffix.lower() not in OUTPUT_SUFFIXES:
        return f"--out: {path.name!r} must end in {', '.join(OUTPUT_SUFFIXES)}"
    return None


def write_tickets(frame: pd.DataFrame, path: Path) -> Path:
    """Write tickets to `path` as CSV, Parquet or JSON lines, chosen by the suffix.

    Raises:
        ValueError: the suffix is none of .csv, .parquet, .jsonl.
    """
    path = Path(path)
    problem = output_problem(path)
    if problem is not None:
        raise ValueError(problem)
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True, force_ascii=False, date_format="iso")
    else:
        frame.to_parquet(path, index=False)
    return path
