"""Training time and peak memory on 10k, 100k and 1M synthetic tickets.

Usage: nice -n 19 .venv/bin/python benchmarks/training_scale.py [--sizes 10000,100000,1000000]

Each size runs in three fresh child processes: one generates the tickets and writes them as
Parquet (not timed); one reads and validates the file exactly like `ticket-priority train`
(`training.data.load_dataset` with the default column mapping) and fits the model with
`training.pipeline.train_model` on all rows (in-memory CV selection below
`OUT_OF_CORE_THRESHOLD` rows, hashing + partial_fit above it); one runs the whole command
(`training.train.run_training`: validate, train on the older 80%, evaluate on the newest 20%,
one MLflow run in a fresh SQLite store, register and gate). The peak RSS is each child's own
maximum resident set size (`os.wait4` rusage), so the generator's memory does not count.
Goals on this 2-core machine: 100k in under 3 minutes; 1M in under 30 minutes with peak RSS
under 2 GiB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
GIB = 1024**3


def generate(rows: int, path: Path, seed: int) -> None:
    """Child step: write `rows` synthetic tickets to `path` (Parquet)."""
    from training.synthetic import generate_tickets, write_tickets

    write_tickets(generate_tickets(rows, seed=seed), path)


def train(path: Path) -> dict[str, Any]:
    """Child step: validate and train like `ticket-priority train`; returns the timings."""
    from training.config import TrainConfig
    from training.data import load_dataset
    from training.pipeline import OUT_OF_CORE_THRESHOLD, train_model
    from training.train import feature_spec

    config = TrainConfig()
    started = time.perf_counter()
    dataset = load_dataset(path)
    validated = time.perf_counter()
    last = [0.0]

    def progress(stage: str, fraction: float) -> None:
        now = time.perf_counter()
        if now - last[0] >= 15 or fraction >= 1.0:
            last[0] = now
            print(f"  [{now - validated:6.0f}s] {fraction:4.0%} {stage}", flush=True)

    result = train_model(
        dataset.frame, dataset.labels.tolist(), feature_spec(dataset), dataset.scale,
        cv=config.selection_cv, random_state=config.random_state, progress=progress,
    )  # fmt: skip
    trained = time.perf_counter()
    return {
        "rows": len(dataset.frame),
        "validate_s": round(validated - started, 1),
        "train_s": round(trained - validated, 1),
        "out_of_core": result.out_of_core,
        "threshold": OUT_OF_CORE_THRESHOLD,
        "estimator": result.params.get("estimator"),
        "cv_macro_f1": result.model.metrics.get("cv_macro_f1"),
    }


def command(path: Path) -> dict[str, Any]:
    """Child step: the whole `ticket-priority train --data PATH` into a fresh MLflow store."""
    from training.settings import MlflowSettings
    from training.train import run_training

    store = path.with_suffix(".mlflow")
    settings = MlflowSettings.in_folder(store)
    store.mkdir(exist_ok=True)
    started = time.perf_counter()
    outcome = run_training(path, mlflow_settings=settings, progress=False,
                           models_dir=store / "models")  # fmt: skip
    return {
        "command_s": round(time.perf_counter() - started, 1),
        "holdout_macro_f1": outcome.report.get("macro_f1"),
        "version": outcome.version,
    }


def _run_child(args: list[str]) -> tuple[int, float, str]:
    """Run this script as a child; returns (exit status, peak RSS in bytes, last stdout line)."""
    command = [sys.executable, str(Path(__file__).resolve()), *args]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    lines: list[str] = []
    if child.stdout is not None:
        for line in child.stdout:
            lines.append(line.rstrip("\n"))
            if not line.startswith("{"):
                print(line, end="", flush=True)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    peak = usage.ru_maxrss * 1024  # kilobytes on Linux
    return child.returncode, peak, lines[-1] if lines else ""


def measure(rows: int, workdir: Path, seed: int) -> dict[str, Any]:
    """Generate, then train in a fresh process; the figures of one size."""
    path = workdir / f"tickets_{rows}.parquet"
    started = time.perf_counter()
    code, gen_peak, _ = _run_child(["--child-generate", str(path), "--rows", str(rows),
                                    "--seed", str(seed)])  # fmt: skip
    if code != 0:
        return {"rows": rows, "error": f"generator exited with {code}"}
    print(f"  generated {rows:,} rows in {time.perf_counter() - started:.0f}s "
          f"(generator peak {gen_peak / GIB:.2f} GiB)", flush=True)  # fmt: skip
    load = os.getloadavg()[0]
    code, peak, last = _run_child(["--child-train", str(path)])
    if code != 0:
        path.unlink(missing_ok=True)
        return {"rows": rows, "error": f"training exited with {code}", "peak_rss_gib": peak / GIB}
    figures: dict[str, Any] = json.loads(last)
    figures["peak_rss_gib"] = round(peak / GIB, 2)
    code, peak, last = _run_child(["--child-command", str(path)])
    path.unlink(missing_ok=True)
    if code != 0:
        return {"rows": rows, "error": f"train command exited with {code}"}
    figures.update(json.loads(last))
    figures["command_peak_rss_gib"] = round(peak / GIB, 2)
    figures["load_before"] = round(load, 2)
    figures["load_after"] = round(os.getloadavg()[0], 2)
    return figures


def _table(results: list[dict[str, Any]]) -> str:
    head = (f"{'rows':>10} {'mode':>12} {'validate s':>10} {'train s':>9} {'total s':>8} "
            f"{'peak RSS GiB':>12} {'cv F1':>6} | {'command s':>9} {'peak RSS GiB':>12} "
            f"{'holdout F1':>10} {'load 1m':>11}")  # fmt: skip
    lines = [head, "-" * len(head)]
    for r in results:
        if "error" in r:
            lines.append(f"{r['rows']:>10,} {r['error']}")
            continue
        mode = "out-of-core" if r["out_of_core"] else "in-memory"
        f1 = f"{r['cv_macro_f1']:.3f}" if r.get("cv_macro_f1") is not None else "-"
        total = r["validate_s"] + r["train_s"]
        lines.append(
            f"{r['rows']:>10,} {mode:>12} {r['validate_s']:>10.1f} {r['train_s']:>9.1f} "
            f"{total:>8.1f} {r['peak_rss_gib']:>12.2f} {f1:>6} | {r['command_s']:>9.1f} "
            f"{r['command_peak_rss_gib']:>12.2f} {r['holdout_macro_f1']:>10.3f} "
            f"{r['load_before']:>5.2f}/{r['load_after']:<5.2f}"
        )
    return "\n".join(lines)


def main() -> None:
    """Parse options and run the benchmark (or one child step)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="comma-separated row counts"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--child-generate", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-train", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-command", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_generate is not None:
        generate(args.rows, args.child_generate, args.seed)
        return
    if args.child_train is not None:
        print(json.dumps(train(args.child_train)), flush=True)
        return
    if args.child_command is not None:
        print(json.dumps(command(args.child_command)), flush=True)
        return
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    results = []
    with tempfile.TemporaryDirectory(prefix="tp-training-scale-") as tmp:
        for rows in sizes:
            print(f"{rows:,} tickets (load average {os.getloadavg()[0]:.2f})", flush=True)
            results.append(measure(rows, Path(tmp), args.seed))
            print(_table(results[-1:]).splitlines()[-1], flush=True)
    print()
    print(_table(results))
    print("goals: 100k train < 180 s; 1M train < 1800 s with peak RSS < 2 GiB "
          "(both for the fit alone and for the whole command)")  # fmt: skip


if __name__ == "__main__":
    main()
