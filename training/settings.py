"""Where MLflow lives and what the model is called: shared by training, serving and the demo."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

ENV_PREFIX = "TP_"
MASK = "***"


def safe_url(url: str) -> str:
    """The URL with any password masked (`postgresql://mlflow:***@db/mlflow`).

    Use it wherever a database or tracking URL is shown: reports, MLflow params, logs and
    HTTP answers (`/health/ready`).
    """
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:  # unparsable: show it without its credentials part
        return url.rsplit("@", 1)[-1]
    if password is None:
        return url
    userinfo, _, host = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:{MASK}@{host}"))


def redact_url(text: str, url: str) -> str:
    """`text` (e.g. a driver's error message) with `url` and its password masked."""
    shown = text.replace(url, safe_url(url))
    try:
        password = urlsplit(url).password
    except ValueError:
        password = None
    for secret in {password, unquote(password)} if password else ():
        shown = shown.replace(secret, MASK)
    return shown


def _env(name: str, default: str) -> str:
    return os.environ.get(ENV_PREFIX + name, default)


@dataclass(frozen=True)
class MlflowSettings:
    """MLflow tracking store and model registry coordinates.

    Attributes:
        tracking_uri: `TP_MLFLOW_TRACKING_URI`, default `sqlite:///mlflow.db` (embedded store in
            the working folder).
        artifact_root: `TP_MLFLOW_ARTIFACT_ROOT`, default `./mlartifacts`; where new experiments
            keep run artifacts.
        experiment: `TP_MLFLOW_EXPERIMENT`, default `ticket-priority`.
        model_name: `TP_MODEL_NAME`, default `ticket-priority`; the registered model.
        champion_alias: `TP_MODEL_ALIAS`, default `champion`; the alias serving loads.
    """

    tracking_uri: str = "sqlite:///mlflow.db"
    artifact_root: str = "./mlartifacts"
    experiment: str = "ticket-priority"
    model_name: str = "ticket-priority"
    champion_alias: str = "champion"

    @classmethod
    def from_env(cls) -> MlflowSettings:
        """Read every field from its `TP_` environment variable, falling back to the default."""
        d = cls()
        return cls(
            tracking_uri=_env("MLFLOW_TRACKING_URI", d.tracking_uri),
            artifact_root=_env("MLFLOW_ARTIFACT_ROOT", d.artifact_root),
            experiment=_env("MLFLOW_EXPERIMENT", d.experiment),
            model_name=_env("MODEL_NAME", d.model_name),
            champion_alias=_env("MODEL_ALIAS", d.champion_alias),
        )

    @classmethod
    def in_folder(cls, folder: Path) -> MlflowSettings:
        """The embedded defaults rooted in `folder`: `mlflow.db` and `mlartifacts/` there."""
        return cls(
            tracking_uri=f"sqlite:///{folder / 'mlflow.db'}",
            artifact_root=str(folder / "mlartifacts"),
        )

    @property
    def artifact_location(self) -> str:
        """The artifact root as an absolute file URI (MLflow resolves relative paths oddly)."""
        if "://" in self.artifact_root:
            return self.artifact_root
        return Path(self.artifact_root).resolve().as_uri()
