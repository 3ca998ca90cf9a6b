"""The review page over the real app: sign-in, CSRF, queue, review form, dashboard."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from litestar import Request
from litestar.testing import TestClient

from serving.app import create_app
from serving.auth import new_api_key
from serving.review.session import COOKIE
from serving.storage.settings import StorageSettings
from tests.api_keys import CSRF, ENTRIES, KEYS, PREDICT, REVIEW
from tests.serving_fakes import FakeModel, make_runtime


@pytest.fixture
def client(tmp_path: Path, sqlite_url: str) -> Iterator[TestClient[Any]]:
    runtime = make_runtime(
        tmp_path, model=FakeModel(), keys=ENTRIES, storage=StorageSettings(database_url=sqlite_url)
    )
    with TestClient(create_app(runtime=runtime)) as test_client:
        for subject in ("Alt er nede", "Kysymys laskusta", "Vraag"):
            response = test_client.post(
                "/v1/predict", json={"subject": subject, "body": subject}, headers=PREDICT
            )
            assert response.status_code == 200
        yield test_client


def _error(page: str) -> str:
    found = re.search(r'<div id="error" role="alert"[^>]*>(.*?)</div>', page, re.S)
    assert found is not None, "the page shows no error"
    return found.group(1)


def sign_in(client: TestClient[Any], key: str) -> Any:
    form = client.get("/review/login")
    token = CSRF.search(form.text)
    assert token is not None
    return client.post(
        "/review/login", data={"key": key, "csrf": token.group(1)}, follow_redirects=False
    )


def test_pages_redirect_to_sign_in_without_a_session(client: TestClient[Any]) -> None:
    for path in ("/review/queue", "/review/dashboard", "/review/p/abc"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/review/login?next={quote(path, safe='')}"


@pytest.mark.parametrize(
    ("key", "status"), [("wrong", 401), (KEYS["predict"][0], 403)], ids=["unknown", "predict-only"]
)
def test_sign_in_needs_a_review_scope_key(client: TestClient[Any], key: str, status: int) -> None:
    response = sign_in(client, key)
    assert response.status_code == status
    assert 'role="alert"' in response.text
    assert client.get("/review/queue", follow_redirects=False).status_code == 303


def test_sign_in_without_the_csrf_token_is_refused(client: TestClient[Any]) -> None:
    client.get("/review/login")
    response = client.post("/review/login", data={"key": KEYS["review"][0], "csrf": "forged"})
    assert response.status_code == 403
    assert client.get("/review/queue", follow_redirects=False).status_code == 303


def test_a_reviewer_signs_in_reviews_and_sees_the_dashboard(client: TestClient[Any]) -> None:
    signed = sign_in(client, KEYS["review"][0])
    assert signed.status_code == 303
    assert "httponly" in signed.headers["set-cookie"].lower()
    queue = client.get("/review/queue")
    assert queue.status_code == 200
    assert "default-src 'self'" in queue.headers["content-security-policy"]
    assert "3 pending" in queue.text
    ids = re.findall(r'class="queue-link" href="/review/p/([0-9a-f]+)"', queue.text)
    assert len(ids) == 3

    detail = client.get(f"/review/p/{ids[0]}")
    assert detail.status_code == 200
    assert "Alt er nede" in detail.text
    assert "&#39;down&#39; in body" in detail.text  # the model's reasons, escaped
    token = CSRF.search(detail.text)
    assert token is not None

    forged = client.post(f"/review/p/{ids[0]}", data={"action": "accept", "csrf": "x"})
    assert forged.status_code == 403
    no_reason = client.post(
        f"/review/p/{ids[0]}", data={"level": "low", "csrf": token.group(1), "next": ids[1]}
    )
    assert no_reason.status_code == 422
    problem = _error(no_reason.text)
    assert problem.startswith("Choose a reason for the override: \u201cCustomer impact under")
    assert "impact_underestimated" not in problem
    assert re.search(r'value="low"[^>]*aria-pressed="true"', no_reason.text)  # level kept

    accepted = client.post(
        f"/review/p/{ids[0]}",
        data={"action": "accept", "csrf": token.group(1), "next": ids[1]},
        follow_redirects=False,
    )
    assert accepted.status_code == 303
    assert accepted.headers["location"].startswith(f"/review/p/{ids[1]}?saved=accept")
    overridden = client.post(
        f"/review/p/{ids[1]}",
        data={"level": "urgent", "reason": "vip", "csrf": token.group(1), "next": "../evil"},
        follow_redirects=False,
    )
    assert overridden.headers["location"].startswith("/review/queue?saved=override")
    again = client.post(f"/review/p/{ids[1]}", data={"action": "accept", "csrf": token.group(1)})
    assert again.status_code == 409
    assert "already reviewed by r at " in _error(again.text)
    assert "tick \u201cReplace the existing review\u201d and save again" in _error(again.text)
    assert "force=true" not in again.text
    assert 'name="force" value="1"' in again.text
    reviewed = client.get(f"/review/p/{ids[1]}").text
    assert re.search(r"Already reviewed by r: override → urgent \(VIP[^)]*\)\.", reviewed)

    stats = client.get("/v1/stats/agreement", headers=REVIEW).json()
    assert (stats["overall"]["reviews"], stats["overall"]["accepted"]) == (2, 1)
    dashboard = client.get("/review/dashboard")
    assert dashboard.status_code == 200
    assert re.search(r'id="kpi-rate">50%<', dashboard.text)
    assert re.search(r'id="kpi-pending">1<', dashboard.text)
    assert 'data-cell="low-urgent">1<' in dashboard.text
    assert dashboard.text.count("<svg") == 4  # time, matrix, language, reviewer


def test_sign_out_ends_the_session(client: TestClient[Any]) -> None:
    sign_in(client, KEYS["review"][0])
    token = CSRF.search(client.get("/review/queue").text)
    assert token is not None
    client.post("/review/logout", data={"csrf": token.group(1)})
    assert client.get("/review/queue", follow_redirects=False).status_code == 303


def test_the_keyboard_script_and_styles_are_served_locally(client: TestClient[Any]) -> None:
    script = client.get("/review/static/review.js")
    assert script.status_code == 200
    assert "requestSubmit" in script.text
    assert client.get("/review/static/review.css").status_code == 200


def test_sign_out_without_the_csrf_token_keeps_the_session(client: TestClient[Any]) -> None:
    # A cross-site form cannot sign a reviewer out.
    sign_in(client, KEYS["review"][0])
    client.post("/review/logout", data={"csrf": "forged"}, follow_redirects=False)
    assert client.get("/review/queue", follow_redirects=False).status_code == 200


def _predict(client: TestClient[Any], subject: str, language: str) -> str:
    ticket = {"subject": subject, "body": subject, "language": language}
    response = client.post("/v1/predict", json=ticket, headers=PREDICT)
    assert response.status_code == 200, response.text
    return str(response.json()["prediction_id"])


def _form(page: str) -> tuple[str, str, str]:
    """The review form's action, CSRF token and hidden `next` of a detail page."""
    action = re.search(r'<form method="post" action="([^"]+)" id="review-form">', page)
    token = CSRF.search(page)
    next_id = re.search(r'name="next" value="([^"]*)"', page)
    assert action is not None
    assert token is not None
    assert next_id is not None
    return action.group(1).replace("&amp;", "&"), token.group(1), next_id.group(1)


