"""Fixtures for integration tests.

Review store: a migrated database per backend (SQLite file, real PostgreSQL), see
`tests/review_fixtures.py`. `route_calls`: the predict route's handler calls (the fast path
answers without it). `review_client`: the whole app (review page included) on a SQLite review
store, with the keys of `tests/api_keys.py`. `runtime` and `client`: the API alone (no review
page or store) with a fake model, those keys and a `MemorySink` holding what it stores; a module
that needs another runtime defines its own `runtime` fixture, which `client` then serves.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

import serving.routes.predict as predict_route
from serving.app import create_app
from serving.persistence import MemorySink
from serving.service import Runtime
from serving.storage.settings import StorageSettings
from tests.api_keys import ENTRIES
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
from tests.serving_fakes import FakeModel, make_runtime


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


@pytest.fixture
def review_client(tmp_path: Path, sqlite_url: str) -> Iterator[TestClient[Any]]:  # noqa: F811
    """The app with its review page, a fake model and a SQLite review store."""
    storage = StorageSettings(database_url=sqlite_url)
    runtime = make_runtime(tmp_path, model=FakeModel(), keys=ENTRIES, storage=storage)
    with TestClient(create_app(runtime=runtime)) as client:
        yield client


@pytest.fixture
def runtime(tmp_path: Path) -> Runtime:
    """A fake model, the test keys and no review store: stored predictions stay in a list."""
    runtime = make_runtime(tmp_path, model=FakeModel(), keys=ENTRIES)
    runtime.sink = MemorySink()
    return runtime


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient[Any]]:
    """The API over `runtime`, without the review page."""
    with TestClient(create_app(runtime=runtime, extensions=())) as client:
        yield client
