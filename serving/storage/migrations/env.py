"""Alembic environment: runs on the connection `serving.storage.migrate` hands over."""

from __future__ import annotations

from alembic import context

from serving.storage.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "run migrations with `ticket-priority db upgrade` or serving.storage.migrate.upgrade(); "
        "they pass the database connection in"
    )
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
