"""A local HTTP server that answers like MLflow's tracking server, for registry tests.

The alias lookup (`ALIAS_PATH`) answers from `MlflowStandIn.answers`, keyed by (name, alias);
every other path gets `MlflowStandIn.elsewhere`. Each request's path and headers are recorded
in `MlflowStandIn.seen`. The real `mlflow server` is exercised in tests/e2e.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlparse

from serving.registry_rest import ALIAS_PATH

Answer = tuple[int, Any]  # status and a JSON-able body, or raw bytes


def _not_found(name: str | None) -> Answer:
    return 404, {
        "error_code": "RESOURCE_DOES_NOT_EXIST",
        "message": f"Registered Model with name={name} not found",
    }


class MlflowStandIn(BaseHTTPRequestHandler):
    """MLflow's answers to GET requests, set per test through the class attributes."""

    answers: ClassVar[dict[tuple[str, str], Answer]] = {}
    elsewhere: ClassVar[Answer | None] = None
    seen: ClassVar[list[tuple[str, dict[str, str]]]] = []

    def do_GET(self) -> None:
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.seen.append((url.path, dict(self.headers)))
        key = (query.get("name", ""), query.get("alias", ""))
        if url.path == ALIAS_PATH or self.elsewhere is None:
            status, body = self.answers.get(key, _not_found(query.get("name")))
        else:
            status, body = self.elsewhere
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def mlflow_standin(
    answers: dict[tuple[str, str], Answer], elsewhere: Answer | None = None
) -> Iterator[str]:
    """Serve `MlflowStandIn` on a free loopback port; yields its base URL."""
    MlflowStandIn.answers = dict(answers)
    MlflowStandIn.elsewhere = elsewhere
    MlflowStandIn.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), MlflowStandIn)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
