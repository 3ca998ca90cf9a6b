"""Service settings: one frozen dataclass per concern, every field read from a `TP_` variable.

Nothing is read at import time; `Settings.from_env()` is called by `create_app()` when no
settings are passed in, and tests build `Settings(...)` directly.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from serving.storage.settings import StorageSettings
from training.settings import ENV_PREFIX, MlflowSettings

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
HTTP_SERVERS = ("granian", "uvicorn")
MAX_PORT = 65_535
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class SettingsError(ValueError):
    """An environment variable has a value the service cannot use; the message names it."""


def _get(env: Mapping[str, str], name: str) -> str | None:
    return env.get(ENV_PREFIX + name)


def _str(env: Mapping[str, str], name: str, default: str) -> str:
    value = _get(env, name)
    return default if value is None else value


def _int(
    env: Mapping[str, str], name: str, default: int, minimum: int = 0, maximum: int | None = None
) -> int:
    raw = _get(env, name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(
            f"{ENV_PREFIX}{name}={raw!r} is not a whole number; set e.g. {default}"
        ) from None
    if value < minimum:
        raise SettingsError(f"{ENV_PREFIX}{name}={value} must be at least {minimum}")
    if maximum is not None and value > maximum:
        raise SettingsError(f"{ENV_PREFIX}{name}={value} must be at most {maximum}")
    return value


def _float(env: Mapping[str, str], name: str, default: float, minimum: float = 0.0) -> float:
    raw = _get(env, name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(
            f"{ENV_PREFIX}{name}={raw!r} is not a number; set e.g. {default}"
        ) from None
    if value < minimum:
        raise SettingsError(f"{ENV_PREFIX}{name}={value} must be at least {minimum}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = _get(env, name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingsError(f"{ENV_PREFIX}{name}={raw!r} is not a boolean; use true or false")


def packaged_rules_path() -> Path:
    """The sample rules file shipped in `classifier/` (used when `TP_RULES_FILE` is unset)."""
    try:
        from classifier.rules import default_rules_path
    except ImportError:
        return Path(__file__).resolve().parent.parent / "classifier" / "rules.yaml"
    return Path(default_rules_path())


@dataclass(frozen=True)
class ServerSettings:
    """Where the service listens (the `serve` command passes these to uvicorn).

    Attributes:
        host: `TP_HOST`, default `127.0.0.1`.
        port: `TP_PORT`, default `8000`.
        workers: `TP_WORKERS`, default `1`; the app is stateless apart from the database.
        debug: `TP_DEBUG`, default false; Litestar debug pages (never in production).
        http_server: `TP_SERVER`, default `granian`; the ASGI server `serve` runs the
            app under: `granian` (Rust HTTP; a steadier p99 at 16 connections on one core,
            see README) or `uvicorn` (~20% less CPU per request, but a p99 3-5x its p50).
        gzip_min_bytes: `TP_GZIP_MIN_BYTES`, default `4096`; answers at least this large
            (and streamed exports) are gzipped for clients that send `Accept-Encoding: gzip`;
            0 turns compression off (e.g. behind a proxy that compresses). A single decision
            is ~1-1.5 KB and stays uncompressed.
        stop_seconds: `TP_STOP_SECONDS`, default `8`; after SIGTERM a worker has this long to
            finish its requests in flight and write the predictions it answered, then it is
            killed (what it had not stored is lost). Keep it a little under the orchestrator's
            grace period before its SIGKILL: Docker 10 s by default, Kubernetes 30 s.
    """

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    debug: bool = False
    http_server: str = "granian"
    gzip_min_bytes: int = 4096
    stop_seconds: int = 8

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ServerSettings:
        """Read `TP_HOST`, `TP_PORT`, `TP_WORKERS`, `TP_DEBUG`, `TP_SERVER`,
        `TP_GZIP_MIN_BYTES`, `TP_STOP_SECONDS`."""
        d = cls()
        http_server = _str(env, "SERVER", d.http_server).strip().lower()
        if http_server not in HTTP_SERVERS:
            raise SettingsError(
                f"{ENV_PREFIX}SERVER={http_server!r} is not a known server; "
                f"use one of {', '.join(HTTP_SERVERS)}"
            )
        return cls(
            host=_str(env, "HOST", d.host),
            port=_int(env, "PORT", d.port, minimum=0, maximum=MAX_PORT),
            workers=_int(env, "WORKERS", d.workers, minimum=1),
            debug=_bool(env, "DEBUG", d.debug),
            http_server=http_server,
            gzip_min_bytes=_int(env, "GZIP_MIN_BYTES", d.gzip_min_bytes, minimum=0),
            stop_seconds=_int(env, "STOP_SECONDS", d.stop_seconds, minimum=1),
        )


@dataclass(frozen=True)
class ModelSettings:
    """Which model to serve and how often to look for a new one.

    Attributes:
        mlflow: registry coordinates (`TP_MLFLOW_*`, `TP_MODEL_NAME`, `TP_MODEL_ALIAS`).
        cache_dir: `TP_MODEL_CACHE_DIR`, default `models/`; downloaded versions live in
            `<cache_dir>/<name>/<version>/` and are served when the registry is down.
        refresh_seconds: `TP_MODEL_REFRESH_SECONDS`, default `30`; how often the alias is
            checked (0 disables the background check; `POST /v1/admin/reload` still works).
        local_dir: `TP_MODEL_DIR`, default unset; serve this `PriorityModel.save()` folder
            instead of the registry (no refresh).
        registry_enabled: `TP_MODEL_REGISTRY`, default true; false serves only the cache.
    """

    mlflow: MlflowSettings = field(default_factory=MlflowSettings)
    cache_dir: Path = Path("models")
    refresh_seconds: float = 30.0
    local_dir: Path | None = None
    registry_enabled: bool = True

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ModelSettings:
        """Read the model fields and the shared `MlflowSettings`."""
        d = cls()
        local = _str(env, "MODEL_DIR", "")
        return cls(
            mlflow=_mlflow_from(env),
            cache_dir=Path(_str(env, "MODEL_CACHE_DIR", str(d.cache_dir))),
            refresh_seconds=_float(env, "MODEL_REFRESH_SECONDS", d.refresh_seconds),
            local_dir=Path(local) if local else None,
            registry_enabled=_bool(env, "MODEL_REGISTRY", d.registry_enabled),
        )


def _mlflow_from(env: Mapping[str, str]) -> MlflowSettings:
    d = MlflowSettings()
    return MlflowSettings(
        tracking_uri=_str(env, "MLFLOW_TRACKING_URI", d.tracking_uri),
        artifact_root=_str(env, "MLFLOW_ARTIFACT_ROOT", d.artifact_root),
        experiment=_str(env, "MLFLOW_EXPERIMENT", d.experiment),
        model_name=_str(env, "MODEL_NAME", d.model_name),
        champion_alias=_str(env, "MODEL_ALIAS", d.champion_alias),
    )


@dataclass(frozen=True)
class RulesSettings:
    """The SLA rules file and how often it is checked for changes.

    Attributes:
        rules_file: `TP_RULES_FILE`, default the packaged sample `classifier/rules.yaml`.
        reload_seconds: `TP_RULES_RELOAD_SECONDS`, default `5`; 0 disables the file watch.
    """

    rules_file: Path | None = None
    reload_seconds: float = 5.0

    @property
    def path(self) -> Path:
        """The configured rules file, or the packaged sample."""
        return self.rules_file if self.rules_file is not None else packaged_rules_path()

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> RulesSettings:
        """Read `TP_RULES_FILE` and `TP_RULES_RELOAD_SECONDS`."""
        path = _str(env, "RULES_FILE", "")
        return cls(
            rules_file=Path(path) if path else None,
            reload_seconds=_float(env, "RULES_RELOAD_SECONDS", cls().reload_seconds),
        )


@dataclass(frozen=True)
class AuthSettings:
    """API keys, stored only as hashes (see `serving.auth.new_api_key`).

    Attributes:
        api_keys: `TP_API_KEYS`, default none; comma-separated entries
            `<key_id>:<sha256 hex of the key>:<scope>+<scope>` with scopes predict, review,
            admin. With no keys every protected endpoint answers 401 unless `required` is off.
        api_keys_file: `TP_API_KEYS_FILE`, default none; a file with one such entry per line
            (`#` comments and blank lines allowed), re-read by every worker when it reloads
            the rules (`serving.key_file`): keys change without a restart. Not together with
            `TP_API_KEYS`.
        required: `TP_AUTH_REQUIRED`, default true; false opens every endpoint (local
            experiments only).
        metrics_public: `TP_METRICS_PUBLIC`, default true; false puts /metrics behind the
            admin scope.
    """

    api_keys: tuple[str, ...] = ()
    api_keys_file: Path | None = None
    required: bool = True
    metrics_public: bool = True

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> AuthSettings:
        """Read `TP_API_KEYS`, `TP_API_KEYS_FILE`, `TP_AUTH_REQUIRED`, `TP_METRICS_PUBLIC`.

        Raises:
            SettingsError: both `TP_API_KEYS` and `TP_API_KEYS_FILE` are set.
        """
        d = cls()
        raw = _str(env, "API_KEYS", "")
        entries = tuple(e.strip() for e in raw.replace("\n", ",").split(",") if e.strip())
        path = _str(env, "API_KEYS_FILE", "").strip()
        if entries and path:
            raise SettingsError(
                f"{ENV_PREFIX}API_KEYS and {ENV_PREFIX}API_KEYS_FILE are both set: keep one (the "
                f"file's keys can change without a restart; move the entries into it, one per "
                f"line, and unset {ENV_PREFIX}API_KEYS)"
            )
        return cls(
            api_keys=entries,
            api_keys_file=Path(path) if path else None,
            required=_bool(env, "AUTH_REQUIRED", d.required),
            metrics_public=_bool(env, "METRICS_PUBLIC", d.metrics_public),
        )


@dataclass(frozen=True)
class LimitSettings:
    """Input limits; anything larger is answered with 413 naming the limit.

    Attributes:
        subject_chars: `TP_MAX_SUBJECT_CHARS`, default 1,000.
        body_chars: `TP_MAX_BODY_CHARS`, default 50,000.
        batch_size: `TP_MAX_BATCH_SIZE`, default 1,000 tickets per batch request.
        request_bytes: `TP_MAX_REQUEST_BYTES`, default 16 MiB per request body.
        body_seconds: `TP_BODY_TIMEOUT_SECONDS`, default 60; a request body must arrive in full
            within this many seconds of the request's start, else 408.
    """

    subject_chars: int = 1_000
    body_chars: int = 50_000
    batch_size: int = 1_000
    request_bytes: int = 16 * 1024 * 1024
    body_seconds: float = 60.0  # a full 16 MiB batch at ~2.5 Mbit/s

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> LimitSettings:
        """Read the `TP_MAX_*` variables."""
        d = cls()
        return cls(
            subject_chars=_int(env, "MAX_SUBJECT_CHARS", d.subject_chars, minimum=1),
            body_chars=_int(env, "MAX_BODY_CHARS", d.body_chars, minimum=1),
            batch_size=_int(env, "MAX_BATCH_SIZE", d.batch_size, minimum=1),
            request_bytes=_int(env, "MAX_REQUEST_BYTES", d.request_bytes, minimum=1024),
            body_seconds=_float(env, "BODY_TIMEOUT_SECONDS", d.body_seconds, minimum=0.1),
        )


@dataclass(frozen=True)
class LogSettings:
    """Structured logging.

    Attributes:
        level: `TP_LOG_LEVEL`, default `INFO`; DEBUG, INFO, WARNING (or WARN), ERROR or
            CRITICAL, any case.
        json: `TP_LOG_JSON`, default true; false prints human-readable lines.
        log_text: `TP_LOG_TEXT`, default false; true writes ticket text to the log (debugging
            only: ticket text is personal data).
    """

    level: str = "INFO"
    json: bool = True
    log_text: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> LogSettings:
        """Read `TP_LOG_LEVEL`, `TP_LOG_JSON`, `TP_LOG_TEXT`."""
        d = cls()
        level = _str(env, "LOG_LEVEL", d.level).strip().upper() or d.level
        level = "WARNING" if level == "WARN" else level
        if level not in LOG_LEVELS:
            raise SettingsError(
                f"{ENV_PREFIX}LOG_LEVEL={level.lower()!r} is not a log level; use one of "
                f"{', '.join(LOG_LEVELS)}"
            )
        return cls(
            level=level,
            json=_bool(env, "LOG_JSON", d.json),
            log_text=_bool(env, "LOG_TEXT", d.log_text),
        )


# RFC 9110 field-name characters (a "token"): what an operator may name as the key header.
_TOKEN = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


@dataclass(frozen=True)
class IdempotencySettings:
    """Retried predict requests answered once (IETF draft-ietf-httpapi-idempotency-key-header).

    Attributes:
        hours: `TP_IDEMPOTENCY_HOURS`, default 24; a request repeating an idempotency key (of
            the same API key) within this many hours is answered with the first answer and
            stores nothing new. 0 ignores the header.
        header: `TP_IDEMPOTENCY_HEADER`, default `Idempotency-Key`; the request header read
            for the key, e.g. `X-Zendesk-Webhook-Invocation-Id` for Zendesk webhooks.
        cache_size: `TP_IDEMPOTENCY_CACHE`, default 10,000; keys each worker remembers with
            their answers (older ones are looked up in the review store).
    """

    hours: float = 24.0
    header: str = "Idempotency-Key"
    cache_size: int = 10_000

    @property
    def enabled(self) -> bool:
        """Whether the header is read at all."""
        return self.hours > 0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> IdempotencySettings:
        """Read `TP_IDEMPOTENCY_HOURS`, `TP_IDEMPOTENCY_HEADER`, `TP_IDEMPOTENCY_CACHE`."""
        d = cls()
        header = _str(env, "IDEMPOTENCY_HEADER", d.header).strip()
        if not header or not set(header) <= _TOKEN:
            raise SettingsError(
                f"{ENV_PREFIX}IDEMPOTENCY_HEADER={header!r} is not a header name; use letters, "
                "digits and '-', e.g. Idempotency-Key or X-Zendesk-Webhook-Invocation-Id"
            )
        return cls(
            hours=_float(env, "IDEMPOTENCY_HOURS", d.hours),
            header=header,
            cache_size=_int(env, "IDEMPOTENCY_CACHE", d.cache_size, minimum=1),
        )


@dataclass(frozen=True)
class Settings:
    """All service settings.

    Attributes:
        server / model / rules / auth / limits / log: one group per concern (see each class).
        shadow_mode: `TP_SHADOW_MODE`, default false; the model is asked but rules and the
            default level decide, the model's view is reported as `shadow_model_priority`.
        idempotency: retried requests answered once (see `IdempotencySettings`).
        storage: the review store (`TP_DATABASE_URL`, ...; see `StorageSettings`).
            `from_env()` always sets it; None (the dataclass default, used by tests that
            build settings by hand) runs without a review store or review page.
    """

    server: ServerSettings = field(default_factory=ServerSettings)
    model: ModelSettings = field(default_factory=ModelSettings)
    rules: RulesSettings = field(default_factory=RulesSettings)
    auth: AuthSettings = field(default_factory=AuthSettings)
    limits: LimitSettings = field(default_factory=LimitSettings)
    log: LogSettings = field(default_factory=LogSettings)
    shadow_mode: bool = False
    idempotency: IdempotencySettings = field(default_factory=IdempotencySettings)
    storage: StorageSettings | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from `TP_` variables (`os.environ` unless a mapping is given).

        Raises:
            SettingsError: a variable has an unusable value; the message names it.
        """
        source = os.environ if env is None else env
        return cls(
            server=ServerSettings.from_env(source),
            model=ModelSettings.from_env(source),
            rules=RulesSettings.from_env(source),
            auth=AuthSettings.from_env(source),
            limits=LimitSettings.from_env(source),
            log=LogSettings.from_env(source),
            shadow_mode=_bool(source, "SHADOW_MODE", False),
            idempotency=IdempotencySettings.from_env(source),
            storage=StorageSettings.from_env(source),
        )
