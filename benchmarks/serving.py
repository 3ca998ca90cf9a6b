"""This service vs `mlflow models serve` on the same registered champion, side by side.

Each server runs one worker pinned to CPU 0 (taskset; every thread and child process of the
server inherits the pinning); the load generator (a minimal keep-alive HTTP/1.1 client on
asyncio) runs pinned to CPU 1; everything is on loopback and every phase is bounded by a
duration. Every phase is repeated (`--repeats`) and the table shows medians: sequential
p50/p99, throughput and p50/p99 at 16 connections, server CPU per request (utime + stime from
/proc of every process of the server, which covers all their threads: the HTTP runtime, the
event loop, the review store's writer), resident memory, the batch endpoint's tickets/s (1,000 per
request) with the server CPU per ticket and the hypervisor steal during those phases, and the
raw in-process `predict_proba` cost of the same model for one ticket and per ticket in a batch
of 1,000, and how long /health/live takes while a maximum batch (1,000 tickets, ~12 MB) is
decided. Then the goals of issue 5 as PASS/FAIL lines.

This service (`ticket-priority serve`, production settings, under its default ASGI server
granian unless `--server uvicorn`) answers with the full Decision
(rules, SLA due times, reasons) and stores every prediction in the review store (SQLite here);
MLflow serves the pyfunc flavour of the same registered version and answers with bare labels.
Both get the same tickets: the model's columns for MLflow, the ticket JSON for this service.

By default a small champion is trained with `training.train.run_training` on synthetic
tickets into a temporary SQLite MLflow store. `--features word` (default) keeps only the word
TF-IDF blocks plus the customer attributes (the model the issue's anchors were measured on);
`--features full` trains the production feature set (word + char n-grams).

Usage:
    .venv/bin/python benchmarks/serving.py                     # 4-6 minutes
    .venv/bin/python benchmarks/serving.py --seconds 3 --repeats 1
    .venv/bin/python benchmarks/serving.py --tracking-uri sqlite:///mlflow.db   # demo's model
    .venv/bin/python benchmarks/serving.py --skip-mlflow --server uvicorn       # compare servers
    .venv/bin/python benchmarks/serving.py --skip-mlflow --without-language     # writer detects it
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent
SERVER_CPU = 0
CLIENT_CPU = 1
BATCH = 1_000
MODEL_URI = "models:/ticket-priority@champion"


# ---------------------------------------------------------------- load generator


@dataclass
class Phase:
    """Latencies (seconds), wall time and failures of one bounded load phase."""

    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    failures: int = 0

    @property
    def rps(self) -> float:
        """Completed requests per second."""
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        """The q-quantile latency in ms (nearest rank)."""
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def http_post(port: int, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    """The bytes of one keep-alive HTTP/1.1 POST with a JSON body."""
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n{extra}\r\n"
    )
    return head.encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length, chunked = 0, False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        lname = name.strip().lower()
        if lname == b"content-length":
            length = int(value.strip())
        elif lname == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if not chunked:
        await reader.readexactly(length)
        return status
    while True:
        size = int((await reader.readuntil(b"\r\n")).strip(), 16)
        await reader.readexactly(size + 2)
        if size == 0:
            return status


async def _connection(
    port: int, requests: Sequence[bytes], stop: Callable[[int], bool], offset: int, out: Phase
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    i = offset
    try:
        while not stop(len(out.latencies)):
            payload = requests[i % len(requests)]
            i += 1
            start = time.perf_counter()
            writer.write(payload)
            if await _read_response(reader) != 200:
                out.failures += 1
            out.latencies.append(time.perf_counter() - start)
    finally:
        writer.close()


async def _drive(
    port: int, requests: Sequence[bytes], connections: int, seconds: float, count: int
) -> Phase:
    out = Phase()
    start = time.perf_counter()
    deadline = start + seconds

    def stop(done: int) -> bool:
        return time.perf_counter() >= deadline or (count > 0 and done >= count)

    await asyncio.gather(
        *(_connection(port, requests, stop, c * 7, out) for c in range(connections))
    )
    out.seconds = time.perf_counter() - start
    return out


def drive(
    port: int, requests: Sequence[bytes], connections: int, seconds: float, count: int = 0
) -> Phase:
    """Send requests over `connections` keep-alive connections for `seconds` (or `count`)."""
    return asyncio.run(_drive(port, requests, connections, seconds, count))


# ---------------------------------------------------------------- processes


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def process_tree(pid: int) -> list[int]:
    """The pid and all its descendants."""
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    pids = [pid]
    for child in found.stdout.split():
        pids.extend(process_tree(int(child)))
    return pids


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU seconds of the processes (fields 14 and 15 of /proc/<pid>/stat)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def steal_seconds(cpu: int) -> float:
    """Time the hypervisor ran something else while `cpu` wanted to run (/proc/stat "steal").

    On this VM a busy loop alone sees stalls of up to ~60 ms about twice a second (~3% steal):
    every request in flight during one waits for it, so it shows in the p99.
    """
    for line in Path("/proc/stat").read_text().splitlines():
        fields = line.split()
        if fields and fields[0] == f"cpu{cpu}":
            return int(fields[8]) / os.sysconf("SC_CLK_TCK")
    return math.nan


def hiccups(seconds: float = 3.0, over: float = 0.003) -> tuple[int, float]:
    """Stalls a busy loop sees on this process's core: (count longer than `over`, longest s).

    Nothing else runs then, so these are the machine's own (hypervisor, kernel threads).
    """
    count, longest = 0, 0.0
    last = start = time.perf_counter()
    while last - start < seconds:
        now = time.perf_counter()
        if now - last > over:
            count, longest = count + 1, max(longest, now - last)
        last = now
    return count, longest


def rss_mb(pids: Sequence[int]) -> list[float]:
    """Resident memory of each process in MB."""
    sizes = []
    for pid in pids:
        try:
            lines = Path(f"/proc/{pid}/status").read_text().splitlines()
        except OSError:
            continue
        sizes += [int(line.split()[1]) / 1024 for line in lines if line.startswith("VmRSS:")]
    return sizes


@contextmanager
def server(cmd: list[str], env: dict[str, str], port: int, log: Path, ready: str) -> Iterator[int]:
    """Start a server pinned to SERVER_CPU; yield its pid once GET `ready` answers 200."""
    import httpx

    with log.open("wb") as handle:
        proc = subprocess.Popen(
            ["taskset", "-c", str(SERVER_CPU), *cmd], env={**os.environ, **env},
            stdout=handle, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 240
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{cmd[0]} did not start:\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}{ready}", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        yield proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ---------------------------------------------------------------- model and data


def _word_only_features(original: Callable[..., Any]) -> Callable[..., Any]:
    def build(spec: Any, **kwargs: Any) -> Any:
        features = original(spec, **kwargs)
        features.transformers = [t for t in features.transformers if not t[0].startswith("char:")]
        return features

    return build


def train_champion(workdir: Path, rows: int, features: str) -> str:
    """Train, register and promote a champion with `run_training`; return the tracking URI."""
    import training.pipeline
    from training.settings import MlflowSettings
    from training.synthetic import generate_tickets
    from training.train import run_training

    csv = workdir / "train.csv"
    frame = generate_tickets(rows=rows, seed=3)  # oldest first
    # MLflow infers the registered signature from the input example, the 3 oldest training
    # rows; a column empty in all 3 is typed double and `mlflow models serve` then rejects
    # every ticket that fills it. Start the history at the third ticket with every field set.
    complete = (frame.notna() & (frame != "")).all(axis=1)
    frame = frame[complete | (frame.index > frame.index[complete][2])]
    frame.to_csv(csv, index=False)
    uri = f"sqlite:///{workdir / 'mlflow.db'}"
    settings = MlflowSettings(tracking_uri=uri, artifact_root=str(workdir / "mlartifacts"))
    if features == "word":
        training.pipeline.build_features = _word_only_features(training.pipeline.build_features)
    outcome = run_training(
        csv, mlflow_settings=settings, progress=False, models_dir=workdir / "models"
    )
    if not outcome.promoted:
        raise RuntimeError(f"the trained model was not promoted: {outcome.gate_reason}")
    return uri


def load_champion(uri: str) -> tuple[Any, str]:
    """The registered champion's PriorityModel (SHA-256 checked) and its version."""
    from training.registry import load_version
    from training.settings import MlflowSettings

    model, version = load_version(MlflowSettings(tracking_uri=uri), "@champion")
    return model, str(version.version)


