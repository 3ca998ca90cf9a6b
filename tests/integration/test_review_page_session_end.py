"""A reviewer whose session ends mid-review is told so and signs in back to the same ticket."""

from __future__ import annotations

import re
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from litestar.testing import TestClient

from serving.review.return_to import safe_return
from tests.api_keys import CSRF, KEYS, PREDICT, REVIEW

NEXT = re.compile(r'name="next" value="([^"]*)"')


def _predict(review_client: TestClient[Any], subject: str) -> str:
    ticket = {"subject": subject, "body": subject, "language": "fi"}
    response = review_client.post("/v1/predict", json=ticket, headers=PREDICT)
    assert response.status_code == 200, response.text
    return str(response.json()["prediction_id"])


def _sign_in_from(review_client: TestClient[Any], login_path: str) -> Any:
    form = review_client.get(login_path)
    token, next_page = CSRF.search(form.text), NEXT.search(form.text)
    assert token is not None
    assert next_page is not None
    data = {"key": KEYS["review"][0], "csrf": token.group(1), "next": unescape(next_page.group(1))}
    return review_client.post("/review/login", data=data, follow_redirects=False)


def test_a_review_sent_after_the_session_ended_says_so_and_sign_in_returns_to_the_ticket(
    review_client: TestClient[Any],
) -> None:
    prediction_id = _predict(review_client, "Lasku on väärin")
    ticket = f"/review/p/{prediction_id}?language=fi"
    verdict = {"level": "low", "reason": "spam", "note": "typed with care", "csrf": "old"}

    lost = review_client.post(ticket, data=verdict, follow_redirects=False)

    assert lost.status_code == 303
    login = lost.headers["location"]
    assert urlsplit(login).path == "/review/login"
    assert parse_qs(urlsplit(login).query) == {"next": [ticket], "unsaved": ["1"]}
    page = review_client.get(login).text
    assert "Your session ended before your review was saved." in page
    back = _sign_in_from(review_client, login)
    assert (back.status_code, back.headers["location"]) == (303, ticket)
    assert review_client.get("/v1/reviews/queue", headers=REVIEW).json()["pending"] == 1


def test_opening_a_ticket_without_a_session_signs_in_back_to_it(
    review_client: TestClient[Any],
) -> None:
    prediction_id = _predict(review_client, "Lasku")
    redirect = review_client.get(f"/review/p/{prediction_id}", follow_redirects=False)
    assert redirect.status_code == 303
    assert "Your session ended" not in review_client.get(redirect.headers["location"]).text
    back = _sign_in_from(review_client, redirect.headers["location"])
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
    review_client: TestClient[Any], target: str
) -> None:
    assert safe_return(target) == "/review/queue"
    response = _sign_in_from(review_client, "/review/login")
    assert response.headers["location"] == "/review/queue"
    form = review_client.get("/review/login")
    token = CSRF.search(form.text)
    assert token is not None
    data = {"key": KEYS["review"][0], "csrf": token.group(1), "next": target}
    sent = review_client.post("/review/login", data=data, follow_redirects=False)
    assert sent.headers["location"] == "/review/queue"
