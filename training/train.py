"""The training orchestrator: load -> split -> train -> evaluate -> log -> register -> gate.

`run_training` reads as its named steps; each step is a small function in this package.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from sklearn.model_selection import StratifiedKFold, train_test_split

from classifier.costs import CostMatrix
from classifier.levels import PriorityScale
from training import evaluate, feedback, fingerprints, registry, tracking
from training.columns import extra_only_columns
from training.config import DataConfig, TrainConfig
from training.data import Dataset, describe_exclusions, load_dataset, write_bad_rows
from training.errors import DataError
from training.settings import MlflowSettings

if TYPE_CHECKING:
    from classifier.features import FeatureSpec
    from classifier.model import PriorityModel
    from training.pipeline import TrainResult

DEFAULT_MODELS_DIR = Path("models")


@dataclass
class TrainOutcome:
    """What one training produced.

    Attributes:
        run_id: the MLflow run ("" when nothing was logged).
        version: the registered version, or None with `register=False`.
        promoted: whether `champion` now points at this version.
        gate_reason: why the gate promoted or held back the version.
        report: the evaluation report (also written as `report.json`).
        model_dir: the local PriorityModel directory (`PriorityModel.load` reads it).
    """

    run_id: str
    version: str | None
    promoted: bool
    gate_reason: str
    report: dict[str, Any]
    model_dir: Path


@dataclass
class Split:
    """Train and test rows of a dataset."""

    train: pd.DataFrame
    train_labels: pd.Series
    test: pd.DataFrame
    test_labels: pd.Series
    kind: str


Update = Callable[[float, str | None], None]


def _ignore(_done: float, _detail: str | None = None) -> None:
    return None


@dataclass
class _Steps:
    """Rich progress for named steps (off a terminal also a line as each starts and ends);
    silent when disabled."""

    enabled: bool
    console: Console = field(default_factory=lambda: Console(stderr=True))
    progress: Progress | None = None

    @contextmanager
    def step(self, name: str, total: float = 1.0) -> Iterator[Update]:
        """A progress bar for one step; the yielded callable sets (completed, detail)."""
        bar = self.progress if self.enabled else None
        if bar is None:
            yield _ignore
            return
        task = bar.add_task(name, total=total)
        # Off a terminal (a log file, CI) rich draws the bars only when training ends
        logged = not self.console.is_terminal
        if logged:
            self.console.print(f"{name} ...", markup=False, highlight=False, soft_wrap=True)
        started = time.monotonic()

        def update(done: float, detail: str | None = None) -> None:
            text = f"{name}: {detail}" if detail else name
            bar.update(task, completed=done, description=text)

        yield update
        bar.update(task, completed=total, description=name)
        if logged:
            took = time.monotonic() - started
            self.console.print(
                f"{name}: done in {took:.1f} s", markup=False, highlight=False, soft_wrap=True
            )


def step_bars(console: Console, *, enabled: bool) -> Progress:
    """Rich bars for training's steps in a terminal; off one, none: `_Steps` prints a line as
    each step starts and ends, and rich would draw every bar again once training ends."""
    columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
               TaskProgressColumn(), TimeElapsedColumn()]  # fmt: skip
    return Progress(*columns, console=console, disable=not (enabled and console.is_terminal))


def default_models_dir(settings: MlflowSettings) -> Path:
    """`models/` beside a local artifact root (keeps tests in their tmp dir), else ./models."""
    root = settings.artifact_root
    if root.startswith("file://"):
        return Path(root.removeprefix("file://")).parent / "models"
    if "://" in root:
        return DEFAULT_MODELS_DIR
    return Path(root).parent / DEFAULT_MODELS_DIR


def split_dataset(dataset: Dataset, test_fraction: float, random_state: int) -> Split:
    """Newest `test_fraction` by time when there is a time column, else stratified."""
    frame, labels = dataset.frame, dataset.labels
    time_column = dataset.columns.time
    if time_column is not None:
        order = np.argsort(frame[time_column].to_numpy(), kind="stable")
        cut = len(frame) - max(1, round(len(frame) * test_fraction))
        train_idx, test_idx = order[:cut], order[cut:]
        kind = f"time-ordered: newest {test_fraction:.0%} by {time_column}"
    else:
        positions = np.arange(len(frame))
        train_idx, test_idx = train_test_split(
            positions, test_size=test_fraction, stratify=labels.to_numpy(),
            random_state=random_state,
        )  # fmt: skip
        kind = f"stratified random {test_fraction:.0%}"
    return Split(
        frame.iloc[train_idx], labels.iloc[train_idx], frame.iloc[test_idx],
        labels.iloc[test_idx], kind,
    )  # fmt: skip


def feature_spec(dataset: Dataset) -> FeatureSpec:
    """The model's input columns from the resolved mapping."""
    from classifier.features import FeatureSpec

    cols = dataset.columns
    return FeatureSpec(cols.text, cols.category, cols.numeric)


