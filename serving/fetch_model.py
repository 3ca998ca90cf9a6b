"""Registry access in a short-lived child process, so serving workers never import MLflow.

MLflow and its client stack add ~100 MB to a process that imports them. A worker only needs
the registry to learn which version the alias names and to download a new version's folder,
both rare; `serving.model_store` runs this module for them (`python -m serving.fetch_model
...`) and reads one JSON line from its stdout. Loading, hash checks and serving stay in the
worker.

Commands:
    resolve --tracking-uri U --name N --alias A   -> {"name", "version", "run_id", "sha256"}
    download --tracking-uri U --run-id R --artifact-path P --dst D   -> {"path": "..."}

On failure it prints `{"error": "..."}` and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def resolve(tracking_uri: str, name: str, alias: str) -> dict[str, Any]:
    """The version the alias names, with its run id and recorded SHA-256 tag."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    mv = client.get_model_version_by_alias(name, alias)
    tags = dict(mv.tags or {})
    return {
        "name": name,
        "version": str(mv.version),
        "run_id": str(tags.get("run_id") or mv.run_id),
        "sha256": tags.get("sha256"),
    }


def download(tracking_uri: str, run_id: str, artifact_path: str, dst: str) -> dict[str, Any]:
    """Download `runs:/<run_id>/<artifact_path>` into `dst`; returns the local folder."""
    import mlflow.artifacts

    local = mlflow.artifacts.download_artifacts(
        artifact_uri=f"runs:/{run_id}/{artifact_path}", dst_path=dst, tracking_uri=tracking_uri
    )
    return {"path": str(local)}


def main(argv: list[str] | None = None) -> int:
    """Run one command; the answer (or the error) is one JSON line on stdout."""
    parser = argparse.ArgumentParser(prog="python -m serving.fetch_model")
    commands = parser.add_subparsers(dest="command", required=True)
    r = commands.add_parser("resolve")
    r.add_argument("--tracking-uri", required=True)
    r.add_argument("--name", required=True)
    r.add_argument("--alias", required=True)
    d = commands.add_parser("download")
    d.add_argument("--tracking-uri", required=True)
    d.add_argument("--run-id", required=True)
    d.add_argument("--artifact-path", required=True)
    d.add_argument("--dst", required=True)
    args = parser.parse_args(argv)
    try:
        if args.command == "resolve":
            answer = resolve(args.tracking_uri, args.name, args.alias)
        else:
            answer = download(args.tracking_uri, args.run_id, args.artifact_path, args.dst)
    except Exception as exc:  # noqa: BLE001 - MLflow raises many types; the parent reports all
        print(json.dumps({"error": f"{type(exc).__name__}: {str(exc)[:300]}"}), flush=True)
        return 2
    print(json.dumps(answer), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
