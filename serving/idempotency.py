"""Idempotency keys: a retried webhook is answered once, with the first answer.

Follows the IETF draft "The Idempotency-Key HTTP Header Field"
(draft-ietf-httpapi-idempotency-key-header): the client sends a unique key with each logical
request and the same key with its retries. The key is scoped to the API key that sent it
(two helpdesks may pick the same key) and fingerprinted with the request it came with: a
retry with the same ticket gets the first answer again, a key reused for another ticket is a
422. Each worker remembers recent keys and their answers here (`AnswerCache`); the review
store holds one prediction per key across workers and restarts (`serving.storage`). A key
new to the worker is looked up in the store (`store_lookup`) and, once decided, claimed there
before the answer goes out (`store_claim`): of two workers deciding the same key at once, the
one that stores its prediction second answers with the first one's answer.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import msgspec
import structlog

from serving.errors import WireError, error_body
from serving.schemas import DecisionOut, ErrorOut

if TYPE_CHECKING:
    from serving.persistence import EncodedPrediction
    from serving.storage.store import ReviewStore, StoredAnswer

log = structlog.get_logger("serving.idempotency")
MAX_KEY_CHARS = 255
REPLAYED_HEADER = "Idempotent-Replayed"
# The review store could not take the key: the answer is not known to be the one kept for it.
UNCONFIRMED_HEADER = "Idempotent-Unconfirmed"
LOOKUP_SECONDS = 2.0  # a review store that hangs delays a keyed request at most this long
_encode = msgspec.json.Encoder().encode
_decision = msgspec.json.Decoder(DecisionOut)


def key_problem(header: str, reason: str) -> ErrorOut:
    """The 400 for a malformed key header; names the header and the fix."""
    return error_body(
        400,
        f"{header}: {reason}; send 1 to {MAX_KEY_CHARS} printable ASCII characters, e.g. "
        f'{header}: "8e03978e-40d5-43e8-bc93-6894a57f9324" (a new UUID per ticket event, the '
        "same one on every retry)",
        header,
        "invalid_idempotency_key",
    )


def parse_key(raw: bytes, header: str) -> str:
    """The key in a header value: a Structured Fields string (`"..."`, as the draft writes
    it) or the bare value (as Zendesk's and Freshdesk's own id headers send it).

    Raises:
        WireError: 400 naming the header: empty, too long, or not printable ASCII.
    """
    try:
        text = raw.decode("ascii").strip(" \t")
    except UnicodeDecodeError:
        raise WireError(key_problem(header, "not ASCII")) from None
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        text = _unquote(text[1:-1], header)
    elif "," in text:  # the header sent twice arrives joined by ", " through proxies
        raise WireError(
            key_problem(header, "holds ',' (sent more than once?); quote a key with one")
        )
    if not text:
        raise WireError(key_problem(header, "empty"))
    if len(text) > MAX_KEY_CHARS:
        raise WireError(key_problem(header, f"{len(text)} characters is too long"))
    if not text.isprintable():
        raise WireError(key_problem(header, "holds a control character"))
    return text


def _unquote(inner: str, header: str) -> str:
    # RFC 8941 sf-string: `\` escapes only `"` and `\`; a bare `"` inside ends the string.
    out: list[str] = []
    chars = iter(inner)
    for char in chars:
        if char == "\\":
            escaped = next(chars, "")
            if escaped not in ('"', "\\"):
                raise WireError(key_problem(header, 'a "\\" escapes only \'"\' or "\\"'))
            out.append(escaped)
        elif char == '"':
            raise WireError(key_problem(header, "an unescaped '\"' inside the quoted key"))
        else:
            out.append(char)
    return "".join(out)


def scoped_key(api_key_id: str | None, key: str) -> str:
    """The key as stored: the API key id (which never holds `:`) before it."""
    return f"{api_key_id or ''}:{key}"


def fingerprint(request_json: bytes) -> str:
    """SHA-256 of the ticket as decoded and encoded again (field order and spacing do not
    count, the values do)."""
    return hashlib.sha256(request_json).hexdigest()


def reuse_problem(header: str) -> ErrorOut:
    """The 422 for a key sent again with another ticket (the draft's answer)."""
    return error_body(
        422,
        f"{header} was already used with a different request body; a retry must send the "
        "same ticket, and each new ticket event needs a new key",
        header,
        "idempotency_key_reused",
    )


def batch_key_refused(header: str) -> ErrorOut:
    """The 400 for a key sent to the batch route, which does not answer a retry once:
    silently ignoring the key would store a retried batch twice."""
    return error_body(
        400,
        f"{header} is not supported on POST /v1/predict/batch (a retried batch would be "
        f"stored again); send each ticket to POST /v1/predict with its own {header}, or "
        "send the batch without the header",
        header,
        "idempotency_key_unsupported",
    )


@dataclass(frozen=True, slots=True)
class Remembered:
    """A key's first answer: what it was for (fingerprint) and the response body sent.

    `confirmed` is False for an answer given while the review store could not take the key:
    it is handed to requests waiting for it, never kept in the cache.
    """

    fingerprint: str
    body: bytes
    confirmed: bool = True


@dataclass(frozen=True, slots=True)
class KeyedAnswer:
    """The answer to a request with a key: the body and what the headers say about it.

    Attributes:
        body: the response body.
        replayed: an earlier request's answer (`REPLAYED_HEADER`).
        confirmed: False when the review store could not take the key, so a retry may be
            answered anew (`UNCONFIRMED_HEADER`).
    """

    body: bytes
    replayed: bool = False
    confirmed: bool = True

    def headers(self) -> list[tuple[str, str]]:
        """The headers to add to the 200."""
        added = [(REPLAYED_HEADER, "true")] if self.replayed else []
        return added if self.confirmed else [*added, (UNCONFIRMED_HEADER, "true")]


# What claiming a key in the store came to: "stored" (this answer is the key's), the answer
# another worker stored first, or "unavailable" (the store is down or did not answer).
Claim = Literal["stored", "unavailable"] | Remembered


@dataclass(slots=True)
class _Entry:
    answer: Remembered
    expires: float


class AnswerCache:
    """Recent keys and their answers in one worker: bounded (least recently used go first),
    each kept for the idempotency window; also tracks keys whose first request is still being
    answered, so a retry arriving meanwhile waits for that answer instead of deciding again."""

    def __init__(self, size: int, seconds: float) -> None:
        """Keep up to `size` keys for `seconds` each."""
        self.size = size
        self.seconds = seconds
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._pending: dict[str, asyncio.Future[Remembered | None]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> Remembered | None:
        """The key's answer if it is remembered and within the window."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires < time.monotonic():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry.answer

    def put(self, key: str, answer: Remembered) -> None:
        """Remember the key's answer (replacing an older one)."""
        self._entries[key] = _Entry(answer, time.monotonic() + self.seconds)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def in_flight(self, key: str) -> asyncio.Future[Remembered | None] | None:
        """The answer-to-be of a request with this key still being answered, if any."""
        return self._pending.get(key)

    def begin(self, key: str) -> None:
        """Mark the key as being answered (see `end`)."""
        self._pending[key] = asyncio.get_running_loop().create_future()

    def end(self, key: str, answer: Remembered | None) -> None:
        """The key's request is answered (`answer`), or failed (None: waiters decide
        themselves); remembers a confirmed answer and wakes the waiters."""
        if answer is not None and answer.confirmed:
            self.put(key, answer)
        future = self._pending.pop(key, None)
        if future is not None and not future.done():
            future.set_result(answer)


def store_lookup(
    store: ReviewStore, available: Callable[[], bool] = lambda: True
) -> Callable[[str], Awaitable[Remembered | None]]:
    """`Runtime.find_answer` on the review store: the answer stored under a key by any worker.

    A store that fails or hangs (`LOOKUP_SECONDS`) is logged and treated as not knowing the
    key: the ticket is answered anew, and the key's unique index still keeps one prediction.
    While `available()` is false (the writer finds the store down) it is not asked at all,
    so an outage does not add its timeout to every request with a key.
    """

    async def find(key: str) -> Remembered | None:
        if not available():
            return None
        try:
            async with asyncio.timeout(LOOKUP_SECONDS):
                stored = await store.stored_answer(key)
        except Exception as exc:  # noqa: BLE001 - answering must not depend on the store
            log.warning("idempotency_lookup_failed", error=type(exc).__name__)
            return None
        return None if stored is None else remembered(stored)

    return find


def remembered(stored: StoredAnswer) -> Remembered:
    """A stored answer as the worker replays it."""
    if stored.exact:
        return Remembered(stored.request_sha256 or "", stored.body.encode())
    # Stored before migration 0006 kept the answer: rebuilt through DecisionOut, which gives
    # the fields their order (PostgreSQL's JSONB may still reorder `probabilities`).
    return Remembered(stored.request_sha256 or "", _encode(_decision.decode(stored.body)))


def store_claim(
    store: ReviewStore, available: Callable[[], bool] = lambda: True
) -> Callable[[EncodedPrediction], Awaitable[Claim]]:
    """`Runtime.claim_answer` on the review store: stores a keyed prediction before its answer
    goes out, unless another worker stored one for the key first (then that one's answer).

    A store that is known to be down, fails or hangs (`LOOKUP_SECONDS`) gives "unavailable":
    the caller answers anyway and says so (`UNCONFIRMED_HEADER`).
    """

    async def claim(record: EncodedPrediction) -> Claim:
        if not available():
            return "unavailable"
        try:
            async with asyncio.timeout(LOOKUP_SECONDS):
                taken = await store.claim_key(record)
        except Exception as exc:  # noqa: BLE001 - answering must not depend on the store
            log.warning("idempotency_claim_failed", error=type(exc).__name__)
            return "unavailable"
        return "stored" if taken is None else remembered(taken)

    return claim
