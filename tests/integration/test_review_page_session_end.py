"""A reviewer whose session ends mid-review is told so and signs in back to the same ticket."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from litestar.testing import TestClient

from serving.app import create_app
from serving.review.return_to import safe_return
from serving.storage.settings import StorageSettings
from tests.api_keys import CSRF, ENTRIES, KEYS, PREDICT, REVIEW
from tests.serving_fakes import FakeModel, make_runtime

NEXT = re.compile(r'name="next" value="([^"]*)"')


@pytest.fixture
def client(tmp_path: Path, sqlite_url: str) -> Iterator[TestClient[Any]]:
    runtime = make_runtime(
        tmp_path, model=FakeModel(), keys=ENTRIES, storage=StorageSettings(database_url=sqlite_url)
    )
    with TestClient(create_app(runtime=runtime)) as test_client:
        yield test_client


def _predict(client: TestClient[Any], subject: str) -> str:
    ticket = {"subject": subject, "body": subject, "language": "fi"}
    response = client.post("/v1/predict", json=ticket, headers=PREDICT)
    assert response.status_code == 200, response.text
    return str(response.json()["prediction_id"])


def _sign_in_from(client: TestClient[Any], login_path: str) -> Any:
    form = client.get(login_path)
    token, next_page = CSRF.search(form.text), NEXT.search(form.text)
    assert token is not None
    assert next_page is not None
    data = {"key": KEYS["review"][0], "csrf": token.group(1), "next": unescape(next_page.group(1))}
    return client.post("/review/login", data=data, follow_redirects=False)


def test_a_review_sent_after_the_session_ended_says_so_and_sign_in_returns_to_the_ticket(
    client: TestClient[Any],
) -> None:
    prediction_id = _predict(client, "Lasku on väärin")
    ticket = f"/review/p/{prediction_id}?language=fi"
    verdict = {"level": "low", "reason": "spam", "note": "typed with care", "csrf": "old"}

    lost = client.post(ticket, data=verdict, follow_redirects=False)

    assert lost.status_code == 303
    login = lost.headers["location"]
    assert urlsplit(login).path == "/review/login"
    assert parse_qs(urlsplit(login).query) == {"next": [ticket], "unsaved": ["1"]}
    page = client.get(login).text
    assert "Your session ended before your review was saved." in page
    back = _sign_in_from(client, login)
    assert (back.status_code, back.headers["location"]) == (303, ticket)
    assert client.get("/v1/reviews/queue", headers=REVIEW).json()["pending"] == 1


def test_opening_a_ticket_without_a_session_signs_in_back_to_it(client: TestClient[Any]) -> None:
    prediction_id = _predict(client, "Lasku")
    redirect = client.get(f"/review/p/{prediction_id}", follow_redirects=False)
    assert redirect.status_code == 303
    assert "Your session ended" not in client.get(redirect.headers["location"]).text
    back = _sign_in_from(client, redirect.headers["location"])
    assert back.headers["location"] == f"/review/p/{prediction_id}"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/review/queue",
        "//evil.example/review/queue",
        "/\\evil.example",
        "/review/logout",
        "/review/login?next=/review/queue",
        "/v1/reviews/export",
        "/review/p/../../v1/reviews/export",
        "",
    ],
)
def test_sign_in_returns_only_to_review_pages_of_this_site(
    client: TestClient[Any], target: str
) -> None:
    assert safe_return(target) == "/review/queue"
    response = _sign_in_from(client, "/review/login")
    assert response.headers["location"] == "/review/queue"
    form = client.get("/review/login")
    token = CSRF.search(form.text)
    assert token is not None
    data = {"key": KEYS["review"][0], "csrf": token.group(1), "next": target}
    sent = client.post("/review/login", data=data, follow_redirects=False)
    assert sent.headers["location"] == "/review/queue"
