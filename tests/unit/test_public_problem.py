"""Readiness answers without a key: its problems carry no URL or folder (public_problem)."""

from __future__ import annotations

import pytest

from serving.routes.health import public_problem


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "registry 'sqlite:////srv/tp/mlflow.db': database file /srv/tp/mlflow.db is missing",
            "registry 'sqlite://\u2026': database file mlflow.db is missing",
        ),
        (
            "registry 'postgresql://tp:S3cret@db.internal:5432/mlflow': cannot resolve tp@champion",
            "registry 'postgresql://\u2026': cannot resolve tp@champion",
        ),
        (
            "/etc/tp/rules.yaml: line 3: calendar 'office' hours 08:00-26:00",
            "rules.yaml: line 3: calendar 'office' hours 08:00-26:00",
        ),
        (
            "cannot read the rules file: [Errno 2] No such file or directory: '/etc/tp/rules.yaml'",
            "cannot read the rules file: [Errno 2] No such file or directory: 'rules.yaml'",
        ),
        ("model (at /srv/cache/tp/3) refused", "model (at 3) refused"),
        # Not paths: a time zone, a rate, a level list.
        (
            "days in Europe/Helsinki, 300 predictions/s",
            "days in Europe/Helsinki, 300 predictions/s",
        ),
        ("levels ['lo', 'mid'] unknown", "levels ['lo', 'mid'] unknown"),
    ],
)
def test_urls_and_folders_are_left_out(text: str, shown: str) -> None:
    assert public_problem(text) == shown