def test_a_filtered_queue_is_kept_from_ticket_to_ticket_and_back(
    client: TestClient[Any],
) -> None:
    finnish = {_predict(client, f"Lasku {n}", "fi") for n in range(3)}
    sign_in(client, KEYS["review"][0])
    queue = client.get("/review/queue?language=fi")
    assert "3 pending" in queue.text
    links = re.findall(r'class="queue-link" href="/review/p/([0-9a-f]+)([^"]*)"', queue.text)
    order = [prediction_id for prediction_id, _ in links]
    assert set(order) == finnish
    assert {query for _, query in links} == {"?language=fi"}

    detail = client.get(f"/review/p/{order[0]}?language=fi").text
    assert f'id="next" href="/review/p/{order[1]}?language=fi"' in detail
    assert 'id="queue" href="/review/queue?language=fi"' in detail
    action, token, next_id = _form(detail)
    assert (action, next_id) == (f"/review/p/{order[0]}?language=fi", order[1])
    saved = client.post(
        action, data={"action": "accept", "csrf": token, "next": next_id}, follow_redirects=False
    )
    assert saved.headers["location"].startswith(f"/review/p/{order[1]}?language=fi&saved=accept")
    assert "Saved. Accepted " in client.get(saved.headers["location"]).text

    middle = client.get(f"/review/p/{order[1]}?language=fi").text
    assert f'id="prev" href="/review/p/{order[0]}?language=fi"' not in middle  # reviewed: gone
    assert f'id="next" href="/review/p/{order[2]}?language=fi"' in middle
    last = client.get(f"/review/p/{order[2]}?language=fi").text
    assert 'id="next" href="/review/queue?language=fi"' in last
    action, token, next_id = _form(last)
    assert next_id == ""
    done = client.post(
        action, data={"action": "accept", "csrf": token, "next": next_id}, follow_redirects=False
    )
    assert done.headers["location"].startswith("/review/queue?language=fi&saved=accept")
    assert "1 pending" in client.get(done.headers["location"]).text


