"""The review page's links carry every queue filter, so a filtered view survives navigation."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qsl

from serving.review.navigation import filter_params, filters_from_query, query_string
from serving.storage.records import QueueFilters


def test_every_queue_filter_round_trips_through_the_query_string() -> None:
    filters = QueueFilters(level="high", language="fi", rule="vip & co", model_version="3")
    query = query_string(filters, saved="accept")
    assert query.startswith("?")
    params = dict(parse_qsl(query[1:]))
    assert params == {
        "level": "high", "language": "fi", "rule": "vip & co", "model_version": "3",
        "saved": "accept",
    }  # fmt: skip
    assert filters_from_query(params) == filters


def test_empty_filters_give_no_query_string() -> None:
    assert query_string(QueueFilters()) == ""
    assert filters_from_query({"language": " ", "level": ""}) == QueueFilters()
    assert filter_params(QueueFilters(language="da")) == {"language": "da"}


def test_received_dates_round_trip_and_a_malformed_one_is_no_filter() -> None:
    filters = QueueFilters(language="da", received_from=date(2026, 11, 2))
    assert filter_params(filters) == {"language": "da", "received_from": "2026-11-02"}
    assert filters_from_query(filter_params(filters)) == filters
    assert filters_from_query({"received_until": "2.11.2026"}) == QueueFilters()
