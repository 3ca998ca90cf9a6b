"""Where served predictions go: a small protocol the review store implements.

The predict routes build one `EncodedPrediction` per answered ticket and hand them to the
`PredictionSink` on `app.state.sink` in one call per request (a batch is one call). The
default `NullSink` keeps nothing; `serving/storage/` provides the SQL implementation.
Tests and tools that hold the request and Decision as dicts build the same record with
`serving.storage.store.prediction_from_dicts`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

import msgspec

_decode = msgspec.json.Decoder(dict[str, Any]).decode


class EncodedPrediction(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One answered ticket as the service stores it: the request and the Decision already
    JSON-encoded (bytes, a few times smaller than dicts and written as they are), next to the
    columns the review queue sorts and filters on, read from the wire structs directly.
    A msgspec Struct (not a dataclass): built thousands of times a second, and its fields
    hold no reference cycles, so the cyclic GC need not track it.

    Attributes:
        prediction_id: the id returned to the caller (a UUID as 32 hex digits; the service
            makes time-ordered version-7 ones).
        external_id: the helpdesk's own ticket id (`external_id` in the request, as text), if given.
        created_at: when the service answered (UTC, timezone-aware).
        model_version / model_name: the model that was asked; None when serving rules only.
        rules_sha256: SHA-256 of the rules file that decided.
        priority / source / model_priority / confidence / language / first_response_due /
            review_required / shadow / rule_ids: the queue's columns.
        request_json / decision_json: the wire `TicketIn` and `DecisionOut` as JSON.
        idempotency_key: the request's idempotency key behind its API key's id
            (`serving.idempotency.scoped_key`), if it sent one: the store keeps one
            prediction per key.
        request_sha256: the fingerprint of the request that key came with.
        answer_json: the response body sent to a request with a key, stored as it is so a
            replay is byte for byte the first answer (None without a key).
    """

    prediction_id: str
    external_id: str | None
    created_at: datetime
    model_version: str | None
    rules_sha256: str
    model_name: str | None
    priority: str
    source: str
    model_priority: str | None
    confidence: float | None
    language: str | None
    first_response_due: datetime | None
    review_required: bool
    shadow: bool
    rule_ids: tuple[str, ...]
    request_json: bytes
    decision_json: bytes
    idempotency_key: str | None = None
    request_sha256: str | None = None
    answer_json: bytes | None = None

    @property
    def request(self) -> dict[str, Any]:
        """The request as JSON-ready builtins (decoded on each access)."""
        return _decode(self.request_json)

    @property
    def decision(self) -> dict[str, Any]:
        """The Decision as JSON-ready builtins (decoded on each access)."""
        return _decode(self.decision_json)


@runtime_checkable
class PredictionSink(Protocol):
    """Stores predictions. Implementations must not raise on ordinary storage trouble they
    can recover from; an exception here turns into a 503 for the caller."""

    async def save(self, records: Sequence[EncodedPrediction]) -> None:
        """Persist the records of one request (one or many tickets)."""
        ...


class NullSink:
    """Keeps nothing: the default when no review store is configured."""

    async def save(self, records: Sequence[EncodedPrediction]) -> None:
        """Accept and drop the records."""
        del records


class MemorySink:
    """Keeps records in a list: for tests and demos without a database."""

    def __init__(self) -> None:
        self.records: list[EncodedPrediction] = []

    async def save(self, records: Sequence[EncodedPrediction]) -> None:
        """Append the records."""
        self.records.extend(records)