def test_the_queue_pages_through_every_pending_ticket_keeping_its_filters(
    client: TestClient[Any],
) -> None:
    tickets = [{"subject": f"Lasku {n}", "body": "Laskussa on virhe", "language": "fi"}
               for n in range(232)]  # fmt: skip
    batch = client.post("/v1/predict/batch", json={"tickets": tickets}, headers=PREDICT)
    assert batch.status_code == 200, batch.text
    sign_in(client, KEYS["review"][0])
    link = re.compile(r'class="queue-link" href="/review/p/([0-9a-f]+)')

    first = client.get("/review/queue?language=fi").text
    assert "232 pending" in first
    assert "showing 1–200 of 232" in first
    assert len(link.findall(first)) == 200
    assert 'href="/review/queue?language=fi&amp;offset=200" rel="next"' in first
    assert 'rel="prev"' not in first

    second = client.get("/review/queue?language=fi&offset=200").text
    assert "showing 201–232 of 232" in second
    assert len(link.findall(second)) == 32
    assert not set(link.findall(first)) & set(link.findall(second))
    assert 'href="/review/queue?language=fi" rel="prev"' in second
    assert 'rel="next"' not in second

    small = client.get("/review/queue?language=fi&limit=100&offset=100").text
    assert "showing 101–200 of 232" in small
    assert 'href="/review/queue?language=fi&amp;offset=200&amp;limit=100" rel="next"' in small
    everything = client.get("/review/queue?offset=bogus").text
    assert "showing 1–200 of 235" in everything


def test_previous_and_next_reach_deep_into_a_long_queue(client: TestClient[Any]) -> None:
    tickets = [{"subject": f"Faktura {n}", "body": "Fejl i fakturaen", "language": "da"}
               for n in range(620)]  # fmt: skip
    assert client.post("/v1/predict/batch", json={"tickets": tickets}, headers=PREDICT).is_success
    sign_in(client, KEYS["review"][0])
    link = re.compile(r'class="queue-link" href="/review/p/([0-9a-f]+)')
    page = client.get("/review/queue?language=da&offset=600").text
    last_but_one, last = link.findall(page)[-2:]
    deep = client.get(f"/review/p/{last}?language=da").text
    assert f'href="/review/p/{last_but_one}?language=da" rel="prev"' in deep
    assert '<a id="next" href="/review/queue?language=da" rel="next">' in deep  # the end
    before = client.get(f"/review/p/{last_but_one}?language=da").text
    assert f'<a id="next" href="/review/p/{last}?language=da" rel="next">' in before


def test_a_copied_session_cookie_stops_working_in_every_worker_after_sign_out(
    client: TestClient[Any], tmp_path: Path, sqlite_url: str
) -> None:
    sign_in(client, KEYS["review"][0])
    copied = client.cookies.get(COOKIE)
    assert copied
    (tmp_path / "worker-2").mkdir()
    other_runtime = make_runtime(
        tmp_path / "worker-2", model=FakeModel(), keys=ENTRIES,
        storage=StorageSettings(database_url=sqlite_url),
    )  # fmt: skip
    with TestClient(create_app(runtime=other_runtime)) as other_worker:
        other_worker.cookies.set(COOKIE, copied)
        assert other_worker.get("/review/queue", follow_redirects=False).status_code == 200

        token = CSRF.search(client.get("/review/queue").text)
        assert token is not None
        signed_out = client.post(
            "/review/logout", data={"csrf": token.group(1)}, follow_redirects=False
        )
        assert signed_out.headers["location"] == "/review/login"

        for worker in (client, other_worker):
            worker.cookies.set(COOKIE, copied)
            stale = worker.get("/review/queue", follow_redirects=False)
            assert stale.status_code == 303
            assert stale.headers["location"] == "/review/login?next=%2Freview%2Fqueue"
            assert "Sign in" in worker.get("/review/queue").text


