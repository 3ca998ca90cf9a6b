"""`serve` and `demo` start-up: a busy port is refused, TP_HOST/TP_PORT reach the demo."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from serving import demo as demo_steps
from serving import serve_cli
from training.settings import MlflowSettings
from training.train import TrainOutcome


@pytest.fixture
def granian_like_listener() -> Iterator[int]:
    """A port held the way granian holds it: listening with SO_REUSEPORT."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        held.bind(("127.0.0.1", 0))
        held.listen()
        yield held.getsockname()[1]


def _app() -> typer.Typer:
    app = typer.Typer()
    serve_cli.register(app)
    return app


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_port_another_service_listens_on_is_refused_with_the_fix(
    granian_like_listener: int, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(typer.Exit) as stopped:
        serve_cli.ensure_port_free("127.0.0.1", granian_like_listener)

    assert stopped.value.exit_code == 2
    message = " ".join(capsys.readouterr().err.split())
    assert f"port {granian_like_listener} on 127.0.0.1 is already in use" in message
    assert "pass --port or set TP_PORT" in message


@pytest.mark.parametrize(
    ("host", "port", "message"),
    [
        # TEST-NET-1 (RFC 5737): never an address of the machine running the tests
        (
            "192.0.2.1",
            None,
            "host 192.0.2.1 is not an address of this machine; pass --host or set TP_HOST",
        ),
        ("127.0.0.1", 70000, "port 70000 is not a TCP port (0-65535); pass --port or set TP_PORT"),
        ("127.0.0.1", -1, "port -1 is not a TCP port (0-65535)"),
    ],
)
def test_a_host_or_port_that_cannot_be_bound_is_one_line_naming_the_setting(
    host: str, port: int | None, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(typer.Exit) as stopped:
        serve_cli.ensure_port_free(host, _free_port() if port is None else port)

    assert stopped.value.exit_code == 2
    assert message in " ".join(capsys.readouterr().err.split())


def test_serve_names_tp_host_instead_of_the_servers_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started: list[dict[str, Any]] = []
    monkeypatch.setattr(serve_cli, "run_granian", lambda **kw: started.append(kw))
    monkeypatch.setenv("TP_HOST", "192.0.2.1")
    monkeypatch.delenv("TP_API_KEYS", raising=False)

    result = CliRunner().invoke(_app(), ["serve", "--port", str(_free_port())])

    assert result.exit_code == 2
    assert "set TP_HOST" in " ".join(result.output.split())
    assert started == []


def test_serve_refuses_a_key_file_that_does_not_parse_naming_its_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    started: list[dict[str, Any]] = []
    monkeypatch.setattr(serve_cli, "run_granian", lambda **kw: started.append(kw))
    keys = tmp_path / "keys.txt"
    keys.write_text("# keys\nzendesk:abc:predict\n", encoding="utf-8")
    monkeypatch.delenv("TP_API_KEYS", raising=False)
    monkeypatch.setenv("TP_API_KEYS_FILE", str(keys))

    result = CliRunner().invoke(_app(), ["serve", "--port", str(_free_port())])

    assert result.exit_code == 2
    assert "keys.txt line 2: entry 'zendesk': the hash must be 64 hex" in " ".join(
        result.output.split()
    )
    assert started == []


def test_a_free_port_passes_and_stays_free() -> None:
    port = _free_port()
    serve_cli.ensure_port_free("127.0.0.1", port)
    serve_cli.ensure_port_free("127.0.0.1", port)  # the check released it


def test_serve_refuses_a_busy_port_before_starting_the_server(
    granian_like_listener: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[dict[str, Any]] = []
    monkeypatch.setattr(serve_cli, "run_granian", lambda **kw: started.append(kw))
    monkeypatch.delenv("TP_API_KEYS", raising=False)

    result = CliRunner().invoke(_app(), ["serve", "--port", str(granian_like_listener)])

    assert result.exit_code == 2
    assert "already in use" in result.output
    assert started == []


def test_serve_help_shows_where_each_default_comes_from() -> None:
    result = CliRunner().invoke(_app(), ["serve", "--help"], env={"COLUMNS": "200"})
    text = " ".join(result.output.split())
    for default in ("TP_HOST or 127.0.0.1", "TP_PORT or 8000", "TP_WORKERS or 1",
                    "TP_SERVER or granian"):  # fmt: skip
        assert f"[default: {default}]" in text


def _fake_demo(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    seen: dict[str, Any] = {"prepared": False}

    def prepare(*_args: Any, **_kwargs: Any) -> demo_steps.DemoState:
        seen["prepared"] = True
        return demo_steps.DemoState(Path("t.csv"), MlflowSettings(), "1", {}, {})

    def banner(_state: Any, *, host: str, port: int, console: Console) -> None:
        seen["banner"] = (host, port)

    monkeypatch.setattr(demo_steps, "prepare_demo", prepare)
    monkeypatch.setattr(demo_steps, "print_banner", banner)
    monkeypatch.setattr(serve_cli, "serve", lambda **kw: seen.setdefault("serve", kw))
    return seen


def test_demo_serves_on_tp_host_and_tp_port(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _fake_demo(monkeypatch)
    port = _free_port()

    result = CliRunner().invoke(
        _app(), ["demo"], env={"TP_PORT": str(port), "TP_HOST": "127.0.0.1"}
    )

    assert result.exit_code == 0, result.output
    assert seen["banner"] == ("127.0.0.1", port)
    assert seen["serve"]["port"] == port


def test_demo_refuses_a_busy_port_before_training(
    granian_like_listener: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _fake_demo(monkeypatch)

    result = CliRunner().invoke(_app(), ["demo", "--port", str(granian_like_listener)])

    assert result.exit_code == 2
    assert "already in use" in result.output
    assert seen["prepared"] is False


def test_a_retrain_the_gate_holds_back_leaves_the_champion_in_the_banner(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import training.train

    held_back = TrainOutcome("run1", "4", False, "recall below champion v3's", {}, Path("m"))
    monkeypatch.setattr(training.train, "run_training", lambda *a, **k: held_back)
    monkeypatch.setattr(demo_steps, "champion_version", lambda _settings: "3")
    out = Console(record=True, width=200)

    version = demo_steps.ensure_champion(Path("t.csv"), MlflowSettings(), retrain=True, console=out)

    assert version == "3"
    text = out.export_text()
    assert "version 4 is the challenger; the champion stays version 3" in text
    assert "promote --version 4" in text


def test_granians_own_lines_are_json_like_the_services(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    server_arguments: dict[str, Any],
) -> None:
    import json
    import logging

    from granian.log import LogLevels, configure_logging

    monkeypatch.delenv("TP_LOG_JSON", raising=False)
    serve_cli.run_granian(host="127.0.0.1", port=0, workers=2, log_level="warning",
                          stop_seconds=8)  # fmt: skip
    granian_logger = logging.getLogger("_granian")
    before = (granian_logger.handlers[:], granian_logger.level, granian_logger.propagate)
    try:
        # what granian does with it
        configure_logging(LogLevels.warning, server_arguments["log_dictconfig"])
        granian_logger.warning("Killing worker-1 after it refused to gracefully stop")
        line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    finally:
        granian_logger.handlers[:], granian_logger.level, granian_logger.propagate = before
    assert line["event"] == "Killing worker-1 after it refused to gracefully stop"
    assert (line["level"], line["logger"]) == ("warning", "_granian")
    assert "timestamp" in line
