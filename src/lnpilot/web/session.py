"""Dashboard sessions: scrypt password hashes, HMAC-signed session cookies and CSRF tokens.

A session is a signed cookie (no server-side table): who signed in, with which scope, until
when, and the CSRF token every form of that session must echo. The cookie is httponly and
SameSite=Strict; the signature makes it tamper-proof, the expiry bounds a stolen one, and a
session opened with an API key names the key so a revoked key ends it at the next request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import asdict, dataclass

COOKIE = "lnpilot_session"
LOGIN_COOKIE = "lnpilot_login"  # the CSRF token of the sign-in form, before there is a session
# scrypt parameters (RFC 7914's interactive-login recommendation, 16 MiB of memory per check).
_N, _R, _P = 2**14, 8, 1


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, salt: bytes | None = None) -> str:
    """``scrypt$N$r$p$salt$hash``: what ``web.password_hash`` holds."""
    if not password:
        raise ValueError("the password is empty")
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check of ``password`` against a ``hash_password`` string; False if malformed."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = _unb64(digest)
        got = hashlib.scrypt(
            password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


@dataclass(frozen=True, slots=True)
class Session:
    subject: str  # the API key's name, or "password"
    scope: str  # "admin" | "read"
    expires_at: int  # unix seconds (wall clock)
    csrf: str
    key_id: int | None = None  # the API key it was opened with (checked for revocation)

    @property
    def admin(self) -> bool:
        return self.scope == "admin"


class SessionSigner:
    """Signs and reads session cookies with one HMAC-SHA256 key."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the session secret needs at least 16 bytes")
        self._secret = secret

    def __repr__(self) -> str:  # the key never reaches a log line
        return "SessionSigner(<secret>)"

    def _mac(self, payload: bytes) -> str:
        return _b64(hmac.new(self._secret, payload, hashlib.sha256).digest())

    def new_session(
        self, subject: str, scope: str, now: int, lifetime_s: int, key_id: int | None = None
    ) -> Session:
        return Session(subject, scope, now + lifetime_s, secrets.token_urlsafe(24), key_id)

    def dump(self, session: Session) -> str:
        payload = json.dumps(asdict(session), separators=(",", ":"), sort_keys=True).encode()
        return f"{_b64(payload)}.{self._mac(payload)}"

    def load(self, cookie: str | None, now: int) -> Session | None:
        """The session in ``cookie`` if its signature holds and it has not expired, else None."""
        if not cookie or "." not in cookie:
            return None
        body, mac = cookie.rsplit(".", 1)
        try:
            payload = _unb64(body)
        except ValueError:
            return None
        if not hmac.compare_digest(mac, self._mac(payload)):
            return None
        try:
            session = Session(**json.loads(payload))
        except (ValueError, TypeError):
            return None
        return session if session.expires_at > now else None

    def token(self, purpose: str, value: str) -> str:
        """A keyed token bound to ``value`` (the sign-in form's CSRF token)."""
        return self._mac(f"{purpose}:{value}".encode())


def csrf_ok(expected: str, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(expected.encode(), (presented or "").encode())
