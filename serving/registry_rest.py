"""The registry alias read over MLflow's REST API, without importing MLflow.

A tracking server (`http://` or `https://`) answers `GET /api/2.0/mlflow/registered-models/alias`
with the model version an alias names. One request costs a worker milliseconds. Asking MLflow's
client instead meant a child process importing MLflow (~2 s of CPU) on every periodic check, and
with the server down, the client's retries (7, with back-off) kept a starting service waiting
for minutes before it fell back to the cached model.

Credentials and TLS settings come from the variables MLflow's own client reads:
`MLFLOW_TRACKING_TOKEN` (bearer), `MLFLOW_TRACKING_USERNAME`/`MLFLOW_TRACKING_PASSWORD` (basic),
`MLFLOW_TRACKING_INSECURE_TLS`, `MLFLOW_TRACKING_SERVER_CERT_PATH` and
`MLFLOW_TRACKING_CLIENT_CERT_PATH`.
"""

from __future__ import annotations

import base64
import json
import ssl
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlparse

from classifier.errors import AliasNotSet, ModelNotReady
from training.settings import redact_url, safe_url

ALIAS_PATH = "/api/2.0/mlflow/registered-models/alias"
ALIAS_NOT_SET = "the alias is not set"
TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class AliasTarget:
    """The version an alias names, its run and the SHA-256 recorded at registration."""

    version: str
    run_id: str
    sha256: str | None


def is_rest_uri(uri: str) -> bool:
    """True for a tracking server URI (`http://` or `https://`)."""
    return urlparse(uri).scheme in ("http", "https")


def resolve_alias(
    uri: str, name: str, alias: str, env: Mapping[str, str], *, timeout: float = TIMEOUT_SECONDS
) -> AliasTarget:
    """Ask the tracking server at `uri` which version `name@alias` is.

    Raises:
        ModelNotReady: the server cannot be reached, refuses the request, or the alias (or the
            model) does not exist; the message says which.
    """
    where = f"registry {safe_url(uri)!r}: cannot resolve {name}@{alias}"
    url = uri.rstrip("/") + ALIAS_PATH + "?" + urlencode({"name": name, "alias": alias})
    request = urllib.request.Request(url, headers=_auth_headers(env))  # noqa: S310 - http(s) only
    try:
        tls = _tls_context(env) if url.startswith("https:") else None
        with urllib.request.urlopen(  # noqa: S310 - the scheme is checked by is_rest_uri
            request, timeout=timeout, context=tls
        ) as response:
            answer = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        problem = _server_error(exc)
        error = AliasNotSet if problem.startswith(ALIAS_NOT_SET) else ModelNotReady
        raise error(f"{where}: {problem}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = redact_url(str(getattr(exc, "reason", exc)), uri)
        raise ModelNotReady(f"{where}: server unreachable ({reason})") from exc
    except ValueError as exc:
        raise ModelNotReady(f"{where}: the answer is not JSON") from exc
    return _target(answer, where)


def _target(answer: Any, where: str) -> AliasTarget:
    version = answer.get("model_version") if isinstance(answer, dict) else None
    if not isinstance(version, dict) or "version" not in version:
        raise ModelNotReady(f"{where}: the answer has no model_version")
    tags = {t.get("key"): t.get("value") for t in version.get("tags", []) if isinstance(t, dict)}
    return AliasTarget(
        version=str(version["version"]),
        run_id=str(tags.get("run_id") or version.get("run_id") or ""),
        sha256=tags.get("sha256"),
    )


def _server_error(exc: urllib.error.HTTPError) -> str:
    # MLflow answers errors as {"error_code": "...", "message": "..."}.
    try:
        body = json.loads(exc.read())
    except (ValueError, OSError):
        body = {}
    if not isinstance(body, dict):
        body = {}
    message = str(body.get("message") or exc.reason)
    # MLflow: an unknown model is a 404, an unknown alias of a known model a 400 ("... not
    # found"); a 404 without MLflow's error body comes from something else at that address.
    from_mlflow = "error_code" in body
    if from_mlflow and (exc.code == 404 or (exc.code == 400 and "not found" in message.lower())):
        return f"{ALIAS_NOT_SET} ({message})"
    if exc.code in (401, 403):
        return (
            f"HTTP {exc.code}: set MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME and "
            "MLFLOW_TRACKING_PASSWORD for this server"
        )
    return f"HTTP {exc.code}: {message}"


def _auth_headers(env: Mapping[str, str]) -> dict[str, str]:
    headers = {"Accept": "application/json"}
    token = env.get("MLFLOW_TRACKING_TOKEN")
    user, password = env.get("MLFLOW_TRACKING_USERNAME"), env.get("MLFLOW_TRACKING_PASSWORD")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    elif user and password:
        basic = base64.b64encode(f"{user}:{password}".encode()).decode()
        headers["Authorization"] = f"Basic {basic}"
    return headers


def _tls_context(env: Mapping[str, str]) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=env.get("MLFLOW_TRACKING_SERVER_CERT_PATH") or None)
    if env.get("MLFLOW_TRACKING_INSECURE_TLS", "").strip().lower() == "true":
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    client_cert = env.get("MLFLOW_TRACKING_CLIENT_CERT_PATH")
    if client_cert:
        context.load_cert_chain(client_cert)
    return context
