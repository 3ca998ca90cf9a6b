"""`ticket-priority new-key`: a key for the client and the hashed entry the service accepts."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from serving.auth import Keyring
from serving.cli import app


def test_the_printed_entry_authenticates_the_printed_key_with_its_scopes() -> None:
    result = CliRunner().invoke(app, ["new-key", "--scopes", "predict,review", "--name", "zd"])

    assert result.exit_code == 0, result.output
    key = re.search(r"key \(give to the client\):\s+(\S+)", result.output)
    entry = re.search(r"entry \(append to TP_API_KEYS, comma-separated\): (\S+)", result.output)
    assert key is not None
    assert entry is not None
    assert key.group(1) not in entry.group(1)  # only the hash is stored
    found = Keyring([entry.group(1)]).authenticate(key.group(1))
    assert found is not None
    assert set(found.scopes) == {"predict", "review"}


def test_an_unknown_scope_is_a_usage_error_naming_the_allowed_scopes() -> None:
    result = CliRunner().invoke(
        app, ["new-key", "--scopes", "predict,bogus"], env={"COLUMNS": "200"}
    )

    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "'bogus' given; scopes are predict, review, admin (comma-separated)" in text
    assert "TP_API_KEYS entry" not in text  # no entry was written, so none is named
