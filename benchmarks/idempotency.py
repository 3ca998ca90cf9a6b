"""Latency of POST /v1/predict with and without an idempotency key, on the real service.

Starts `ticket-priority serve` (granian, `--workers`, a SQLite review store, no model: rules
decide, so the numbers are the key handling and the store, not the model) in a temporary
folder and sends, over keep-alive connections (one per client thread):

- `no key`: tickets without the header (every one decided and queued for the store);
- `new key`: a new key per request (looked up, decided and stored under its key);
- `replay`: one key sent again and again (answered from the worker's cache or the store);

each sequentially (one connection) and from `--concurrency` connections at once, and prints
p50 / p99 in milliseconds per phase.

Usage:
    .venv/bin/python benchmarks/idempotency.py                      # ~1 minute
    .venv/bin/python benchmarks/idempotency.py --requests 300 --workers 1
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # not benchmarks/: its serving.py would hide the serving package
TICKET = json.dumps({
    "external_id": "ZD-4711", "subject": "Nedbrud: vores webshop er nede",
    "body": "Siden kl. 7 er hele vores webshop nede. Kunderne kan ikke betale.",
    "language": "da", "customer": {"tier": "enterprise"},
}).encode()  # fmt: skip

Headers = Callable[[int], dict[str, str]]


def free_port() -> int:
    """A free port (in `TP_TEST_PORTS` when set, as the tests do)."""
    from tests.ports import free_port as pick

    return pick()


@contextmanager
def service(workdir: Path, workers: int) -> Iterator[tuple[int, str]]:
    """The service on a free port; yields the port and a predict key's bearer token."""
    from serving.auth import new_api_key

    key, entry = new_api_key(["predict"], name="bench")
    port = free_port()
    env = {
        **os.environ,
        "TP_API_KEYS": entry,
        "TP_WORKERS": str(workers),
        "TP_DATABASE_URL": f"sqlite:///{workdir / 'reviews.db'}",
        "TP_MLFLOW_TRACKING_URI": f"sqlite:///{workdir / 'mlflow.db'}",
        "TP_MODEL_CACHE_DIR": str(workdir / "models"),
    }
    log = workdir / "server.log"
    with log.open("wb") as handle:
        proc = subprocess.Popen(
            [str(BIN / "ticket-priority"), "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=workdir, env=env, stdout=handle, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not _answers(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the service did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield port, key
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _answers(port: int) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        connection.request("GET", "/health/live")
        return connection.getresponse().status == 200
    except OSError:
        return False


def _client(port: int, count: int, headers: Headers, start: threading.Barrier) -> list[float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    times: list[float] = []
    start.wait()
    for n in range(count):
        began = time.perf_counter()
        connection.request("POST", "/v1/predict", body=TICKET, headers=headers(n))
        response = connection.getresponse()
        response.read()
        times.append(time.perf_counter() - began)
        if response.status != 200:
            raise RuntimeError(f"status {response.status}")
    connection.close()
    return times


def phase(port: int, clients: int, per_client: int, headers: Callable[[int], Headers]) -> str:
    """p50 / p99 (ms) of `clients` connections sending `per_client` requests each."""
    start = threading.Barrier(clients)
    results: list[list[float]] = [[] for _ in range(clients)]

    def run(index: int) -> None:
        results[index] = _client(port, per_client, headers(index), start)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    times = sorted(t * 1000 for batch in results for t in batch)
    p99 = times[min(len(times) - 1, round(len(times) * 0.99))]
    return f"{statistics.median(times):6.2f} / {p99:6.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=600, help="per phase (default 600)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="tp-idem-bench-") as tmp,
        service(Path(tmp), args.workers) as (port, key),
    ):
        auth = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        run = uuid.uuid4().hex[:8]

        def no_key(_client: int) -> Headers:
            return lambda _n: auth

        def new_key(_client: int) -> Headers:
            prefix = uuid.uuid4().hex  # per phase and connection: every key is new
            return lambda n: {**auth, "Idempotency-Key": f"{prefix}-{n}"}

        def replay(_client: int) -> Headers:
            return lambda _n: {**auth, "Idempotency-Key": f"{run}-replayed"}

        phase(port, 2, 50, no_key)  # warm-up: connections, imports, the store's first writes
        print(f"workers {args.workers}, {args.requests} requests per phase; p50 / p99 ms")
        print(f"{'phase':10} {'sequential':>15} {f'{args.concurrency} connections':>17}")
        for name, headers in (("no key", no_key), ("new key", new_key), ("replay", replay)):
            one = phase(port, 1, args.requests, headers)
            many = phase(port, args.concurrency, args.requests // args.concurrency, headers)
            print(f"{name:10} {one:>15} {many:>17}")


if __name__ == "__main__":
    main()
