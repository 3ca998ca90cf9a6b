"""Registered model versions, the promotion gate, and the `champion` alias.

Every version carries tags `sha256` (of the PriorityModel artifact) and `run_id`. Aliases, never
stages: `champion` is what serving loads, `challenger` a version the gate held back, and
`previous-champion` the version `rollback` returns to. Each champion also records the version it
replaced in its tag `previous_champion`, so repeated rollbacks walk back through history.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from training import fingerprints
from training.fingerprints import Fingerprints
from training.settings import MlflowSettings
from training.tracking import PRIORITY_MODEL_ARTIFACT, configure

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import ModelVersion

    from classifier.model import PriorityModel

CHALLENGER = "challenger"
PREVIOUS_CHAMPION = "previous-champion"
TAG_SHA256 = "sha256"
TAG_RUN_ID = "run_id"
TAG_PREVIOUS = "previous_champion"
_MODELS_URI = re.compile(r"^models:/(?P<name>[^/@]+)(?:@(?P<alias>[^/]+)|/(?P<version>\d+))$")


class RegistryError(RuntimeError):
    """A registry operation cannot be done; the message says what exists and what to run."""


@dataclass(frozen=True)
class GateResult:
    """The promotion gate's verdict.

    Attributes:
        promoted: whether `champion` moved to the new version.
        reason: one sentence a human can act on.
        new: the new version's gate metrics on the holdout.
        champion: the current champion's metrics on the same holdout (None if none).
        champion_version: the champion before the gate ran.
    """

    promoted: bool
    reason: str
    new: Mapping[str, float]
    champion: Mapping[str, float] | None = None
    champion_version: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for the report."""
        return {
            "promoted": self.promoted,
            "reason": self.reason,
            "new": dict(self.new),
            "champion": dict(self.champion) if self.champion is not None else None,
            "champion_version": self.champion_version,
        }


def decide_promotion(
    new: Mapping[str, float],
    champion: Mapping[str, float] | None,
    *,
    f1_tolerance: float = 0.01,
    top_recall_tolerance: float = 0.0,
    champion_version: str | None = None,
) -> GateResult:
    """Compare the new version with the champion on the same holdout (pure function).

    Args:
        new: `macro_f1` and `top_level_recall` of the new version.
        champion: the same metrics of the champion, or None when there is no champion.
        f1_tolerance: macro-F1 may drop by at most this much.
        top_recall_tolerance: the most urgent level's recall may drop by at most this much.
        champion_version: for the message.

    Returns:
        The verdict with a reason.
    """
    if champion is None:
        return GateResult(True, "no champion yet: the first version becomes champion", new)
    f1_drop = champion["macro_f1"] - new["macro_f1"]
    recall_drop = champion["top_level_recall"] - new["top_level_recall"]
    label = f"champion v{champion_version}" if champion_version else "the champion"
    problems = []
    if f1_drop > f1_tolerance:
        problems.append(
            f"macro-F1 {new['macro_f1']:.4f} is {f1_drop:.4f} below {label}'s "
            f"{champion['macro_f1']:.4f} (tolerance {f1_tolerance})"
        )
    if recall_drop > top_recall_tolerance:
        problems.append(
            f"top-level recall {new['top_level_recall']:.4f} is below {label}'s "
            f"{champion['top_level_recall']:.4f} (tolerance {top_recall_tolerance})"
        )
    if problems:
        return GateResult(False, "; ".join(problems), new, champion, champion_version)
    reason = (
        f"macro-F1 {new['macro_f1']:.4f} vs {champion['macro_f1']:.4f} and top-level recall "
        f"{new['top_level_recall']:.4f} vs {champion['top_level_recall']:.4f} of {label}: "
        "within tolerance"
    )
    return GateResult(True, reason, new, champion, champion_version)


def client(settings: MlflowSettings) -> MlflowClient:
    """An MLflow client on the configured store (creates the experiment if missing)."""
    from mlflow import MlflowClient

    configure(settings)
    return MlflowClient(tracking_uri=settings.tracking_uri, registry_uri=settings.tracking_uri)


