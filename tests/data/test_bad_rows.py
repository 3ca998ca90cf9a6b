"""Each bad-row reason is reported with its row number and the row is excluded, never silently."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from tests.data.conftest import frame_of
from training.config import DataConfig
from training.data import load_dataset, validate_frame, write_bad_rows
from training.errors import DataError


def reasons_by_row(rows: list[dict[str, Any]], config: DataConfig | None = None) -> dict:
    dataset = validate_frame(frame_of(rows), config or DataConfig())
    found: dict[int, set[str]] = {}
    for bad in dataset.bad_rows:
        found.setdefault(bad.row, set()).add(bad.reason)
    return found


def test_a_clean_export_has_no_bad_rows(rows: list[dict[str, Any]]) -> None:
    dataset = validate_frame(frame_of(rows), DataConfig())
    assert dataset.bad_rows == []
    assert dataset.n_valid == len(rows)
    assert list(dataset.frame.index[:2]) == [1, 2]


def test_empty_text_in_every_text_column_is_reported(rows: list[dict[str, Any]]) -> None:
    rows[4]["subject"] = ""
    rows[4]["body"] = "   "
    rows[5]["subject"] = ""  # body still has text: fine
    assert reasons_by_row(rows) == {5: {"missing_text"}}


def test_a_label_outside_the_levels_is_reported_with_its_value(rows: list[dict[str, Any]]) -> None:
    rows[0]["priority"] = "whenever"
    dataset = validate_frame(frame_of(rows), DataConfig())
    (bad,) = dataset.bad_rows
    assert (bad.row, bad.reason, bad.value) == (1, "unknown_label", "whenever")
    assert 1 not in dataset.frame.index


def test_numeric_labels_read_as_floats_match_integer_aliases(rows: list[dict[str, Any]]) -> None:
    numbers = {"low": 1, "medium": 2, "high": 3, "urgent": 4}
    frame = frame_of(rows)
    frame["priority"] = [float(numbers[r["priority"]]) for r in rows]  # as pandas reads 1, 2, NaN
    frame.loc[0, "priority"] = float("nan")
    aliases = {str(n): level for level, n in numbers.items()}
    dataset = validate_frame(frame, DataConfig(label_aliases=aliases))
    assert dataset.bad_row_summary() == {"missing_label": 1}
    assert dataset.labels.iloc[:4].tolist() == ["medium", "high", "urgent", "low"]


def test_an_empty_label_is_reported(rows: list[dict[str, Any]]) -> None:
    rows[9]["priority"] = ""
    assert reasons_by_row(rows) == {10: {"missing_label"}}


def test_an_unparsable_timestamp_is_reported(rows: list[dict[str, Any]]) -> None:
    rows[2]["created_at"] = "31/31/2024 25:61"
    rows[3]["created_at"] = ""
    assert reasons_by_row(rows) == {3: {"bad_timestamp"}, 4: {"bad_timestamp"}}


def test_a_timestamp_in_another_common_format_is_accepted(rows: list[dict[str, Any]]) -> None:
    rows[2]["created_at"] = "2024-03-05 14:22:01+01:00"
    rows[3]["created_at"] = "March 5, 2024 2:22 PM"
    assert reasons_by_row(rows) == {}


def test_european_dates_keep_one_day_month_order(rows: list[dict[str, Any]]) -> None:
    for i, row in enumerate(rows):
        row["created_at"] = f"{1 + i % 28:02d}.{1 + i % 12:02d}.2024 09:{i % 60:02d}"
    rows[5]["created_at"] = "12/25/2024 10:00"  # month first, against the column
    dataset = validate_frame(frame_of(rows), DataConfig())
    (bad,) = dataset.bad_rows
    assert (bad.row, bad.reason, bad.value) == (6, "bad_timestamp", "12/25/2024 10:00")
    assert bad.detail == "a numeric date not written day first like the rest of the column"
    assert str(dataset.frame["created_at"].loc[30].date()) == "2024-06-02"  # not 6 February
    assert str(dataset.frame["created_at"].loc[13].date()) == "2024-01-13"
    assert "read day first like most, the 1 written month first are bad rows" in dataset.warnings[0]


def test_a_duplicate_id_keeps_the_first_row_and_names_it(rows: list[dict[str, Any]]) -> None:
    rows[7]["ticket_id"] = rows[1]["ticket_id"]
    dataset = validate_frame(frame_of(rows), DataConfig())
    (bad,) = dataset.bad_rows
    assert (bad.row, bad.reason) == (8, "duplicate_id")
    assert "row 2" in bad.detail
    assert 2 in dataset.frame.index


def test_the_same_text_with_conflicting_labels_is_reported_on_every_row(
    rows: list[dict[str, Any]],
) -> None:
    for key in ("subject", "body", "monthly_value"):
        rows[1][key] = rows[0][key]
    assert rows[0]["priority"] != rows[1]["priority"]
    assert reasons_by_row(rows) == {1: {"conflicting_label"}, 2: {"conflicting_label"}}


def test_conflicts_are_found_across_the_hashing_blocks_of_a_large_export(
    rows: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("training.data._HASH_BLOCK_ROWS", 7)  # 100 rows in 15 blocks
    for key in ("subject", "body", "monthly_value"):
        rows[91][key] = rows[2][key]
    rows[50]["tier"] = None  # a missing value hashes like any other
    assert rows[2]["priority"] != rows[91]["priority"]
    assert reasons_by_row(rows) == {3: {"conflicting_label"}, 92: {"conflicting_label"}}


def test_the_same_text_with_the_same_label_is_not_a_conflict(rows: list[dict[str, Any]]) -> None:
    for key in ("subject", "body", "monthly_value", "priority"):
        rows[4][key] = rows[0][key]
    assert reasons_by_row(rows) == {}


def test_a_row_with_several_problems_lists_each_reason(rows: list[dict[str, Any]]) -> None:
    rows[0].update(subject="", body="", priority="??", created_at="never")
    assert reasons_by_row(rows) == {1: {"missing_text", "unknown_label", "bad_timestamp"}}


def test_a_blank_spreadsheet_row_is_one_reason_and_keeps_the_other_rows_numbers(
    rows: list[dict[str, Any]], tmp_path: Path
) -> None:
    # Excel's CSV keeps rows emptied after deleting tickets as ",,,,": one in the middle, two
    # trailing; a real problem after the blank row must keep its record number.
    rows[5]["priority"] = "whenever"
    lines = [",".join(rows[0])]
    lines += [",".join(str(v) for v in row.values()) for row in rows[:3]]
    lines.append("," * (len(rows[0]) - 1))  # record 4
    lines += [",".join(str(v) for v in row.values()) for row in rows[3:]]
    lines += [" ," * (len(rows[0]) - 1), "," * (len(rows[0]) - 1)]
    export = tmp_path / "excel.csv"
    export.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))
    dataset = load_dataset(export)
    last = len(rows) + 1
    assert dataset.bad_row_summary() == {"blank_row": 3, "unknown_label": 1}
    assert [(b.row, b.reason) for b in dataset.bad_rows] == [
        (4, "blank_row"), (7, "unknown_label"), (last + 1, "blank_row"), (last + 2, "blank_row"),
    ]  # fmt: skip
    assert dataset.bad_rows[0].detail == "every cell is empty (a spreadsheet's empty row)"
    assert dataset.n_valid == len(rows) - 1
    assert dataset.frame.loc[5, "subject"] == rows[3]["subject"]  # record 5 = the 4th ticket
    assert dataset.frame.loc[last, "subject"] == rows[-1]["subject"]


def test_missing_columns_are_an_error_naming_them(rows: list[dict[str, Any]]) -> None:
    config = DataConfig(text_columns=("subject", "description"), category_columns=("queue",))
    with pytest.raises(DataError, match=r"missing columns \['description', 'queue'\]"):
        validate_frame(frame_of(rows), config)


def test_a_missing_column_suggests_a_name_differing_in_case_or_by_a_typo(
    rows: list[dict[str, Any]],
) -> None:
    frame = frame_of(rows).rename(columns={"channel": "chanel"}).assign(Queue="billing")
    config = DataConfig(text_columns=("subject", "body"), category_columns=("channel", "queue"))
    with pytest.raises(DataError) as raised:
        validate_frame(frame, config)
    assert str(raised.value).startswith(
        "missing columns ['channel', 'queue'] (did you mean 'chanel' for 'channel', 'Queue' "
        "for 'queue'?); columns in the file:"
    )


def test_a_missing_label_column_is_an_error(rows: list[dict[str, Any]]) -> None:
    with pytest.raises(DataError, match="missing columns \\['urgency'\\]"):
        validate_frame(frame_of(rows), DataConfig(label_column="urgency"))


def test_too_few_rows_in_a_level_names_the_level_and_the_count(
    rows: list[dict[str, Any]],
) -> None:
    for row in rows:
        if row["priority"] == "urgent":
            row["priority"] = "high"
    rows[0]["priority"] = rows[1]["priority"] = "urgent"
    with pytest.raises(DataError, match=r"'urgent' has 2.*at least 20"):
        validate_frame(frame_of(rows), DataConfig())


def test_a_level_the_export_never_uses_suggests_the_levels_it_has(
    rows: list[dict[str, Any]],
) -> None:
    for row in rows:
        if row["priority"] == "urgent":
            row["priority"] = "high"
    with pytest.raises(DataError) as raised:
        validate_frame(frame_of(rows), DataConfig())
    assert "'urgent' has 0" in str(raised.value)
    assert "(this export uses only --levels low,medium,high)" in str(raised.value)


def test_an_export_with_every_row_excluded_names_the_reasons_with_counts(
    rows: list[dict[str, Any]],
) -> None:
    for i, row in enumerate(rows):
        row["created_at"] = "yesterday" if i % 4 else "2024-01-01"
        row["priority"] = "Sev 1" if i % 4 == 0 else row["priority"]
    with pytest.raises(DataError) as raised:
        validate_frame(frame_of(rows), DataConfig())
    message = str(raised.value)
    assert message.startswith("no valid rows: all 100 rows were excluded: ")
    assert "75 rows bad_timestamp (e.g. 'yesterday': not a parsable timestamp)" in message
    assert "25 rows unknown_label (e.g. 'Sev 1': not one of" in message
    assert "label_aliases" in message


def test_too_few_rows_after_exclusions_also_names_the_exclusions(
    rows: list[dict[str, Any]],
) -> None:
    for row in rows:
        if row["priority"] == "urgent":
            row["priority"] = "Sev 1"
    with pytest.raises(DataError, match=r"'urgent' has 0.*Excluded rows: 25 rows unknown_label"):
        validate_frame(frame_of(rows), DataConfig())


def test_an_export_with_two_levels_is_told_a_scale_needs_three(
    rows: list[dict[str, Any]],
) -> None:
    two = [r | {"priority": "high" if r["priority"] == "urgent" else "medium"} for r in rows]
    with pytest.raises(DataError) as raised:
        validate_frame(frame_of(two), DataConfig())
    message = str(raised.value)
    assert "uses only 2 levels (medium, high) and a scale needs 3 to 5" in message
    assert "--levels medium,high" not in message


def test_the_minimum_rows_per_level_is_configurable(rows: list[dict[str, Any]]) -> None:
    with pytest.raises(DataError, match=r"'low' has 25.*at least 30"):
        validate_frame(frame_of(rows), DataConfig(min_rows_per_level=30))


def test_the_bad_row_csv_lists_every_reason_without_ticket_text(
    rows: list[dict[str, Any]], tmp_path: Path
) -> None:
    rows[0]["priority"] = "whenever"
    rows[1]["subject"] = rows[1]["body"] = ""
    dataset = validate_frame(frame_of(rows), DataConfig())
    path = write_bad_rows(dataset.bad_rows, tmp_path / "bad.csv")
    with path.open(encoding="utf-8") as handle:
        written = list(csv.DictReader(handle))
    assert [(r["row"], r["reason"]) for r in written] == [
        ("1", "unknown_label"),
        ("2", "missing_text"),
    ]
    assert not any("Beskrivelse" in value for r in written for value in r.values())


def test_bad_rows_carry_the_ticket_id_to_find_them_by(
    rows: list[dict[str, Any]], tmp_path: Path
) -> None:
    rows[4]["priority"] = "whenever"
    dataset = validate_frame(frame_of(rows), DataConfig())
    assert dataset.bad_row_report(None)["first"][0]["ticket_id"] == "T0004"
    path = write_bad_rows(dataset.bad_rows, tmp_path / "bad.csv")
    with path.open(encoding="utf-8") as handle:
        (written,) = list(csv.DictReader(handle))
    assert (written["row"], written["ticket_id"]) == ("5", "T0004")


def test_the_reports_bad_rows_count_rows_and_list_the_first_reasons_in_full(
    rows: list[dict[str, Any]],
) -> None:
    for index in (2, 5, 8):
        rows[index]["priority"] = "whenever"
    rows[5]["created_at"] = "not a time"  # row 6: two reasons
    dataset = validate_frame(frame_of(rows), DataConfig())
    report = dataset.bad_row_report("bad_rows.csv", in_mlflow_run=True, examples=3)
    assert report["count"] == 3
    assert report["by_reason"] == {"unknown_label": 3, "bad_timestamp": 1}
    assert [(b["row"], b["reason"]) for b in report["first"]] == sorted(
        [(b["row"], b["reason"]) for b in report["first"]]
    )
    assert len(report["first"]) == 3
    first = report["first"][0]
    assert (first["row"], first["reason"], first["column"], first["value"]) == (
        3, "unknown_label", "priority", "whenever",
    )  # fmt: skip
    assert "low" in first["detail"]  # names the levels it could have been
    assert (report["file"], report["in_mlflow_run"]) == ("bad_rows.csv", True)


def test_plain_columns_differing_in_case_or_spaces_are_read_under_the_plain_names(
    rows: list[dict[str, Any]],
) -> None:
    frame = frame_of(rows).rename(
        columns={"subject": "Subject", "body": " Body ", "priority": "Priority", "tier": "Tier"}
    )
    dataset = validate_frame(frame, DataConfig())
    assert dataset.columns.text == ("subject", "body")
    assert "tier" in dataset.columns.category
    assert dataset.columns.label == "priority"
    assert dataset.n_valid == len(rows)
    assert any("read as ['subject', 'body', 'tier', 'priority']" in w for w in dataset.warnings)


def test_a_column_the_config_names_keeps_its_name(rows: list[dict[str, Any]]) -> None:
    frame = frame_of(rows).rename(columns={"subject": "Subject"})
    dataset = validate_frame(frame, DataConfig(text_columns=("Subject", "body")))
    assert dataset.columns.text == ("Subject", "body")


def test_epoch_timestamps_are_read_and_other_numbers_are_explained(
    rows: list[dict[str, Any]],
) -> None:
    for i, row in enumerate(rows):
        row["created_at"] = str(1_764_000_000 + 3600 * i)
    rows[1]["created_at"] = "46023"  # an Excel serial date
    dataset = validate_frame(frame_of(rows), DataConfig())
    assert dataset.bad_row_summary() == {"bad_timestamp": 1}
    assert "not Unix time in seconds or milliseconds" in dataset.bad_rows[0].detail
    assert str(dataset.frame["created_at"].iloc[0]) == "2025-11-24 16:00:00+00:00"


def test_scoring_keeps_rows_whose_time_cannot_be_read_and_warns(
    rows: list[dict[str, Any]],
) -> None:
    rows[0]["created_at"] = "yesterday"
    dataset = validate_frame(frame_of(rows), DataConfig(), training=False)
    assert dataset.n_valid == len(rows)
    assert any(w.startswith("created_at: 1 values such as 'yesterday'") for w in dataset.warnings)


@pytest.mark.parametrize(
    ("subject", "body"),
    [("<b></b>", "<div><p><br/></p>&nbsp;</div>"), ("\u00a0\u200b ", " \t"), ("", "&#160;")],
)
def test_text_that_is_only_markup_or_invisible_characters_is_missing_text(
    rows: list[dict[str, Any]], subject: str, body: str
) -> None:
    rows[0].update(subject=subject, body=body)
    rows[1].update(subject="<b>Nedbrud</b>", body="<p></p>")
    assert reasons_by_row(rows) == {1: {"missing_text"}}


def test_an_attribute_empty_or_constant_in_every_row_is_named(
    rows: list[dict[str, Any]],
) -> None:
    for row in rows:
        row["tier"] = ""
    dataset = validate_frame(frame_of(rows), DataConfig())
    assert any(w.startswith("tier: empty in every row") for w in dataset.warnings)
    assert any(w.startswith("channel: 'email' in every row") for w in dataset.warnings)
