"""An agent's dates are days in the agent's own time zone: headless chromium in Helsinki and in
Los Angeles filters the queue by received day, sees the dashboard's acceptance per day and
exports reviews since a day."""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.e2e.review_live import Keys, browser_context, running, seed, server_env

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.timeout(240)]

DAY = date(2026, 11, 20)
ZONES = ("Europe/Helsinki", "America/Los_Angeles")
TICKETS = [{"subject": f"Ticket {n}", "body": "Please help.", "language": "en"} for n in range(4)]


def _local(zone: str, day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone))


# For each zone, a ticket received at 00:30 on DAY there and one at 23:30 the day before:
# in Helsinki the first is still the 19th in UTC, in Los Angeles the second is already the 20th.
RECEIVED = [
    moment
    for zone in ZONES
    for moment in (_local(zone, DAY, 0, 30), _local(zone, date(2026, 11, 19), 23, 30))
]


def _set_times(database: Path, table: str, column: str, ids: list[str]) -> None:
    with closing(sqlite3.connect(database)) as db, db:
        for prediction_id, moment in zip(ids, RECEIVED, strict=True):
            naive = moment.astimezone(UTC).replace(tzinfo=None)
            db.execute(
                f"UPDATE {table} SET created_at = ? WHERE {column} = ?",  # noqa: S608 - constants
                (naive.isoformat(sep=" ", timespec="microseconds"), prediction_id),
            )


def _on_day(zone: str, ids: list[str]) -> set[str]:
    return {i for i, moment in zip(ids, RECEIVED, strict=True)
            if moment.astimezone(ZoneInfo(zone)).date() == DAY}  # fmt: skip


def _since_day(zone: str, ids: list[str]) -> set[str]:
    return {i for i, moment in zip(ids, RECEIVED, strict=True)
            if moment.astimezone(ZoneInfo(zone)).date() >= DAY}  # fmt: skip


def _days_in(zone: str) -> dict[str, int]:
    return dict(
        Counter(moment.astimezone(ZoneInfo(zone)).date().isoformat() for moment in RECEIVED)
    )


def _chart_days(page: Any) -> dict[str, int]:
    """Reviews per day on the dashboard's acceptance chart, over every model version."""
    counts: Counter[str] = Counter()
    for title in page.locator("#chart-time circle title").all_text_contents():
        found = re.search(r" (\d{4}-\d\d-\d\d): \d+% of (\d+)$", title)
        assert found is not None, title
        counts[found.group(1)] += int(found.group(2))
    return dict(counts)


def test_the_received_day_and_the_export_date_are_days_in_the_agents_time_zone(
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    keys = Keys.new()
    database = tmp_path / "reviews.db"
    with running(tmp_path, server_env(tmp_path, keys)) as server:
        ids = seed(server, keys, TICKETS)
        headers = {"Authorization": f"Bearer {keys.review}"}
        httpx.get(f"{server.base_url}/v1/reviews/queue", headers=headers)  # written by now
        _set_times(database, "predictions", "id", ids)
        helsinki_0030, _, _, la_2330 = ids

        for zone in ZONES:
            with browser_context(timezone_id=zone) as context:
                page = context.new_page()
                page.goto(f"{server.base_url}/review/login")
                page.fill("#key", keys.review)
                page.keyboard.press("Enter")
                page.wait_for_url(re.compile(r"/review/queue$"))
                expect(page.locator("#f-zone")).to_have_text(f"(days in {zone})")
                page.fill("#f-from", DAY.isoformat())
                page.fill("#f-until", DAY.isoformat())
                page.get_by_role("button", name="Filter").click()
                page.wait_for_url(re.compile(r"received_from=2026-11-20"))
                assert f"tz={zone.replace('/', '%2F')}" in page.url
                links = page.locator("a.queue-link").evaluate_all(
                    "links => links.map(a => a.pathname.slice('/review/p/'.length))"
                )
                assert set(links) == _on_day(zone, ids), zone
                expect(page.locator("#f-zone")).to_have_text(f"(days in {zone})")
        # The cases a UTC day gets wrong: 00:30 in Helsinki is the 19th in UTC, 23:30 on the
        # 19th in Los Angeles is the 20th in UTC.
        assert helsinki_0030 in _on_day("Europe/Helsinki", ids)
        assert la_2330 not in _on_day("America/Los_Angeles", ids)

        for prediction_id in ids:
            done = httpx.post(f"{server.base_url}/v1/predictions/{prediction_id}/review",
                              json={}, headers=headers)  # fmt: skip
            assert done.status_code == 201, done.text
        _set_times(database, "reviews", "prediction_id", ids)
        for zone in ZONES:
            with browser_context(timezone_id=zone, accept_downloads=True) as context:
                page = context.new_page()
                page.goto(f"{server.base_url}/review/login")
                page.fill("#key", keys.review)
                page.keyboard.press("Enter")
                page.wait_for_url(re.compile(r"/review/queue$"))
                page.get_by_role("link", name="Dashboard").click()  # the link carries ?tz=
                page.wait_for_url(re.compile(r"/review/dashboard\?tz="))
                assert _chart_days(page) == _days_in(zone), zone
                page.goto(f"{server.base_url}/review/dashboard")  # reloads once with ?tz=
                page.wait_for_url(re.compile(r"/review/dashboard\?tz="))
                assert page.url.endswith(f"?tz={zone.replace('/', '%2F')}")
                expect(page.locator("#time-zone")).to_have_text(f"Days in {zone}.")
                expect(page.locator("#chart-time-zone")).to_have_text(f"day in {zone}")
                assert _chart_days(page) == _days_in(zone), zone
                expect(page.locator("label[for=x-since]")).to_contain_text(f"a day in {zone}")
                page.fill("#x-since", DAY.isoformat())
                page.select_option("#x-format", "jsonl")
                with page.expect_download() as download:
                    page.get_by_role("button", name="Download").click()
                text = Path(download.value.path()).read_text(encoding="utf-8")
                exported = {json.loads(line)["prediction_id"] for line in text.splitlines()}
                assert exported == _since_day(zone, ids), zone
