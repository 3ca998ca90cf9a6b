"""Group commit of idempotency-key claims on SQLite: claims that arrive together, or while the
worker writes others, share one transaction, and each caller still gets its key's winner."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import uuid
from typing import TYPE_CHECKING

import msgspec
import pytest

from serving.idempotency import fingerprint, store_claim
from serving.persistence import EncodedPrediction
from serving.schemas import TicketIn
from serving.service import encode_prediction
from serving.storage.key_claims import SqliteKeyClaims
from serving.storage.store import ReviewStore, utcnow
from tests.integration.test_storage_idempotency import counts, wire

if TYPE_CHECKING:
    from serving.storage.key_claims import Holder, KeyClaim

pytestmark = pytest.mark.anyio


def claim_of(key: str) -> EncodedPrediction:
    """A keyed prediction with its language given, so claiming it takes no thread hop first."""
    out, _ = wire(uuid.uuid4().hex)
    item = TicketIn(subject="Nedbrud", body=f"Alt er nede ({key})", language="da")
    return encode_prediction(
        out, item, utcnow(), None, idempotency=(key, fingerprint(msgspec.json.encode(item)))
    )


@pytest.fixture
def transactions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The write transactions the key claims' connection begins."""
    begun: list[str] = []
    connect = SqliteKeyClaims._connect

    def traced(self: SqliteKeyClaims) -> sqlite3.Connection:
        connection = connect(self)
        connection.set_trace_callback(
            lambda statement: begun.append(statement) if statement.startswith("BEGIN") else None
        )
        return connection

    monkeypatch.setattr(SqliteKeyClaims, "_connect", traced)
    return begun


async def test_concurrent_claims_share_one_transaction_and_each_gets_its_winner(
    sqlite_store: ReviewStore, transactions: list[str]
) -> None:
    held = claim_of("p:held")
    assert await sqlite_store.claim_key(held) is None
    new = [claim_of(f"p:new{n}") for n in range(4)]
    twice = [claim_of("p:twice"), claim_of("p:twice")]
    late = claim_of("p:held")
    taken = await asyncio.gather(
        *(sqlite_store.claim_key(record) for record in [*new, twice[0], late, twice[1]])
    )
    assert taken[:5] == [None] * 5  # the four new keys and the first of the pair: stored
    replayed = [(answer.exact, answer.body.encode()) for answer in taken[5:] if answer]
    assert replayed == [(True, held.decision_json), (True, twice[0].decision_json)]
    assert len(transactions) == 2  # the first claim's, then one for all seven (was 8)
    assert await counts(sqlite_store) == (6, 6)  # one prediction and its rule per key
    assert await sqlite_store.detail(twice[1].prediction_id) is None


async def test_claims_arriving_during_a_write_go_together_in_the_next(
    sqlite_store: ReviewStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    writing, release = threading.Event(), threading.Event()
    batches: list[list[str | None]] = []
    claim_all = SqliteKeyClaims.claim_all

    def held_back(self: SqliteKeyClaims, claims: list[KeyClaim]) -> list[Holder | None]:
        batches.append([claim.record.idempotency_key for claim in claims])
        writing.set()
        release.wait(timeout=10)
        return claim_all(self, claims)

    monkeypatch.setattr(SqliteKeyClaims, "claim_all", held_back)
    first = asyncio.create_task(sqlite_store.claim_key(claim_of("p:a")))
    assert await asyncio.to_thread(writing.wait, 10)
    rest = [asyncio.create_task(sqlite_store.claim_key(claim_of(k))) for k in ("p:b", "p:c")]
    late = asyncio.create_task(sqlite_store.claim_key(claim_of("p:a")))
    await asyncio.sleep(0.05)
    release.set()
    assert [await task for task in (first, *rest)] == [None, None, None]
    assert await late is not None  # its key went to the first claim, in the batch before
    assert batches == [["p:a"], ["p:b", "p:c", "p:a"]]


async def test_a_failed_batch_leaves_each_of_its_claims_unconfirmed(
    sqlite_store: ReviewStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(self: SqliteKeyClaims, claims: list[KeyClaim]) -> list[Holder | None]:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(SqliteKeyClaims, "claim_all", disk_full)
    claim = store_claim(sqlite_store)
    outcomes = await asyncio.gather(*(claim(claim_of(f"p:f{n}")) for n in range(3)))
    assert outcomes == ["unavailable"] * 3
    monkeypatch.undo()
    assert await claim(claim_of("p:f0")) == "stored"  # the next batch writes again