def register_version(
    settings: MlflowSettings,
    model_uri: str,
    *,
    run_id: str,
    sha256: str,
    model_id: str | None = None,
) -> str:
    """Register a logged model as a new version tagged with its SHA-256 and run id.

    Uses the client directly: the fluent `mlflow.register_model` prints to the console.
    """
    from mlflow.exceptions import MlflowException

    mlflow_client = client(settings)
    try:
        mlflow_client.get_registered_model(settings.model_name)
    except MlflowException:
        mlflow_client.create_registered_model(settings.model_name)
    version = mlflow_client.create_model_version(
        settings.model_name, model_uri, run_id=run_id,
        tags={TAG_SHA256: sha256, TAG_RUN_ID: run_id}, model_id=model_id,
    )  # fmt: skip
    return str(version.version)


def version_by_alias(settings: MlflowSettings, alias: str) -> ModelVersion | None:
    """The version an alias points at, or None when the model or alias does not exist."""
    from mlflow.exceptions import MlflowException

    try:
        return client(settings).get_model_version_by_alias(settings.model_name, alias)
    except MlflowException:
        return None


def get_version(settings: MlflowSettings, version: str) -> ModelVersion:
    """A registered version by number.

    Raises:
        RegistryError: the version does not exist.
    """
    from mlflow.exceptions import MlflowException

    try:
        return client(settings).get_model_version(settings.model_name, str(version))
    except MlflowException as exc:
        what = _what_exists(settings, settings.model_name, f"version {version}")
        raise RegistryError(f"--version {version}: {what}") from exc


def set_champion(settings: MlflowSettings, version: str) -> str | None:
    """Point `champion` at a version, remembering the one it replaces.

    Returns:
        The previous champion's version, or None.
    """
    mlflow_client = client(settings)
    target = get_version(settings, version)
    current = version_by_alias(settings, settings.champion_alias)
    previous = str(current.version) if current is not None else None
    if previous == str(target.version):
        return previous
    name = settings.model_name
    if previous is not None:
        mlflow_client.set_model_version_tag(name, str(target.version), TAG_PREVIOUS, previous)
        mlflow_client.set_registered_model_alias(name, PREVIOUS_CHAMPION, previous)
    mlflow_client.set_registered_model_alias(name, settings.champion_alias, str(target.version))
    if str(target.version) == _alias_version(settings, CHALLENGER):
        mlflow_client.delete_registered_model_alias(name, CHALLENGER)
    return previous


def set_challenger(settings: MlflowSettings, version: str) -> None:
    """Point `challenger` at a version the gate did not promote."""
    client(settings).set_registered_model_alias(settings.model_name, CHALLENGER, str(version))


def promote(settings: MlflowSettings, version: str) -> str | None:
    """Make a version champion by hand (bypasses the gate). Returns the replaced champion."""
    return set_champion(settings, version)


def rollback(settings: MlflowSettings) -> tuple[str, str]:
    """Point `champion` back at the version it replaced.

    Returns:
        (version rolled back from, version now champion).

    Raises:
        RegistryError: there is no champion, or it has no recorded predecessor.
    """
    mlflow_client = client(settings)
    current = version_by_alias(settings, settings.champion_alias)
    if current is None:
        raise RegistryError(f"rollback: model {settings.model_name!r} has no champion yet")
    previous = (current.tags or {}).get(TAG_PREVIOUS)
    if not previous:
        raise RegistryError(
            f"rollback: champion v{current.version} has no previous champion recorded; "
            "use `ticket-priority promote --version N` to choose one"
        )
    name = settings.model_name
    mlflow_client.set_registered_model_alias(name, settings.champion_alias, previous)
    mlflow_client.set_model_version_tag(name, str(current.version), "rolled_back", "true")
    before = get_version(settings, previous)
    older = (before.tags or {}).get(TAG_PREVIOUS)
    if older:
        mlflow_client.set_registered_model_alias(name, PREVIOUS_CHAMPION, older)
    else:
        mlflow_client.delete_registered_model_alias(name, PREVIOUS_CHAMPION)
    return str(current.version), previous


def _alias_version(settings: MlflowSettings, alias: str) -> str | None:
    found = version_by_alias(settings, alias)
    return str(found.version) if found is not None else None