def score(model: PriorityModel, frame: pd.DataFrame, levels: Sequence[str]) -> tuple[Any, Any]:
    """Cost-aware predictions and the probability matrix of a model on a frame."""
    scale_proba = model.predict_proba(frame)
    proba = evaluate.as_proba_matrix(scale_proba, levels)
    return model.levels_of(scale_proba), proba


def evaluate_model(
    model: PriorityModel, frame: pd.DataFrame, labels: pd.Series, dataset: Dataset
) -> dict[str, Any]:
    """The report of one model on one sample."""
    levels = list(dataset.scale.levels)
    predicted, proba = score(model, frame, levels)
    return evaluate.build_report(
        frame, labels.tolist(), predicted, proba, levels=levels,
        slice_columns=dataset.columns.slices,
    )  # fmt: skip


def _fit(
    frame: pd.DataFrame, labels: pd.Series, dataset: Dataset, train: TrainConfig,
    update: Update | None, *, costs: CostMatrix, merge: feedback.FeedbackMerge | None = None,
) -> TrainResult:  # fmt: skip
    from training.pipeline import train_model

    def report(stage: str, fraction: float) -> None:
        if update is not None:
            update(fraction, stage)

    return train_model(
        frame, labels.tolist(), feature_spec(dataset), dataset.scale, cv=train.selection_cv,
        random_state=train.random_state, progress=report, costs=costs,
        sample_weight=None if merge is None else merge.weights_for(frame.index),
    )  # fmt: skip


def _load_checked(data: Path, config: DataConfig, train: TrainConfig) -> Dataset:
    """The validated export; with --cv K, K at most the rarest level's rows (one per fold)."""
    dataset = load_dataset(data, config)
    counts = dataset.labels.value_counts()
    if train.cv and train.cv > int(counts.min()):
        rarest, rows = str(counts.idxmin()), int(counts.min())
        raise DataError(
            f"--cv {train.cv}: level {rarest!r} has only {rows} rows, so some folds would "
            f"have none; use --cv {min(10, rows)} or fewer (5 or 10 is usual)"
        )
    return dataset


def cross_validate(
    dataset: Dataset, train: TrainConfig, costs: CostMatrix, steps: _Steps,
    merge: feedback.FeedbackMerge | None = None,
) -> dict[str, Any]:  # fmt: skip
    """K-fold over the whole file: every metric is the fold mean with its std beside it."""
    k = train.cv or 5
    folds = StratifiedKFold(n_splits=k, shuffle=True, random_state=train.random_state)
    reports = []
    with steps.step(f"cross-validation ({k} folds)", total=k) as update:
        for i, (tr, te) in enumerate(folds.split(dataset.frame, dataset.labels)):
            result = _fit(
                dataset.frame.iloc[tr], dataset.labels.iloc[tr], dataset, train, None,
                costs=costs, merge=merge,
            )  # fmt: skip
            reports.append(
                evaluate_model(
                    result.model, dataset.frame.iloc[te], dataset.labels.iloc[te], dataset
                )
            )
            update(i + 1, f"fold {i + 1}/{k}")
    return evaluate.aggregate_folds(reports)


GATE_METRICS = ("macro_f1", "top_level_recall")
GATE_MIN_ROWS = 30
"""Fewer holdout rows than this that the champion never saw: the gate leaves it to a human."""


