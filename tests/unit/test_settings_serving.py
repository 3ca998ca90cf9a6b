"""Service settings: documented defaults, TP_ variables, errors that name the variable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from serving.settings import ServerSettings, Settings, SettingsError


def test_defaults_need_no_environment() -> None:
    s = Settings.from_env({})
    assert s.server.port == 8000
    assert s.model.cache_dir == Path("models")
    assert s.model.mlflow.champion_alias == "champion"
    assert s.limits.batch_size == 1000
    assert s.auth.api_keys == ()
    assert s.auth.required is True
    assert s.auth.metrics_public is True
    assert s.log.log_text is False
    assert s.shadow_mode is False
    assert s.server.http_server == "granian"


def test_server_choice_is_read_from_tp_server_case_insensitively() -> None:
    assert Settings.from_env({"TP_SERVER": " Uvicorn "}).server.http_server == "uvicorn"


def test_unknown_server_is_refused_naming_the_variable_and_the_choices() -> None:
    with pytest.raises(SettingsError, match=r"TP_SERVER=.nginx.*granian, uvicorn"):
        Settings.from_env({"TP_SERVER": "nginx"})


def test_default_rules_file_is_the_packaged_sample() -> None:
    path = Settings.from_env({}).rules.path
    assert path.name == "sample_rules.yaml"
    assert path.is_file()


def test_every_group_reads_its_tp_variables() -> None:
    env = {
        "TP_PORT": "9001",
        "TP_WORKERS": "3",
        "TP_MODEL_CACHE_DIR": "/srv/models",
        "TP_MODEL_REFRESH_SECONDS": "2.5",
        "TP_MODEL_NAME": "other",
        "TP_MLFLOW_TRACKING_URI": "sqlite:///x.db",
        "TP_RULES_FILE": "/etc/rules.yaml",
        "TP_API_KEYS": "a:" + "0" * 64 + ":predict, b:" + "1" * 64 + ":admin\n",
        "TP_METRICS_PUBLIC": "false",
        "TP_MAX_BATCH_SIZE": "50",
        "TP_BODY_TIMEOUT_SECONDS": "12.5",
        "TP_LOG_TEXT": "yes",
        "TP_SHADOW_MODE": "1",
    }
    s = Settings.from_env(env)
    assert (s.server.port, s.server.workers) == (9001, 3)
    assert s.model.cache_dir == Path("/srv/models")
    assert s.model.refresh_seconds == 2.5
    assert s.model.mlflow.model_name == "other"
    assert s.model.mlflow.tracking_uri == "sqlite:///x.db"
    assert s.rules.path == Path("/etc/rules.yaml")
    assert len(s.auth.api_keys) == 2
    assert s.auth.metrics_public is False
    assert s.limits.batch_size == 50
    assert s.limits.body_seconds == 12.5
    assert s.log.log_text is True
    assert s.shadow_mode is True


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TP_PORT", "eighty"),
        ("TP_MAX_BATCH_SIZE", "0"),
        ("TP_LOG_TEXT", "maybe"),
        ("TP_MODEL_REFRESH_SECONDS", "-1"),
        ("TP_BODY_TIMEOUT_SECONDS", "0"),
        ("TP_PORT", "70000"),
        ("TP_LOG_LEVEL", "verbose"),
        ("TP_STOP_SECONDS", "0"),
    ],
)
def test_bad_values_are_rejected_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


def test_log_levels_are_read_in_any_case_and_warn_is_warning() -> None:
    assert Settings.from_env({"TP_LOG_LEVEL": "debug"}).log.level == "DEBUG"
    assert Settings.from_env({"TP_LOG_LEVEL": " Warn "}).log.level == "WARNING"
    assert Settings.from_env({"TP_LOG_LEVEL": ""}).log.level == "INFO"


def test_settings_are_frozen() -> None:
    s = Settings.from_env({})
    with pytest.raises(AttributeError):
        s.shadow_mode = True  # type: ignore[misc]


def test_plain_database_url_is_used_when_tp_database_url_is_unset() -> None:
    from serving.storage.settings import StorageSettings

    plain = {"DATABASE_URL": "postgresql://tp@127.0.0.1/reviews"}
    both = {**plain, "TP_DATABASE_URL": "sqlite:///x.db"}

    assert StorageSettings.from_env(plain).database_url == "postgresql://tp@127.0.0.1/reviews"
    assert StorageSettings.from_env(both).database_url == "sqlite:///x.db"
    assert StorageSettings.from_env({}).database_url == "sqlite:///reviews.db"


def test_the_prediction_queue_bound_is_tp_prediction_queue() -> None:
    from serving.storage.settings import StorageSettings, StorageSettingsError

    assert StorageSettings.from_env({}).prediction_queue == 2_000
    assert StorageSettings.from_env({"TP_PREDICTION_QUEUE": "50000"}).prediction_queue == 50_000
    with pytest.raises(StorageSettingsError, match="TP_PREDICTION_QUEUE=0 must be at least 1"):
        StorageSettings.from_env({"TP_PREDICTION_QUEUE": "0"})


def _serve_calls(monkeypatch: pytest.MonkeyPatch, args: list[str], env: dict[str, str]) -> Any:
    import typer
    from typer.testing import CliRunner

    from serving import serve_cli

    calls: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(serve_cli, "run_granian", lambda **kw: calls.append(("granian", kw)))
    monkeypatch.setattr(serve_cli, "run_uvicorn", lambda **kw: calls.append(("uvicorn", kw)))
    monkeypatch.setattr(serve_cli, "ensure_port_free", lambda host, port: None)
    for name in ("TP_SERVER", "TP_PORT", "TP_HOST", "TP_WORKERS"):
        monkeypatch.delenv(name, raising=False)
    app = typer.Typer()
    serve_cli.register(app)
    result = CliRunner().invoke(app, ["serve", *args], env=env)
    return result, calls


def test_serve_runs_granian_by_default_with_the_tp_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result, calls = _serve_calls(monkeypatch, [], {"TP_PORT": "9002", "TP_WORKERS": "2"})
    assert result.exit_code == 0, result.output
    assert calls == [
        (
            "granian",
            {"host": "127.0.0.1", "port": 9002, "workers": 2, "log_level": "warning",
             "stop_seconds": 8},
        )
    ]  # fmt: skip


@pytest.mark.parametrize("server", ["granian", "uvicorn"])
def test_tp_stop_seconds_is_how_long_a_stopping_worker_gets_before_it_is_killed(
    server_arguments: dict[str, Any], server: str
) -> None:
    from serving import serve_cli

    settings = ServerSettings.from_env({"TP_STOP_SECONDS": "25"})
    run = serve_cli.run_granian if server == "granian" else serve_cli.run_uvicorn
    run(host="127.0.0.1", port=0, workers=2, log_level="warning",
        stop_seconds=settings.stop_seconds)  # fmt: skip
    key = "workers_kill_timeout" if server == "granian" else "timeout_graceful_shutdown"
    assert server_arguments[key] == 25


def test_serve_empties_an_operators_metrics_folder_even_for_one_worker(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "counter_1234.db").write_bytes(b"last run")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    result, calls = _serve_calls(monkeypatch, [], {"TP_WORKERS": "1"})
    assert result.exit_code == 0, result.output
    assert len(calls) == 1
    assert not (tmp_path / "counter_1234.db").exists()


def test_serve_option_overrides_tp_server(monkeypatch: pytest.MonkeyPatch) -> None:
    result, calls = _serve_calls(monkeypatch, ["--server", "uvicorn"], {"TP_SERVER": "granian"})
    assert result.exit_code == 0, result.output
    assert [name for name, _ in calls] == ["uvicorn"]


def test_serve_refuses_an_unknown_server_naming_the_choices(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result, calls = _serve_calls(monkeypatch, ["--server", "hypercorn"], {})
    assert result.exit_code != 0
    assert "granian, uvicorn" in result.output
    assert calls == []


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TP_PORT": "abc"}, "TP_PORT='abc' is not a whole number"),
        ({"TP_WORKERS": "0"}, "TP_WORKERS=0 must be at least 1"),
        ({"TP_PORT": "70000"}, "TP_PORT=70000 must be at most 65535"),
        (
            {"TP_LOG_LEVEL": "verbose"},
            "TP_LOG_LEVEL='verbose' is not a log level; use one of DEBUG",
        ),
        ({"TP_MAX_BODY_CHARS": "-1"}, "TP_MAX_BODY_CHARS=-1 must be at least 1"),
        ({"TP_API_KEYS": "garbage"}, "ticket-priority new-key --scopes predict"),
        ({"TP_DATABASE_URL": "foo://x"}, "TP_DATABASE_URL uses 'foo'"),
        ({"TP_RULES_FILE": "/nonexistent/rules.yaml"}, "TP_RULES_FILE: /nonexistent/rules.yaml"),
        ({"TP_REDACT_TEXT_AFTER_DAYS": "abc"}, "TP_REDACT_TEXT_AFTER_DAYS='abc' must be"),
    ],
)
def test_serve_checks_every_setting_before_starting_a_worker(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    result, calls = _serve_calls(monkeypatch, [], env)
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output
    assert calls == []


def test_serve_warns_at_start_when_no_key_is_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    result, calls = _serve_calls(monkeypatch, [], {"TP_API_KEYS": ""})
    assert result.exit_code == 0, result.output
    assert "TP_API_KEYS is empty, so every protected endpoint answers 401" in " ".join(
        result.output.split()
    )
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("variable", "message"),
    [
        ("TP_MODEL_CACHE_DIR", "is a file, not a folder; point it at a folder this user can write"),
        ("PROMETHEUS_MULTIPROC_DIR", "is a file, not a folder; point it at a folder"),
    ],
)
def test_serve_refuses_a_folder_it_must_write_that_is_a_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str, message: str
) -> None:
    a_file = tmp_path / "keys.txt"
    a_file.write_text("not a folder")
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    result, calls = _serve_calls(monkeypatch, [], {variable: str(a_file)})
    assert result.exit_code == 2
    # rich wraps the long line anywhere in the path: compare without whitespace
    assert "".join(f"{variable}={a_file}: {message}".split()) in "".join(result.output.split())
    assert "Traceback" not in result.output
    assert calls == []


def test_a_missing_folder_that_can_be_made_passes_and_one_under_a_file_does_not(
    tmp_path: Path,
) -> None:
    from serving.serve_cli import folder_problem

    (tmp_path / "f").write_text("x")
    assert folder_problem(tmp_path / "new" / "models") is None
    assert folder_problem(tmp_path) is None
    assert (
        folder_problem(tmp_path / "f" / "models") == f"cannot be made: {tmp_path / 'f'} is a file"
    )
