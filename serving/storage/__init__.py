"""The review store: predictions as served, reviewers' verdicts, exports and agreement stats.

SQLAlchemy 2 on SQLite (default) or PostgreSQL, schema managed by alembic migrations in
`serving/storage/migrations/`. Import from the submodules (`store`, `reviewing`, `export`,
`stats`, `settings`); this package stays import-light because `serving.settings` reads
`StorageSettings` from it.
"""
