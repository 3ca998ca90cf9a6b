"""The alias lookup over MLflow's REST API, against a local HTTP server with MLflow's answers.

The stand-in is tests/mlflow_standin.py; the end-to-end test against a real `mlflow server`
is in tests/e2e/test_registry_server.py.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import pytest

from classifier.errors import AliasNotSet, ModelNotReady
from serving.registry_rest import ALIAS_PATH, AliasTarget, is_rest_uri, resolve_alias
from tests.mlflow_standin import MlflowStandIn, mlflow_standin

VERSION = {
    "name": "ticket-priority", "version": "4", "run_id": "run-from-source",
    "tags": [{"key": "sha256", "value": "ab" * 32}, {"key": "run_id", "value": "run-4"}],
    "aliases": ["champion"],
}  # fmt: skip


@pytest.fixture
def server() -> Iterator[str]:
    answers = {("ticket-priority", "champion"): (200, {"model_version": VERSION})}
    with mlflow_standin(answers) as url:
        yield url


def test_only_tracking_server_uris_are_read_over_rest() -> None:
    assert is_rest_uri("http://mlflow:5000")
    assert is_rest_uri("https://mlflow.example.com/prefix")
    assert not is_rest_uri("sqlite:///mlflow.db")
    assert not is_rest_uri("databricks")


def test_the_alias_resolves_to_its_version_run_and_recorded_hash(server: str) -> None:
    found = resolve_alias(server, "ticket-priority", "champion", {})
    assert found == AliasTarget(version="4", run_id="run-4", sha256="ab" * 32)
    assert MlflowStandIn.seen[0][0] == ALIAS_PATH


def test_without_tags_the_versions_own_run_id_is_used(server: str) -> None:
    MlflowStandIn.answers[("ticket-priority", "champion")] = (
        200, {"model_version": {**VERSION, "tags": []}},
    )  # fmt: skip
    found = resolve_alias(server, "ticket-priority", "champion", {})
    assert (found.run_id, found.sha256) == ("run-from-source", None)


def test_an_unknown_alias_or_model_says_the_alias_is_not_set(server: str) -> None:
    MlflowStandIn.answers[("ticket-priority", "nosuch")] = (
        400, {"error_code": "INVALID_PARAMETER_VALUE",
              "message": "Registered model alias nosuch not found."},
    )  # fmt: skip
    with pytest.raises(AliasNotSet, match=r"ticket-priority@nosuch: the alias is not set"):
        resolve_alias(server, "ticket-priority", "nosuch", {})
    with pytest.raises(AliasNotSet, match=r"the alias is not set \(Registered Model with"):
        resolve_alias(server, "other", "champion", {})


def test_a_404_without_mlflows_error_body_is_not_taken_for_a_missing_alias(server: str) -> None:
    MlflowStandIn.answers[("ticket-priority", "champion")] = (404, b"<html>no such page</html>")
    with pytest.raises(ModelNotReady, match=r"HTTP 404") as caught:
        resolve_alias(server, "ticket-priority", "champion", {})
    assert "alias is not set" not in str(caught.value)
    assert not isinstance(caught.value, AliasNotSet)  # an outage: the cache may serve


def test_credentials_from_mlflows_variables_are_sent(server: str) -> None:
    resolve_alias(server, "ticket-priority", "champion", {"MLFLOW_TRACKING_TOKEN": "t0k"})
    resolve_alias(
        server, "ticket-priority", "champion",
        {"MLFLOW_TRACKING_USERNAME": "ann", "MLFLOW_TRACKING_PASSWORD": "s3cret"},
    )  # fmt: skip
    auth = [headers.get("Authorization") for _, headers in MlflowStandIn.seen]
    assert auth == ["Bearer t0k", "Basic YW5uOnMzY3JldA=="]


def test_a_refusal_names_the_variables_to_set(server: str) -> None:
    MlflowStandIn.answers[("ticket-priority", "champion")] = (
        401, {"error_code": "UNAUTHENTICATED", "message": "no"},
    )  # fmt: skip
    with pytest.raises(ModelNotReady, match="MLFLOW_TRACKING_TOKEN"):
        resolve_alias(server, "ticket-priority", "champion", {})


def test_an_answer_that_is_not_mlflows_is_reported(server: str) -> None:
    MlflowStandIn.answers[("ticket-priority", "champion")] = (200, b"not json")
    with pytest.raises(ModelNotReady, match="not JSON"):
        resolve_alias(server, "ticket-priority", "champion", {})
    MlflowStandIn.answers[("ticket-priority", "champion")] = (200, {"registered_model": {}})
    with pytest.raises(ModelNotReady, match="no model_version"):
        resolve_alias(server, "ticket-priority", "champion", {})


def test_a_server_that_is_down_fails_at_once_not_after_retries() -> None:
    closed = ThreadingHTTPServer(("127.0.0.1", 0), MlflowStandIn)
    port = closed.server_address[1]
    closed.server_close()  # nothing listens there now
    start = time.monotonic()
    with pytest.raises(ModelNotReady, match="server unreachable"):
        resolve_alias(f"http://127.0.0.1:{port}", "ticket-priority", "champion", {})
    assert time.monotonic() - start < 2.0
