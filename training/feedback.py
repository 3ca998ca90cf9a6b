"""Reviewed labels from the review store, merged into the training history.

Agents accept or override the service's suggestions; the review store keeps each verdict with
the ticket as it was requested (`serving.storage`, SQLite or PostgreSQL, the service's
`TP_DATABASE_URL`). `train --feedback-db URL` reads the current reviews and merges them into
the export before the split:

- one review per ticket id: when a ticket was predicted and reviewed more than once, the
  newest review wins;
- a reviewed ticket that is in the export gets the reviewer's final level: `relabelled` when
  it differs from the export's label (normally an override), `confirmed` when it is the same
  (normally an accept);
- a reviewed ticket that is not in the export is `added` as a row, built from the stored
  request (same-named columns; columns the request lacks are missing values). Requests whose
  text was redacted are skipped: a label without text teaches nothing;
- reviewed rows weigh `weight` (default 2.0) in training and always go into the training part,
  so the holdout stays export history and the gate compares like with like.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from classifier.errors import UnknownLevel
from training.data import Dataset
from training.errors import DataError
from training.settings import safe_url

if TYPE_CHECKING:
    from classifier.model import PriorityModel
    from training.settings import MlflowSettings
    from training.train import Split

DEFAULT_FEEDBACK_WEIGHT = 2.0
_URL_EXAMPLE = (
    "pass the review store URL the service uses (TP_DATABASE_URL), e.g. "
    "--feedback-db sqlite:///reviews.db or --feedback-db postgresql://user:password@host:5432/db"
)


class FeedbackError(DataError):
    """The review store cannot be read; the message names `--feedback-db` and the fix."""


@dataclass(frozen=True)
class FeedbackSource:
    """Where reviewed labels come from and how much they weigh.

    Attributes:
        url: review store URL (`sqlite:///reviews.db`, `postgresql://...`).
        weight: sample weight of every reviewed row (export rows weigh 1).
        since: only reviews made at or after this time.
    """

    url: str
    weight: float = DEFAULT_FEEDBACK_WEIGHT
    since: datetime | None = None

    def __post_init__(self) -> None:
        if not np.isfinite(self.weight) or self.weight <= 0:
            raise FeedbackError(
                f"--feedback-weight: must be a positive number, got {self.weight}; "
                f"e.g. {DEFAULT_FEEDBACK_WEIGHT} counts each review twice"
            )


def load_feedback(url: str, since: datetime | None = None) -> pd.DataFrame:
    """The current reviews in the store as training rows, oldest review first.

    Args:
        url: review store URL (the service's `TP_DATABASE_URL`).
        since: only reviews made at or after this time.

    Returns:
        One row per reviewed prediction: the plain ticket schema, `priority` = the reviewer's
        final level, plus `review_action`, `suggested_priority`, `reviewed_at`, ... (the
        columns of `GET /v1/reviews/export`). Not yet deduplicated by ticket id.

    Raises:
        FeedbackError: the URL is invalid, the database is unreachable or not a review store.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from serving.storage.engine import DatabaseUrlError, is_sqlite, make_sync_engine, sync_url
    from serving.storage.export import EXPORT_COLUMNS, export_rows_sync

    shown = safe_url(url)
    try:
        if is_sqlite(url):
            database = sync_url(url).database
            if not database or database == ":memory:" or not Path(database).is_file():
                raise FeedbackError(
                    f"--feedback-db {shown}: no review store at {database!r}; {_URL_EXAMPLE}"
                )
        engine = make_sync_engine(url)
    except DatabaseUrlError as exc:
        raise FeedbackError(f"--feedback-db {shown}: {exc}; {_URL_EXAMPLE}") from None
    try:
        rows = list(export_rows_sync(engine, since))
    except SQLAlchemyError as exc:
        problem = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise FeedbackError(
            f"--feedback-db {shown}: cannot read reviews ({problem}). Check that the database "
            "is reachable and is the service's review store (the service migrates it at "
            f"start-up); {_URL_EXAMPLE}"
        ) from None
    finally:
        engine.dispose()
    return pd.DataFrame(rows, columns=list(EXPORT_COLUMNS))


@dataclass
class FeedbackSummary:
    """How many labels came from reviews and how the model changed on them (the report's
    `feedback` section).

    Attributes:
        source: the review store URL (password masked).
        weight: sample weight of reviewed rows.
        reviews: current reviews read from the store.
        tickets: distinct reviewed tickets merged (after the newest-wins dedupe and skips).
        duplicates: older reviews of the same ticket id that were dropped.
        added: reviewed tickets not in the export, added as rows.
        relabelled: export rows whose label the review changed.
        confirmed: export rows whose label the review confirmed.
        accepted: merged reviews that accepted the served suggestion.
        overridden: merged reviews that overrode it.
        skipped: reviews not used, by reason (`unknown_level`, `no_text`).
        new_model: share of reviewed tickets the new model labels as the agents did.
        champion: the same share for the previous champion (None without one).
        champion_version: the champion scored.
        note: why the champion could not be scored, if so.
    """

    source: str
    weight: float
    reviews: int = 0
    tickets: int = 0
    duplicates: int = 0
    added: int = 0
    relabelled: int = 0
    confirmed: int = 0
    accepted: int = 0
    overridden: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    new_model: float | None = None
    champion: float | None = None
    champion_version: str | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for the report."""
        return {**asdict(self), "sentence": self.sentence()}

    def params(self) -> dict[str, Any]:
        """MLflow params."""
        return {"db": self.source, "weight": self.weight}

    def metrics(self) -> dict[str, float]:
        """MLflow metrics (`feedback_*`)."""
        values: dict[str, float | None] = {
            "reviews": self.reviews, "tickets": self.tickets, "added": self.added,
            "relabelled": self.relabelled, "confirmed": self.confirmed,
            "agreement_new_model": self.new_model, "agreement_champion": self.champion,
        }  # fmt: skip
        return {f"feedback_{k}": float(v) for k, v in values.items() if v is not None}

    def sentence(self) -> str:
        """The report line a human reads."""
        text = (
            f"{self.tickets} labels from reviews (added {self.added}, relabelled "
            f"{self.relabelled}, confirmed {self.confirmed}; weight {self.weight:g})"
        )
        if self.new_model is not None:
            text += (
                f"; the new model agrees with agents on {self.new_model:.0%} of reviewed tickets"
            )
            if self.champion is not None:
                text += f", was {self.champion:.0%} (champion v{self.champion_version})"
            elif self.note:
                text += f" ({self.note})"
        return text


@dataclass
class FeedbackMerge:
    """The export with reviewed labels merged in.

    Attributes:
        dataset: export rows (labels replaced where reviewed) plus added rows; added rows are
            numbered after the export's last row.
        weights: sample weight per row of `dataset.frame` (same index).
        reviewed: rows of `dataset.frame` whose label comes from a review.
        summary: the counts and, once scored, the agreement figures.
    """

    dataset: Dataset
    weights: pd.Series
    reviewed: pd.Index
    summary: FeedbackSummary

    def unreviewed(self) -> Dataset:
        """The dataset without reviewed rows (what the holdout is drawn from)."""
        keep = ~self.dataset.frame.index.isin(self.reviewed)
        return replace(
            self.dataset, frame=self.dataset.frame[keep], labels=self.dataset.labels[keep]
        )

    def pin_to_train(self, split: Split) -> Split:
        """Add every reviewed row to the training part of a split of `unreviewed()`."""
        if self.reviewed.empty:
            return split
        frame, labels = self.dataset.frame, self.dataset.labels
        return replace(
            split,
            train=pd.concat([split.train, frame.loc[self.reviewed]]),
            train_labels=pd.concat([split.train_labels, labels.loc[self.reviewed]]),
            kind=f"{split.kind}; {len(self.reviewed)} reviewed tickets always in training",
        )

    def weights_for(self, index: pd.Index) -> list[float]:
        """Sample weights for rows of `dataset.frame` (by index)."""
        return [float(w) for w in self.weights.reindex(index, fill_value=1.0).tolist()]


def newest_per_ticket(reviews: pd.DataFrame) -> pd.DataFrame:
    """One review per ticket id: the newest (ties and unreadable times keep the later row)."""
    if reviews.empty:
        return reviews.reset_index(drop=True)
    ordered = reviews.reset_index(drop=True)
    when = pd.to_datetime(ordered["reviewed_at"], utc=True, errors="coerce", format="ISO8601")
    ordered = ordered.loc[when.sort_values(kind="stable", na_position="first").index]
    return ordered[~ordered["ticket_id"].astype(str).duplicated(keep="last")]


def _cell(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else value


def _added_rows(dataset: Dataset, reviews: pd.DataFrame, start: int) -> pd.DataFrame:
    """Rows in the dataset's columns and dtypes, built from stored requests."""
    cols = dataset.columns
    index = pd.RangeIndex(start, start + len(reviews), name=dataset.frame.index.name)
    out = pd.DataFrame(index=index)
    for column in dataset.frame.columns:
        values = reviews[column] if column in reviews.columns else pd.Series([None] * len(reviews))
        raw = [_cell(v) for v in values.tolist()]
        if column in cols.text:
            out[column] = ["" if v is None else str(v).strip() for v in raw]
        elif column in cols.numeric:
            out[column] = pd.to_numeric(pd.Series(raw, index=index), errors="coerce").astype(float)
        elif column == cols.time:
            out[column] = pd.to_datetime(
                pd.Series(raw, index=index), utc=True, errors="coerce", format="ISO8601"
            )
        else:
            texts = [None if v is None else str(v).strip() for v in raw]
            out[column] = pd.Series([t or None for t in texts], index=index, dtype=object)
    return out


def _final_levels(latest: pd.DataFrame, dataset: Dataset) -> tuple[pd.DataFrame, pd.Series, int]:
    """Reviews whose final level is on the dataset's scale, that level, and how many were not."""
    levels: list[str | None] = []
    for value in latest["priority"].tolist():
        try:
            levels.append(dataset.scale.parse(str(value)))
        except UnknownLevel:
            levels.append(None)
    known = np.array([level is not None for level in levels], dtype=bool)
    final = pd.Series(levels, index=latest.index, dtype=object)[known]
    return latest[known], final, int((~known).sum())


def merge_feedback(
    dataset: Dataset, reviews: pd.DataFrame, source: FeedbackSource
) -> FeedbackMerge:
    """Merge reviewed labels (rows as `load_feedback` returns them) into a validated export.

    Args:
        dataset: the validated export.
        reviews: reviewed tickets with at least `ticket_id`, `priority` (final level) and
            `reviewed_at`; `review_action` and the ticket's columns when present.
        source: the store and the weight of reviewed rows.

    Returns:
        The merged dataset with weights and the counts for the report.
    """
    summary = FeedbackSummary(safe_url(source.url), source.weight, reviews=len(reviews))
    if reviews.empty:
        return FeedbackMerge(dataset, pd.Series(1.0, index=dataset.frame.index), pd.Index([]),
                             summary)  # fmt: skip
    latest = newest_per_ticket(reviews)
    summary.duplicates = len(reviews) - len(latest)
    latest, final, unknown = _final_levels(latest, dataset)
    skipped = {"unknown_level": unknown} if unknown else {}

    frame, id_column = dataset.frame, dataset.columns.id
    row_of: dict[str, int] = {}
    if id_column is not None:
        row_of = {str(k): int(v) for k, v in zip(frame[id_column], frame.index, strict=True)}
    matched = latest["ticket_id"].astype(str).map(row_of)
    in_export = matched.notna().to_numpy()
    rows = pd.Index(matched[in_export].astype(int).to_numpy())
    labels = dataset.labels.copy()
    new_levels = final[in_export].to_numpy()
    summary.confirmed = int((labels.loc[rows].to_numpy() == new_levels).sum())
    summary.relabelled = len(rows) - summary.confirmed
    labels.loc[rows] = new_levels

    start = int(max(frame.index.max() if len(frame) else 0, dataset.n_rows)) + 1
    added = _added_rows(dataset, latest[~in_export], start)
    text_columns = [c for c in dataset.columns.text if c in added.columns]
    has_text = (added[text_columns] != "").any(axis=1).to_numpy(dtype=bool)
    if (~has_text).any():
        skipped["no_text"] = int((~has_text).sum())
    added = added[has_text]
    added_labels = pd.Series(final[~in_export].to_numpy()[has_text], index=added.index)
    used = pd.concat([latest[in_export], latest[~in_export][has_text]])
    summary.added = len(added)
    summary.tickets = len(used)
    summary.skipped = skipped
    if "review_action" in used.columns:
        summary.accepted = int((used["review_action"] == "accept").sum())
        summary.overridden = int((used["review_action"] == "override").sum())

    merged_frame = pd.concat([frame, added]) if len(added) else frame
    merged_labels = pd.concat([labels, added_labels]) if len(added) else labels
    reviewed = pd.Index([*rows.tolist(), *added.index.tolist()], name=frame.index.name)
    weights = pd.Series(1.0, index=merged_frame.index)
    weights.loc[reviewed] = source.weight
    warnings = list(dataset.warnings)
    if id_column is None and summary.added:
        warnings.append(
            "feedback: the export has no id column, so reviewed tickets could not be matched to "
            "its rows and were added; map one with --id-column to relabel instead"
        )
    merged = replace(
        dataset, frame=merged_frame, labels=merged_labels.astype(str), warnings=warnings
    )
    return FeedbackMerge(merged, weights, reviewed, summary)


def _agreement(model: PriorityModel, frame: pd.DataFrame, labels: pd.Series) -> float:
    predicted = np.asarray([str(v) for v in model.predict_levels(frame)], dtype=object)
    return float(np.mean(predicted == labels.to_numpy(dtype=object)))


def score_reviewed(
    merge: FeedbackMerge, model: PriorityModel, settings: MlflowSettings | None
) -> FeedbackSummary:
    """Fill in how often the new model and the current champion label reviewed tickets as the
    agents did.

    The new model was trained on these tickets (that is the point of feedback), so its figure
    shows the corrections were learnt; the champion's shows where agents disagreed with it.

    Args:
        merge: the merged feedback.
        model: the newly trained model.
        settings: the MLflow store whose champion is compared; None skips the comparison.

    Returns:
        The merge's summary, updated in place.
    """
    summary = merge.summary
    if merge.reviewed.empty:
        return summary
    frame = merge.dataset.frame.loc[merge.reviewed]
    labels = merge.dataset.labels.loc[merge.reviewed]
    summary.new_model = _agreement(model, frame, labels)
    if settings is None:
        return summary
    from training import registry

    current = registry.version_by_alias(settings, settings.champion_alias)
    if current is None:
        summary.note = "no previous champion to compare"
        return summary
    summary.champion_version = str(current.version)
    try:
        champion, _ = registry.load_version(settings, summary.champion_version)
    except Exception as exc:  # noqa: BLE001 - any load failure only means "not compared"
        summary.note = f"champion v{summary.champion_version} could not be loaded ({exc})"
        return summary
    champion_levels = tuple(getattr(getattr(champion, "scale", None), "levels", ()))
    if champion_levels and champion_levels != tuple(merge.dataset.scale.levels):
        summary.note = f"champion v{summary.champion_version} uses other levels"
        return summary
    summary.champion = _agreement(champion, frame, labels)
    return summary


def log_to_mlflow(merge: FeedbackMerge | None) -> None:
    """Log the feedback params and metrics to the active MLflow run (nothing without a merge)."""
    if merge is None:
        return
    import mlflow

    summary = merge.summary
    mlflow.log_params({f"feedback.{k}": str(v) for k, v in summary.params().items()})
    mlflow.log_metrics(summary.metrics())
