"""API keys: hashed storage, scopes, 401 vs 403, malformed configuration."""

from __future__ import annotations

import pytest
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException

from serving.auth import AuthConfigError, Keyring, hash_key, new_api_key, parse_entry


def test_a_new_key_is_stored_only_as_its_hash() -> None:
    plaintext, entry = new_api_key(["predict", "review"], name="agent")
    assert plaintext not in entry
    key_id, digest, scopes = entry.split(":")
    assert key_id == "agent"
    assert digest == hash_key(plaintext)
    assert scopes == "predict+review"


def test_two_new_keys_differ() -> None:
    assert new_api_key(["predict"])[0] != new_api_key(["predict"])[0]


def test_the_right_key_authenticates_and_a_wrong_one_does_not() -> None:
    plaintext, entry = new_api_key(["predict"], name="p")
    ring = Keyring([entry])
    key = ring.authorize(f"Bearer {plaintext}", "predict")
    assert key is not None
    assert key.key_id == "p"
    with pytest.raises(NotAuthorizedException, match="unknown API key"):
        ring.authorize(f"Bearer {plaintext}x", "predict")


def test_a_key_without_the_scope_is_forbidden_not_unauthorized() -> None:
    plaintext, entry = new_api_key(["review"], name="r")
    with pytest.raises(PermissionDeniedException, match="lacks the 'admin' scope"):
        Keyring([entry]).authorize(f"Bearer {plaintext}", "admin")


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer ", "token"])
def test_missing_or_malformed_headers_are_unauthorized(header: str | None) -> None:
    _, entry = new_api_key(["predict"])
    with pytest.raises(NotAuthorizedException):
        Keyring([entry]).authorize(header, "predict")


def test_with_no_keys_configured_the_message_says_how_to_fix_it() -> None:
    with pytest.raises(NotAuthorizedException, match="TP_API_KEYS"):
        Keyring([]).authorize("Bearer whatever", "predict")


def test_auth_can_be_switched_off_explicitly() -> None:
    assert Keyring([], required=False).authorize(None, "admin") is None


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("onlyone", "expected <key_id>"),
        ("a:" + "z" * 64 + ":predict", "64 hex"),
        ("a:" + "0" * 63 + ":predict", "64 hex"),
        ("a:" + "0" * 64 + ":superuser", "not valid"),
        ("a:" + "0" * 64 + ":", "not valid"),
        ("review", "join one key's scopes with '\\+'"),
    ],
)
def test_malformed_entries_are_rejected_with_the_fix(entry: str, problem: str) -> None:
    with pytest.raises(AuthConfigError, match=problem):
        parse_entry(entry)


def test_unknown_scopes_cannot_be_issued() -> None:
    with pytest.raises(AuthConfigError):
        new_api_key(["root"])


def test_scopes_written_with_commas_in_tp_api_keys_are_explained() -> None:
    entry = "zendesk:" + "0" * 64 + ":predict,review"
    with pytest.raises(AuthConfigError, match=r"'review' is a scope on its own"):
        Keyring(entry.split(","))
