"""Agreement between suggestions and reviewers: overall, by slice, over time, and the override
matrix; in shadow mode also how the unused model would have fared against the served rules.

Reviews are human-paced (thousands a day, not millions), so the current reviews in the window
are read once and counted in Python: one query, portable across SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from serving.storage.models import Prediction, Review
from serving.storage.store import ReviewStore

UNKNOWN = "unknown"
RULES_ONLY = "rules-only"


@dataclass(frozen=True)
class Slice:
    """Acceptance within one group of reviews."""

    key: str
    reviews: int
    accepted: int

    @property
    def rate(self) -> float | None:
        """Share of reviews that kept the suggestion (None without reviews)."""
        return self.accepted / self.reviews if self.reviews else None


@dataclass(frozen=True)
class TimePoint:
    """Acceptance on one day (in the zone `agreement` was asked for) for one model version."""

    day: str
    model_version: str
    reviews: int
    accepted: int

    @property
    def rate(self) -> float | None:
        """Share of that day's reviews that kept the suggestion."""
        return self.accepted / self.reviews if self.reviews else None


@dataclass(frozen=True)
class Agreement:
    """Everything the agreement endpoint and the dashboard show."""

    overall: Slice
    per_level: tuple[Slice, ...]
    per_language: tuple[Slice, ...]
    per_model_version: tuple[Slice, ...]
    per_agent: tuple[Slice, ...]  # by the name recorded on each review
    over_time: tuple[TimePoint, ...]
    override_matrix: dict[str, dict[str, int]]
    levels: tuple[str, ...]
    model_agreement: Slice  # the model's own view (live or shadow) vs the final level
    shadow_served: Slice  # shadow mode: the served rules-only level vs the final level
    shadow_model: Slice  # shadow mode: the unused model's level vs the final level
    reason_counts: dict[str, int] = field(
        default_factory=dict
    )  # of overrides that changed the level


def _slices(counts: dict[str, list[int]]) -> tuple[Slice, ...]:
    return tuple(Slice(key, total, ok) for key, (total, ok) in sorted(counts.items()))


async def agreement(
    store: ReviewStore,
    levels: tuple[str, ...],
    since: datetime | None = None,
    until: datetime | None = None,
    time_zone: str | None = None,
) -> Agreement:
    """Agreement statistics over the current reviews created in [since, until).

    `over_time` counts reviews per calendar day in `time_zone` (an IANA name; None: UTC).
    """
    zone = ZoneInfo(time_zone) if time_zone else UTC
    query = select(
        Review.suggested_level,
        Review.final_level,
        Review.model_priority,
        Review.reason_code,
        Review.created_at,
        Review.agent,
        Prediction.language,
        Prediction.model_version,
        Prediction.shadow,
    ).join(Prediction, Prediction.id == Review.prediction_id)
    query = query.where(Review.is_current)
    if since is not None:
        query = query.where(Review.created_at >= since)
    if until is not None:
        query = query.where(Review.created_at < until)
    async with store.read() as session:
        rows = (await session.execute(query)).all()

    by_level: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_language: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_version: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_agent: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_day: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    matrix: dict[str, Counter[str]] = defaultdict(Counter)
    reasons: Counter[str] = Counter()
    total = accepted = model_n = model_ok = 0
    shadow_n = shadow_served_ok = shadow_model_ok = 0
    for suggested, final, model_priority, reason, at, agent, language, version, shadow in rows:
        ok = int(suggested == final)
        total += 1
        accepted += ok
        version_key = version or RULES_ONLY
        for bucket in (
            by_level[suggested],
            by_language[(language or UNKNOWN).lower()],
            by_version[version_key],
            by_agent[agent],
            by_day[(at.astimezone(zone).date().isoformat(), version_key)],
        ):
            bucket[0] += 1
            bucket[1] += ok
        matrix[suggested][final] += 1
        if reason and not ok:  # an override's reason; an accept may carry one, it changed nothing
            reasons[reason] += 1
        if model_priority:
            model_n += 1
            model_ok += int(model_priority == final)
        if shadow:
            shadow_n += 1
            shadow_served_ok += ok
            shadow_model_ok += int(model_priority == final)

    seen = {level for pair in matrix.items() for level in (pair[0], *pair[1])}
    ordered = tuple(levels) + tuple(sorted(seen - set(levels)))
    return Agreement(
        overall=Slice("overall", total, accepted),
        per_level=tuple(Slice(level, *by_level[level]) for level in ordered if level in by_level),
        per_language=_slices(by_language),
        per_model_version=_slices(by_version),
        per_agent=_slices(by_agent),
        over_time=tuple(
            TimePoint(day, version, n, ok) for (day, version), (n, ok) in sorted(by_day.items())
        ),
        override_matrix={s: {f: matrix[s][f] for f in ordered} for s in ordered},
        levels=ordered,
        model_agreement=Slice("model", model_n, model_ok),
        shadow_served=Slice("served", shadow_n, shadow_served_ok),
        shadow_model=Slice("shadow-model", shadow_n, shadow_model_ok),
        reason_counts=dict(reasons.most_common()),
    )
