"""A reviewer signs in with a browser and works the queue with the keyboard only."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.e2e.review_live import (
    ARTIFACTS,
    Keys,
    browser_context,
    running,
    seed,
    server_env,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.timeout(240)]

TICKETS = [
    {"subject": "Sikkerhedsbrud: data leak", "body": "Vi har et sikkerhedsbrud.", "language": "da",
     "external_id": "ZD-101", "customer": {"tier": "enterprise"}},
    {"subject": "Kysymys laskusta", "body": "Laskussa on virhe.", "language": "fi",
     "external_id": "ZD-102"},
    {"subject": "Vraag over levering", "body": "Wanneer komt mijn pakket?", "language": "nl",
     "external_id": "ZD-103"},
    {"subject": "Vprašanje o računu", "body": "Prosim za pomoč.", "language": "sl",
     "external_id": "ZD-104"},
]  # fmt: skip


def test_reviewer_accepts_overrides_and_skips_with_the_keyboard(tmp_path: Path) -> None:
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    keys = Keys.new()
    with running(tmp_path, server_env(tmp_path, keys)) as server:
        seed(server, keys, TICKETS)
        review_headers = {"Authorization": f"Bearer {keys.review}"}
        queue = httpx.get(f"{server.base_url}/v1/reviews/queue", headers=review_headers).json()
        order = [(item["prediction_id"], item["priority"]) for item in queue["items"]]
        assert len(order) == 4
        levels = ["low", "medium", "high", "urgent"]
        second_level = order[1][1]
        override_to = "low" if second_level != "low" else "urgent"
        override_key = str(levels.index(override_to) + 1)

        with browser_context(viewport={"width": 1280, "height": 900}) as context:
            page = context.new_page()

            page.goto(f"{server.base_url}/review/login")
            expect(page.locator("#key")).to_be_focused()
            page.screenshot(path=str(ARTIFACTS / "1-login.png"), full_page=True)
            page.keyboard.type(keys.review)
            page.keyboard.press("Enter")
            page.wait_for_url(re.compile(r"/review/queue$"))
            expect(page.locator("h1")).to_contain_text("4 pending")
            page.screenshot(path=str(ARTIFACTS / "2-queue.png"), full_page=True)

            page.keyboard.press("?")
            expect(page.locator("#help")).to_be_visible()
            page.keyboard.press("Escape")
            expect(page.locator("#help")).to_be_hidden()

            page.keyboard.press("j")
            expect(page.locator("a.queue-link").first).to_be_focused()
            page.keyboard.press("Enter")
            page.wait_for_url(re.compile(rf"/review/p/{order[0][0]}$"))
            page.screenshot(path=str(ARTIFACTS / "3-detail.png"), full_page=True)

            page.keyboard.press("a")  # accept the first suggestion
            page.wait_for_url(re.compile(rf"/review/p/{order[1][0]}\?saved=accept"))
            expect(page.locator("#status")).to_contain_text("Accepted")

            page.keyboard.press(override_key)  # choose a level ...
            expect(page.locator(f'.level-button[value="{override_to}"]')).to_have_attribute(
                "aria-pressed", "true"
            )
            page.keyboard.press("ArrowDown")  # ... the second reason ...
            page.keyboard.press("Enter")  # ... and save
            page.wait_for_url(re.compile(rf"/review/p/{order[2][0]}\?saved=override"))
            page.screenshot(path=str(ARTIFACTS / "4-after-override.png"), full_page=True)

            page.keyboard.press("j")  # skip the third without reviewing
            page.wait_for_url(re.compile(rf"/review/p/{order[3][0]}$"))

            page.goto(f"{server.base_url}/review/dashboard")
            expect(page.locator("#kpi-reviews")).to_have_text("2")
            expect(page.locator("#kpi-rate")).to_have_text("50%")
            expect(page.locator("#kpi-pending")).to_have_text("2")
            cell = page.locator(f'[data-cell="{second_level}-{override_to}"]')
            expect(cell).to_have_text("1")
            page.screenshot(path=str(ARTIFACTS / "5-dashboard.png"), full_page=True)

    with sqlite3.connect(tmp_path / "reviews.db") as db:
        rows = db.execute(
            "SELECT prediction_id, agent, action, suggested_level, final_level, reason_code "
            "FROM reviews ORDER BY id"
        ).fetchall()
    assert rows == [
        (order[0][0], "agent-1", "accept", order[0][1], order[0][1], None),
        (order[1][0], "agent-1", "override", second_level, override_to, "impact_overestimated"),
    ]
    assert all(
        (ARTIFACTS / name).stat().st_size > 1000 for name in ("2-queue.png", "5-dashboard.png")
    )


def test_long_unbroken_text_stays_within_the_viewport(tmp_path: Path) -> None:
    url = "https://example.com/track?token=x" + "Ab9" * 489  # 1,500 characters, no break
    assert len(url) == 1500
    keys = Keys.new()
    env = {**server_env(tmp_path, keys), "TP_MAX_SUBJECT_CHARS": "2000"}
    with running(tmp_path, env) as server:
        [prediction_id] = seed(server, keys, [{"subject": url, "body": url, "language": "en"}])
        with browser_context(viewport={"width": 1280, "height": 900}) as context:
            page = context.new_page()
            page.goto(f"{server.base_url}/review/login")
            page.fill("#key", keys.review)
            page.keyboard.press("Enter")
            page.wait_for_url(re.compile(r"/review/queue$"))
            widths = page.evaluate(WIDTHS)
            assert widths["scroll"] <= widths["viewport"], widths
            last_column = page.locator("table.queue th").last.bounding_box()
            assert last_column is not None
            assert last_column["x"] + last_column["width"] <= 1280

            page.goto(f"{server.base_url}/review/p/{prediction_id}")
            widths = page.evaluate(WIDTHS)
            assert widths["scroll"] <= widths["viewport"], widths
            assert page.locator(".body").inner_text() == url


WIDTHS = (
    "() => ({scroll: document.documentElement.scrollWidth, "
    "viewport: document.documentElement.clientWidth})"
)


def _sign_in(page: Any, base_url: str, key: str) -> None:
    page.goto(f"{base_url}/review/login")
    page.fill("#key", key)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/review/queue$"))


def _reviews(database: Path) -> list[tuple[str, str, str | None]]:
    with closing(sqlite3.connect(database)) as db:
        rows = db.execute("SELECT prediction_id, action, reason_code FROM reviews ORDER BY id")
        return [(str(a), str(b), c) for a, b, c in rows.fetchall()]


def test_a_double_accept_sends_one_review_and_moves_on(tmp_path: Path) -> None:
    from playwright.sync_api import expect

    keys = Keys.new()
    with running(tmp_path, server_env(tmp_path, keys)) as server:
        seed(server, keys, TICKETS)
        headers = {"Authorization": f"Bearer {keys.review}"}
        queue = httpx.get(f"{server.base_url}/v1/reviews/queue", headers=headers).json()
        order = [item["prediction_id"] for item in queue["items"]]
        with browser_context(viewport={"width": 1280, "height": 900}) as context:
            page = context.new_page()
            _sign_in(page, server.base_url, keys.review)
            held: list[Any] = []  # review POSTs, held until both key presses are in
            page.route(
                re.compile(r"/review/p/"),
                lambda route: (
                    held.append(route) if route.request.method == "POST" else route.continue_()
                ),
            )
            for at, presses in ((0, ["a", "a"]), (1, ["Enter", "Enter"])):
                page.goto(f"{server.base_url}/review/p/{order[at]}")
                if presses[0] == "Enter":
                    page.focus("#accept")
                for key in presses:
                    page.keyboard.press(key)
                    page.wait_for_timeout(300)
                assert len(held) == 1, f"{len(held)} POSTs for {presses}"
                held.pop().continue_()
                page.wait_for_url(re.compile(rf"/review/p/{order[at + 1]}\?saved=accept"))
                expect(page.locator("#status")).to_contain_text("Accepted")
                expect(page.locator("#error")).to_have_count(0)
    assert _reviews(tmp_path / "reviews.db") == [
        (order[0], "accept", None), (order[1], "accept", None)
    ]  # fmt: skip


def test_choosing_a_level_selects_the_focused_reason_and_enter_saves_it(tmp_path: Path) -> None:
    from playwright.sync_api import expect

    keys = Keys.new()
    with running(tmp_path, server_env(tmp_path, keys)) as server:
        [first, second] = seed(server, keys, TICKETS[:2])
        with browser_context(viewport={"width": 1280, "height": 900}) as context:
            page = context.new_page()
            _sign_in(page, server.base_url, keys.review)
            page.locator("a.queue-link").first.click()
            page.wait_for_url(re.compile(r"/review/p/[0-9a-f]+$"))
            level = "urgent" if "low" in page.locator("#accept").inner_text() else "low"
            page.keyboard.press("4" if level == "urgent" else "1")
            reason = page.locator("input[name=reason]").first
            expect(reason).to_be_focused()
            expect(reason).to_be_checked()
            expect(page.locator("#status")).to_contain_text("choose a reason with the arrow keys")
            page.keyboard.press("Enter")
            page.wait_for_url(re.compile(r"saved=override"))
            expect(page.locator("#error")).to_have_count(0)
    reviewed = _reviews(tmp_path / "reviews.db")
    assert len(reviewed) == 1
    assert reviewed[0][0] in (first, second)
    assert reviewed[0][1:] == ("override", "impact_underestimated")


def test_an_override_needs_a_reason_before_sending_and_back_after_an_error_shows_the_ticket(
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    keys = Keys.new()
    with running(tmp_path, server_env(tmp_path, keys)) as server:
        first, _, _ = seed(server, keys, TICKETS[:3])
        with browser_context(viewport={"width": 1280, "height": 900}) as context:
            page = context.new_page()
            posts: list[str] = []
            page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
            _sign_in(page, server.base_url, keys.review)
            page.goto(f"{server.base_url}/review/p/{first}")
            posts.clear()

            page.locator(".level-button").first.click()  # no reason chosen
            page.wait_for_timeout(300)
            assert posts == []
            expect(page.locator("input[name=reason]").first).to_be_focused()

            # Meanwhile another agent reviews the same ticket: this save is a 409 error page.
            httpx.post(
                f"{server.base_url}/v1/predictions/{first}/review",
                json={"action": "accept"},
                headers={"Authorization": f"Bearer {keys.review}"},
            ).raise_for_status()
            page.locator("input[name=reason]").nth(1).check()
            page.locator(".level-button").first.click()
            expect(page.locator("#error")).to_contain_text("already reviewed")
            # The page's script focuses the error, then replaces the POST history entry in the
            # same task; reloading before it has run would resubmit the form.
            expect(page.locator("#error")).to_be_focused()
            page.reload()  # a reload of the error page sends nothing again
            expect(page.locator("#error")).to_have_count(0)
            assert len(posts) == 1

            page.locator("input[name=reason]").nth(1).check()
            page.locator("input[name=force]").check()
            page.locator(".level-button").first.click()
            # the next ticket in queue order, which need not be the order they were seeded in
            expect(page).to_have_url(re.compile(rf"/review/p/(?!{first})[0-9a-f]+\?saved=override"))
            page.go_back()  # was "Confirm form resubmission" (net::ERR_CACHE_MISS)
            expect(page.locator("h1")).to_have_text(TICKETS[0]["subject"])
            expect(page.locator("text=Already reviewed by agent-1: override")).to_be_visible()
            assert len(posts) == 2
    assert _reviews(tmp_path / "reviews.db")[-1] == (first, "override", "impact_overestimated")


def test_a_saved_review_is_announced_and_times_read_in_the_agents_time_zone(
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    keys = Keys.new()
    with running(tmp_path, server_env(tmp_path, keys)) as server:
        first, second = seed(server, keys, TICKETS[:2])
        headers = {"Authorization": f"Bearer {keys.review}"}
        queue = httpx.get(f"{server.base_url}/v1/reviews/queue", headers=headers).json()
        due = {item["prediction_id"]: item["first_response_due"] for item in queue["items"]}
        utc = datetime.fromisoformat(due[second].replace("Z", "+00:00"))
        helsinki = utc.astimezone(ZoneInfo("Europe/Helsinki"))
        with browser_context(
            viewport={"width": 1280, "height": 900}, timezone_id="Europe/Helsinki"
        ) as context:
            page = context.new_page()
            _sign_in(page, server.base_url, keys.review)
            cell = page.locator(f'tr:has(a[href^="/review/p/{second}"]) time')
            expect(cell).to_have_text(f"{helsinki:%Y-%m-%d %H:%M} {helsinki.tzname()}")
            expect(cell).to_have_attribute("title", f"{utc:%Y-%m-%d %H:%M} UTC")

            page.goto(f"{server.base_url}/review/p/{first}")
            page.keyboard.press("a")
            expect(page).to_have_url(re.compile(rf"/review/p/{second}\?saved=accept"))
            # A live region announces what changes in it, not what it held when the page loaded.
            served = context.request.get(page.url).text()
            assert re.search(
                r'<div id="status" role="status" aria-live="polite"[^>]*></div>', served
            )
            expect(page.locator("#status")).to_have_text(re.compile(r"^Saved\. Accepted \w+\.$"))
            due_line = page.locator("p:has-text('First response due') time").first
            expect(due_line).to_have_text(f"{helsinki:%Y-%m-%d %H:%M} {helsinki.tzname()}")


def test_the_queue_reads_as_cards_on_a_375_pixel_phone(tmp_path: Path) -> None:
    keys = Keys.new()
    with running(tmp_path, server_env(tmp_path, keys)) as server:
        seed(server, keys, TICKETS)
        with browser_context(viewport={"width": 375, "height": 740}, is_mobile=True) as context:
            page = context.new_page()
            _sign_in(page, server.base_url, keys.review)
            widths = page.evaluate(WIDTHS)
            assert widths["scroll"] <= widths["viewport"], widths
            link = page.locator("a.queue-link").first.bounding_box()
            assert link is not None
            assert link["width"] >= 300, link  # was ~100 px, subjects cut after a word
            language = page.locator('td[data-label="Language"]').first
            assert language.evaluate("e => getComputedStyle(e, '::before').content") == (
                '"Language: "'
            )
            line = page.locator('td[data-label="Language"]').first.bounding_box()
            assert line is not None
            assert line["height"] < 40, line  # one line, not a letter per line


def test_a_review_lost_to_an_ended_session_is_put_back_after_signing_in_again(
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    keys = Keys.new()
    with running(tmp_path, server_env(tmp_path, keys)) as server:
        [first] = seed(server, keys, TICKETS[:1])
        with browser_context(viewport={"width": 1280, "height": 900}) as context:
            page = context.new_page()
            _sign_in(page, server.base_url, keys.review)
            page.goto(f"{server.base_url}/review/p/{first}?language=da")
            page.locator("input[name=reason][value=duplicate]").check()
            page.fill("#note", "Same as ZD-99, merged there")
            context.clear_cookies()  # the session ends while the agent types
            page.locator('.level-button[value="low"]').click()

            expect(page).to_have_url(re.compile(r"/review/login\?next="))
            expect(page.locator("#error")).to_contain_text("before your review was saved")
            page.fill("#key", keys.review)
            page.keyboard.press("Enter")
            expect(page).to_have_url(re.compile(rf"/review/p/{first}\?language=da$"))
            expect(page.locator("#note")).to_have_value("Same as ZD-99, merged there")
            expect(page.locator("input[name=reason][value=duplicate]")).to_be_checked()
            expect(page.locator('.level-button[value="low"]')).to_have_attribute(
                "aria-pressed", "true"
            )
            expect(page.locator("#status")).to_contain_text("Your unsaved review was put back")
            page.locator('.level-button[value="low"]').click()
            expect(page).to_have_url(re.compile(r"saved=override"))
    assert _reviews(tmp_path / "reviews.db") == [(first, "override", "duplicate")]


def test_the_language_filter_is_chosen_by_keyboard_and_the_page_icon_loads(tmp_path: Path) -> None:
    from playwright.sync_api import expect

    keys = Keys.new()
    with running(tmp_path, server_env(tmp_path, keys)) as server:
        seed(server, keys, TICKETS)
        with browser_context(viewport={"width": 1280, "height": 900}) as context:
            page = context.new_page()
            answers: dict[str, int] = {}
            page.on("response", lambda r: answers.__setitem__(httpx.URL(r.url).path, r.status))
            _sign_in(page, server.base_url, keys.review)
            select = page.get_by_label("Language", exact=True)
            expect(select).to_have_value("")
            labels = select.locator("option").all_inner_texts()
            assert labels == [
                "All languages", "da — Danish", "fi — Finnish", "nl — Dutch", "sl — Slovenian"
            ]  # fmt: skip
            select.focus()
            page.keyboard.press("ArrowDown")
            page.keyboard.press("ArrowDown")
            expect(select).to_have_value("fi")
            page.get_by_role("button", name="Filter").press("Enter")
            page.wait_for_url(re.compile(r"/review/queue\?level=&language=fi&"))
            expect(page.locator("h1")).to_contain_text("1 pending")
            expect(page.get_by_label("Language", exact=True)).to_have_value("fi")
            page.wait_for_load_state("networkidle")
            assert answers.get("/review/static/favicon.svg") == 200, answers
