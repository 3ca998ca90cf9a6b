"""Review-store settings: where predictions and reviews live, what reviewers may say, redaction.

Read through `StorageSettings.from_env()`; nothing is read at import time.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

ENV_PREFIX = "TP_"

DEFAULT_REASONS: tuple[tuple[str, str], ...] = (
    ("impact_underestimated", "Customer impact underestimated"),
    ("impact_overestimated", "Customer impact overestimated"),
    ("vip", "VIP customer"),
    ("wrong_language", "Wrong language"),
    ("spam", "Spam or not a ticket"),
    ("duplicate", "Duplicate ticket"),
    ("other", "Other (see note)"),
)


class StorageSettingsError(ValueError):
    """A storage variable has a value the service cannot use; the message names it."""


def _parse_reasons(raw: str) -> tuple[tuple[str, str], ...]:
    reasons: list[tuple[str, str]] = []
    for entry in raw.replace("\n", ",").split(","):
        if not entry.strip():
            continue
        code, _, label = entry.partition(":")
        code = code.strip()
        if not code or not code.replace("_", "").replace("-", "").isalnum():
            raise StorageSettingsError(
                f"{ENV_PREFIX}REVIEW_REASONS: {entry.strip()!r} needs a code of letters, digits,"
                " '_' or '-', optionally followed by ':Label', e.g. 'vip:VIP customer'"
            )
        reasons.append((code, label.strip() or code.replace("_", " ").capitalize()))
    if not reasons:
        raise StorageSettingsError(f"{ENV_PREFIX}REVIEW_REASONS is set but lists no reason codes")
    return tuple(reasons)


def _at_least_one(name: str, value: int) -> int:
    if value < 1:
        raise StorageSettingsError(f"{ENV_PREFIX}{name}={value} must be at least 1, e.g. 2000")
    return value


@dataclass(frozen=True)
class StorageSettings:
    """The review store.

    Attributes:
        database_url: `TP_DATABASE_URL` (or plain `DATABASE_URL`), default
            `sqlite:///reviews.db` (a file in the working folder). PostgreSQL: `postgresql://user:password@host:5432/dbname`.
        migrate_on_start: `TP_DATABASE_MIGRATE`, default true; apply alembic migrations when
            the service starts (`ticket-priority db upgrade` does the same by hand).
        redact_text_after_days: `TP_REDACT_TEXT_AFTER_DAYS`, default 90; subject, body and
            custom attributes of stored requests older than this are removed, and so are the
            model's reasons that quote ticket words (0 keeps text forever).
        reasons: `TP_REVIEW_REASONS`, default a seven-code list; comma-separated
            `code:Label` entries a reviewer chooses from when overriding.
        session_hours: `TP_REVIEW_SESSION_HOURS`, default 12; review page sign-in lifetime.
        secure_cookies: `TP_SECURE_COOKIES`, default false; mark the session cookie `Secure`
            (turn on behind HTTPS).
        prediction_flush_ms: `TP_PREDICTION_FLUSH_MS`, default 200; predictions are queued
            and written in batches this often, so predicting never waits for the disk (a
            crash loses at most this window of predictions, never a review). 0 writes each
            request's predictions before its response.
        prediction_queue: `TP_PREDICTION_QUEUE`, default 2,000; answered predictions each
            worker keeps while the store cannot take them (~2.4 KB each); beyond it the oldest
            are dropped (`tp_predictions_not_stored_total{reason="queue_full"}`). At ~300
            predictions/s per worker 2,000 cover ~7 s of outage; 50,000 (~120 MB) ~3 minutes.
    """

    database_url: str = "sqlite:///reviews.db"
    migrate_on_start: bool = True
    redact_text_after_days: int = 90
    reasons: tuple[tuple[str, str], ...] = DEFAULT_REASONS
    session_hours: int = 12
    secure_cookies: bool = False
    prediction_flush_ms: int = 200
    prediction_queue: int = 2_000

    @property
    def reason_codes(self) -> tuple[str, ...]:
        """The configured reason codes, in display order."""
        return tuple(code for code, _ in self.reasons)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> StorageSettings:
        """Read the `TP_` variables above (`os.environ` unless a mapping is given).

        Raises:
            StorageSettingsError: a variable has an unusable value; the message names it.
        """
        source = os.environ if env is None else env
        d = cls()

        def get(name: str) -> str | None:
            value = source.get(ENV_PREFIX + name)
            return None if value is None or not value.strip() else value.strip()

        def whole(name: str, default: int) -> int:
            raw = get(name)
            if raw is None:
                return default
            if not raw.isdigit():
                raise StorageSettingsError(
                    f"{ENV_PREFIX}{name}={raw!r} must be a whole number >= 0, e.g. {default}"
                )
            return int(raw)

        def flag(name: str, default: bool) -> bool:
            raw = get(name)
            if raw is None:
                return default
            if raw.lower() in {"1", "true", "yes", "on"}:
                return True
            if raw.lower() in {"0", "false", "no", "off"}:
                return False
            raise StorageSettingsError(f"{ENV_PREFIX}{name}={raw!r} must be true or false")

        reasons_raw = get("REVIEW_REASONS")
        return cls(
            # The conventional unprefixed DATABASE_URL (Heroku, Render, Fly.io, ...) also works.
            database_url=get("DATABASE_URL")
            or (source.get("DATABASE_URL") or "").strip()
            or d.database_url,
            migrate_on_start=flag("DATABASE_MIGRATE", d.migrate_on_start),
            redact_text_after_days=whole("REDACT_TEXT_AFTER_DAYS", d.redact_text_after_days),
            reasons=_parse_reasons(reasons_raw) if reasons_raw else d.reasons,
            session_hours=max(1, whole("REVIEW_SESSION_HOURS", d.session_hours)),
            secure_cookies=flag("SECURE_COOKIES", d.secure_cookies),
            prediction_flush_ms=whole("PREDICTION_FLUSH_MS", d.prediction_flush_ms),
            prediction_queue=_at_least_one(
                "PREDICTION_QUEUE", whole("PREDICTION_QUEUE", d.prediction_queue)
            ),
        )
