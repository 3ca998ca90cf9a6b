"""Keys from `TP_API_KEYS_FILE` change on `POST /v1/admin/reload`, without a restart: a key
added to the file works, a removed one gets 401 (and its review sessions end), and a broken
file keeps the keys in force and says why."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from serving.app import create_app
from serving.auth import new_api_key
from serving.key_file import KeyFile
from serving.service import Runtime
from serving.storage.settings import StorageSettings
from tests.api_keys import CSRF
from tests.serving_fakes import FakeModel, make_runtime

TICKET = {"subject": "Lasku", "body": "Lasku on väärin", "language": "fi"}
ADMIN_KEY, ADMIN_ENTRY = new_api_key(["predict", "admin"], name="ops")
OLD_KEY, OLD_ENTRY = new_api_key(["predict", "review"], name="zendesk")
NEW_KEY, NEW_ENTRY = new_api_key(["predict", "review"], name="zendesk")
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _write(path: Path, *lines: str) -> None:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # A later mtime than the last write even within the file system's clock granularity.
    stamp = path.stat().st_mtime_ns + 1_000_000
    os.utime(path, ns=(stamp, stamp))


def _runtime(tmp_path: Path, **settings: Any) -> Runtime:
    keys_path = tmp_path / "keys.txt"
    _write(keys_path, "# helpdesk keys", ADMIN_ENTRY, OLD_ENTRY)
    runtime = make_runtime(tmp_path, model=FakeModel(), **settings)
    runtime.key_file = KeyFile(keys_path, runtime.keyring)
    runtime.key_file.load()
    return runtime


@pytest.fixture
def runtime(tmp_path: Path) -> Runtime:
    return _runtime(tmp_path)


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(runtime=runtime, extensions=())) as client:
        yield client


def _keys_path(runtime: Runtime) -> Path:
    assert runtime.key_file is not None
    return runtime.key_file.path


def test_a_key_added_to_the_file_works_after_a_reload_and_a_removed_one_gets_401(
    client: TestClient[Any], runtime: Runtime
) -> None:
    path = _keys_path(runtime)
    assert client.post("/v1/predict", json=TICKET, headers=_bearer(NEW_KEY)).status_code == 401

    _write(path, ADMIN_ENTRY, OLD_ENTRY, NEW_ENTRY)  # the overlap: both zendesk keys
    reload = client.post("/v1/admin/reload", headers=ADMIN)
    assert reload.status_code == 200, reload.text
    assert reload.json()["keys_changed"] is True
    assert client.post("/v1/predict", json=TICKET, headers=_bearer(NEW_KEY)).status_code == 200
    assert client.post("/v1/predict", json=TICKET, headers=_bearer(OLD_KEY)).status_code == 200

    _write(path, ADMIN_ENTRY, NEW_ENTRY)
    assert client.post("/v1/admin/reload", headers=ADMIN).json()["keys_changed"] is True
    assert client.post("/v1/predict", json=TICKET, headers=_bearer(OLD_KEY)).status_code == 401
    assert client.post("/v1/predict", json=TICKET, headers=_bearer(NEW_KEY)).status_code == 200
    assert client.post("/v1/admin/reload", headers=ADMIN).json()["keys_changed"] is False


def test_a_broken_file_keeps_the_old_keys_and_says_why_until_it_is_fixed(
    client: TestClient[Any], runtime: Runtime
) -> None:
    path = _keys_path(runtime)
    _write(path, ADMIN_ENTRY, NEW_ENTRY, "zendesk:" + NEW_KEY + ":predict")  # the key, not its hash

    rejected = client.post("/v1/admin/reload", headers=ADMIN)

    assert rejected.status_code == 409
    assert rejected.json()["error"] == "keys_invalid"
    assert "keys.txt line 3: entry 'zendesk': the hash must be 64 hex" in rejected.json()["detail"]
    assert client.post("/v1/predict", json=TICKET, headers=_bearer(OLD_KEY)).status_code == 200
    assert client.post("/v1/predict", json=TICKET, headers=_bearer(NEW_KEY)).status_code == 401
    ready = client.get("/health/ready").json()
    assert ready["problems"] == [
        "TP_API_KEYS_FILE keys.txt line 3: entry 'zendesk': the hash must be 64 hex characters "
        "(SHA-256 of the key), never the key itself"
    ]
    assert re.search(r'^tp_config_problem\{kind="keys"\} 1\.0$', client.get("/metrics").text, re.M)

    _write(path, ADMIN_ENTRY, NEW_ENTRY)
    assert client.post("/v1/admin/reload", headers=ADMIN).status_code == 200
    assert client.get("/health/ready").json()["problems"] == []
    assert re.search(r'^tp_config_problem\{kind="keys"\} 0\.0$', client.get("/metrics").text, re.M)
    assert client.post("/v1/predict", json=TICKET, headers=_bearer(NEW_KEY)).status_code == 200


def test_an_emptied_file_never_leaves_the_service_without_keys(
    client: TestClient[Any], runtime: Runtime
) -> None:
    _write(_keys_path(runtime), "# every key removed by mistake")

    assert client.post("/v1/admin/reload", headers=ADMIN).status_code == 409
    assert client.post("/v1/predict", json=TICKET, headers=_bearer(OLD_KEY)).status_code == 200


def test_the_periodic_rules_check_picks_up_the_key_file(tmp_path: Path) -> None:
    runtime = _runtime(tmp_path)
    runtime.settings = type(runtime.settings)(
        **{
            **runtime.settings.__dict__,
            "rules": type(runtime.settings.rules)(
                rules_file=runtime.settings.rules.rules_file, reload_seconds=0.05
            ),
        }
    )
    with TestClient(create_app(runtime=runtime, extensions=())) as client:
        _write(_keys_path(runtime), ADMIN_ENTRY, NEW_ENTRY)
        for _ in range(100):
            status = client.post("/v1/predict", json=TICKET, headers=_bearer(OLD_KEY)).status_code
            if status == 401:
                break
            time.sleep(0.05)  # the app's loop runs in the test client's portal thread
        assert status == 401
        assert client.post("/v1/predict", json=TICKET, headers=_bearer(NEW_KEY)).status_code == 200


def test_review_sessions_of_a_removed_key_end(tmp_path: Path, sqlite_url: str) -> None:
    runtime = _runtime(tmp_path, storage=StorageSettings(database_url=sqlite_url))
    with TestClient(create_app(runtime=runtime)) as client:
        form = client.get("/review/login")
        token = CSRF.search(form.text)
        assert token is not None
        signed_in = client.post(
            "/review/login",
            data={"key": OLD_KEY, "csrf": token.group(1), "next": "/review/queue"},
            follow_redirects=False,
        )
        assert signed_in.status_code == 303
        assert client.get("/review/queue", follow_redirects=False).status_code == 200

        _write(_keys_path(runtime), ADMIN_ENTRY, NEW_ENTRY)  # same id, another key
        assert client.post("/v1/admin/reload", headers=ADMIN).status_code == 200

        ended = client.get("/review/queue", follow_redirects=False)
        assert ended.status_code == 303
        assert ended.headers["location"].startswith("/review/login")
