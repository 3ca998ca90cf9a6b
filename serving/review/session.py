"""Review page sign-in: an HMAC-signed session cookie and CSRF tokens bound to it.

The cookie holds the key id, the agent's name, a fingerprint of the key's hash, an expiry and a
random nonce; the
CSRF token is an HMAC of the nonce, so a forged form from another site cannot know it. The
fingerprint ties the session to the key itself, not only its id: a key rotated under the same id
(or removed) ends every session opened with the old one. The signing secret lives in the
database (shared by every worker) and never leaves the server. Signing out records the nonce
in the database (`ReviewStore.revoke_session`), which every worker checks.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

COOKIE = "tp_review_session"
LOGIN_COOKIE = "tp_review_login"
AGENT_COOKIE = "tp_review_agent"  # the agent's name, remembered for the next sign-in


@dataclass(frozen=True)
class PageSession:
    """A signed-in reviewer.

    `key_fingerprint` is `key_fingerprint(secret, key.sha256)` of the key that signed in ("" when
    the service runs without keys). `agent` is the name the agent gave at sign-in: several
    agents may share one key (a "helpdesk team" key), and each review records who made it.
    """

    key_id: str
    expires: int
    nonce: str
    key_fingerprint: str = ""
    agent: str = ""

    @property
    def reviewer(self) -> str:
        """Who reviews in this session: the name given at sign-in, else the key's id
        (sessions opened before names were asked for)."""
        return self.agent or self.key_id


def _mac(secret: bytes, message: str) -> str:
    return hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()


def key_fingerprint(secret: bytes, key_sha256: bytes) -> str:
    """An HMAC of an API key's stored hash: equal for the same key, different once it is rotated;
    the cookie (readable by its holder) carries no part of the hash itself."""
    return _mac(secret, f"key:{key_sha256.hex()}")[:32]


def signed_in_with(secret: bytes, session: PageSession, key_sha256: bytes) -> bool:
    """True when `session` was opened with the key whose stored hash is `key_sha256`."""
    return hmac.compare_digest(key_fingerprint(secret, key_sha256), session.key_fingerprint)


def encode(secret: bytes, session: PageSession) -> str:
    """The cookie value for a session."""
    payload = json.dumps(
        {
            "k": session.key_id,
            "f": session.key_fingerprint,
            "e": session.expires,
            "n": session.nonce,
            "a": session.agent,
        }
    )
    body = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
    return f"{body}.{_mac(secret, body)}"


def decode(secret: bytes, value: str | None, now: float | None = None) -> PageSession | None:
    """The session in a cookie value, or None when missing, tampered with or expired."""
    if not value or "." not in value or not secret:
        return None
    body, _, mac = value.rpartition(".")
    if not hmac.compare_digest(mac, _mac(secret, body)):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        session = PageSession(
            str(data["k"]), int(data["e"]), str(data["n"]), str(data.get("f", "")),
            str(data.get("a", "")),
        )  # fmt: skip
    except (ValueError, KeyError, TypeError):
        return None
    return session if session.expires > (time.time() if now is None else now) else None


def new_session(key_id: str, hours: int, fingerprint: str = "", agent: str = "") -> PageSession:
    """A fresh session for a key (its `key_fingerprint`) and the agent who signed in with it,
    valid for `hours`."""
    return PageSession(
        key_id, int(time.time()) + hours * 3600, secrets.token_urlsafe(16), fingerprint, agent
    )


def csrf_token(secret: bytes, nonce: str) -> str:
    """The CSRF token for forms of the session (or login attempt) with this nonce."""
    return _mac(secret, f"csrf:{nonce}")


def csrf_ok(secret: bytes, nonce: str | None, token: str | None) -> bool:
    """True when `token` is the CSRF token for `nonce`."""
    if not nonce or not token:
        return False
    return hmac.compare_digest(csrf_token(secret, nonce), token)
