"""Agents sharing one API key: each names themself at sign-in, and reviews, the dashboard and
the export tell them apart."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest
from litestar.testing import TestClient

from serving.review.session import AGENT_COOKIE, COOKIE
from tests.api_keys import CSRF, KEYS, PREDICT, REVIEW

AGENT_FIELD = re.compile(r'<input id="agent" name="agent" value="([^"]*)"')


def _predict(review_client: TestClient[Any], subject: str) -> str:
    response = review_client.post("/v1/predict", json={"subject": subject, "body": subject},
                           headers=PREDICT)  # fmt: skip
    assert response.status_code == 200
    return str(response.json()["prediction_id"])


def _sign_in(review_client: TestClient[Any], agent: str | None) -> Any:
    page = review_client.get("/review/login").text
    token = CSRF.search(page)
    assert token is not None
    form = {"key": KEYS["review"][0], "csrf": token.group(1)}
    if agent is not None:
        form["agent"] = agent
    return review_client.post("/review/login", data=form, follow_redirects=False)


def _accept(review_client: TestClient[Any], prediction_id: str) -> None:
    page = review_client.get(f"/review/p/{prediction_id}").text
    token = CSRF.search(page)
    assert token is not None
    saved = review_client.post(
        f"/review/p/{prediction_id}",
        data={"action": "accept", "csrf": token.group(1)},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text


def _session_of(review_client: TestClient[Any], agent: str) -> str:
    """Sign in as `agent` on a fresh cookie jar; returns that browser's session cookie."""
    review_client.cookies.clear()
    assert _sign_in(review_client, agent).status_code == 303
    return str(review_client.cookies[COOKIE])


def _as(review_client: TestClient[Any], session: str) -> TestClient[Any]:
    review_client.cookies.clear()
    review_client.cookies.set(COOKIE, session)
    return review_client


def test_two_agents_on_one_key_are_two_reviewers_in_reviews_dashboard_and_export(
    review_client: TestClient[Any],
) -> None:
    first, second, third = (_predict(review_client, s) for s in ("Nedbrud", "Lasku", "Vraag"))
    mette = _session_of(review_client, "Mette Sørensen")
    jukka = _session_of(review_client, "  Jukka   Virtanen ")
    queue = _as(review_client, mette).get("/review/queue").text
    assert 'Signed in as <strong id="who">Mette Sørensen</strong>' in queue
    assert "(key r)" in queue
    _accept(review_client, first)
    _accept(_as(review_client, jukka), second)
    api = review_client.post(f"/v1/predictions/{third}/review", json={"agent": "zendesk-bot"},
                      headers=REVIEW)  # fmt: skip
    assert (api.status_code, api.json()["agent"], api.json()["key_id"]) == (
        201, "zendesk-bot", "r",
    )  # fmt: skip

    assert "Already reviewed by Mette Sørensen" in review_client.get(f"/review/p/{first}").text
    assert "Already reviewed by Jukka Virtanen" in review_client.get(f"/review/p/{second}").text

    rows = list(csv.DictReader(io.StringIO(review_client.get("/review/export?format=csv").text)))
    by_id = {row["prediction_id"]: row["reviewed_by"] for row in rows}
    assert by_id == {first: "Mette Sørensen", second: "Jukka Virtanen", third: "zendesk-bot"}
    lines = review_client.get("/v1/reviews/export?format=jsonl", headers=REVIEW).text.splitlines()
    assert {json.loads(line)["reviewed_by"] for line in lines} == set(by_id.values())

    dashboard = _as(review_client, mette).get("/review/dashboard").text
    reviewers = re.findall(
        r'<tr data-agent><td>reviewer</td><th scope="row">([^<]+)</th><td>(\d+)</td>', dashboard
    )
    assert sorted(reviewers) == [
        ("Jukka Virtanen", "1"), ("Mette Sørensen", "1"), ("zendesk-bot", "1"),
    ]  # fmt: skip
    assert 'id="chart-agent"' in dashboard
    stats = review_client.get("/v1/stats/agreement", headers=REVIEW).json()
    assert {s["key"]: s["reviews"] for s in stats["per_agent"]} == {
        "Jukka Virtanen": 1, "Mette Sørensen": 1, "zendesk-bot": 1,
    }  # fmt: skip


def test_the_name_is_remembered_for_the_next_sign_in_and_empty_means_the_keys_name(
    review_client: TestClient[Any],
) -> None:
    assert AGENT_FIELD.findall(review_client.get("/review/login").text) == [""]
    signed = _sign_in(review_client, "Aino Mäkinen")
    assert f"{AGENT_COOKIE}=" in signed.headers["set-cookie"]
    review_client.post(
        "/review/logout", data={"csrf": CSRF.findall(review_client.get("/review/queue").text)[0]}
    )
    assert AGENT_FIELD.findall(review_client.get("/review/login").text) == ["Aino Mäkinen"]

    ticket = _predict(review_client, "Vraag")
    assert _sign_in(review_client, "").status_code == 303
    _accept(review_client, ticket)
    rows = list(csv.DictReader(io.StringIO(review_client.get("/review/export").text)))
    assert [row["reviewed_by"] for row in rows] == ["r"]  # the key's name, as before


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("x" * 257, "257 characters is too long; keep it to 256"),
        ("Mette\x00", "contains control characters; type the name as letters"),
        ("Mette\x1b[31m", "contains control characters; type the name as letters"),
    ],
    ids=["too-long", "nul", "escape"],
)
def test_a_name_the_store_cannot_keep_is_refused_naming_the_field(
    review_client: TestClient[Any], name: str, problem: str
) -> None:
    refused = _sign_in(review_client, name)
    assert refused.status_code == 422
    error = re.search(r'<div id="error" role="alert"[^>]*>(.*?)</div>', refused.text, re.S)
    assert error is not None
    assert error.group(1) == f"Your name (field \u201cagent\u201d): {problem}."
    assert 'aria-invalid="true"' in refused.text
    assert (
        review_client.get("/review/queue", follow_redirects=False).status_code == 303
    )  # no session
