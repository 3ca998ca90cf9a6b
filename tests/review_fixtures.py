"""Fixtures for the review store tests: a database URL per backend, sample predictions.

Import the fixtures into a test module (`from tests.review_fixtures import ...`). The
PostgreSQL server starts once per test process (per xdist worker) and each test gets its own
database. Without PostgreSQL the PG cases skip locally and fail under CI=true.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from serving.persistence import EncodedPrediction
from serving.storage.migrate import upgrade
from serving.storage.store import ReviewStore, prediction_from_dicts
from tests.pg_server import PgServer, PgUnavailableError

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    """Async tests run on asyncio (the service's loop)."""
    return "asyncio"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer | None]:
    """One PostgreSQL server for this test process, or None when it cannot start (local)."""
    server = PgServer()
    try:
        server.start()
    except PgUnavailableError as exc:
        server.stop()
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL is required under CI=true: {exc}")
        yield None
        return
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, made once per process; tests get copies (much faster)."""
    template = tmp_path_factory.mktemp("template") / "reviews.db"
    upgrade(f"sqlite:///{template}")
    return template


@pytest.fixture(scope="session")
def pg_database(pg_server: PgServer | None) -> str | None:
    """A migrated PostgreSQL database for this process (emptied before each test)."""
    if pg_server is None:
        return None
    url = pg_server.create_database("tp_reviews")
    upgrade(url)
    return url


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A freshly migrated, empty database on each backend."""
    if request.param == "sqlite":
        target = tmp_path / "reviews.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    url: str | None = request.getfixturevalue("pg_database")
    if url is None:
        pytest.skip("PostgreSQL could not be started here (it is required under CI=true)")
    # One database per process, emptied before each test: CREATE DATABASE costs ~0.3 s.
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "TRUNCATE predictions, prediction_rules, reviews, app_secrets, revoked_sessions CASCADE"
        )
    return url


@pytest.fixture
async def sqlite_store(sqlite_url: str) -> AsyncIterator[ReviewStore]:
    """A review store on a migrated SQLite file (when PostgreSQL adds nothing to the test)."""
    review_store = ReviewStore.from_url(sqlite_url)
    yield review_store
    await review_store.dispose()


@pytest.fixture
async def store(db_url: str) -> AsyncIterator[ReviewStore]:
    """A review store on the migrated database."""
    review_store = ReviewStore.from_url(db_url)
    yield review_store
    await review_store.dispose()


T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def make_decision(
    priority: str = "high",
    *,
    confidence: float | None = 0.7,
    due: datetime | None = None,
    rules: tuple[str, ...] = (),
    model_version: str | None = "3",
    shadow_model_priority: str | None = None,
    source: str = "model",
    sla: bool = True,
) -> dict[str, Any]:
    """A Decision as the wire format carries it (JSON builtins); `sla=False`: no SLA policy."""
    model = None
    if confidence is not None:
        model = {
            "priority": shadow_model_priority or priority,
            "probabilities": {"low": 0.1, "medium": 0.1, "high": 0.1, "urgent": 0.7},
            "confidence": confidence,
            "model_name": "ticket-priority",
            "model_version": model_version,
            "reasons": [
                {"feature": "'nedbrud' in body", "weight": 0.42},
                {"feature": "tier = enterprise", "weight": 0.2},
                {"feature": "'tak' in body", "weight": -0.1},
            ],
        }
    due = due or T0 + timedelta(hours=4)
    return {
        "priority": priority,
        "source": source,
        "rule_id": rules[0] if source == "rule" and rules else None,
        "model": model,
        "rules_fired": [
            {"rule_id": rule, "reason": f"{rule} matched", "actions": ["at_least high"]}
            for rule in rules
        ],
        "sla": {
            "policy": "standard",
            "level": priority,
            "first_response_due": due.isoformat(),
            "resolution_due": (due + timedelta(days=1)).isoformat(),
            "calendar": "office",
        }
        if sla
        else None,
        "review_required": False,
        "shadow_model_priority": shadow_model_priority,
    }


def make_record(
    priority: str = "high",
    *,
    subject: str = "Nedbrud i produktion",
    body: str = "Hele systemet er nede, vi kan ikke arbejde.",
    language: str | None = "da",
    external_id: str | None = None,
    created_at: datetime = T0,
    model_version: str | None = "3",
    **decision: Any,
) -> EncodedPrediction:
    """A served prediction as the predict route hands it to the sink."""
    request = {
        "ticket_id": external_id,
        "subject": subject,
        "body": body,
        "language": language,
        "channel": "email",
        "tags": ["prod"],
        "customer": {"customer_id": "c-1", "tier": "enterprise", "vip": False},
        "created_at": created_at.isoformat(),
    }
    return prediction_from_dicts(
        prediction_id=uuid.uuid4().hex,
        external_id=external_id,
        created_at=created_at,
        request=request,
        decision=make_decision(priority, model_version=model_version, **decision),
        model_version=model_version,
        rules_sha256="ab" * 32,
        model_name="ticket-priority" if model_version else None,
    )


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated SQLite database (for API and page tests; storage tests cover PostgreSQL)."""
    target = tmp_path / "reviews.db"
    shutil.copyfile(sqlite_template, target)
    return f"sqlite:///{target}"
