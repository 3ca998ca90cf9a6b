"""The served model: resolve the registry alias, cache the version locally, verify, swap.

Layout of the cache: `<cache_dir>/<model name>/<version>/` holds the `PriorityModel.save()`
files plus `registry.json` (version, run id and the SHA-256 the registry recorded), and
`<cache_dir>/<model name>/current-<alias>.json` names the version last served for that alias
(services serving `champion` and `challenger` may share a cache). When the registry is
unreachable the service starts from that pointer; an artifact whose hash differs from the
recorded one is refused, never unpickled. A registry that answers but has no such alias is a
setting to fix: the service then answers from rules instead of serving a cached version the
alias never named.

Every method here blocks (registry, disk, unpickling): the app runs them in a worker thread and
then swaps `current` in one assignment, so a request sees either the old or the new model.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlparse

import structlog

from classifier.decision import ModelOutput
from classifier.errors import AliasNotSet, ModelIntegrityError, ModelNotReady
from classifier.schema import extra_only
from serving.registry_rest import ALIAS_NOT_SET, is_rest_uri, resolve_alias
from serving.settings import ModelSettings
from training.settings import redact_url, safe_url

log = structlog.get_logger("serving.model_store")

ARTIFACT_PATH = "priority_model"
REGISTRY_FILE = "registry.json"


def pointer_file(alias: str) -> str:
    """The cache file naming the version last served for `alias`."""
    return f"current-{alias}.json"


# The child process imports MLflow (~2 s) before it resolves or downloads anything.
REGISTRY_TIMEOUT = 300.0
# MLflow's client retries a failing tracking server 7 times with doubling back-off (minutes);
# the worker has a cache and rules to fall back on, so the child gives up after ~10 s of
# retries instead. Values the operator sets in the environment win.
CHILD_MLFLOW_ENV = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "60",
}


class ServableModel(Protocol):
    """What serving needs from `classifier.model.PriorityModel`."""

    def predict(self, records: Sequence[Mapping[str, Any]]) -> list[ModelOutput]:
        """One ModelOutput per record, in order."""
        ...


ModelLoader = Callable[[Path, str | None], ServableModel]


def default_loader(path: Path, expected_sha256: str | None) -> ServableModel:
    """Load a `PriorityModel.save()` folder, refusing a hash mismatch."""
    from classifier.model import PriorityModel

    model: ServableModel = PriorityModel.load(path, expected_sha256=expected_sha256)
    # The first prediction reads the fast path's tables and the feature names (~0.1-0.3 s
    # with char n-grams): pay that here, before the model is swapped in, not in a request.
    model.predict([{}])
    return model


@dataclass(frozen=True)
class LoadedModel:
    """A model ready to serve and where it came from.

    Attributes:
        model: the loaded model.
        name / version / run_id: registry coordinates (version "local" for a plain folder).
        sha256: the verified hash of `model.joblib`.
        source: "registry" (fresh download or verified cache), "cache" (registry was down)
            or "local" (`TP_MODEL_DIR`).
        path: the folder it was loaded from.
    """

    model: ServableModel
    name: str
    version: str
    run_id: str | None
    sha256: str | None
    source: str
    path: Path
    loaded_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def describe(self) -> dict[str, Any]:
        """Name, version, run id, trained at, levels and training metrics, for /v1/model."""
        m = self.model
        scale = getattr(m, "scale", None)
        trained_at = getattr(m, "trained_at", None)
        return {
            "name": self.name,
            "version": self.version,
            "run_id": self.run_id,
            "sha256": self.sha256,
            "source": self.source,
            "trained_at": trained_at.isoformat()
            if isinstance(trained_at, datetime)
            else trained_at,
            "levels": list(getattr(scale, "levels", ()) or ()),
            "metrics": dict(getattr(m, "metrics", None) or {}),
            "loaded_at": self.loaded_at.isoformat(),
            "decision": _decision_of(m),
            "columns": _columns_of(m),
        }


def _columns_of(model: Any) -> dict[str, list[str]] | None:
    """The columns a model reads by role, and those a request sends only in `extra`."""
    spec = getattr(model, "spec", None)
    if spec is None:
        return None
    return {
        "text": list(spec.text_columns),
        "category": list(spec.category_columns),
        "numeric": list(spec.numeric_columns),
        "from_extra": extra_only(spec.columns),
    }


def _decision_of(model: Any) -> dict[str, Any] | None:
    """The costs and level prior a model decides with (None for models without them)."""
    costs = getattr(model, "costs", None)
    if costs is None or not hasattr(costs, "matrix"):
        return None
    prior = getattr(model, "level_prior", None)
    return {
        "costs": [list(row) for row in costs.matrix],
        "level_prior": list(prior) if prior is not None else None,
    }


@dataclass(frozen=True)
class RegistryVersion:
    """What the registry says the alias points to."""

    name: str
    version: str
    run_id: str
    sha256: str | None


def _missing_sqlite_file(uri: str) -> Path | None:
    """The database file of a `sqlite:///` URI when it does not exist, else None."""
    prefix = "sqlite:///"
    if not uri.startswith(prefix):
        return None
    path = Path(uri[len(prefix) :])
    return None if path.exists() or str(path) == ":memory:" else path


def _write_json(path: Path, payload: Mapping[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    os.replace(tmp, path)


def _sqlite_path(uri: str) -> Path | None:
    """The database file of a `sqlite:///` URI, else None."""
    prefix = "sqlite:///"
    if not uri.startswith(prefix) or uri[len(prefix) :] in ("", ":memory:"):
        return None
    return Path(uri[len(prefix) :])


_ALIAS_SQL = (
    "SELECT a.version, v.run_id FROM registered_model_aliases a JOIN model_versions v "
    "ON v.name = a.name AND v.version = a.version WHERE a.name = ? AND a.alias = ?"
)
_TAGS_SQL = "SELECT key, value FROM model_version_tags WHERE name = ? AND version = ?"


def _resolve_sqlite(path: Path, name: str, alias: str) -> RegistryVersion | None:
    """The alias's version read from MLflow's SQLite tables; None when the alias is unset.

    Raises:
        sqlite3.Error: unreadable file or unknown schema (the caller then asks MLflow).
    """
    uri = path.resolve().as_uri() + "?mode=ro"
    with closing(sqlite3.connect(uri, uri=True, timeout=5.0)) as db:
        rows = db.execute(_ALIAS_SQL, (name, alias)).fetchall()
        if not rows:
            return None
        if len(rows) > 1:  # several MLflow workspaces share the name: let MLflow decide
            raise sqlite3.OperationalError(f"{len(rows)} rows for {name}@{alias}")
        version, run_id = rows[0]
        tags = dict(db.execute(_TAGS_SQL, (name, version)).fetchall())
    return RegistryVersion(
        name=name,
        version=str(version),
        run_id=str(tags.get("run_id") or run_id),
        sha256=tags.get("sha256"),
    )


def _child(*args: str, timeout: float, where: str) -> dict[str, Any]:
    """Run `python -m serving.fetch_model *args` and return its JSON answer.

    Raises:
        ModelNotReady: the child failed, timed out or answered nothing readable.
    """
    try:
        return _run_child(*args, timeout=timeout, where=where)
    except ModelNotReady as exc:  # MLflow and driver errors may quote the tracking URI
        uri = args[args.index("--tracking-uri") + 1] if "--tracking-uri" in args else None
        if uri is None:
            raise
        raise ModelNotReady(redact_url(str(exc), uri)) from None


def _run_child(*args: str, timeout: float, where: str) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "serving.fetch_model", *args]
    env = CHILD_MLFLOW_ENV | dict(os.environ)
    try:
        done = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, check=False, env=env
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ModelNotReady(f"{where}: {type(exc).__name__}: {exc}") from exc
    answer: dict[str, Any] | None = None
    for line in reversed(done.stdout.splitlines()):
        try:
            parsed = json.loads(line)
        except ValueError:
            continue
        if isinstance(parsed, dict):
            answer = parsed
            break
    if answer is None:
        tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        raise ModelNotReady(f"{where}: registry helper exited {done.returncode}: {tail[0][:300]}")
    if "error" in answer:
        raise ModelNotReady(f"{where}: {answer['error']}")
    return answer


class ModelStore:
    """Holds the served model and knows how to find a newer or cached one.

    Attributes:
        current: the model being served, or None (the service then answers from rules).
        problem: why there is no model, or what went wrong on the last refresh.
    """

    def __init__(self, settings: ModelSettings, loader: ModelLoader = default_loader) -> None:
        self.settings = settings
        self.loader = loader
        self.current: LoadedModel | None = None
        self.problem: str | None = "no model loaded yet"
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        """The registered model name."""
        return self.settings.mlflow.model_name

    @property
    def model_dir(self) -> Path:
        """`<cache_dir>/<name>`."""
        return self.settings.cache_dir / self.name

    def resolve(self) -> RegistryVersion:
        """Ask the registry which version the alias points to.

        A SQLite registry is read directly (read-only, stdlib `sqlite3`) and a tracking server
        (`http(s)://`) over its REST API (`serving.registry_rest`, ~10 s at most); any other
        registry, or a SQLite schema this code does not know, is asked by MLflow in a child
        process (`serving.fetch_model`), so the worker never imports MLflow.

        Raises:
            ModelNotReady: the registry is unreachable or the alias is not set.
        """
        ms = self.settings.mlflow
        missing = _missing_sqlite_file(ms.tracking_uri)
        shown = safe_url(ms.tracking_uri)  # the problem is shown by /health/ready and logged
        if missing is not None:
            # MLflow would silently create an empty registry there; report it as absent instead
            raise ModelNotReady(f"registry {shown!r}: database file {missing} does not exist")
        where = f"registry {shown!r}: cannot resolve {ms.model_name}@{ms.champion_alias}"
        path = _sqlite_path(ms.tracking_uri)
        if path is not None:
            try:
                found = _resolve_sqlite(path, ms.model_name, ms.champion_alias)
            except sqlite3.Error as exc:
                log.info("registry_sqlite_fallback", problem=str(exc)[:200])
            else:
                if found is None:
                    raise AliasNotSet(f"{where}: {ALIAS_NOT_SET}")
                return found
        if is_rest_uri(ms.tracking_uri):
            target = resolve_alias(ms.tracking_uri, ms.model_name, ms.champion_alias, os.environ)
            return RegistryVersion(ms.model_name, target.version, target.run_id, target.sha256)
        answer = _child(
            "resolve",
            "--tracking-uri", ms.tracking_uri,
            "--name", ms.model_name,
            "--alias", ms.champion_alias,
            timeout=REGISTRY_TIMEOUT, where=where,
        )  # fmt: skip
        return RegistryVersion(
            name=str(answer["name"]),
            version=str(answer["version"]),
            run_id=str(answer["run_id"]),
            sha256=answer.get("sha256"),
        )

    def _download(self, rv: RegistryVersion) -> Path:
        """Download the version's artifact folder into the cache (atomic rename)."""
        target = self.model_dir / rv.version
        self.model_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{rv.version}-", dir=self.model_dir))
        try:
            local = self._local_artifact(rv)
            if local is not None:
                # A file artifact store next to a SQLite registry: a plain copy, no MLflow.
                folder = staging / ARTIFACT_PATH
                shutil.copytree(local, folder)
            else:
                folder = self._download_in_child(rv, staging)
            _write_json(folder / REGISTRY_FILE, rv.__dict__)
            if target.exists():
                shutil.rmtree(target)  # a refused (corrupt) copy; the fresh one replaces it
            os.replace(folder, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return target

    def _local_artifact(self, rv: RegistryVersion) -> Path | None:
        """The run's artifact folder when the registry is SQLite and artifacts are files."""
        path = _sqlite_path(self.settings.mlflow.tracking_uri)
        if path is None:
            return None
        try:
            uri = path.resolve().as_uri() + "?mode=ro"
            with closing(sqlite3.connect(uri, uri=True, timeout=5.0)) as db:
                row = db.execute(
                    "SELECT artifact_uri FROM runs WHERE run_uuid = ?", (rv.run_id,)
                ).fetchone()
        except sqlite3.Error as exc:
            log.info("registry_sqlite_fallback", problem=str(exc)[:200])
            return None
        if not row or not isinstance(row[0], str):
            return None
        root = row[0]
        if root.startswith("file://"):
            root = unquote(urlparse(root).path)
        elif "://" in root or ":" in root.split("/", 1)[0]:
            return None  # a remote store (s3:, mlflow-artifacts:, ...): MLflow downloads it
        folder = Path(root) / ARTIFACT_PATH
        return folder if folder.is_dir() else None

    def _download_in_child(self, rv: RegistryVersion, staging: Path) -> Path:
        answer = _child(
            "download",
            "--tracking-uri", self.settings.mlflow.tracking_uri,
            "--run-id", rv.run_id,
            "--artifact-path", ARTIFACT_PATH,
            "--dst", str(staging),
            timeout=REGISTRY_TIMEOUT,
            where=f"download of {rv.name} version {rv.version} (run {rv.run_id})",
        )  # fmt: skip
        return Path(str(answer["path"]))

    def _load_dir(self, path: Path, rv: RegistryVersion, source: str) -> LoadedModel:
        model = self.loader(path, rv.sha256)
        self._stamp(model, rv)
        return LoadedModel(
            model=model,
            name=rv.name,
            version=rv.version,
            run_id=rv.run_id,
            sha256=rv.sha256 or getattr(model, "sha256", None),
            source=source,
            path=path,
        )

    @staticmethod
    def _stamp(model: ServableModel, rv: RegistryVersion) -> None:
        """Make the model report its registry name and version in every ModelOutput."""
        for attr, value in (("name", rv.name), ("version", rv.version), ("run_id", rv.run_id)):
            try:
                setattr(model, attr, value)
            except AttributeError:
                log.warning("model_attribute_readonly", attribute=attr)

    def _from_registry(self, rv: RegistryVersion) -> LoadedModel:
        cached = self.model_dir / rv.version
        if cached.is_dir():
            try:
                return self._load_dir(cached, rv, "registry")
            except ModelIntegrityError as exc:
                log.error("cached_model_refused", version=rv.version, problem=str(exc))
        return self._load_dir(self._download(rv), rv, "registry")

    @property
    def _pointer(self) -> Path:
        return self.model_dir / pointer_file(self.settings.mlflow.champion_alias)

    def _from_cache(self) -> LoadedModel:
        pointer = self._pointer
        if not pointer.is_file():
            raise ModelNotReady(f"no cached model in {self.model_dir} ({pointer.name} missing)")
        version = str(json.loads(pointer.read_text(encoding="utf-8"))["version"])
        folder = self.model_dir / version
        try:
            meta = json.loads((folder / REGISTRY_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError) as exc:
            raise ModelNotReady(
                f"cached model {folder}: unreadable {REGISTRY_FILE}: {exc}"
            ) from exc
        rv = RegistryVersion(**{k: meta.get(k) for k in ("name", "version", "run_id", "sha256")})
        if not rv.sha256:
            raise ModelIntegrityError(
                f"cached model {folder}: no recorded SHA-256, refusing to load it"
            )
        return self._load_dir(folder, rv, "cache")

    def _from_local(self, folder: Path) -> LoadedModel:
        model = self.loader(folder, None)
        return LoadedModel(
            model=model,
            name=str(getattr(model, "name", None) or self.name),
            version=str(getattr(model, "version", None) or "local"),
            run_id=getattr(model, "run_id", None),
            sha256=getattr(model, "sha256", None),
            source="local",
            path=folder,
        )

    def _remember(self, loaded: LoadedModel) -> None:
        if loaded.source == "registry":
            try:
                _write_json(self._pointer, {"version": loaded.version})
            except OSError as exc:
                log.warning("model_cache_pointer_not_written", problem=str(exc))

    def refresh(self) -> bool:
        """Load the alias's version if it differs from the served one.

        Returns:
            True when a different model is now served.
        """
        with self._lock:
            return self._refresh()

    def _refresh(self) -> bool:
        s = self.settings
        if self.current is not None and (s.local_dir is not None or not s.registry_enabled):
            return False  # a fixed source: nothing newer to look for
        if s.local_dir is not None or not s.registry_enabled:
            folder = s.local_dir
            return self._swap(
                self._from_cache if folder is None else lambda: self._from_local(folder)
            )
        try:
            rv = self.resolve()
        except ModelNotReady as exc:
            return self._unresolved(exc)
        if self.current is not None and self.current.version == rv.version:
            self.problem = None
            return False
        return self._swap(lambda: self._from_registry(rv))

    def _unresolved(self, exc: ModelNotReady) -> bool:
        """Keep serving what is served; on a first start fall back to the cache if it is an
        outage, and to rules if the registry says the alias does not exist."""
        still = "" if self.current is None else f"; still serving version {self.current.version}"
        if isinstance(exc, AliasNotSet):
            alias = self.settings.mlflow.champion_alias
            self.problem = (
                f"{exc}: point it at a version (`ticket-priority promote --version N` sets "
                f"champion) or fix TP_MODEL_ALIAS={alias!r}{still}"
            )
            log.error("model_alias_not_set", problem=self.problem)
            return False
        if self.current is None:
            log.warning("registry_unreachable_trying_cache", problem=str(exc))
            return self._swap(self._from_cache, prefix=f"{exc}; ")
        self.problem = f"{exc}{still}"
        log.warning("registry_unreachable", problem=str(exc))
        return False

    def _swap(self, load: Callable[[], LoadedModel], prefix: str = "") -> bool:
        try:
            loaded = load()
        except ModelNotReady as exc:
            self.problem = prefix + str(exc)
            log.error("model_not_loaded", problem=self.problem)
            return False
        except Exception as exc:  # unpickling can raise anything; keep serving
            self.problem = f"{prefix}loading failed: {type(exc).__name__}: {str(exc)[:300]}"
            log.error("model_not_loaded", problem=self.problem, exc_info=exc)
            return False
        self._remember(loaded)
        previous = self.current
        self.current = loaded
        self.problem = None if loaded.source != "cache" else (prefix.rstrip("; ") or None)
        log.info(
            "model_loaded",
            name=loaded.name,
            version=loaded.version,
            source=loaded.source,
            previous=previous.version if previous else None,
        )
        return True