def gate_against_champion(  # noqa: PLR0917 - the run's pieces the gate compares
    settings: MlflowSettings, model: PriorityModel, holdout: dict[str, Any], split: Split,
    dataset: Dataset, train: TrainConfig,
) -> registry.GateResult:  # fmt: skip
    """Score the new version and the champion on the holdout rows the champion never saw.

    Rows whose text the champion was trained on (its run's `gate/training_rows.npy`) are left
    out for both, so a champion is not judged on tickets it learned from; the new version's
    `holdout` report is reused when no row is left out.
    """
    new = {k: float(holdout[k]) for k in GATE_METRICS}
    current = registry.version_by_alias(settings, settings.champion_alias)
    if current is None:
        return registry.decide_promotion(new, None)
    version = str(current.version)
    try:
        champion, _ = registry.load_version(settings, version)
    except Exception as exc:  # noqa: BLE001 - any load failure means "cannot compare"
        return registry.GateResult(
            False, f"champion v{version} could not be scored ({exc}); promote by hand",
            new, None, version,
        )  # fmt: skip
    champion_levels = tuple(getattr(getattr(champion, "scale", None), "levels", ()))
    if champion_levels and champion_levels != tuple(dataset.scale.levels):
        return registry.GateResult(
            False, f"champion v{version} uses levels {list(champion_levels)}, the new version "
            f"{list(dataset.scale.levels)}: not comparable; promote by hand", new, None, version,
        )  # fmt: skip
    test, labels = with_model_columns(champion, split.test, dataset), split.test_labels
    absent = [c for c in champion.spec.columns if c not in test.columns]
    if absent:  # scored without them, the champion would lose for want of data, not skill
        return registry.GateResult(
            False, f"champion v{version} reads columns {absent} that this export does not "
            "have, so it cannot be scored fairly on it: compare the two with `ticket-priority "
            "evaluate` on an export that has them, or promote by hand", new, None, version,
        )  # fmt: skip
    seen = registry.training_rows(settings, current)
    note = ""
    if seen is not None:
        keep = fingerprints.unseen(test, champion.spec.text_columns, seen)
        if int(keep.sum()) < GATE_MIN_ROWS:
            return registry.GateResult(
                False, f"only {int(keep.sum())} of {len(test)} holdout rows are new to champion "
                f"v{version} (it was trained on the rest): too few to compare; promote by hand",
                new, None, version,
            )  # fmt: skip
        if not keep.all():
            note = (f" (on the {int(keep.sum())} of {len(test)} holdout rows champion "
                    f"v{version} was not trained on)")  # fmt: skip
            test, labels = test[keep], labels[keep]
            new = _gate_metrics(model, split.test[keep], labels, dataset)
    old = _gate_metrics(champion, test, labels, dataset)
    verdict = registry.decide_promotion(
        new, old, f1_tolerance=train.f1_tolerance,
        top_recall_tolerance=train.top_recall_tolerance, champion_version=version,
    )  # fmt: skip
    return replace(verdict, reason=verdict.reason + note) if note else verdict


def _gate_metrics(
    model: PriorityModel, frame: pd.DataFrame, labels: pd.Series, dataset: Dataset
) -> dict[str, float]:
    report = evaluate_model(model, frame, labels, dataset)
    return {k: float(report[k]) for k in GATE_METRICS}


def with_model_columns(model: PriorityModel, frame: pd.DataFrame, dataset: Dataset) -> pd.DataFrame:
    """Add the columns a (champion) model reads that the new mapping left out, from the file.

    Without this a champion trained on columns the new version ignores would be scored with
    those columns missing, and the gate would compare unfairly.
    """
    from training.export_files import read_table

    wanted = [c for c in model.spec.columns if c not in frame.columns]
    if not wanted or not dataset.source.is_file():
        return frame
    raw = read_table(dataset.source, dataset.encoding)
    raw.index = pd.RangeIndex(1, len(raw) + 1)
    present = [c for c in wanted if c in raw.columns]
    return frame.join(raw.loc[frame.index, present]) if present else frame


def run_training(
    data: Path,
    *,
    config: DataConfig | None = None,
    mlflow_settings: MlflowSettings | None = None,
    register: bool = True,
    cv: int | None = None,
    report_json: Path | None = None,
    progress: bool = True,
    train_config: TrainConfig | None = None,
    models_dir: Path | None = None,
    feedback_db: str | None = None,
    feedback_weight: float = feedback.DEFAULT_FEEDBACK_WEIGHT,
) -> TrainOutcome:
    """Train on an export, evaluate, log one MLflow run, register and gate the new version.

    Args:
        data: CSV, Parquet or JSONL export.
        config: column mapping, levels and decision costs; default is the plain schema.
        mlflow_settings: where MLflow lives; default from `TP_` environment variables.
        register: register the model and run the promotion gate.
        cv: K for a K-fold report over the whole file (the registered model is still the one
            trained on the time-ordered/stratified training part).
        report_json: also write the report here.
        progress: show rich progress bars on stderr.
        train_config: split, selection and gate settings.
        models_dir: local model store; the model is saved under `<models_dir>/<run_id>`.
            Default: `models/` beside a local MLflow artifact root, else `./models`.
        feedback_db: review store URL; its reviewed labels are merged into the export (see
            `training.feedback`) and the report gets a `feedback` section.
        feedback_weight: sample weight of reviewed rows (export rows weigh 1).

    Returns:
        The outcome: run id, version, gate verdict, report, local model directory.

    Raises:
        training.feedback.FeedbackError: the review store cannot be read.
    """
    settings = mlflow_settings or MlflowSettings.from_env()
    train = train_config or TrainConfig()
    if cv is not None:
        train = replace(train, cv=cv)
    config = config or DataConfig()
    costs = config.costs.for_scale(config.scale())  # a matrix that misfits fails before reading
    source = feedback.FeedbackSource(feedback_db, feedback_weight) if feedback_db else None
    steps = _Steps(progress)
    with step_bars(steps.console, enabled=progress) as bar:
        steps.progress = bar
        return _run(
            data, config, costs, settings, register, train, report_json, models_dir, steps, source
        )