@pytest.mark.parametrize("rotated", [True, False], ids=["rotated", "same-key"])
def test_rotating_a_key_under_the_same_id_ends_the_sessions_opened_with_the_old_one(
    client: TestClient[Any], tmp_path: Path, sqlite_url: str, rotated: bool
) -> None:
    sign_in(client, KEYS["review"][0])
    old_cookie = client.cookies.get(COOKIE)
    assert old_cookie
    new_key, new_entry = new_api_key(["review"], name="r") if rotated else KEYS["review"]
    entries = [new_entry if entry == KEYS["review"][1] else entry for entry in ENTRIES]
    (tmp_path / "restarted").mkdir()
    restarted = make_runtime(
        tmp_path / "restarted", model=FakeModel(), keys=entries,
        storage=StorageSettings(database_url=sqlite_url),
    )  # fmt: skip
    with TestClient(create_app(runtime=restarted)) as after:
        after.cookies.set(COOKIE, old_cookie)
        queue = after.get("/review/queue", follow_redirects=False)
        assert queue.status_code == (303 if rotated else 200)
        if rotated:
            assert queue.headers["location"] == "/review/login?next=%2Freview%2Fqueue"
            after.cookies.clear()
            assert sign_in(after, new_key).status_code == 303
            assert after.get("/review/queue", follow_redirects=False).status_code == 200


def test_the_same_verdict_twice_from_the_page_moves_on_to_the_next_ticket(
    client: TestClient[Any],
) -> None:
    sign_in(client, KEYS["review"][0])
    ids = re.findall(
        r'class="queue-link" href="/review/p/([0-9a-f]+)', client.get("/review/queue").text
    )
    action, token, next_id = _form(client.get(f"/review/p/{ids[0]}").text)
    verdict = {"level": "low", "reason": "spam", "csrf": token, "next": next_id}
    first = client.post(action, data=verdict, follow_redirects=False)
    second = client.post(action, data=verdict, follow_redirects=False)  # a double click
    assert first.status_code == second.status_code == 303
    assert second.headers["location"] == first.headers["location"]
    assert second.headers["location"].startswith(f"/review/p/{ids[1]}?saved=override")
    detail = client.get("/v1/reviews/queue", headers=REVIEW).json()
    assert detail["pending"] == 2
    stats = client.get("/v1/stats/agreement", headers=REVIEW).json()
    assert stats["overall"]["reviews"] == 1


def test_the_detail_page_reads_source_and_confidence_with_a_space(
    client: TestClient[Any],
) -> None:
    sign_in(client, KEYS["review"][0])
    first = re.search(
        r'class="queue-link" href="/review/p/([0-9a-f]+)', client.get("/review/queue").text
    )
    assert first is not None
    page = client.get(f"/review/p/{first.group(1)}").text
    suggested = re.search(r'<p class="suggested">(.*?)</p>', page, re.S)
    assert suggested is not None
    text = " ".join(re.sub(r"<[^>]+>", " ", suggested.group(1)).split())
    assert re.search(r"from model · confidence \d+%", text), text


@pytest.mark.parametrize("path", ["/review/nope", "/review/p", "/review/p/x/y", "/review/queue/x"])
def test_an_unknown_review_path_is_the_html_not_found_page(
    client: TestClient[Any], path: str
) -> None:
    sign_in(client, KEYS["review"][0])
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>Page not found</h1>" in response.text
    assert 'href="/review/queue"' in response.text
    api = client.get("/v1/nope", headers=REVIEW)
    assert (api.status_code, api.json()["error"]) == (404, "not_found")


