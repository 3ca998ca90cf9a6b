"""Training commands: generate-data, train, evaluate, promote, rollback.

A thin layer over `training.train` and `training.registry`: parse options, call, print.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from training.config import ConfigError, CostSpec, DataConfig, TrainConfig, load_data_config
from training.settings import MlflowSettings

console = Console()
err = Console(stderr=True, soft_wrap=True)  # an error line is not folded inside a path

_HELP_MAPPING = "Column mapping (overrides --config)"
_HELP_COSTS = "Decision costs (override the costs of --config)"

DataOpt = Annotated[
    Path,
    typer.Option(
        "--data",
        help="CSV (, ; tab |), Parquet or JSONL export; .gz allowed.",
        exists=True,
        dir_okay=False,
    ),
]
ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="YAML data config (column mapping, aliases).")
]
TextOpt = Annotated[
    str | None,
    typer.Option(help="Comma-separated text columns, e.g. subject,body.",
                 rich_help_panel=_HELP_MAPPING),
]  # fmt: skip
LabelOpt = Annotated[str | None, typer.Option(help="Label column.", rich_help_panel=_HELP_MAPPING)]
CategoryOpt = Annotated[
    str | None,
    typer.Option(help="Comma-separated categorical columns, e.g. queue,type,tier.",
                 rich_help_panel=_HELP_MAPPING),
]  # fmt: skip
NumericOpt = Annotated[
    str | None,
    typer.Option(help="Comma-separated numeric columns, e.g. monthly_value,open_tickets.",
                 rich_help_panel=_HELP_MAPPING),
]  # fmt: skip
TimeOpt = Annotated[
    str | None,
    typer.Option(help="Creation time column (newest 20% become the holdout).",
                 rich_help_panel=_HELP_MAPPING),
]  # fmt: skip
IdOpt = Annotated[str | None, typer.Option(help="Ticket id column.", rich_help_panel=_HELP_MAPPING)]
LevelsOpt = Annotated[
    str | None,
    typer.Option(help="Levels in ascending urgency, e.g. low,medium,high,urgent.",
                 rich_help_panel=_HELP_MAPPING),
]  # fmt: skip
EncodingOpt = Annotated[
    str | None,
    typer.Option(help="Text encoding of a CSV/JSONL export (default utf-8), e.g. cp1252.",
                 rich_help_panel=_HELP_MAPPING),
]  # fmt: skip
DecimalOpt = Annotated[
    str | None,
    typer.Option(help="Decimal separator of numeric columns, ',' or '.' (default: per column).",
                 rich_help_panel=_HELP_MAPPING),
]  # fmt: skip
ReportOpt = Annotated[Path | None, typer.Option(help="Also write the report JSON here.")]


def _split(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(v.strip() for v in value.split(",") if v.strip())


def build_data_config(
    config: Path | None, *, text_columns: str | None = None, label_column: str | None = None,
    category_columns: str | None = None, numeric_columns: str | None = None,
    time_column: str | None = None, id_column: str | None = None, levels: str | None = None,
    min_rows_per_level: int | None = None, under_cost: float | None = None,
    over_cost: float | None = None, encoding: str | None = None, decimal: str | None = None,
) -> DataConfig:  # fmt: skip
    """The YAML config (or defaults) with the CLI mapping options applied on top.

    `under_cost`/`over_cost` replace the config's costs (a matrix from the YAML included).
    """
    base = load_data_config(config) if config is not None else DataConfig()
    costs = None
    if under_cost is not None or over_cost is not None:
        costs = CostSpec(
            under=base.costs.under if under_cost is None else under_cost,
            over=base.costs.over if over_cost is None else over_cost,
        )
    return base.with_overrides(
        costs=costs,
        text_columns=_split(text_columns), label_column=label_column,
        category_columns=_split(category_columns), numeric_columns=_split(numeric_columns),
        time_column=time_column, id_column=id_column, levels=_split(levels),
        min_rows_per_level=min_rows_per_level, encoding=encoding, decimal=decimal,
    )  # fmt: skip


def _cost_option(direction: str, default: float) -> Any:
    return typer.Option(
        help=f"Cost of each level a suggestion is {direction} (default {default:g}).",
        rich_help_panel=_HELP_COSTS, min=0,
    )  # fmt: skip


def _fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(2)


def generate_data(
    rows: Annotated[int, typer.Option(help="Number of tickets.", min=1)] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same file).")] = 7,
    out: Annotated[Path, typer.Option(help="Output .csv, .parquet or .jsonl file.")] = Path(
        "tickets.csv"
    ),
) -> None:
    """Write synthetic multilingual ticket history in the plain schema.

    Example:

      ticket-priority generate-data --rows 20000 --seed 7 --out tickets.csv
    """
    from training.synthetic import generate_tickets, output_problem, write_tickets

    problem = output_problem(out)
    if problem is not None:
        raise _fail(problem)
    with console.status(f"generating {rows:,} tickets"):
        frame = generate_tickets(rows, seed)
        write_tickets(frame, out)
    console.print(f"wrote {len(frame):,} tickets to {out}")


def train(  # noqa: PLR0917 - typer maps each CLI option to a parameter
    data: DataOpt,
    config: ConfigOpt = None,
    text_columns: TextOpt = None,
    label_column: LabelOpt = None,
    category_columns: CategoryOpt = None,
    numeric_columns: NumericOpt = None,
    time_column: TimeOpt = None,
    id_column: IdOpt = None,
    levels: LevelsOpt = None,
    encoding: EncodingOpt = None,
    decimal: DecimalOpt = None,
    min_rows_per_level: Annotated[
        int | None, typer.Option(help="Fewer valid rows in a level is an error (default 20).")
    ] = None,
    under_cost: Annotated[float | None, _cost_option("too low", 2)] = None,
    over_cost: Annotated[float | None, _cost_option("too high", 1)] = None,
    cv: Annotated[
        int | None, typer.Option("--cv", help="Report K-fold mean ± std over the whole file.")
    ] = None,
    report_json: ReportOpt = None,
    register: Annotated[
        bool, typer.Option("--register/--no-register", help="Register and run the gate.")
    ] = True,
    f1_tolerance: Annotated[
        float, typer.Option(help="Gate: macro-F1 may drop by at most this much.")
    ] = 0.01,
    top_recall_tolerance: Annotated[
        float, typer.Option(help="Gate: top-level recall may drop by at most this much.")
    ] = 0.0,
    models_dir: Annotated[Path, typer.Option(help="Local model store.")] = Path("models"),
    feedback_db: Annotated[
        str | None,
        typer.Option(
            help="Review store URL (the service's TP_DATABASE_URL): merge agents' "
            "reviewed labels into the history.",
            rich_help_panel="Feedback",
        ),
    ] = None,
    feedback_weight: Annotated[
        float,
        typer.Option(
            help="Sample weight of reviewed rows (export rows weigh 1; must be > 0).",
            rich_help_panel="Feedback",
        ),
    ] = 2.0,
) -> None:
    """Train on an export, test on the newest 20%, log to MLflow, register, gate.

    With no mapping options the plain schema is read (ticket_id, created_at,
    subject, body, tier, ..., priority). MLflow location comes from
    TP_MLFLOW_TRACKING_URI (default sqlite:///mlflow.db).

    Examples:

      ticket-priority train --data tickets.csv

      ticket-priority train --data zendesk.parquet
        --text-columns subject,description --label-column priority
        --category-columns group,type --time-column created_at
        --levels low,normal,high,urgent --cv 5 --report-json report.json

      ticket-priority train --data export.jsonl --config data.yaml --no-register

      ticket-priority train --data tickets.csv --under-cost 4 --over-cost 1

      ticket-priority train --data tickets.csv
        --feedback-db sqlite:///reviews.db --feedback-weight 2

    With --feedback-db, each reviewed ticket's final level (newest review per
    ticket id) replaces the export's label or adds the ticket as a row; reviewed
    rows always train and the report says how many labels came from reviews and
    how the model changed on them.
    """
    from training.errors import DataError
    from training.report_view import print_report
    from training.train import run_training

    try:
        data_config = build_data_config(
            config, text_columns=text_columns, label_column=label_column,
            category_columns=category_columns, numeric_columns=numeric_columns,
            time_column=time_column, id_column=id_column, levels=levels,
            min_rows_per_level=min_rows_per_level, under_cost=under_cost, over_cost=over_cost,
            encoding=encoding, decimal=decimal,
        )  # fmt: skip
        train_config = TrainConfig(
            cv=cv, f1_tolerance=f1_tolerance, top_recall_tolerance=top_recall_tolerance
        )
        outcome = run_training(
            data, config=data_config, mlflow_settings=MlflowSettings.from_env(),
            register=register, report_json=report_json, train_config=train_config,
            models_dir=models_dir, feedback_db=feedback_db, feedback_weight=feedback_weight,
        )  # fmt: skip
    except (ConfigError, DataError) as exc:
        raise _fail(str(exc)) from exc
    print_report(console, outcome.report)
    if "feedback" in outcome.report:
        console.print(f"feedback: {outcome.report['feedback']['sentence']}")
    console.print(f"MLflow run {outcome.run_id}; model saved in {outcome.model_dir}")
    if outcome.version is not None:
        verdict = "[green]champion[/]" if outcome.promoted else "[yellow]challenger[/]"
        console.print(f"registered version {outcome.version} -> {verdict}: {outcome.gate_reason}")


def evaluate(  # noqa: PLR0917 - typer maps each CLI option to a parameter
    data: DataOpt,
    model: Annotated[
        str, typer.Option(help="models:/NAME@ALIAS, models:/NAME/VERSION or a model directory.")
    ] = "models:/ticket-priority@champion",
    config: ConfigOpt = None,
    text_columns: TextOpt = None,
    label_column: LabelOpt = None,
    category_columns: CategoryOpt = None,
    numeric_columns: NumericOpt = None,
    levels: LevelsOpt = None,
    encoding: EncodingOpt = None,
    decimal: DecimalOpt = None,
    report_json: ReportOpt = None,
    out_dir: Annotated[
        Path | None, typer.Option(help="Write confusion matrix PNG/JSON and bad rows here.")
    ] = None,
) -> None:
    """Score a registered model on any export, with the same report as `train`.

    Examples:

      ticket-priority evaluate --model models:/ticket-priority@champion
        --data new.csv

      ticket-priority evaluate --model models:/ticket-priority/3 --data new.csv
        --report-json v3.json --out-dir eval-v3
    """
    from training.data import read_export
    from training.errors import DataError
    from training.registry import RegistryError

    try:
        data_config = build_data_config(
            config, text_columns=text_columns, label_column=label_column,
            category_columns=category_columns, numeric_columns=numeric_columns, levels=levels,
            encoding=encoding, decimal=decimal,
        )  # fmt: skip
        # A wrong mapping is answered from the header before scikit-learn is imported (~4 s
        # on a loaded machine) and the model is loaded (~25 s from a registry).
        table = read_export(data, data_config)
    except (ConfigError, DataError) as exc:
        raise _fail(str(exc)) from exc
    from training.report_view import print_report
    from training.train import run_evaluation

    try:
        with console.status("scoring"):
            report = run_evaluation(
                model, data, config=data_config, mlflow_settings=MlflowSettings.from_env(),
                report_json=report_json, artifacts_dir=out_dir, table=table,
            )  # fmt: skip
    except (ConfigError, DataError, RegistryError) as exc:
        raise _fail(str(exc)) from exc
    print_report(console, report)
    scored = report["model"]
    console.print(
        f"scored {scored.get('name')} version {scored.get('version')} "
        f"(MLflow run {scored.get('run_id') or 'unknown'})"
    )


def promote(
    version: Annotated[str, typer.Option("--version", help="Registered version to promote.")],
) -> None:
    """Point the `champion` alias at a version (no gate; `rollback` undoes it).

    Example:

      ticket-priority promote --version 3
    """
    from training.registry import RegistryError
    from training.registry import promote as do_promote

    settings = MlflowSettings.from_env()
    try:
        previous = do_promote(settings, version)
    except RegistryError as exc:
        raise _fail(str(exc)) from exc
    was = f" (was v{previous})" if previous else ""
    console.print(f"{settings.model_name}@{settings.champion_alias} -> v{version}{was}")


def rollback() -> None:
    """Point `champion` back at the version it replaced.

    Example:

      ticket-priority rollback
    """
    from training.registry import RegistryError
    from training.registry import rollback as do_rollback

    settings = MlflowSettings.from_env()
    try:
        old, new = do_rollback(settings)
    except RegistryError as exc:
        raise _fail(str(exc)) from exc
    console.print(f"{settings.model_name}@{settings.champion_alias}: v{old} -> v{new}")


def register(app: typer.Typer) -> None:
    """Attach the training commands to the root CLI."""
    app.command("generate-data")(generate_data)
    app.command("train")(train)
    app.command("evaluate")(evaluate)
    app.command("promote")(promote)
    app.command("rollback")(rollback)