def _split_with_feedback(
    dataset: Dataset, source: feedback.FeedbackSource | None, train: TrainConfig, steps: _Steps
) -> tuple[Dataset, Split, feedback.FeedbackMerge | None]:
    """Merge reviewed labels (if asked) and split; reviewed rows always go into training."""
    if source is None:
        return dataset, split_dataset(dataset, train.test_fraction, train.random_state), None
    with steps.step("merge reviewed labels"):
        merge = feedback.merge_feedback(dataset, feedback.load_feedback(source.url), source)
    split = split_dataset(merge.unreviewed(), train.test_fraction, train.random_state)
    return merge.dataset, merge.pin_to_train(split), merge


def _run(  # noqa: PLR0917 - private continuation of run_training's arguments
    data: Path, config: DataConfig, costs: CostMatrix, settings: MlflowSettings, register: bool,
    train: TrainConfig, report_json: Path | None, models_dir: Path | None, steps: _Steps,
    source: feedback.FeedbackSource | None = None,
) -> TrainOutcome:  # fmt: skip
    with steps.step("validate export"):
        dataset = _load_checked(data, config, train)
    dataset, split, merge = _split_with_feedback(dataset, source, train, steps)
    with steps.step(f"train on {len(split.train):,} rows") as update:
        result = _fit(
            split.train, split.train_labels, dataset, train, update, costs=costs, merge=merge
        )
    model = result.model
    with steps.step(f"evaluate on {len(split.test):,} rows"):
        holdout = evaluate_model(model, split.test, split.test_labels, dataset)
    model.metrics |= holdout_metrics(holdout)
    report: dict[str, Any] = dict(holdout)
    if train.cv:
        report = cross_validate(dataset, train, costs, steps, merge)
        report["holdout"] = holdout
    report.update(
        n_train=len(split.train), n_test_holdout=len(split.test), split=split.kind,
        candidates=list(result.candidates), params=dict(result.params),
        out_of_core=bool(result.out_of_core),
        warnings=dataset.warnings + extra_only_columns(feature_spec(dataset).columns)
        + _missed_levels(report, holdout if train.cv else None, costs),
        costs=costs.to_dict(),
        data=dataset.input_report(),
        bad_rows=dataset.bad_row_report("bad_rows.csv", in_mlflow_run=True),
        model={"name": settings.model_name, "version": None, "run_id": None},
    )  # fmt: skip
    if not train.cv:
        report["n_test"] = len(split.test)
    if merge is not None:
        with steps.step("score reviewed tickets"):
            report["feedback"] = feedback.score_reviewed(merge, model, settings).to_dict()

    with tempfile.TemporaryDirectory(prefix="train-run-") as tmp:
        out = Path(tmp)
        bad_csv = write_bad_rows(dataset.bad_rows, out / "bad_rows.csv")
        with tracking.training_run(settings, run_name=data.stem) as run_id:
            report["model"]["run_id"] = run_id
            tracking.log_params({
                "split": split.kind, "model": result.params,
                "train": train.__dict__ | {"costs": costs.matrix},
            })  # fmt: skip
            tracking.log_dataset(dataset, bad_csv)
            tracking.log_training_rows(split.train, dataset.columns.text, out / "gate")
            feedback.log_to_mlflow(merge)
            model_dir = (models_dir or default_models_dir(settings)) / run_id
            model.run_id = run_id
            model.save(model_dir)
            with steps.step("log model to MLflow"):
                example = split.train[list(feature_spec(dataset).columns)].head(3)
                model_uri, model_id = tracking.log_model(model, example, model_dir)
            version, gate = None, None
            if register:
                with steps.step("register and gate"):
                    version, gate = _register_and_gate(
                        settings, model, (model_uri, model_id), holdout, split, dataset, train
                    )
                report["model"]["version"] = version
                report["gate"] = gate.to_dict()
            artifacts = out / "report"
            evaluate.save_confusion_matrix(report, artifacts)
            evaluate.write_report(report, artifacts / "report.json")
            tracking.log_report(report, artifacts)
    if report_json is not None:
        evaluate.write_report(report, report_json)
    reason = gate.reason if gate is not None else "not registered (--no-register)"
    return TrainOutcome(run_id, version, bool(gate and gate.promoted), reason, report, model_dir)


