"""Training's step progress: bars in a terminal, and a line per step when the output is a log
file or a CI console, so a long step shows what is running while it runs."""

from __future__ import annotations

import io

from rich.console import Console

from training.train import _Steps, step_bars


def _steps(*, terminal: bool) -> tuple[_Steps, io.StringIO]:
    out = io.StringIO()
    console = Console(file=out, force_terminal=terminal, width=100)
    return _Steps(True, console, step_bars(console, enabled=True)), out


def test_off_a_terminal_each_step_is_announced_when_it_starts_and_timed_when_it_ends() -> None:
    steps, out = _steps(terminal=False)
    assert steps.progress is not None
    with steps.progress, steps.step("train on 40,000 rows"):
        assert out.getvalue().splitlines() == ["train on 40,000 rows ..."]
    lines = out.getvalue().splitlines()
    assert lines[1].startswith("train on 40,000 rows: done in ")
    assert lines[1].endswith(" s")
    assert len(lines) == 2  # and no bars drawn again when the step ends


def test_in_a_terminal_the_bar_alone_shows_the_step() -> None:
    steps, out = _steps(terminal=True)
    assert steps.progress is not None
    with steps.progress, steps.step("train on 40,000 rows"):
        pass
    assert "train on 40,000 rows ..." not in out.getvalue()
    assert "done in" not in out.getvalue()
