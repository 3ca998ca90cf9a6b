"""The byte-order mark middleware on its own: a mark split over body messages, short bodies,
routes whose body is not JSON."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import anyio
import pytest

from serving.byte_order_mark import ByteOrderMarkMiddleware
from serving.errors import JSON_BODY, WireError


def _read(messages: list[dict[str, Any]], *, json_route: bool = True) -> list[dict[str, Any]]:
    """What the app behind the middleware receives for `messages` (up to the disconnect)."""
    pending = list(messages)
    seen: list[dict[str, Any]] = []

    async def receive() -> Any:
        return pending.pop(0)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        while pending or not seen or seen[-1].get("more_body", False):
            seen.append(await receive())

    scope = {"type": "http", "route_handler": SimpleNamespace(opt={JSON_BODY: json_route})}
    anyio.run(ByteOrderMarkMiddleware(app), scope, receive, None)
    return seen


def _body(seen: list[dict[str, Any]]) -> bytes:
    return b"".join(m.get("body", b"") for m in seen if m["type"] == "http.request")


def test_a_mark_split_over_three_messages_is_dropped() -> None:
    seen = _read([
        {"type": "http.request", "body": b"\xef", "more_body": True},
        {"type": "http.request", "body": b"\xbb", "more_body": True},
        {"type": "http.request", "body": b"\xbf{", "more_body": True},
        {"type": "http.request", "body": b"}", "more_body": False},
    ])  # fmt: skip
    assert _body(seen) == b"{}"
    assert seen[-1]["more_body"] is False


@pytest.mark.parametrize("body", [b"", b"{", b"{}", b"\xef\xbb", '{"é": 1}'.encode()])
def test_bodies_without_a_mark_pass_unchanged(body: bytes) -> None:
    assert _body(_read([{"type": "http.request", "body": body, "more_body": False}])) == body


def test_a_form_route_keeps_its_bytes() -> None:
    body = b"\xef\xbb\xbfa=1"
    seen = _read([{"type": "http.request", "body": body}], json_route=False)
    assert _body(seen) == body


def test_a_disconnect_before_any_body_is_passed_on() -> None:
    assert _read([{"type": "http.disconnect"}]) == [{"type": "http.disconnect"}]


def test_a_utf16_mark_is_a_wire_error_naming_utf8() -> None:
    with pytest.raises(WireError) as raised:
        _read([{"type": "http.request", "body": "{}".encode("utf-16"), "more_body": False}])
    assert raised.value.body.status == 400
    assert "UTF-8" in raised.value.body.detail