def _timed(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def raw_costs(model: Any, records: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Median in-process `predict_proba` cost in ms: one ticket, and per ticket in 1,000.

    `frame`: PriorityModel.predict_proba on a pandas frame (the sklearn path MLflow runs);
    `fast`: the classifier on the matrix of `PriorityModel.transform_records` (the fast path).
    """
    from classifier.features import to_frame

    one = list(records[:200])
    frames = [to_frame([r], model.spec) for r in one]
    classifier = model.pipeline[-1]
    batch = list(records[:BATCH])
    big = to_frame(batch, model.spec)
    for r, f in zip(one[:20], frames[:20], strict=False):
        model.predict_proba(f)
        classifier.predict_proba(model.transform_records([r]))

    def singles(fn: Callable[[int], object]) -> float:
        return _timed(lambda: [fn(i) for i in range(len(one))], 3) / len(one) * 1000

    return {
        "frame_one": singles(lambda i: model.predict_proba(frames[i])),
        "fast_one": raw_single_ms(model, one),
        "frame_batch": _timed(lambda: model.predict_proba(big), 3) / len(batch) * 1000,
        "fast_batch": _timed(
            lambda: classifier.predict_proba(model.transform_records(batch)), 3
        ) / len(batch) * 1000,
    }  # fmt: skip


def raw_single_ms(model: Any, records: Sequence[dict[str, Any]]) -> float:
    """Median ms of the fast path's one-ticket `predict_proba` over `records` (3 passes)."""
    classifier = model.pipeline[-1]
    one = list(records[:200])
    passes = [
        _timed(lambda: [classifier.predict_proba(model.transform_records([r])) for r in one], 1)
        for _ in range(3)
    ]
    return statistics.median(passes) / len(one) * 1000


@contextmanager
def on_cpu(cpu: int) -> Iterator[None]:
    """Run the block with this process pinned to `cpu`, then restore its pinning."""
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {cpu})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def query_records(count: int) -> list[dict[str, Any]]:
    """Synthetic tickets the model was not trained on, as plain Python values."""
    from training.synthetic import generate_tickets

    frame = generate_tickets(rows=count, seed=11)
    return [{str(k): _plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


CUSTOMER = ("customer_id", "tier", "vip", "account_age_days", "monthly_value", "open_tickets",
            "tickets_last_90d")  # fmt: skip
TICKET = ("subject", "body", "language", "channel", "stated_urgency", "affected_users",
          "created_at")  # fmt: skip


def as_ticket(record: dict[str, Any], *, with_language: bool = True) -> dict[str, Any]:
    """A POST /v1/predict body: the ticket as a helpdesk sends it (without `language`, the
    review store's writer detects it from the text)."""
    body = {k: record[k] for k in TICKET if record.get(k) is not None}
    if not with_language:
        body.pop("language", None)
    body["external_id"] = record["ticket_id"]
    body["tags"] = [t for t in str(record.get("tags") or "").split(",") if t]
    body["customer"] = {k: record[k] for k in CUSTOMER if record.get(k) is not None}
    return body


def as_mlflow(record: dict[str, Any], columns: Sequence[str]) -> dict[str, Any]:
    """A POST /invocations body: one row of the model's input columns."""
    return {"dataframe_records": [{c: record.get(c) for c in columns}]}


# ---------------------------------------------------------------- measuring


def measure(
    port: int,
    pid: int,
    requests: list[bytes],
    seconds: float,
    repeats: int,
    *,
    raw_probe: Callable[[], float] | None = None,
) -> dict[str, float]:
    """Medians over `repeats` of a sequential phase and a 16-connection phase.

    `raw_probe` (the raw one-ticket cost in ms) runs after each 16-connection phase on the
    server's core while the server idles: this VM's per-core speed drifts by up to ~30% within
    minutes, so the server's CPU per request is compared with a reference taken on the same
    core at the same time (`raw_one_ms`, the median of those probes).
    """  # fmt: skip
    drive(port, requests, 4, min(2.0, seconds))  # warm-up
    runs: list[dict[str, float]] = []
    for _ in range(repeats):
        seq = drive(port, requests, 1, seconds)
        pids = process_tree(pid)
        cpu0, steal0 = cpu_seconds(pids), steal_seconds(SERVER_CPU)
        conc = drive(port, requests, 16, seconds)
        cpu = cpu_seconds(pids) - cpu0
        steal = steal_seconds(SERVER_CPU) - steal0
        raw: dict[str, float] = {}
        if raw_probe is not None:
            with on_cpu(SERVER_CPU):
                raw["raw_one_ms"] = raw_probe()
        runs.append(raw | {
            "seq_p50": seq.pct(0.5), "seq_p99": seq.pct(0.99), "c16_rps": conc.rps,
            "c16_p50": conc.pct(0.5), "c16_p99": conc.pct(0.99),
            "cpu_ms": cpu / max(1, len(conc.latencies)) * 1000,
            "steal_pct": 100 * steal / conc.seconds if conc.seconds else math.nan,
            "failures": float(seq.failures + conc.failures),
        })  # fmt: skip
    result = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    result["failures"] = sum(r["failures"] for r in runs)
    sizes = rss_mb(process_tree(pid))
    result["rss_mb"], result["rss_total"] = max(sizes), sum(sizes)
    result["processes"] = float(len(sizes))
    return result


def batch_rate(port: int, pid: int, headers: dict[str, str], tickets: list[dict[str, Any]],
               *, seconds: float, repeats: int) -> dict[str, float]:  # fmt: skip
    """Medians over `repeats` phases of POST /v1/predict/batch, 1,000 tickets per request.

    Keys: `batch_tps` (tickets/s), `batch_cpu_us` (server CPU per ticket, every thread and
    process), `batch_steal_pct` (hypervisor steal on the server core), `failures` (summed).
    """
    body = json.dumps({"tickets": tickets[:BATCH]}).encode()
    request = [http_post(port, "/v1/predict/batch", body, headers)]
    drive(port, request, 1, 10.0, count=2)
    pids = process_tree(pid)
    runs: list[tuple[float, float, float]] = []
    failures = 0
    for _ in range(repeats):
        cpu0, steal0 = cpu_seconds(pids), steal_seconds(SERVER_CPU)
        phase = drive(port, request, 1, seconds)
        cpu, steal = cpu_seconds(pids) - cpu0, steal_seconds(SERVER_CPU) - steal0
        tickets_done = BATCH * len(phase.latencies)
        runs.append((
            tickets_done / phase.seconds,
            cpu / max(1, tickets_done) * 1e6,
            100 * steal / phase.seconds if phase.seconds else math.nan,
        ))  # fmt: skip
        failures += phase.failures
    return {
        "batch_tps": statistics.median(r[0] for r in runs),
        "batch_cpu_us": statistics.median(r[1] for r in runs),
        "batch_steal_pct": statistics.median(r[2] for r in runs),
        "failures": float(failures),
    }


def liveness_during_batch(port: int, headers: dict[str, str]) -> dict[str, float]:
    """/health/live latency while one maximum batch is decided: 1,000 tickets of 1,000 words
    (~12 MB, inside every limit), liveness asked every 50 ms until the batch is answered.

    Keys: `live_max_ms`, `live_p50_ms` (liveness latency), `max_batch_s` (the batch's time).
    """
    import threading

    import httpx

    words = ["server", "nede", "virker", "ikke", "fejl", "betaling", "kunde", "ordre", "login"]
    tickets = [
        {"subject": "hjælp", "body": " ".join(f"{words[i * j % 9]}{i * j}" for j in range(1000))}
        for i in range(BATCH)
    ]
    body = json.dumps({"tickets": tickets}).encode()
    base = f"http://127.0.0.1:{port}"
    took: list[float] = []

    def post() -> None:
        start = time.perf_counter()
        sent = {**headers, "Content-Type": "application/json"}
        httpx.post(f"{base}/v1/predict/batch", content=body, headers=sent, timeout=600)
        took.append(time.perf_counter() - start)

    thread = threading.Thread(target=post)
    thread.start()
    time.sleep(0.5)  # the body is sent and being decided
    latencies: list[float] = []
    with httpx.Client(base_url=base, timeout=600) as client:
        while thread.is_alive():
            start = time.perf_counter()
            client.get("/health/live")
            latencies.append(time.perf_counter() - start)
            time.sleep(0.05)
    thread.join()
    return {
        "live_max_ms": 1000 * max(latencies, default=math.nan),
        "live_p50_ms": 1000 * statistics.median(latencies) if latencies else math.nan,
        "max_batch_s": took[0] if took else math.nan,
    }


def check_same_model(
    ours: list[dict[str, Any]], theirs: list[Any], version: str, levels: Sequence[str]
) -> str:
    """Both servers score the champion: same version, MLflow's label = our most probable level."""
    served = {d["model_version"] for d in ours}
    if served != {version}:
        raise RuntimeError(f"this service served versions {served}, the champion is {version}")
    agree = sum(
        max(levels, key=lambda lv: d["probabilities"][lv]) == str(label)
        for d, label in zip(ours, theirs, strict=True)
    )
    if agree < 0.98 * len(ours):
        raise RuntimeError(f"MLflow's labels match our most probable level on {agree}/{len(ours)}")
    return f"MLflow's label = this service's most probable level on {agree}/{len(ours)} tickets"


def mlflow_label(port: int, body: bytes) -> Any:
    """MLflow's answer for one ticket; its error message if it refuses the input."""
    import httpx

    answer = httpx.post(
        f"http://127.0.0.1:{port}/invocations", content=body,
        headers={"Content-Type": "application/json"}, timeout=30,
    )  # fmt: skip
    if answer.status_code != 200:
        raise RuntimeError(f"mlflow refused a ticket ({answer.status_code}): {answer.text[:500]}")
    return answer.json()["predictions"][0]


# ---------------------------------------------------------------- main


def main() -> None:
    """Parse arguments, prepare the champion, measure both servers, print the table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each load phase")
    parser.add_argument("--repeats", type=int, default=3, help="repeats of each phase (median)")
    parser.add_argument("--rows", type=int, default=3000, help="training rows of the champion")
    parser.add_argument("--features", choices=("word", "full"), default="word",
                        help="word: word TF-IDF + attributes; full: plus char n-grams")  # fmt: skip
    parser.add_argument("--tracking-uri", default=None, help="serve this registry's champion")
    parser.add_argument("--server", choices=("uvicorn", "granian"), default=None,
                        help="`ticket-priority serve --server` [default: TP_SERVER]")  # fmt: skip
    parser.add_argument("--skip-mlflow", action="store_true", help="measure only this service")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--port", type=int, default=0,
                        help="this service's port, MLflow's the next [default: free]")  # fmt: skip
    parser.add_argument("--accept-encoding", default="",
                        help="send this Accept-Encoding (e.g. gzip) with each request")  # fmt: skip
    parser.add_argument("--without-language", action="store_true",
                        help="send tickets without `language` (the writer detects it)")  # fmt: skip
    args = parser.parse_args()
    os.sched_setaffinity(0, {CLIENT_CPU})
    workdir = Path(tempfile.mkdtemp(prefix="tp-bench-"))
    try:
        run(args, workdir)
    finally:
        if args.keep:
            print(f"kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def say(text: str) -> None:
    """Progress on stderr (the table goes to stdout)."""
    print(text, file=sys.stderr, flush=True)


def run(args: argparse.Namespace, workdir: Path) -> None:
    """Measure this service, then MLflow's server, on the same champion and tickets."""
    import httpx

    from serving.auth import new_api_key

    uri = args.tracking_uri
    if uri is None:
        say(f"training a {args.features} champion on {args.rows:,} rows in {workdir} ...")
        uri = train_champion(workdir, args.rows, args.features)
    model, version = load_champion(uri)
    records = query_records(BATCH)
    say("raw predict_proba ...")
    raw = raw_costs(model, records)
    with on_cpu(SERVER_CPU):
        stalls = hiccups()
    key, entry = new_api_key(["predict"], name="bench")
    headers = {"Authorization": f"Bearer {key}"} | (
        {"Accept-Encoding": args.accept_encoding} if args.accept_encoding else {}
    )
    tickets = [as_ticket(r, with_language=not args.without_language) for r in records]
    sample = range(50)
    results: dict[str, dict[str, float]] = {}

    port = args.port or free_port()
    env = {
        "TP_MLFLOW_TRACKING_URI": uri, "TP_MODEL_CACHE_DIR": str(workdir / "cache"),
        "TP_API_KEYS": entry, "TP_DATABASE_URL": f"sqlite:///{workdir / 'reviews.db'}",
    }  # fmt: skip
    cmd = [str(BIN / "ticket-priority"), "serve", "--port", str(port), "--workers", "1"]
    if args.server is not None:
        cmd += ["--server", args.server]
    ours = [http_post(port, "/v1/predict", json.dumps(t).encode(), headers) for t in tickets]
    # The load generator shares this process with the trained model and MLflow: a full
    # collection of that heap pauses every connection for ~250 ms, which would show up as the
    # servers' p99. Everything allocated so far lives until the end; keep it out of the GC.
    gc.collect()
    gc.freeze()
    say("measuring this service ...")
    with server(cmd, env, port, workdir / "ours.log", "/health/ready") as pid:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers) as client:
            decisions = [client.post("/v1/predict", json=tickets[i]).json() for i in sample]
        results["this service"] = measure(
            port,
            pid,
            ours,
            args.seconds,
            args.repeats,
            raw_probe=lambda: raw_single_ms(model, records),
        )
        batch = batch_rate(port, pid, headers, tickets, seconds=args.seconds, repeats=args.repeats)
        results["this service"]["failures"] += batch.pop("failures")
        results["this service"].update(batch)
        # The queue of predictions waiting for the review store grows with batches: report
        # the memory after them too, and hold the goal against the larger figure. (Measured
        # before the maximum batch, whose 12 MB body is not what the goal is about.)
        results["this service"].update(
            rss_after_batch=max(rss_mb(process_tree(pid))), **liveness_during_batch(port, headers)
        )
    same = "MLflow skipped"
    if not args.skip_mlflow:
        port = args.port + 1 if args.port else free_port()
        mcmd = [str(BIN / "mlflow"), "models", "serve", "-m", MODEL_URI, "-p", str(port),
                "-h", "127.0.0.1", "-w", "1", "--env-manager", "local"]  # fmt: skip
        columns = list(model.spec.columns)
        bodies = [json.dumps(as_mlflow(r, columns)).encode() for r in records]
        theirs = [http_post(port, "/invocations", b, {}) for b in bodies]
        # MLflow execs `uvicorn` from PATH: make it this virtualenv's.
        mlflow_env = {"MLFLOW_TRACKING_URI": uri, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
        say("measuring mlflow models serve ...")
        with server(mcmd, mlflow_env, port, workdir / "mlflow.log", "/ping") as pid:
            labels = [mlflow_label(port, bodies[i]) for i in sample]
            results["mlflow serve"] = measure(port, pid, theirs, args.seconds, args.repeats)
        same = check_same_model(decisions, labels, version, model.levels)
    report(results, raw, args, f"champion v{version} ({uri}); {same}{_sent(args)}")
    print(f"machine: a busy loop alone on CPU {SERVER_CPU} saw {stalls[0]} stalls over 3 ms in "
          f"3 s (longest {stalls[1] * 1000:.0f} ms) before the runs")  # fmt: skip


def _sent(args: argparse.Namespace) -> str:
    sent = f"; Accept-Encoding: {args.accept_encoding}" if args.accept_encoding else ""
    return sent + ("; tickets without language" if args.without_language else "")


ROWS = (
    ("sequential p50 (ms)", "seq_p50"), ("sequential p99 (ms)", "seq_p99"),
    ("16 conns: requests/s", "c16_rps"), ("16 conns: p50 (ms)", "c16_p50"),
    ("16 conns: p99 (ms)", "c16_p99"), ("server CPU per request (ms)", "cpu_ms"),
    ("raw one-ticket predict, same core (ms)", "raw_one_ms"),
    ("steal on the server core, 16 conns (%)", "steal_pct"),
    ("RSS, largest process (MB)", "rss_mb"), ("RSS, all processes (MB)", "rss_total"),
    ("RSS after batches (MB)", "rss_after_batch"),
    ("server processes", "processes"), ("batch endpoint tickets/s", "batch_tps"),
    ("batch: server CPU per ticket (us)", "batch_cpu_us"),
    ("steal on the server core, batches (%)", "batch_steal_pct"),
    ("max batch (12 MB): seconds", "max_batch_s"),
    ("  /health/live meanwhile: max (ms)", "live_max_ms"),
    ("  /health/live meanwhile: p50 (ms)", "live_p50_ms"),
    ("failed requests", "failures"),
)  # fmt: skip


def goals(ours: dict[str, float], mlflow: dict[str, float] | None, raw_one: float) -> list[str]:
    """The issue's goals as PASS/FAIL lines."""
    rss = max(ours["rss_mb"], ours.get("rss_after_batch", 0.0))
    checks = [
        (f"server CPU per request {ours['cpu_ms']:.3f} ms <= raw single predict "
         f"{raw_one:.3f} + 0.3 ms (same core, same minutes)", ours["cpu_ms"] <= raw_one + 0.3),
        (f"batch {ours['batch_tps']:,.0f} tickets/s >= 5,000", ours["batch_tps"] >= 5000),
        (f"p99 at 16 conns {ours['c16_p99']:.1f} ms <= 2.5 x p50 {ours['c16_p50']:.1f} ms",
         ours["c16_p99"] <= 2.5 * ours["c16_p50"]),
        (f"RSS {rss:.0f} MB (largest, also after batches) <= 250 MB per worker", rss <= 250),
        (f"no failed requests ({ours['failures']:.0f})", ours["failures"] == 0),
    ]  # fmt: skip
    if mlflow is not None:
        checks[:0] = [
            (f"throughput at 16 conns {ours['c16_rps']:,.0f}/s >= 1.5 x MLflow's "
             f"{mlflow['c16_rps']:,.0f}/s", ours["c16_rps"] >= 1.5 * mlflow["c16_rps"]),
            (f"p99 at 16 conns {ours['c16_p99']:.1f} ms <= 1/3 of MLflow's "
             f"{mlflow['c16_p99']:.1f} ms", ours["c16_p99"] <= mlflow["c16_p99"] / 3),
        ]  # fmt: skip
    return [f"{'PASS' if ok else 'FAIL'}  {text}" for text, ok in checks]


def report(results: dict[str, dict[str, float]], raw: dict[str, float],
           args: argparse.Namespace, model: str) -> None:  # fmt: skip
    """Print the side-by-side table, the raw model costs and the goal checks."""
    names = list(results)
    print(f"\n{'':30}" + "".join(f"{n:>16}" for n in names))
    for label, key in ROWS:
        cells = "".join(
            f"{results[n][key]:>16,.2f}" if key in results[n] else f"{'-':>16}" for n in names
        )
        print(f"{label:30}{cells}")
    print(
        f"\nraw predict_proba, one ticket (load generator's core, before the runs): "
        f"{raw['fast_one']:.3f} ms fast path, {raw['frame_one']:.3f} ms pandas frame"
    )
    print(f"raw predict_proba, per ticket in {BATCH:,}: {raw['fast_batch'] * 1000:.1f} us "
          f"fast path, {raw['frame_batch'] * 1000:.1f} us pandas frame")  # fmt: skip
    # The reference of the CPU goal: the fast path's raw cost probed on the server's core
    # between the load phases (see `measure`); the pandas frame path is ~20x dearer.
    raw_one = results["this service"].get("raw_one_ms", min(raw["fast_one"], raw["frame_one"]))
    print()
    for line in goals(results["this service"], results.get("mlflow serve"), raw_one):
        print(line)
    print(f"\n{model}")
    load = os.getloadavg()[0]
    print(f"medians of {args.repeats} x {args.seconds:g} s phases; servers on CPU {SERVER_CPU}, "
          f"load generator on CPU {CLIENT_CPU}; load average {load:.2f} at the end")  # fmt: skip


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
