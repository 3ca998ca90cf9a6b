"""The served model: resolve the registry alias, cache the version locally, verify, swap.

Layout of the cache: `<cache_dir>/<model name>/<version>/` holds the `PriorityModel.save()`
files plus `registry.json` (version, run id and the SHA-256 the registry recorded), and
`<cache_dir>/<model name>/current.json` names the version last served. When the registry is
unreachable the service starts from `current.json`; an artifact whose hash differs from the
recorded one is refused, never unpickled.

Every method here blocks (MLflow, disk, unpickling): the app runs them in a worker thread and
then swaps `current` in one assignment, so a request sees either the old or the new model.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import structlog

from classifier.decision import ModelOutput
from classifier.errors import ModelIntegrityError, ModelNotReady
from serving.settings import ModelSettings

log = structlog.get_logger("serving.model_store")

ARTIFACT_PATH = "priority_model"
REGISTRY_FILE = "registry.json"
CURRENT_FILE = "current.json"


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

        Raises:
            ModelNotReady: the registry is unreachable or the alias is not set.
        """
        ms = self.settings.mlflow
        missing = _missing_sqlite_file(ms.tracking_uri)
        if missing is not None:
            # MLflow would silently create an empty registry there; report it as absent instead
            raise ModelNotReady(
                f"registry {ms.tracking_uri!r}: database file {missing} does not exist"
            )
        from mlflow.tracking import MlflowClient

        try:
            client = MlflowClient(tracking_uri=ms.tracking_uri, registry_uri=ms.tracking_uri)
            mv = client.get_model_version_by_alias(ms.model_name, ms.champion_alias)
        except Exception as exc:  # MLflow raises many types; all mean "not now"
            raise ModelNotReady(
                f"registry {ms.tracking_uri!r}: cannot resolve {ms.model_name}@"
                f"{ms.champion_alias}: {type(exc).__name__}: {str(exc)[:200]}"
            ) from exc
        tags = dict(mv.tags or {})
        return RegistryVersion(
            name=ms.model_name,
            version=str(mv.version),
            run_id=str(tags.get("run_id") or mv.run_id),
            sha256=tags.get("sha256"),
        )

    def _download(self, rv: RegistryVersion) -> Path:
        """Download the version's artifact folder into the cache (atomic rename)."""
        import mlflow.artifacts

        target = self.model_dir / rv.version
        self.model_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{rv.version}-", dir=self.model_dir))
        try:
            local = mlflow.artifacts.download_artifacts(
                artifact_uri=f"runs:/{rv.run_id}/{ARTIFACT_PATH}",
                dst_path=str(staging),
                tracking_uri=self.settings.mlflow.tracking_uri,
            )
            folder = Path(local)
            _write_json(folder / REGISTRY_FILE, rv.__dict__)
            if target.exists():
                shutil.rmtree(target)  # a refused (corrupt) copy; the fresh one replaces it
            os.replace(folder, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return target

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

    def _from_cache(self) -> LoadedModel:
        pointer = self.model_dir / CURRENT_FILE
        if not pointer.is_file():
            raise ModelNotReady(f"no cached model in {self.model_dir} ({CURRENT_FILE} missing)")
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
                _write_json(self.model_dir / CURRENT_FILE, {"version": loaded.version})
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
            if self.current is None:
                log.warning("registry_unreachable_trying_cache", problem=str(exc))
                return self._swap(self._from_cache, prefix=f"{exc}; ")
            self.problem = f"{exc}; still serving version {self.current.version}"
            log.warning("registry_unreachable", problem=str(exc))
            return False
        if self.current is not None and self.current.version == rv.version:
            self.problem = None
            return False
        return self._swap(lambda: self._from_registry(rv))

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