def parse_model_ref(ref: str, settings: MlflowSettings) -> tuple[str, str | None, str | None]:
    """Split `models:/name@alias`, `models:/name/3`, `@alias` or `3` into (name, alias, version).

    Raises:
        RegistryError: the reference has none of these forms.
    """
    if ref.isdigit():
        return settings.model_name, None, ref
    if ref.startswith("@"):
        return settings.model_name, ref[1:], None
    match = _MODELS_URI.match(ref)
    if match is None:
        raise RegistryError(
            f"--model {ref!r}: use models:/NAME@ALIAS, models:/NAME/VERSION or a directory "
            "written by PriorityModel.save"
        )
    return match["name"], match["alias"], match["version"]


def _what_exists(settings: MlflowSettings, name: str, wanted: str) -> str:
    """E.g. "model 'x' has no alias 'nope'; its aliases: champion -> v2" or the models there are."""
    from mlflow.exceptions import MlflowException

    try:
        models = {m.name: m for m in client(settings).search_registered_models()}
    except MlflowException:
        return f"model {name!r} has no {wanted} in {settings.tracking_uri}"
    if name not in models:
        known = sorted(models) or "none yet: run ticket-priority train"
        return f"no registered model {name!r} in {settings.tracking_uri}; registered: {known}"
    aliases = dict(getattr(models[name], "aliases", None) or {})
    listed = ", ".join(f"{a} -> v{v}" for a, v in sorted(aliases.items())) or "none"
    latest = max((int(v.version) for v in models[name].latest_versions or []), default=0)
    return f"model {name!r} has no {wanted}; its aliases: {listed}" + (
        f"; versions 1 to {latest}" if latest else ""
    )


def training_rows(settings: MlflowSettings, version: ModelVersion) -> Fingerprints | None:
    """The hashes of the texts a version was trained on; None for versions logged without them."""
    import mlflow

    configure(settings)
    run_id = (version.tags or {}).get(TAG_RUN_ID) or version.run_id
    try:
        with tempfile.TemporaryDirectory(prefix="training-rows-") as tmp:
            local = mlflow.artifacts.download_artifacts(
                run_id=run_id, artifact_path=f"{fingerprints.ARTIFACT_DIR}/{fingerprints.FILE}",
                dst_path=tmp,
            )  # fmt: skip
            return fingerprints.load(Path(local))
    except Exception:  # noqa: BLE001 - older versions have no such artifact
        return None


def load_version(settings: MlflowSettings, ref: str) -> tuple[PriorityModel, ModelVersion]:
    """Download and load a registered version's PriorityModel, checking its SHA-256 tag.

    Args:
        settings: the MLflow store.
        ref: `models:/NAME@ALIAS`, `models:/NAME/VERSION`, `@ALIAS` or a version number.

    Raises:
        RegistryError: the version or alias does not exist, or it lacks a `sha256` tag.
    """
    import mlflow

    from classifier.model import PriorityModel

    name, alias, number = parse_model_ref(ref, settings)
    scoped = MlflowSettings(
        settings.tracking_uri, settings.artifact_root, settings.experiment, name,
        settings.champion_alias,
    )  # fmt: skip
    try:
        version = version_by_alias(scoped, alias) if alias else get_version(scoped, str(number))
    except RegistryError:
        version = None
    if version is None:
        wanted = f"alias {alias!r}" if alias else f"version {number}"
        raise RegistryError(f"--model {ref}: {_what_exists(settings, name, wanted)}")
    tags = version.tags or {}
    sha256 = tags.get(TAG_SHA256)
    run_id = tags.get(TAG_RUN_ID) or version.run_id
    if not sha256 or not run_id:
        raise RegistryError(f"{name} v{version.version}: missing the sha256/run_id tags")
    with tempfile.TemporaryDirectory(prefix="priority-model-") as tmp:
        local = mlflow.artifacts.download_artifacts(
            run_id=run_id, artifact_path=PRIORITY_MODEL_ARTIFACT, dst_path=tmp
        )
        model = PriorityModel.load(Path(local), expected_sha256=sha256)
    return model, version
