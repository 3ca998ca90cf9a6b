"""API keys with scopes, stored only as SHA-256 hashes, checked in constant time.

A config entry reads `<key_id>:<sha256 hex of the key>:<scope>+<scope>`, e.g.
`demo:9f86d0...:predict+review`. Keys are 32 random bytes, so a fast hash is enough: there is
nothing to brute-force. Clients send `Authorization: Bearer <key>`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

Scope = Literal["predict", "review", "admin"]
SCOPES: tuple[Scope, ...] = ("predict", "review", "admin")
_HEX = frozenset("0123456789abcdef")


class AuthConfigError(ValueError):
    """An API key entry in the configuration is malformed; the message names the entry."""


@dataclass(frozen=True)
class ApiKey:
    """One configured key: its id (safe to log), the hash of its secret and its scopes."""

    key_id: str
    sha256: bytes
    scopes: frozenset[str]


def hash_key(plaintext: str) -> str:
    """SHA-256 hex digest of a key, as stored in the configuration."""
    return hashlib.sha256(plaintext.encode()).hexdigest()


def parse_entry(entry: str, where: str = "TP_API_KEYS entry") -> ApiKey:
    """Parse one `<key_id>:<sha256 hex>:<scope>+<scope>` entry.

    Args:
        entry: the entry's text.
        where: how errors name the entry's place, e.g. `keys.txt line 3: entry`.

    Raises:
        AuthConfigError: the entry is malformed; the message says which part and the fix.
    """
    parts = entry.strip().split(":")
    if len(parts) == 1 and parts[0].strip() in SCOPES:
        raise AuthConfigError(
            f"{where} {parts[0].strip()!r} is a scope on its own: commas separate "
            "entries, so join one key's scopes with '+' (`...:predict+review`)"
        )
    if len(parts) != 3:
        # An entry without a colon may be a key pasted in by mistake: never echo it (the key
        # file's problem is shown on the public readiness answer).
        shown = f" {parts[0].strip()[:40]!r}..." if len(parts) > 1 else ""
        raise AuthConfigError(
            f"{where}{shown}: expected <key_id>:<sha256 hex>:<scopes>; "
            "create one with `ticket-priority new-key --scopes predict`"
        )
    key_id, digest, scopes_text = (p.strip() for p in parts)
    digest = digest.lower()
    if len(digest) != 64 or not set(digest) <= _HEX:
        raise AuthConfigError(
            f"{where} {key_id!r}: the hash must be 64 hex characters (SHA-256 of the "
            "key), never the key itself"
        )
    scopes = frozenset(s.strip() for s in scopes_text.split("+") if s.strip())
    unknown = scopes - set(SCOPES)
    if not scopes or unknown:
        raise AuthConfigError(
            f"{where} {key_id!r}: scopes {sorted(unknown) or '(none)'} are not "
            f"valid; use {'+'.join(SCOPES)}"
        )
    return ApiKey(key_id=key_id, sha256=bytes.fromhex(digest), scopes=scopes)


def new_api_key(scopes: Iterable[str], name: str | None = None) -> tuple[str, str]:
    """Create a key: returns (plaintext to hand to the client, config entry to store).

    Args:
        scopes: any of predict, review, admin.
        name: the key id, a readable name for logs; random when omitted.

    Raises:
        AuthConfigError: an unknown scope or a key id containing `:` or `,`.
    """
    chosen = [s.strip() for s in scopes if s.strip()]
    unknown = [s for s in chosen if s not in SCOPES]
    if unknown or not chosen:
        raise AuthConfigError(
            f"{', '.join(map(repr, unknown)) or 'no scope'} given; scopes are "
            f"{', '.join(SCOPES)} (comma-separated)"
        )
    kid = name or secrets.token_hex(4)
    if ":" in kid or "," in kid:
        raise AuthConfigError(f"key id {kid!r} must not contain ':' or ','")
    plaintext = f"tp_{kid}_{secrets.token_urlsafe(32)}"
    entry = f"{kid}:{hash_key(plaintext)}:{'+'.join(chosen)}"
    parse_entry(entry)  # validates the scopes
    return plaintext, entry


class Keyring:
    """The configured keys; `authenticate` compares against every one in constant time.

    `keys` is one tuple, swapped whole by `replace` (a reload of `TP_API_KEYS_FILE`), so a
    request sees either the old keys or the new ones.
    """

    def __init__(self, entries: Iterable[str], *, required: bool = True) -> None:
        self.keys: tuple[ApiKey, ...] = tuple(parse_entry(e) for e in entries)
        self.required = required

    def replace(self, keys: Iterable[ApiKey]) -> None:
        """Put `keys` in force instead of the current ones (review sessions of a key no longer
        among them end at their next request)."""
        self.keys = tuple(keys)

    def authenticate(self, plaintext: str) -> ApiKey | None:
        """The key matching `plaintext`, or None. Time does not depend on which key matched."""
        digest = hashlib.sha256(plaintext.encode()).digest()
        found: ApiKey | None = None
        for key in self.keys:
            if hmac.compare_digest(digest, key.sha256):
                found = key
        return found

    def authorize(self, header: str | None, scope: str) -> ApiKey | None:
        """Check an `Authorization` header value for `scope`.

        Returns:
            The matching key, or None when authentication is switched off.

        Raises:
            NotAuthorizedException: no, malformed or unknown key (401).
            PermissionDeniedException: a valid key without the scope (403).
        """
        if not self.required:
            return None
        if not header:
            raise NotAuthorizedException(
                "missing API key: send the header 'Authorization: Bearer <key>'"
            )
        kind, _, token = header.strip().partition(" ")
        if kind.lower() != "bearer" or not token.strip():
            raise NotAuthorizedException("malformed Authorization header: expected 'Bearer <key>'")
        key = self.authenticate(token.strip())
        if key is None:
            hint = "" if self.keys else " (the server has no keys configured; set TP_API_KEYS)"
            raise NotAuthorizedException("unknown API key" + hint)
        if scope not in key.scopes:
            raise PermissionDeniedException(
                f"API key {key.key_id!r} lacks the {scope!r} scope; it has "
                f"{'+'.join(sorted(key.scopes))}"
            )
        return key


def authorization_header(scope: Any) -> str | None:
    """The request's `Authorization` header value, or None (read from the raw ASGI scope)."""
    # Straight from the raw ASGI headers: building Litestar's Headers object for one header
    # costs more than the whole key check.
    for name, value in scope["headers"]:
        if name == b"authorization" or (len(name) == 13 and name.lower() == b"authorization"):
            return str(value.decode("latin-1"))
    return None


def require(scope: Scope) -> Guard:
    """A Litestar guard that admits requests whose key has `scope`.

    The keyring is read from `app.state.keyring`, set by `create_app`.
    """

    # async: Litestar runs a sync guard in its thread pool, a thread hop on every request.
    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:  # type: ignore[type-arg]
        keyring: Keyring = connection.app.state.keyring
        key = keyring.authorize(authorization_header(connection.scope), scope)
        if key is not None:
            connection.scope["state"]["api_key_id"] = key.key_id

    guard.__name__ = f"require_{scope}"
    return guard


def main(argv: list[str] | None = None) -> None:
    """`python -m serving.auth predict+review [key_id]`: print a new key and its entry."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    scopes = (args[0] if args else "predict").split("+")
    plaintext, entry = new_api_key(scopes, args[1] if len(args) > 1 else None)
    sys.stdout.write(f"key (give to the client, shown once): {plaintext}\n")
    sys.stdout.write(f"entry (append to TP_API_KEYS): {entry}\n")


if __name__ == "__main__":
    main()
