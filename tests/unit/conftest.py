"""Fixtures shared by unit tests."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def server_arguments(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The keyword arguments `serve` gives granian's Server or `uvicorn.run`, which are
    replaced by recorders that start nothing."""
    import granian.server
    import uvicorn

    given: dict[str, Any] = {}

    class Server:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            given.update(kwargs)

        def serve(self) -> None:
            pass

    monkeypatch.setattr(granian.server, "Server", Server)
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: given.update(kwargs))
    return given
