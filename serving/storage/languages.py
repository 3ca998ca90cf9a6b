"""The language column of stored predictions whose request named none: detected from the text.

The queue's language filter compares the `language` column. A helpdesk that does not send
`language` left it empty, so those tickets were under no language. Detecting it costs
~20-70 us a ticket (`classifier.text.guess_language` on the normalised words, what the rules
use), too much for the request path: the store's writer does it when it writes a batch
(`with_languages`, in a worker thread so the event loop keeps answering), and
`ticket-priority db detect-languages` fills the rows stored before this (`backfill`). A language
the request sent is kept as sent. Text too short to tell (fewer than two function words of one
language) stays without a language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import Engine, select, update

from classifier.text import Doc, guess_language
from serving.persistence import EncodedPrediction
from serving.storage.models import Prediction

BACKFILL_CHUNK = 500


class _Text(msgspec.Struct):
    subject: str | None = None
    body: str | None = None


_decode_text = msgspec.json.Decoder(_Text).decode


def detect(subject: str | None, body: str | None) -> str | None:
    """The language of a ticket's text as the rules detect it, or None when unsure."""
    return guess_language(Doc(subject or "", body or "").words())


def detected_language(request: Mapping[str, Any]) -> str | None:
    """`detect` on a stored request (a JSON-ready dict)."""
    subject, body = request.get("subject"), request.get("body")
    return detect(str(subject or ""), str(body or ""))


def _detect_encoded(request_json: bytes) -> str | None:
    try:
        text = _decode_text(request_json)  # only the two text fields are decoded
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    return detect(text.subject, text.body)


def needs_language(records: Sequence[EncodedPrediction]) -> bool:
    """Whether any record has no language (else `with_languages` has nothing to do)."""
    return any(record.language is None for record in records)


def with_languages(records: Sequence[EncodedPrediction]) -> list[EncodedPrediction]:
    """The records, each without a language given the one detected from its text."""
    return [
        record
        if record.language is not None
        else msgspec.structs.replace(record, language=_detect_encoded(record.request_json))
        for record in records
    ]


@dataclass(frozen=True)
class Backfill:
    """What `backfill` did: rows without a language it read, and how many it could tell."""

    examined: int
    detected: int


def backfill(engine: Engine, chunk: int = BACKFILL_CHUNK) -> Backfill:
    """Detect the language of every stored prediction that has none, a chunk per transaction.

    Safe to repeat and to run while the service writes: a row is only updated while its
    language is still empty. Redacted rows have no text left and stay empty.
    """
    examined = detected = 0
    last = ""
    while True:
        with engine.begin() as connection:
            rows = connection.execute(
                select(Prediction.id, Prediction.request)
                .where(Prediction.language.is_(None), Prediction.id > last)
                .order_by(Prediction.id)
                .limit(chunk)
            ).all()
            for prediction_id, request in rows:
                language = detected_language(request if isinstance(request, Mapping) else {})
                if language is not None:
                    connection.execute(
                        update(Prediction)
                        .where(Prediction.id == prediction_id, Prediction.language.is_(None))
                        .values(language=language)
                    )
                    detected += 1
        examined += len(rows)
        if len(rows) < chunk:
            return Backfill(examined, detected)
        last = rows[-1][0]
