"""The alias lookup over MLflow's REST API, against a local HTTP server with MLflow's answers.

The end-to-end test against a real `mlflow server` is in tests/e2e/test_registry_server.py.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlparse

import pytest

from classifier.errors import ModelNotReady
from serving.registry_rest import ALIAS_PATH, AliasTarget, is_rest_uri, resolve_alias

VERSION = {
    "name": "ticket-priority", "version": "4", "run_id": "run-from-source",
    "tags": [{"key": "sha256", "value": "ab" * 32}, {"key": "run_id", "value": "run-4"}],
    "aliases": ["champion"],
}  # fmt: skip


class FakeMlflow(BaseHTTPRequestHandler):
    """Answers like MLflow's tracking server; records the last request's path and headers."""

    answers: ClassVar[dict[tuple[str, str], tuple[int, Any]]] = {}
    seen: ClassVar[list[tuple[str, dict[str, str]]]] = []

    def do_GET(self) -> None:
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.seen.append((url.path, dict(self.headers)))
        status, body = self.answers.get(
            (query.get("name", ""), query.get("alias", "")),
            (404, {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "Registered Model "
                   f"with name={query.get('name')} not found"}),
        )  # fmt: skip
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    FakeMlflow.answers = {("ticket-priority", "champion"): (200, {"model_version": VERSION})}
    FakeMlflow.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeMlflow)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def test_only_tracking_server_uris_are_read_over_rest() -> None:
    assert is_rest_uri("http://mlflow:5000")
    assert is_rest_uri("https://mlflow.example.com/prefix")
    assert not is_rest_uri("sqlite:///mlflow.db")
    assert not is_rest_uri("databricks")


def test_the_alias_resolves_to_its_version_run_and_recorded_hash(server: str) -> None:
    found = resolve_alias(server, "ticket-priority", "champion", {})
    assert found == AliasTarget(version="4", run_id="run-4", sha256="ab" * 32)
    assert FakeMlflow.seen[0][0] == ALIAS_PATH


def test_without_tags_the_versions_own_run_id_is_used(server: str) -> None:
    FakeMlflow.answers[("ticket-priority", "champion")] = (
        200, {"model_version": {**VERSION, "tags": []}},
    )  # fmt: skip
    found = resolve_alias(server, "ticket-priority", "champion", {})
    assert (found.run_id, found.sha256) == ("run-from-source", None)


def test_an_unknown_alias_or_model_says_the_alias_is_not_set(server: str) -> None:
    FakeMlflow.answers[("ticket-priority", "nosuch")] = (
        400, {"error_code": "INVALID_PARAMETER_VALUE",
              "message": "Registered model alias nosuch not found."},
    )  # fmt: skip
    with pytest.raises(ModelNotReady, match=r"ticket-priority@nosuch: the alias is not set"):
        resolve_alias(server, "ticket-priority", "nosuch", {})
    with pytest.raises(ModelNotReady, match=r"the alias is not set \(Registered Model with"):
        resolve_alias(server, "other", "champion", {})


def test_a_404_without_mlflows_error_body_is_not_taken_for_a_missing_alias(server: str) -> None:
    FakeMlflow.answers[("ticket-priority", "champion")] = (404, b"<html>no such page</html>")
    with pytest.raises(ModelNotReady, match=r"HTTP 404") as caught:
        resolve_alias(server, "ticket-priority", "champion", {})
    assert "alias is not set" not in str(caught.value)


def test_credentials_from_mlflows_variables_are_sent(server: str) -> None:
    resolve_alias(server, "ticket-priority", "champion", {"MLFLOW_TRACKING_TOKEN": "t0k"})
    resolve_alias(
        server, "ticket-priority", "champion",
        {"MLFLOW_TRACKING_USERNAME": "ann", "MLFLOW_TRACKING_PASSWORD": "s3cret"},
    )  # fmt: skip
    auth = [headers.get("Authorization") for _, headers in FakeMlflow.seen]
    assert auth == ["Bearer t0k", "Basic YW5uOnMzY3JldA=="]


def test_a_refusal_names_the_variables_to_set(server: str) -> None:
    FakeMlflow.answers[("ticket-priority", "champion")] = (
        401, {"error_code": "UNAUTHENTICATED", "message": "no"},
    )  # fmt: skip
    with pytest.raises(ModelNotReady, match="MLFLOW_TRACKING_TOKEN"):
        resolve_alias(server, "ticket-priority", "champion", {})


def test_an_answer_that_is_not_mlflows_is_reported(server: str) -> None:
    FakeMlflow.answers[("ticket-priority", "champion")] = (200, b"not json")
    with pytest.raises(ModelNotReady, match="not JSON"):
        resolve_alias(server, "ticket-priority", "champion", {})
    FakeMlflow.answers[("ticket-priority", "champion")] = (200, {"registered_model": {}})
    with pytest.raises(ModelNotReady, match="no model_version"):
        resolve_alias(server, "ticket-priority", "champion", {})


def test_a_server_that_is_down_fails_at_once_not_after_retries() -> None:
    closed = ThreadingHTTPServer(("127.0.0.1", 0), FakeMlflow)
    port = closed.server_address[1]
    closed.server_close()  # nothing listens there now
    start = time.monotonic()
    with pytest.raises(ModelNotReady, match="server unreachable"):
        resolve_alias(f"http://127.0.0.1:{port}", "ticket-priority", "champion", {})
    assert time.monotonic() - start < 2.0
