"""Where the review page links to: the queue's filters and paging, carried in query strings.

An agent working a filtered queue (say `?language=fi`) stays in it: ticket links, the
previous/next keys, the review form and the redirect after saving all carry the same filters.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from serving.storage.records import QueueFilters

FILTER_NAMES = ("level", "language", "rule", "model_version")


def filters_from_query(params: Mapping[str, str]) -> QueueFilters:
    """The queue filters named in a query string (empty values mean no filter)."""
    values = [(params.get(name) or "").strip() or None for name in FILTER_NAMES]
    return QueueFilters(*values)


def filter_params(filters: QueueFilters) -> dict[str, str]:
    """The filters that are set, as query parameters."""
    values = (filters.level, filters.language, filters.rule, filters.model_version)
    return {name: value for name, value in zip(FILTER_NAMES, values, strict=True) if value}


def query_string(filters: QueueFilters, **extra: str | int) -> str:
    """`?language=fi&offset=200` for the filters and extra parameters; "" when there are none."""
    params = {**filter_params(filters), **{key: str(value) for key, value in extra.items()}}
    return f"?{urlencode(params)}" if params else ""
