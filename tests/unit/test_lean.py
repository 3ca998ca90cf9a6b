"""`defer_import`: a module is imported only when something first reads from it."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_a_deferred_module_loads_on_first_attribute_and_then_behaves_as_itself() -> None:
    out = _run(
        """
        import sys
        from serving.lean import defer_import, is_deferred
        assert defer_import("fractions")
        import fractions
        print(is_deferred("fractions"), "Fraction" in vars(fractions))
        half = fractions.Fraction(1, 2)
        real = sys.modules["fractions"]
        print(is_deferred("fractions"), half + half == 1, real.Fraction is fractions.Fraction)
        """
    )

    assert out.splitlines() == ["True False", "False True True"]


def test_modules_already_imported_or_absent_are_left_alone() -> None:
    out = _run(
        """
        import json
        from serving.lean import defer_import
        print(defer_import("json"), defer_import("no_such_module_here"), defer_import("os.path"))
        """
    )

    assert out == "False False False"
