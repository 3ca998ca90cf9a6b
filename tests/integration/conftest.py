"""Fixtures for integration tests.

Review store: a migrated database per backend (SQLite file, real PostgreSQL), see
`tests/review_fixtures.py`.
"""

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
