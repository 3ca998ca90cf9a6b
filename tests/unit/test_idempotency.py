"""Idempotency keys: header parsing per the IETF draft, the per-worker answer cache, settings."""

from __future__ import annotations

import asyncio

import pytest

from serving import idempotency
from serving.errors import WireError
from serving.idempotency import AnswerCache, KeyedAnswer, Remembered, parse_key, scoped_key
from serving.settings import Settings, SettingsError

HEADER = "Idempotency-Key"


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        (b'"8e03978e-40d5-43e8-bc93-6894a57f9324"', "8e03978e-40d5-43e8-bc93-6894a57f9324"),
        (b"01HZX3V6Q9-zendesk", "01HZX3V6Q9-zendesk"),  # bare, as Zendesk's own header
        (b'  "a b"  ', "a b"),
        (b'"say \\"hi\\" \\\\ there"', 'say "hi" \\ there'),
        (b"x" * 255, "x" * 255),
        (b'"a, b"', "a, b"),
    ],
)
def test_keys_are_read_quoted_or_bare(raw: bytes, key: str) -> None:
    assert parse_key(raw, HEADER) == key


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty"),
        (b'""', "empty"),
        (b"x" * 256, "256 characters is too long"),
        ("schl\u00fcssel".encode(), "not ASCII"),
        (b"tab\there", "control character"),
        (b'"bad \\n escape"', "escapes only"),
        (b'"a"b"', "unescaped"),
        (b"a, b", "sent more than once?"),
    ],
)
def test_a_malformed_key_is_a_400_naming_the_header_and_the_fix(raw: bytes, reason: str) -> None:
    with pytest.raises(WireError) as caught:
        parse_key(raw, HEADER)
    body = caught.value.body
    assert (body.status, body.error, body.field) == (400, "invalid_idempotency_key", HEADER)
    assert reason in body.detail
    assert "1 to 255 printable ASCII characters" in body.detail


def test_keys_are_scoped_by_the_api_key_id() -> None:
    assert scoped_key("zendesk", "k1") != scoped_key("freshdesk", "k1")
    assert scoped_key(None, "k1") == ":k1"


def test_the_cache_forgets_the_least_recently_used_beyond_its_size() -> None:
    cache = AnswerCache(size=2, seconds=60)
    for key in ("a", "b"):
        cache.put(key, Remembered(key, key.encode()))
    assert cache.get("a") is not None  # "b" is now the least recently used
    cache.put("c", Remembered("c", b"c"))
    assert (cache.get("a"), cache.get("b"), len(cache)) == (Remembered("a", b"a"), None, 2)


def test_the_cache_forgets_a_key_after_the_window(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(idempotency.time, "monotonic", lambda: now[0])
    cache = AnswerCache(size=10, seconds=3600)
    cache.put("a", Remembered("f", b"body"))
    now[0] += 3599
    assert cache.get("a") == Remembered("f", b"body")
    now[0] += 2
    assert cache.get("a") is None
    assert len(cache) == 0


def test_a_key_being_answered_hands_its_answer_to_the_waiters() -> None:
    async def run() -> tuple[Remembered | None, Remembered | None]:
        cache = AnswerCache(size=10, seconds=60)
        assert cache.in_flight("a") is None
        cache.begin("a")
        pending = cache.in_flight("a")
        assert pending is not None
        cache.end("a", Remembered("f", b"first"))
        return await pending, cache.get("a")

    first = Remembered("f", b"first")
    assert asyncio.run(run()) == (first, first)


def test_settings_default_to_the_drafts_header_and_a_day() -> None:
    window = Settings.from_env({}).idempotency
    assert (window.header, window.hours, window.cache_size, window.enabled) == (
        "Idempotency-Key",
        24.0,
        10_000,
        True,
    )
    zendesk = Settings.from_env(
        {
            "TP_IDEMPOTENCY_HEADER": "X-Zendesk-Webhook-Invocation-Id",
            "TP_IDEMPOTENCY_HOURS": "0",
        }
    ).idempotency
    assert (zendesk.header, zendesk.enabled) == ("X-Zendesk-Webhook-Invocation-Id", False)


def test_a_header_name_that_is_not_a_token_is_refused_naming_the_variable() -> None:
    with pytest.raises(SettingsError, match=r"TP_IDEMPOTENCY_HEADER='Idempotency Key'.*e\.g\."):
        Settings.from_env({"TP_IDEMPOTENCY_HEADER": "Idempotency Key"})


class _Store:
    """Stands in for the review store: counts lookups, fails or hangs on request."""

    def __init__(self, behaviour: str) -> None:
        self.behaviour = behaviour
        self.asked = 0

    async def stored_answer(self, key: str) -> None:
        self.asked += 1
        if self.behaviour == "hang":
            await asyncio.sleep(60)
        raise OSError(f"connection refused for {key}")

    async def claim_key(self, record: object) -> None:
        await self.stored_answer("claim")


@pytest.mark.parametrize("behaviour", ["fail", "hang"])
def test_a_store_that_fails_or_hangs_does_not_know_the_key(
    monkeypatch: pytest.MonkeyPatch, behaviour: str
) -> None:
    monkeypatch.setattr(idempotency, "LOOKUP_SECONDS", 0.05)
    store = _Store(behaviour)
    find = idempotency.store_lookup(store)  # type: ignore[arg-type]
    assert asyncio.run(find("p:1")) is None
    assert store.asked == 1


def test_a_store_known_to_be_down_is_not_asked() -> None:
    store = _Store("hang")
    find = idempotency.store_lookup(store, lambda: False)  # type: ignore[arg-type]
    assert asyncio.run(find("p:1")) is None
    assert store.asked == 0


@pytest.mark.parametrize("behaviour", ["fail", "hang"])
def test_a_store_that_fails_or_hangs_cannot_take_a_key(
    monkeypatch: pytest.MonkeyPatch, behaviour: str
) -> None:
    monkeypatch.setattr(idempotency, "LOOKUP_SECONDS", 0.05)
    store = _Store(behaviour)
    claim = idempotency.store_claim(store)  # type: ignore[arg-type]
    assert asyncio.run(claim(object())) == "unavailable"  # type: ignore[arg-type]
    assert store.asked == 1
    down = _Store("hang")
    assert asyncio.run(idempotency.store_claim(down, lambda: False)(object())) == "unavailable"  # type: ignore[arg-type]
    assert down.asked == 0


def test_an_unconfirmed_answer_reaches_the_waiters_but_is_not_remembered() -> None:
    async def scenario() -> tuple[Remembered | None, Remembered | None]:
        cache = AnswerCache(10, 60)
        cache.begin("k")
        waiter = cache.in_flight("k")
        assert waiter is not None
        cache.end("k", Remembered("f", b"{}", confirmed=False))
        return await waiter, cache.get("k")

    handed, kept = asyncio.run(scenario())
    assert handed == Remembered("f", b"{}", confirmed=False)
    assert kept is None


def test_a_keyed_answer_names_what_it_is_in_its_headers() -> None:
    assert KeyedAnswer(b"{}").headers() == []
    assert KeyedAnswer(b"{}", replayed=True).headers() == [("Idempotent-Replayed", "true")]
    assert KeyedAnswer(b"{}", replayed=True, confirmed=False).headers() == [
        ("Idempotent-Replayed", "true"),
        ("Idempotent-Unconfirmed", "true"),
    ]