HOLDOUT_METRICS = ("macro_f1", "accuracy", "top_level_recall", "under_prioritization_rate",
                   "severe_under_prioritization_rate")  # fmt: skip


def holdout_metrics(report: dict[str, Any]) -> dict[str, float]:
    """The decision's holdout figures a model carries (model.json, /v1/model), beside the
    selection's CV score of its classifier alone."""
    return {f"holdout_{k}": float(report[k]) for k in HOLDOUT_METRICS if report.get(k) is not None}


def _missed_levels(
    report: dict[str, Any], holdout: dict[str, Any] | None, costs: CostMatrix
) -> list[str]:
    """Levels rarely suggested; with --cv also those the registered model misses on its holdout."""
    found = evaluate.missed_levels(report, costs.matrix)
    if holdout is not None:
        found += [f"holdout: {w}" for w in evaluate.missed_levels(holdout, costs.matrix)]
    return found


def _register_and_gate(  # noqa: PLR0917 - private continuation of _run
    settings: MlflowSettings, model: PriorityModel, logged: tuple[str, str | None],
    holdout: dict[str, Any], split: Split, dataset: Dataset, train: TrainConfig,
) -> tuple[str, registry.GateResult]:  # fmt: skip
    """Register the logged model; it becomes champion if it passes the gate, else challenger."""
    model_uri, model_id = logged
    version = registry.register_version(
        settings, model_uri, run_id=str(model.run_id), sha256=str(model.sha256), model_id=model_id
    )
    gate = gate_against_champion(settings, model, holdout, split, dataset, train)
    if gate.promoted:
        registry.set_champion(settings, version)
    else:
        registry.set_challenger(settings, version)
    return version, gate


