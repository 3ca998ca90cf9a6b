"""The demo's steps: synthetic history, a registered champion, API keys, and the banner.

Each step reuses what an earlier run left in the working folder, so a second `demo` starts in
seconds.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.panel import Panel

from training.settings import MlflowSettings

DANISH_OUTAGE = {
    "external_id": "DEMO-1",
    "subject": "Nedbrud: vores webshop er nede",
    "body": (
        "Hej. Siden kl. 7 i morges er hele vores webshop nede, og ingen af vores 40 "
        "medarbejdere kan logge ind. Kunderne kan ikke betale. Det haster meget!"
    ),
    "language": "da",
    "channel": "phone",
    "customer": {"customer_id": "C-1001", "tier": "enterprise", "vip": False,
                 "monthly_value": 4200.0},
    "affected_users": 40,
}  # fmt: skip


@dataclass
class DemoState:
    """What the demo prepared: where things are, which model serves, and the keys to use."""

    data_path: Path
    mlflow: MlflowSettings
    model_version: str | None
    keys: dict[str, str]
    environment: dict[str, str] = field(default_factory=dict)


def ensure_data(demo_dir: Path, rows: int, console: Console) -> Path:
    """Generate the synthetic ticket history once; later runs reuse the file."""
    path = demo_dir / f"tickets-{rows}.csv"
    if path.exists():
        console.print(f"[green]✓[/] reusing synthetic history {path}")
        return path
    from training.synthetic import generate_tickets, write_tickets

    with console.status(f"generating {rows:,} synthetic multilingual tickets"):
        write_tickets(generate_tickets(rows=rows, seed=7), path)
    console.print(f"[green]✓[/] wrote {rows:,} tickets to {path}")
    return path


def champion_version(settings: MlflowSettings) -> str | None:
    """The registry version behind the champion alias, or None if there is none yet."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    client = MlflowClient(tracking_uri=settings.tracking_uri)
    try:
        version = client.get_model_version_by_alias(settings.model_name, settings.champion_alias)
    except MlflowException:
        return None
    return str(version.version)


def ensure_champion(
    data_path: Path, settings: MlflowSettings, *, retrain: bool, console: Console
) -> str | None:
    """Train and register a champion unless one exists already."""
    existing = None if retrain else champion_version(settings)
    if existing is not None:
        console.print(
            f"[green]✓[/] reusing {settings.model_name}@{settings.champion_alias} "
            f"(version {existing})"
        )
        return existing
    from training.train import run_training

    outcome = run_training(data_path, mlflow_settings=settings, register=True, progress=True)
    macro_f1 = outcome.report.get("macro_f1", float("nan"))
    console.print(
        f"[green]✓[/] trained run {outcome.run_id}: macro-F1 {macro_f1:.3f} on the newest 20%; "
        f"registered version {outcome.version} ({outcome.gate_reason})"
    )
    if outcome.promoted:
        return outcome.version
    # The gate held the new version back: the service keeps serving the champion.
    champion = champion_version(settings)
    console.print(
        f"[yellow]![/] version {outcome.version} is the challenger; the champion stays version "
        f"{champion}. To serve the new one: .venv/bin/ticket-priority promote --version "
        f"{outcome.version}",
        highlight=False,
    )
    return champion


def ensure_keys(demo_dir: Path) -> tuple[dict[str, str], str]:
    """Demo API keys (plaintext kept only in .demo/, git-ignored) and the hashed config entry."""
    from serving.auth import new_api_key

    path = demo_dir / "keys.json"
    if path.exists():
        stored = json.loads(path.read_text(encoding="utf-8"))
        return stored["keys"], stored["config"]
    keys: dict[str, str] = {}
    entries: list[str] = []
    for name, scopes in (
        ("agent", ("predict", "review")),
        ("admin", ("predict", "review", "admin")),
    ):
        plaintext, entry = new_api_key(scopes, name=name)
        keys[name] = plaintext
        entries.append(entry)
    config = ",".join(entries)
    path.write_text(json.dumps({"keys": keys, "config": config}, indent=2), encoding="utf-8")
    path.chmod(0o600)
    return keys, config


def prepare_demo(demo_dir: Path, *, rows: int, retrain: bool, console: Console) -> DemoState:
    """Run every demo step that is not done yet and return what the service needs."""
    demo_dir.mkdir(exist_ok=True)
    settings = MlflowSettings.from_env()
    data_path = ensure_data(demo_dir, rows, console)
    version = ensure_champion(data_path, settings, retrain=retrain, console=console)
    keys, key_config = ensure_keys(demo_dir)
    return DemoState(data_path, settings, version, keys, demo_environment(settings, key_config))


def demo_environment(settings: MlflowSettings, key_config: str) -> dict[str, str]:
    """The `TP_` variables the demo's service runs with: its store and its own keys."""
    return {
        "TP_MLFLOW_TRACKING_URI": settings.tracking_uri,
        "TP_MLFLOW_ARTIFACT_ROOT": settings.artifact_root,
        "TP_API_KEYS": key_config,
        # The demo's keys replace the operator's, also those of a key file set in the shell
        # (both set would be refused).
        "TP_API_KEYS_FILE": "",
    }


def curl_command(base_url: str, api_key: str) -> str:
    """A ready-to-paste curl for the Danish outage example."""
    body = json.dumps(DANISH_OUTAGE, ensure_ascii=False)
    return (
        f"curl -s -X POST {base_url}/v1/predict \\\n"
        f"  -H 'Authorization: Bearer {api_key}' -H 'Content-Type: application/json' \\\n"
        f"  -d {shlex.quote(body)}"
    )


def print_banner(state: DemoState, *, host: str, port: int, console: Console) -> None:
    """Tell the user where everything is and what to paste first."""
    base = f"http://{host}:{port}"
    mlflow_ui = (
        f".venv/bin/mlflow ui --backend-store-uri {state.mlflow.tracking_uri} "
        f"--default-artifact-root {state.mlflow.artifact_root} --port 5000"
    )
    lines = [
        f"API docs:     {base}/docs",
        f"Review page:  {base}/review   (sign in with the agent key)",
        f"Readiness:    {base}/health/ready",
        f"Model:        {state.mlflow.model_name} version {state.model_version} "
        f"(alias {state.mlflow.champion_alias})",
        f"Agent key:    {state.keys['agent']}",
        f"Admin key:    {state.keys['admin']}",
    ]
    console.print(Panel("\n".join(lines), title="ticket-priority demo", expand=False))
    # Commands go outside the panel, unwrapped, so they paste as they are.
    for title, command in (
        ("Try a Danish outage ticket:", curl_command(base, state.keys["agent"])),
        ("Open the MLflow UI on the same store:", mlflow_ui),
    ):
        console.print(f"\n[bold]{title}[/]")
        console.print(command, soft_wrap=True, highlight=False, markup=False)
