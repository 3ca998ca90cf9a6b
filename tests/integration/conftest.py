"""Fixtures for integration tests.

Review store: a migrated database per backend (SQLite file, real PostgreSQL), see
`tests/review_fixtures.py`. `route_calls`: the predict route's handler calls (the fast path
answers without it).
"""

from typing import Any

import pytest

import serving.routes.predict as predict_route
from tests.review_fixtures import (  # noqa: F401 - re-exported fixtures
    anyio_backend,
    db_url,
    pg_database,
    pg_server,
    sqlite_store,
    sqlite_template,
    sqlite_url,
    store,
)


@pytest.fixture
def route_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts tickets that reached the route's handler (the fast path does not call it)."""
    calls: list[int] = []
    original = predict_route.to_ticket

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(predict_route, "to_ticket", counting)
    return calls
