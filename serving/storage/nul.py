"""NUL characters in stored text: PostgreSQL `text` and `jsonb` cannot hold U+0000.

A ticket may carry one (pasted binary, a broken helpdesk export). The service still answers it
unchanged; the stored copy gets U+FFFD (the replacement character) in its place, on every
backend, so the review store holds the same text on SQLite and PostgreSQL and one odd ticket
never makes a batch of predictions unwritable. Lookups go through the same mapping (a filter
value) or find nothing (an id with a NUL), so no request sends the database a NUL.
"""

from __future__ import annotations

import re

import msgspec

from serving.persistence import EncodedPrediction

NUL = "\x00"
REPLACEMENT = "\ufffd"
_JSON_NUL = b"\\u0000"
# `\u0000` is an escape only after an even number of backslashes (`\\u0000` is the text "\u0000").
_JSON_NUL_ESCAPE = re.compile(rb"(?<!\\)((?:\\\\)*)\\u0000")


def stored_text(value: str | None) -> str | None:
    """`value` as the store keeps it: also what a lookup (a queue filter) must compare with."""
    return value.replace(NUL, REPLACEMENT) if value is not None and NUL in value else value


def _json(encoded: bytes) -> bytes:
    if _JSON_NUL not in encoded:  # the common case: one substring search, no regex
        return encoded
    return _JSON_NUL_ESCAPE.sub(rb"\1\\ufffd", encoded)


def storable(record: EncodedPrediction) -> EncodedPrediction:
    """`record` with every NUL in its text (request, Decision, external id, language) replaced
    by U+FFFD; the same object when it has none."""
    request_json = _json(record.request_json)
    decision_json = _json(record.decision_json)
    external_id = stored_text(record.external_id)
    language = stored_text(record.language)
    if (
        request_json is record.request_json
        and decision_json is record.decision_json
        and external_id is record.external_id
        and language is record.language
    ):
        return record
    return msgspec.structs.replace(
        record,
        request_json=request_json,
        decision_json=decision_json,
        external_id=external_id,
        language=language,
    )