def run_evaluation(
    model_ref: str,
    data: Path,
    *,
    config: DataConfig | None = None,
    mlflow_settings: MlflowSettings | None = None,
    report_json: Path | None = None,
    artifacts_dir: Path | None = None,
    table: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Score a registered version (or a saved model directory) on an export.

    Columns the model reads but the export lacks are treated as missing values and listed in
    the report's `warnings`. Without a mapping, the model's own feature columns are used; with
    one, the model's columns the export has are read too, whatever the mapping names; without
    configured levels, the model's levels and label aliases. A level with fewer rows than
    `min_rows_per_level` is a warning here, not an error: scoring needs no minimum.

    Args:
        model_ref: `models:/NAME@ALIAS`, `models:/NAME/VERSION` or a PriorityModel directory.
        data: the export to score (it needs the label column).
        config: column mapping for the export.
        mlflow_settings: where MLflow lives; default from `TP_` environment variables.
        report_json: also write the report here.
        artifacts_dir: write the confusion matrix PNG/JSON here.
        table: `data` as `training.data.read_export` returned it (read once by the CLI,
            which checks the mapping before importing this module); default: read it here.

    Returns:
        The same report `train` writes, with `model` naming the scored version.

    Raises:
        DataError: the export cannot be read or scored; a mapping naming columns the export
            lacks is found from its header, before the model is loaded.
    """
    from training.data import read_export, validate_frame

    config = config or DataConfig()
    raw = read_export(data, config) if table is None else table  # before the model's long load
    present = list(raw.columns)
    settings = mlflow_settings or MlflowSettings.from_env()
    model, name, version, run_id, seen = _load_for_evaluation(model_ref, settings)
    spec = getattr(model, "spec", None)
    warnings: list[str] = []
    if spec is not None:
        missing = [c for c in spec.columns if c not in present]
        if missing:
            warnings.append(
                f"columns {missing} the model reads are not in {data.name}: scored as missing "
                "values, so these figures understate the model on exports that have them"
            )
        config = _with_model_columns(config, spec, present)
    config = _on_model_scale(config, model.scale)
    dataset = validate_frame(raw, config, source=data, training=False)
    if dataset.n_valid == 0:
        why = (
            f"all {dataset.n_rows} rows were excluded: {describe_exclusions(dataset.bad_rows)}"
            if dataset.bad_rows
            else "it has a header but no rows"
        )
        raise DataError(f"--data: no valid rows to score in {data.name}: {why}")
    dataset.sha256 = _sha(data)
    report = evaluate_model(model, dataset.frame, dataset.labels, dataset)
    if seen is not None and spec is not None:
        learned = int((~fingerprints.unseen(dataset.frame, spec.text_columns, seen)).sum())
        if learned:
            warnings.append(
                f"{learned} of {len(dataset.frame)} scored rows have the text of a row "
                f"v{version} was trained on: its figures on them are optimistic; score tickets "
                "newer than its training export (the gate of `train` leaves such rows out)"
            )
    warnings += dataset.warnings + evaluate.missed_levels(report, model.costs.matrix)
    report.update(
        n_train=None, model={"name": name, "version": version, "run_id": run_id},
        warnings=warnings, costs=model.costs.to_dict(),
        data=dataset.input_report(),
        bad_rows=dataset.bad_row_report(
            None if artifacts_dir is None else str(artifacts_dir / "bad_rows.csv")
        ),
    )  # fmt: skip
    if artifacts_dir is not None:
        evaluate.save_confusion_matrix(report, artifacts_dir)
        write_bad_rows(dataset.bad_rows, artifacts_dir / "bad_rows.csv")
    if report_json is not None:
        evaluate.write_report(report, report_json)
    return report


def _sha(path: Path) -> str:
    from training.data import file_sha256

    return file_sha256(path)


def _with_model_columns(config: DataConfig, spec: FeatureSpec, present: list[str]) -> DataConfig:
    """The mapping plus every column the model reads that the export has, in the model's roles:
    a mapping written for the export's other columns must not score the model without them."""
    if config.text_columns is None and config.category_columns is None:
        return config.with_overrides(
            text_columns=tuple(c for c in spec.text_columns if c in present) or None,
            category_columns=tuple(c for c in spec.category_columns if c in present),
            numeric_columns=tuple(c for c in spec.numeric_columns if c in present),
        )
    resolved = config.resolve(present)
    mapped = set(resolved.features)

    def plus(given: tuple[str, ...], wanted: tuple[str, ...]) -> tuple[str, ...]:
        return (*given, *(c for c in wanted if c in present and c not in mapped))

    return config.with_overrides(
        text_columns=plus(resolved.text, spec.text_columns) or None,
        category_columns=plus(resolved.category, spec.category_columns),
        numeric_columns=plus(resolved.numeric, spec.numeric_columns),
    )


def _on_model_scale(config: DataConfig, scale: PriorityScale) -> DataConfig:
    """The mapping with the model's levels (and its label aliases) when it names none.

    Raises:
        DataError: the mapping names other levels than the model decides on.
    """
    if config.levels is None:
        aliases = {**scale.aliases, **config.label_aliases}
        return config.with_overrides(levels=scale.levels, label_aliases=aliases)
    if tuple(config.levels) != tuple(scale.levels):
        raise DataError(
            f"levels: the model decides on {', '.join(scale.levels)} but the mapping gives "
            f"{', '.join(config.levels)}; leave --levels out (evaluate uses the model's levels) "
            "and map other label spellings with label_aliases in the data config"
        )
    return config


def _load_for_evaluation(
    ref: str, settings: MlflowSettings
) -> tuple[PriorityModel, str, str | None, str | None, fingerprints.Fingerprints | None]:
    """The model, its name, version and run, and the hashes of its training texts (None for a
    model directory or a version logged without them)."""
    candidate = Path(ref)
    if not ref.startswith("models:/") and candidate.is_dir():
        from classifier.errors import ModelIntegrityError
        from classifier.model import PriorityModel

        try:
            model = PriorityModel.load(candidate)
        except ModelIntegrityError as exc:
            raise registry.RegistryError(
                f"--model {ref}: not a saved model ({exc}); pass a folder `train` wrote "
                "(models/<run id>) or models:/NAME@ALIAS"
            ) from exc
        return model, candidate.name, "local", None, None
    model, version = registry.load_version(settings, ref)
    seen = registry.training_rows(settings, version)
    return model, str(version.name), str(version.version), version.run_id, seen
