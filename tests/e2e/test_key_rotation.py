"""Rotating an API key without a restart: `ticket-priority serve` with two granian workers and
`TP_API_KEYS_FILE`; an admin reload answered by one worker puts the file's new keys in force
in both (the file watch is off, so only the reload's broadcast can reach the other)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from serving.auth import new_api_key
from tests.e2e.live_server import live_server
from tests.e2e.serving_registry import sqlite_champion

pytestmark = pytest.mark.slow

TICKET = {"subject": "Lasku", "body": "Lasku on väärin", "language": "fi"}


def _loaded_by(log: str, key_id: str) -> set[int]:
    """The worker pids that logged loading a key file holding `key_id`."""
    pids = set()
    for line in log.splitlines():
        if '"api_keys_loaded"' in line:
            event = json.loads(line)
            if key_id in event["key_ids"]:
                pids.add(event["pid"])
    return pids


def _statuses(base_url: str, key: str, asks: int) -> set[int]:
    # A new connection per request, so the kernel spreads them over both workers.
    return {
        httpx.post(f"{base_url}/v1/predict", json=TICKET,
                   headers={"Authorization": f"Bearer {key}"}).status_code
        for _ in range(asks)
    }  # fmt: skip


def test_a_reload_puts_a_rotated_key_in_force_in_both_workers(tmp_path: Path) -> None:
    settings, _, _ = sqlite_champion(tmp_path)
    admin_key, admin = new_api_key(["predict", "admin"], name="ops")
    old_key, old = new_api_key(["predict"], name="zendesk")
    new_key, new = new_api_key(["predict"], name="zendesk-2026")
    keys_file = tmp_path / "keys.txt"
    keys_file.write_text(f"# service keys\n{admin}\n{old}\n", encoding="utf-8")
    env = {
        "TP_MLFLOW_TRACKING_URI": settings.tracking_uri,
        "TP_MODEL_CACHE_DIR": str(tmp_path / "models"),
        "TP_API_KEYS_FILE": str(keys_file),
        "TP_RULES_RELOAD_SECONDS": "0",  # no file watch: only a reload re-reads the keys
        "TP_WORKERS": "2",
        "TP_DATABASE_URL": f"sqlite:///{tmp_path / 'reviews.db'}",
    }
    with live_server(env, tmp_path) as server:
        deadline = time.monotonic() + 60
        while len(_loaded_by(server.log(), "ops")) < 2:
            assert time.monotonic() < deadline, server.log()[-3000:]
            time.sleep(0.5)
        assert _statuses(server.base_url, old_key, 10) == {200}

        keys_file.write_text(f"{admin}\n{new}\n", encoding="utf-8")
        reload = httpx.post(
            f"{server.base_url}/v1/admin/reload",
            headers={"Authorization": f"Bearer {admin_key}"},
            timeout=30,
        )
        assert reload.status_code == 200, reload.text
        assert reload.json()["keys_changed"] is True
        time.sleep(2.5)  # workers look for a reload request every second

        assert len(_loaded_by(server.log(), "zendesk-2026")) == 2, server.log()[-3000:]
        assert _statuses(server.base_url, new_key, 20) == {200}
        assert _statuses(server.base_url, old_key, 20) == {401}
