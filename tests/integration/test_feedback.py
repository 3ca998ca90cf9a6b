"""Reviewed labels from a real (migrated SQLite) review store merged into a training export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.feedback_fixtures import Verdict, seed_reviews
from training.config import DataConfig
from training.data import Dataset, validate_frame
from training.feedback import (
    FeedbackError,
    FeedbackSource,
    load_feedback,
    merge_feedback,
)
from training.train import split_dataset

LEVELS = ("low", "medium", "high", "urgent")


def ticket(number: int, priority: str, **fields: Any) -> dict[str, Any]:
    return {
        "ticket_id": f"T{number}",
        "created_at": f"2026-01-{number:02d}T10:00:00Z",
        "subject": f"Emne {number}",
        "body": f"Systemet svarer ikke, sag nummer {number}",
        "language": "da",
        "tier": "standard",
        "monthly_value": "100.0",
        "priority": priority,
        **fields,
    }


HISTORY = [ticket(i + 1, LEVELS[i % 4]) for i in range(12)]  # T1 low, T2 medium, T3 high, ...


def history() -> Dataset:
    return validate_frame(pd.DataFrame(HISTORY), DataConfig(min_rows_per_level=1))


def row_of(dataset: Dataset, ticket_id: str) -> int:
    frame = dataset.frame
    return int(frame.index[frame["ticket_id"] == ticket_id][0])


def merged(url: str, verdicts: list[Verdict], weight: float = 2.0) -> Any:
    seed_reviews(url, verdicts)
    return merge_feedback(history(), load_feedback(url), FeedbackSource(url, weight))


def test_an_override_replaces_the_label_of_the_same_ticket(sqlite_url: str) -> None:
    merge = merged(sqlite_url, [Verdict(HISTORY[0], suggested="low", final="urgent")])
    row = row_of(merge.dataset, "T1")
    assert merge.dataset.labels.at[row] == "urgent"
    assert (merge.summary.relabelled, merge.summary.confirmed, merge.summary.added) == (1, 0, 0)
    assert merge.summary.overridden == 1
    assert list(merge.reviewed) == [row]
    assert len(merge.dataset.frame) == len(HISTORY)


def test_an_accepted_suggestion_confirms_the_label(sqlite_url: str) -> None:
    merge = merged(sqlite_url, [Verdict(HISTORY[2], suggested="high", final="high")])
    row = row_of(merge.dataset, "T3")
    assert merge.dataset.labels.at[row] == "high"
    assert (merge.summary.relabelled, merge.summary.confirmed) == (0, 1)
    assert merge.summary.accepted == 1
    assert merge.weights.at[row] == 2.0


def test_an_accept_of_a_level_other_than_the_history_relabels(sqlite_url: str) -> None:
    # The agent's latest judgement wins even when it came as an accept of the suggestion.
    merge = merged(sqlite_url, [Verdict(HISTORY[0], suggested="medium", final="medium")])
    assert merge.dataset.labels.at[row_of(merge.dataset, "T1")] == "medium"
    assert (merge.summary.relabelled, merge.summary.accepted) == (1, 1)


def test_a_reviewed_ticket_missing_from_the_export_is_added_as_a_row(sqlite_url: str) -> None:
    new = ticket(20, "low", subject="Katkos tuotannossa", body="Kaikki on alhaalla",
                 language="fi", tier="enterprise", monthly_value=250.5)  # fmt: skip
    merge = merged(sqlite_url, [Verdict(new, suggested="low", final="urgent")])
    assert merge.summary.added == 1
    frame = merge.dataset.frame
    (row,) = frame.index[frame["ticket_id"] == "T20"]
    assert row > len(HISTORY)
    added = frame.loc[row]
    assert (added["subject"], added["body"]) == ("Katkos tuotannossa", "Kaikki on alhaalla")
    assert (added["language"], added["tier"], added["monthly_value"]) == ("fi", "enterprise", 250.5)
    assert added["created_at"] == pd.Timestamp("2026-01-20T10:00:00Z")
    assert merge.dataset.labels.at[row] == "urgent"
    assert merge.weights.at[row] == 2.0
    assert list(merge.reviewed) == [row]


def test_the_newest_review_of_a_ticket_wins(sqlite_url: str) -> None:
    merge = merged(
        sqlite_url,
        [
            Verdict(HISTORY[0], suggested="low", final="urgent"),
            Verdict(HISTORY[1], suggested="medium", final="medium"),
            Verdict(HISTORY[0], suggested="high", final="high"),  # predicted again, accepted
        ],
    )
    assert merge.dataset.labels.at[row_of(merge.dataset, "T1")] == "high"
    assert (merge.summary.reviews, merge.summary.duplicates, merge.summary.tickets) == (3, 1, 2)
    assert (merge.summary.relabelled, merge.summary.confirmed) == (1, 1)


def test_reviewed_rows_get_the_configured_weight_and_others_weigh_one(sqlite_url: str) -> None:
    verdicts = [Verdict(HISTORY[0], "low", "high"), Verdict(ticket(30, "low"), "low", "low")]
    merge = merged(sqlite_url, verdicts, weight=3.5)
    reviewed = set(merge.reviewed)
    assert len(reviewed) == 2
    weights = merge.weights_for(merge.dataset.frame.index)
    expected = [3.5 if r in reviewed else 1.0 for r in merge.dataset.frame.index]
    assert weights == expected
    assert merge.summary.to_dict()["weight"] == 3.5


@pytest.mark.parametrize("weight", [0.0, -1.0, float("nan")])
def test_a_weight_that_is_not_positive_is_refused_naming_the_option(weight: float) -> None:
    with pytest.raises(FeedbackError, match="--feedback-weight"):
        FeedbackSource("sqlite:///reviews.db", weight)


def test_redacted_tickets_missing_from_the_export_are_skipped(sqlite_url: str) -> None:
    redacted = ticket(40, "low", subject="", body="")
    merge = merged(sqlite_url, [Verdict(redacted, "low", "high"), Verdict(HISTORY[3], "urgent",
                                                                           "urgent")])  # fmt: skip
    assert merge.summary.skipped == {"no_text": 1}
    assert (merge.summary.added, merge.summary.tickets) == (0, 1)
    assert "T40" not in set(merge.dataset.frame["ticket_id"])


def test_levels_outside_the_exports_scale_are_skipped(sqlite_url: str) -> None:
    seed_reviews(sqlite_url, [Verdict(HISTORY[0], "low", "urgent")])
    raw = pd.DataFrame(HISTORY).assign(priority=["low", "medium", "high"] * 4)
    three = validate_frame(raw, DataConfig(levels=("low", "medium", "high"), min_rows_per_level=1))
    merge = merge_feedback(three, load_feedback(sqlite_url), FeedbackSource(sqlite_url))
    assert merge.summary.skipped == {"unknown_level": 1}
    assert merge.reviewed.empty


def test_reviewed_rows_always_train_and_never_enter_the_holdout(sqlite_url: str) -> None:
    # T12 is the newest ticket: a time-ordered holdout would take it without the pin.
    merge = merged(sqlite_url, [Verdict(HISTORY[11], "urgent", "high")])
    split = merge.pin_to_train(split_dataset(merge.unreviewed(), 0.25, 0))
    row = row_of(merge.dataset, "T12")
    assert row in split.train.index
    assert row not in split.test.index
    assert split.train_labels.at[row] == "high"
    assert len(split.train) + len(split.test) == len(merge.dataset.frame)
    assert "1 reviewed tickets always in training" in split.kind


def test_an_empty_review_store_changes_nothing(sqlite_url: str) -> None:
    merge = merge_feedback(history(), load_feedback(sqlite_url), FeedbackSource(sqlite_url))
    assert merge.summary.tickets == 0
    assert merge.reviewed.empty
    assert merge.dataset.labels.tolist() == history().labels.tolist()


def test_a_missing_sqlite_file_is_an_error_naming_the_option_and_nothing_is_created(
    tmp_path: Path,
) -> None:
    target = tmp_path / "nope.db"
    with pytest.raises(FeedbackError, match=r"--feedback-db .*TP_DATABASE_URL"):
        load_feedback(f"sqlite:///{target}")
    assert not target.exists()


def test_an_unsupported_url_is_an_error_naming_the_option() -> None:
    with pytest.raises(FeedbackError, match=r"--feedback-db.*sqlite and postgresql"):
        load_feedback("mysql://user:pw@localhost/reviews")


def test_a_database_that_is_not_a_review_store_is_an_error(tmp_path: Path) -> None:
    target = tmp_path / "other.db"
    target.write_bytes(b"")
    with pytest.raises(FeedbackError, match="review store"):
        load_feedback(f"sqlite:///{target}")


def test_an_unreachable_postgresql_is_an_error_that_hides_the_password() -> None:
    with pytest.raises(FeedbackError, match="--feedback-db") as caught:
        load_feedback("postgresql://agent:s3cret@127.0.0.1:1/reviews?connect_timeout=2")
    assert "s3cret" not in str(caught.value)
    assert "***" in str(caught.value)


@pytest.mark.postgres
def test_load_feedback_reads_the_current_reviews_on_sqlite_and_postgresql(db_url: str) -> None:
    seed_reviews(db_url, [Verdict(HISTORY[0], "low", "urgent"), Verdict(HISTORY[1], "medium",
                                                                         "medium")])  # fmt: skip
    rows = load_feedback(db_url)
    assert rows[["ticket_id", "priority", "suggested_priority", "review_action"]].to_dict(
        "records"
    ) == [
        {"ticket_id": "T1", "priority": "urgent", "suggested_priority": "low",
         "review_action": "override"},
        {"ticket_id": "T2", "priority": "medium", "suggested_priority": "medium",
         "review_action": "accept"},
    ]  # fmt: skip
    assert rows.loc[0, "subject"] == "Emne 1"
    assert rows.loc[0, "tier"] == "standard"
