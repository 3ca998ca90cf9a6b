"""Test servers' ports: anywhere by default, inside TP_TEST_PORTS when it is set."""

from __future__ import annotations

import socket

import pytest

from tests.ports import free_port


def test_a_port_range_keeps_the_port_inside_it_and_skips_taken_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        port = int(taken.getsockname()[1])
        taken.listen()
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port + 1)) == 0:
                pytest.skip(f"port {port + 1} is in use by something else")
        monkeypatch.setenv("TP_TEST_PORTS", f"{port}-{port + 1}")
        assert {free_port() for _ in range(5)} == {port + 1}
        monkeypatch.setenv("TP_TEST_PORTS", f"{port}-{port}")
        with pytest.raises(OSError, match="no free port in TP_TEST_PORTS"):
            free_port()


def test_without_a_range_the_system_picks_a_free_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TP_TEST_PORTS", raising=False)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", free_port()))
