"""An admin reload passed between workers through a shared file (serving.reload_signal)."""

from __future__ import annotations

from pathlib import Path

from serving.reload_signal import ReloadSignal


def test_another_workers_request_is_pending_once(tmp_path: Path) -> None:
    path = tmp_path / "reload-request"
    answering, other = ReloadSignal(path), ReloadSignal(path)
    assert not other.pending()
    assert answering.request()
    assert not answering.pending()  # it has reloaded already
    assert other.pending()
    assert not other.pending()
    assert answering.request()
    assert other.pending()


def test_a_worker_started_after_a_request_does_not_act_on_it(tmp_path: Path) -> None:
    path = tmp_path / "reload-request"
    ReloadSignal(path).request()
    assert not ReloadSignal(path).pending()


def test_an_unwritable_folder_is_reported_not_raised(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    signal = ReloadSignal(blocker / "reload-request")
    assert signal.request() is False
    assert not signal.pending()