@pytest.mark.parametrize("path", ["/review/login", "/review/logout", "/review/p/abc"])
def test_page_forms_over_64_kib_are_refused_before_parsing(
    client: TestClient[Any], path: str
) -> None:
    assert sign_in(client, KEYS["review"][0]).status_code == 303
    client.get("/review/login")
    body = "&".join(f"a{i}=1" for i in range(20_000))  # ~150 KB, far below the API's 16 MiB
    response = client.post(
        path,
        content=body,
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert response.status_code == 413
    assert "65,536 bytes" in response.json()["detail"]


def test_sign_out_without_a_session_does_not_read_the_form(
    client: TestClient[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def unread(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("the form was read before the session was checked")

    monkeypatch.setattr(Request, "form", unread)
    response = client.post("/review/logout", data={"csrf": "x"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/review/login"


def test_pages_forbid_framing_and_caching(client: TestClient[Any]) -> None:
    page = client.get("/review/login")
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers.get_list("cache-control") == ["no-store"]


def test_an_empty_filtered_queue_says_how_many_wait_outside_its_filters(
    client: TestClient[Any],
) -> None:
    sign_in(client, KEYS["review"][0])
    page = client.get("/review/queue?language=da").text
    assert "Nothing to review" not in page
    assert "No pending ticket matches these filters; 3 pending in all." in page
    assert '<a href="/review/queue">Clear the filters</a>' in page
    for item in client.get("/v1/reviews/queue", headers=REVIEW).json()["items"]:
        client.post(f"/v1/predictions/{item['prediction_id']}/review", json={}, headers=REVIEW)
    assert "Nothing to review" in client.get("/review/queue?language=da").text


def test_an_html_body_reads_as_text_with_its_lines_and_the_source_one_click_away(
    client: TestClient[Any],
) -> None:
    body = (
        "<p>Hej,</p><p><b>Webshoppen</b> er nede &amp; ingen kan betale.</p>"
        "Mvh<br>Ole <script>x</script>"
    )
    ticket = {"subject": "Nedbrud", "body": body, "language": "da"}
    prediction_id = client.post("/v1/predict", json=ticket, headers=PREDICT).json()["prediction_id"]
    sign_in(client, KEYS["review"][0])
    page = client.get(f"/review/p/{prediction_id}").text
    shown = re.search(r"<div class=\"body\" lang=\"da\">(.*?)</div>", page, re.S)
    assert shown is not None
    assert shown.group(1) == (
        "Hej,\nWebshoppen er nede &amp; ingen kan betale.\nMvh\nOle &lt;script&gt;x&lt;/script&gt;"
    )
    assert "<summary>Show the body as sent (HTML)</summary>" in page
    assert "&lt;p&gt;Hej,&lt;/p&gt;" in page  # the source, escaped
    assert "<script>x" not in page
    plain = client.post(
        "/v1/predict", json={"subject": "R&D", "body": "a < b\n\nc"}, headers=PREDICT
    ).json()["prediction_id"]
    plain_page = client.get(f"/review/p/{plain}").text
    assert '<div class="body" lang="">a &lt; b\n\nc</div>' in plain_page
    assert "Show the body as sent" not in plain_page


def test_the_queue_filters_by_the_day_a_ticket_was_received(
    client: TestClient[Any], sqlite_url: str
) -> None:
    ids = [
        item["prediction_id"]
        for item in client.get("/v1/reviews/queue", headers=REVIEW).json()["items"]
    ]
    received = [
        "2026-11-01 23:59:59.000000",
        "2026-11-02 00:00:00.000000",
        "2026-11-03 12:00:00.000000",
    ]
    _set_times(sqlite_url, "predictions", "id", ids, received)
    sign_in(client, KEYS["review"][0])

    def shown(query: str) -> set[str]:
        page = client.get(f"/review/queue?{query}").text
        return set(re.findall(r'class="queue-link" href="/review/p/([0-9a-f]+)', page))

    assert shown("received_from=2026-11-02") == set(ids[1:])
    assert shown("received_until=2026-11-02") == set(ids[:2])
    assert shown("received_from=2026-11-02&received_until=2026-11-02") == {ids[1]}
    assert shown("received_from=not-a-date") == set(ids)
    page = client.get("/review/queue?received_from=2026-11-02&language=").text
    assert 'name="received_from" type="date" value="2026-11-02"' in page
    assert f'href="/review/p/{ids[1]}?received_from=2026-11-02"' in page
    api = client.get("/v1/reviews/queue?received_until=2026-11-01", headers=REVIEW).json()
    assert [item["prediction_id"] for item in api["items"]] == [ids[0]]
    bad = client.get("/v1/reviews/queue?received_until=1.11.2026", headers=REVIEW)
    assert (bad.status_code, bad.json()["field"]) == (422, "received_until")


LANGUAGE_SELECT = re.compile(r'<select id="f-language" name="language">(.*?)</select>', re.S)
OPTION = re.compile(r'<option value="([^"]*)" ?(selected)?>([^<]*)</option>')


def _language_options(page: str) -> list[tuple[str, bool, str]]:
    found = LANGUAGE_SELECT.search(page)
    assert found is not None, "the queue has no language select"
    assert '<label for="f-language">Language</label>' in page
    return [(value, bool(on), label) for value, on, label in OPTION.findall(found.group(1))]


def test_the_language_filter_offers_exactly_the_pending_languages_by_name(
    client: TestClient[Any],
) -> None:
    for subject, language in (("Faktura", "da"), ("Lasku", "fi"), ("Lasku 2", "FI"),
                              ("Vraag", "nl")):  # fmt: skip
        _predict(client, subject, language)
    cs = _predict(client, "Dotaz", "cs")
    client.post(f"/v1/predictions/{cs}/review", json={}, headers=REVIEW)  # cs: none left
    items = client.get("/v1/reviews/queue", headers=REVIEW).json()["items"]
    # The fixture's three tickets have no language: no option stands for them.
    languages = sorted(str(item["language"]) for item in items)
    assert languages == ["FI", "None", "None", "None", "da", "fi", "nl"]
    sign_in(client, KEYS["review"][0])
    assert _language_options(client.get("/review/queue").text) == [
        ("", False, "All languages"),
        ("da", False, "da — Danish"),
        ("fi", False, "fi — Finnish"),  # one option for fi and FI: the filter ignores case
        ("nl", False, "nl — Dutch"),
    ]
    chosen = _language_options(client.get("/review/queue?language=FI").text)
    assert [value for value, on, _ in chosen if on] == ["fi"]


def test_a_language_in_the_url_that_none_pending_has_stays_selected(
    client: TestClient[Any],
) -> None:
    sign_in(client, KEYS["review"][0])
    for language, label in (("sl", "sl — Slovenian"), ("xx", "xx")):
        page = client.get(f"/review/queue?language={language}").text
        assert _language_options(page)[-1] == (language, True, f"{label} (none pending)")
        assert 'id="no-match"' in page  # and the queue is filtered by it, as before


def test_every_page_names_a_favicon_that_is_served(client: TestClient[Any]) -> None:
    page = client.get("/review/login").text
    assert '<link rel="icon" href="/review/static/favicon.svg" type="image/svg+xml">' in page
    icon = client.get("/review/static/favicon.svg")
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.text.startswith("<svg")


# UTC times around midnight in Helsinki (UTC+2 in November), one per queued ticket.
AROUND_MIDNIGHT = (
    "2026-11-19 21:59:00.000000",  # 23:59 on the 19th in Helsinki
    "2026-11-19 22:30:00.000000",  # 00:30 on the 20th in Helsinki, still the 19th in UTC
    "2026-11-20 21:30:00.000000",  # 23:30 on the 20th in Helsinki
)


def _set_times(
    sqlite_url: str,
    table: str,
    id_column: str,
    ids: list[str],
    moments: Sequence[str] = AROUND_MIDNIGHT,
) -> None:
    """Give the rows of `ids` in `table` the `created_at` times of `moments` (UTC)."""
    with closing(sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))) as db, db:
        for row_id, moment in zip(ids, moments, strict=True):
            db.execute(
                f"UPDATE {table} SET created_at = ? WHERE {id_column} = ?",  # noqa: S608 - test
                (moment, row_id),
            )


def test_received_days_are_the_agents_days_in_the_time_zone_the_form_sends(
    client: TestClient[Any], sqlite_url: str
) -> None:
    ids = [
        item["prediction_id"]
        for item in client.get("/v1/reviews/queue", headers=REVIEW).json()["items"]
    ]
    _set_times(sqlite_url, "predictions", "id", ids)
    sign_in(client, KEYS["review"][0])

    def shown(query: str) -> set[str]:
        page = client.get(f"/review/queue?{query}").text
        return set(re.findall(r'class="queue-link" href="/review/p/([0-9a-f]+)', page))

    day = "received_from=2026-11-20&received_until=2026-11-20"
    assert shown(f"{day}&tz=Europe/Helsinki") == set(ids[1:])
    assert shown(f"{day}&tz=UTC") == shown(day) == {ids[2]}
    page = client.get(f"/review/queue?{day}&tz=Europe/Helsinki").text
    assert 'name="tz" value="Europe/Helsinki"' in page
    assert "(days in <span data-zone-name>Europe/Helsinki</span>)" in page
    kept = f"?{day}&tz=Europe%2FHelsinki".replace("&", "&amp;")
    assert f'href="/review/p/{ids[1]}{kept}"' in page  # the zone stays with the dates
    assert 'role="alert"' not in page
    unknown = client.get(f"/review/queue?{day}&tz=Mars/Olympus").text
    assert _error(unknown) == (
        "The time zone \u201cMars/Olympus\u201d (field \u201ctz\u201d) is unknown; use an IANA "
        "name such as Europe/Copenhagen. Dates are read as UTC days."
    )
    assert set(re.findall(r'class="queue-link" href="/review/p/([0-9a-f]+)', unknown)) == {ids[2]}

    for prediction_id in ids:
        client.post(f"/v1/predictions/{prediction_id}/review", json={}, headers=REVIEW)
    _set_times(sqlite_url, "reviews", "prediction_id", ids)

    def exported(query: str) -> set[str]:
        answer = client.get(f"/review/export?format=jsonl&{query}")
        assert answer.status_code == 200, answer.text
        return {line.split('"prediction_id": "')[1][:32] for line in answer.text.splitlines()}

    assert exported("since=2026-11-20&tz=Europe/Helsinki") == set(ids[1:])
    assert exported("since=2026-11-20") == {ids[2]}
    refused = client.get("/review/export?since=2026-11-20&tz=..%2Fetc%2Fpasswd")
    assert refused.status_code == 422
    named = "The time zone \u201c../etc/passwd\u201d (field \u201ctz\u201d) is unknown"
    assert named in refused.text


def test_the_dashboards_days_are_the_agents_days_and_the_chart_names_the_zone(
    client: TestClient[Any], sqlite_url: str
) -> None:
    ids = [
        item["prediction_id"]
        for item in client.get("/v1/reviews/queue", headers=REVIEW).json()["items"]
    ]
    for prediction_id in ids:
        client.post(f"/v1/predictions/{prediction_id}/review", json={}, headers=REVIEW)
    _set_times(sqlite_url, "reviews", "prediction_id", ids)
    sign_in(client, KEYS["review"][0])

    def per_day(query: str) -> tuple[dict[str, int], str]:
        page = client.get(f"/review/dashboard{query}").text
        chart = page[page.index('<svg id="chart-time"') :]
        chart = chart[: chart.index("</svg>")]
        points = re.findall(r" (\d{4}-\d\d-\d\d): \d+% of (\d+)</title></circle>", chart)
        return {day: int(n) for day, n in points}, page

    helsinki, page = per_day("?tz=Europe/Helsinki")
    assert helsinki == {"2026-11-19": 1, "2026-11-20": 2}
    assert '<p class="hint" id="time-zone">Days in Europe/Helsinki.</p>' in page
    assert '<text id="chart-time-zone"' in page
    assert ">day in Europe/Helsinki</text>" in page
    assert "Acceptance rate per day (Europe/Helsinki) and model version</title>" in page
    assert 'data-chart-zone="Europe/Helsinki"' in page
    assert 'name="tz" value="Europe/Helsinki" data-agent-zone' in page  # the export form's too
    assert 'role="alert"' not in page

    utc, page = per_day("")  # without JavaScript: UTC days, and the chart says so
    assert utc == {"2026-11-19": 2, "2026-11-20": 1}
    assert ">day in UTC</text>" in page
    assert 'data-chart-zone="UTC"' in page
    assert '<a href="/review/dashboard" data-zone-link' in page  # review.js adds ?tz=

    unknown, page = per_day("?tz=Mars/Olympus")
    assert unknown == utc
    assert _error(page) == (
        "The time zone \u201cMars/Olympus\u201d (field \u201ctz\u201d) is unknown; use an IANA "
        "name such as Europe/Copenhagen. Days are UTC days."
    )
