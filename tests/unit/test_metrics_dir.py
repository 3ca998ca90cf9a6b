"""Where several workers keep their shared Prometheus values (serving.metrics_dir)."""

from __future__ import annotations

from pathlib import Path

from serving.metrics_dir import MULTIPROC_ENV, is_multiprocess, multiproc_dir


def test_without_a_directory_a_temporary_one_is_set_and_removed() -> None:
    environ: dict[str, str] = {}
    with multiproc_dir(environ) as folder:
        assert environ[MULTIPROC_ENV] == str(folder)
        assert folder.is_dir()
        assert is_multiprocess(environ)
        (folder / "counter_123.db").write_bytes(b"x")
    assert MULTIPROC_ENV not in environ
    assert not folder.exists()
    assert not is_multiprocess(environ)


def test_an_operators_directory_is_kept_but_last_runs_values_are_removed(tmp_path: Path) -> None:
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_99.db").write_bytes(b"old")
    (folder / "README").write_text("mine", encoding="utf-8")
    environ = {MULTIPROC_ENV: str(folder)}
    with multiproc_dir(environ) as used:
        assert used == folder
        assert not (folder / "counter_99.db").exists()
    assert environ == {MULTIPROC_ENV: str(folder)}
    assert (folder / "README").read_text(encoding="utf-8") == "mine"
