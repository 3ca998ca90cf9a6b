"""The demo banner: its curl and MLflow commands paste as they are, even in a narrow terminal."""

from __future__ import annotations

import io
import json
import shlex
from pathlib import Path

from rich.console import Console

from serving.demo import DANISH_OUTAGE, DemoState, print_banner
from training.settings import MlflowSettings


def _banner(width: int) -> str:
    state = DemoState(
        data_path=Path("tickets.csv"),
        mlflow=MlflowSettings(),
        model_version="3",
        keys={"agent": "tp_agent_" + "x" * 43, "admin": "tp_admin_" + "y" * 43},
    )
    out = io.StringIO()
    print_banner(state, host="127.0.0.1", port=8000, console=Console(file=out, width=width))
    return out.getvalue()


def _command_after(text: str, title: str) -> list[str]:
    tail = text.split(title, 1)[1].strip().splitlines()
    lines = []
    for line in tail:
        lines.append(line.rstrip("\\").rstrip())
        if not line.endswith("\\"):
            break
    return shlex.split(" ".join(lines))


def test_the_printed_curl_is_a_complete_command_with_the_danish_ticket_and_agent_key() -> None:
    argv = _command_after(_banner(width=60), "Try a Danish outage ticket:")

    assert argv[:4] == ["curl", "-s", "-X", "POST"]
    assert argv[4] == "http://127.0.0.1:8000/v1/predict"
    assert f"Authorization: Bearer tp_agent_{'x' * 43}" in argv
    assert json.loads(argv[argv.index("-d") + 1]) == DANISH_OUTAGE


def test_the_mlflow_ui_command_points_at_the_demo_store() -> None:
    argv = _command_after(_banner(width=60), "Open the MLflow UI on the same store:")

    assert argv[:3] == [".venv/bin/mlflow", "ui", "--backend-store-uri"]
    assert argv[3] == MlflowSettings().tracking_uri
