"""Where the review page links to: the queue's filters and paging, carried in query strings.

An agent working a filtered queue (say `?language=fi`) stays in it: ticket links, the
previous/next keys, the review form and the redirect after saving all carry the same filters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from serving.review.time_zones import FIELD as ZONE_FIELD
from serving.review.time_zones import agent_zone
from serving.storage.records import QueueFilters

FILTER_NAMES = ("level", "language", "rule", "model_version")
# Days in the agent's time zone (the `tz` parameter; UTC without one), both included.
DATE_FILTER_NAMES = ("received_from", "received_until")
PAGE_SIZE = 200
MAX_PAGE_SIZE = 500


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:  # empty, or not a date (the page's date fields send 2026-11-01)
        return None


def filters_from_query(params: Mapping[str, str]) -> QueueFilters:
    """The queue filters named in a query string (empty values mean no filter); the dates are
    days in the time zone `tz` names (UTC when it is missing or unknown)."""
    level, language, rule, model_version = (
        (params.get(name) or "").strip() or None for name in FILTER_NAMES
    )
    return QueueFilters(
        level, language, rule, model_version,
        received_from=_date(params.get("received_from")),
        received_until=_date(params.get("received_until")),
        time_zone=agent_zone(params.get(ZONE_FIELD)).iana,
    )  # fmt: skip


def filter_params(filters: QueueFilters) -> dict[str, str]:
    """The filters that are set, as query parameters."""
    values = (filters.level, filters.language, filters.rule, filters.model_version)
    params = {name: value for name, value in zip(FILTER_NAMES, values, strict=True) if value}
    days = (filters.received_from, filters.received_until)
    params.update(
        {name: day.isoformat() for name, day in zip(DATE_FILTER_NAMES, days, strict=True) if day}
    )
    if filters.time_zone and any(days):  # the zone only matters to the dates
        params[ZONE_FIELD] = filters.time_zone
    return params


def query_string(filters: QueueFilters, **extra: str | int) -> str:
    """`?language=fi&offset=200` for the filters and extra parameters; "" when there are none."""
    params = {**filter_params(filters), **{key: str(value) for key, value in extra.items()}}
    return f"?{urlencode(params)}" if params else ""


def _whole(value: str | None, default: int, low: int, high: int) -> int:
    try:
        number = int(value or "")
    except ValueError:
        return default
    return min(max(number, low), high)


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue: `limit` items from `offset`, out of `total` pending."""

    offset: int
    limit: int
    total: int = 0

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> QueuePage:
        """The page a query string asks for; a missing or malformed value falls back to the
        first page of `PAGE_SIZE` items."""
        limit = _whole(params.get("limit"), PAGE_SIZE, 1, MAX_PAGE_SIZE)
        return cls(offset=_whole(params.get("offset"), 0, 0, 10**9), limit=limit)

    @property
    def first(self) -> int:
        """The 1-based position of the first item shown (0 when none is)."""
        return self.offset + 1 if self.offset < self.total else 0

    @property
    def last(self) -> int:
        """The 1-based position of the last item shown."""
        return min(self.offset + self.limit, self.total)

    @property
    def previous_offset(self) -> int | None:
        """Where the previous page starts, or None on the first page."""
        return max(self.offset - self.limit, 0) if self.offset > 0 else None

    @property
    def next_offset(self) -> int | None:
        """Where the next page starts, or None on the last page."""
        return self.offset + self.limit if self.offset + self.limit < self.total else None

    def link(self, filters: QueueFilters, offset: int) -> str:
        """The queue URL of the page at `offset`, with the same filters and page size."""
        extra: dict[str, str | int] = {"offset": offset} if offset else {}
        if self.limit != PAGE_SIZE:
            extra["limit"] = self.limit
        return f"/review/queue{query_string(filters, **extra)}"
