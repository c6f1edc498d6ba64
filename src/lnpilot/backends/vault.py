"""Macaroons encrypted at rest: ``LNPILOT_DATA_DIR/vault.json`` (mode 0600, atomic writes).

Each record is AES-256-GCM under a key derived with scrypt from ``MACAROON_ENCRYPTION_KEY`` and
the record's own random salt, with a random nonce and the record's name as associated data (so
records cannot be swapped between names). A key-check record lets a wrong key fail at open time
with one clear error. No key is ever generated silently.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from lnpilot.backends.macaroon_kind import infer_kind
from lnpilot.errors import ConfigError, InvalidInputError, NotFoundError

VAULT_FILE = "vault.json"
FORMAT_VERSION = 1
_CHECK_PLAINTEXT = b"lnpilot-vault-key-check"
_CHECK_AAD = b"\x00key-check"
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
# scrypt cost: ~50 ms per record on a laptop; makes guessing a weak passphrase expensive.
_SCRYPT_N = 2**14
_SCRYPT_R = 8
_SCRYPT_P = 1
NO_KEY_MESSAGE = (
    "MACAROON_ENCRYPTION_KEY is not set: the macaroon vault needs it (lnpilot never generates one "
    "silently; make one with `lnpilot vault keygen` or `openssl rand -base64 32`)"
)
MIN_KEY_BYTES = 32
# 32 random bytes hold ~30 distinct values; fewer than this means a pattern, not randomness.
_MIN_DISTINCT_BYTES = 16


class VaultError(ConfigError):
    code = "vault-error"


@dataclass(frozen=True, slots=True)
class VaultEntry:
    """What ``vault list`` shows: never the macaroon itself."""

    name: str
    kind: str
    added_at: str
    size_bytes: int


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise VaultError("vault file is corrupt (a field is not base64 text)")
    return base64.b64decode(text)


def _derive(key: str, salt: bytes) -> bytes:
    return Scrypt(salt=salt, length=32, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P).derive(key.encode())


def _seal(key: str, plaintext: bytes, aad: bytes) -> dict[str, str]:
    salt = secrets.token_bytes(16)
    nonce = secrets.token_bytes(12)
    ciphertext = AESGCM(_derive(key, salt)).encrypt(nonce, plaintext, aad)
    return {"salt": _b64(salt), "nonce": _b64(nonce), "ciphertext": _b64(ciphertext)}


def _open(key: str, record: dict[str, Any], aad: bytes) -> bytes:
    try:
        sealed = AESGCM(_derive(key, _unb64(record.get("salt")))).decrypt(
            _unb64(record.get("nonce")), _unb64(record.get("ciphertext")), aad
        )
    except InvalidTag:
        raise VaultError(
            "MACAROON_ENCRYPTION_KEY does not open the macaroon vault (wrong key, or the file was altered)"
        ) from None
    return sealed


def _decode_key(key: str) -> bytes | None:
    """The raw bytes of a hex or base64 (standard or URL-safe) key; None when it is neither."""
    import binascii

    text = key.strip()
    if len(text) % 2 == 0 and re.fullmatch(r"[0-9a-fA-F]+", text):
        return bytes.fromhex(text)
    if not re.fullmatch(r"[A-Za-z0-9+/_-]+={0,2}", text):
        return None
    padded = text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4)
    try:
        return base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        return None


def key_problem(key: str) -> str | None:
    """Why ``key`` is too weak for the vault, or None: it must encode >= 32 random bytes."""
    raw = _decode_key(key)
    if raw is None or len(raw) < MIN_KEY_BYTES:
        return (
            f"too weak: the key must be at least {MIN_KEY_BYTES} random bytes written as hex or base64 "
            "(make one with `lnpilot vault keygen`)"
        )
    if len(set(raw)) < _MIN_DISTINCT_BYTES:
        return "too weak: the key's bytes repeat a pattern (make one with `lnpilot vault keygen`)"
    return None


def generate_key() -> str:
    """A new vault key: 32 bytes from the OS's CSPRNG, URL-safe base64 (43 characters)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(MIN_KEY_BYTES)).decode().rstrip("=")


def _require_strong(key: str, what: str) -> None:
    problem = key_problem(key)
    if problem:
        raise VaultError(f"{what} is {problem}")


def _check_name(name: str) -> str:
    if not _NAME_RE.match(name):
        raise InvalidInputError(f"vault name must be 1-64 of [A-Za-z0-9_.-], starting alphanumeric: {name!r}")
    return name


class MacaroonVault:
    """The vault file. ``open`` checks the key; every change is written atomically (temp + rename)."""

    def __init__(self, path: Path, key: str, data: dict[str, Any]) -> None:
        self._path = path
        self._key = key
        self._data = data

    def __repr__(self) -> str:
        return f"MacaroonVault({str(self._path)!r}, records={len(self._records)})"

    @classmethod
    def path_in(cls, data_dir: Path) -> Path:
        return data_dir / VAULT_FILE

    @classmethod
    def open(
        cls, path: Path, key: str | None, *, create: bool = False, allow_weak: bool = False
    ) -> MacaroonVault:
        """Open (or with ``create`` start) the vault; no key, a weak or a wrong key is one clear error.

        ``allow_weak`` exists only so ``rotate-key`` can move a vault made before keys were checked
        onto a strong key."""
        if not key:
            raise VaultError(NO_KEY_MESSAGE)
        if not allow_weak:
            _require_strong(key, "MACAROON_ENCRYPTION_KEY")
        if not path.exists():
            if not create:
                raise NotFoundError(f"no macaroon vault at {path} (add one with `lnpilot vault add`)")
            return cls(
                path,
                key,
                {"version": FORMAT_VERSION, "check": _seal(key, _CHECK_PLAINTEXT, _CHECK_AAD), "records": {}},
            )
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise VaultError(f"macaroon vault {path} cannot be read: {exc.__class__.__name__}") from None
        if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
            raise VaultError(f"macaroon vault {path} has an unknown format")
        if not isinstance(data.get("records"), dict) or not isinstance(data.get("check"), dict):
            raise VaultError(f"macaroon vault {path} is corrupt")
        if _open(key, data["check"], _CHECK_AAD) != _CHECK_PLAINTEXT:
            raise VaultError("macaroon vault key check failed")
        return cls(path, key, data)

    @property
    def _records(self) -> dict[str, dict[str, Any]]:
        records: dict[str, dict[str, Any]] = self._data["records"]
        return records

    def entries(self) -> list[VaultEntry]:
        return [
            VaultEntry(
                name, str(r.get("kind", "unknown")), str(r.get("added_at", "")), int(r.get("size_bytes", 0))
            )
            for name, r in sorted(self._records.items())
        ]

    def add(
        self,
        name: str,
        macaroon: bytes,
        *,
        source_name: str = "",
        now: datetime | None = None,
        replace: bool = False,
    ) -> VaultEntry:
        _check_name(name)
        if not macaroon:
            raise InvalidInputError("the macaroon file is empty")
        if name in self._records and not replace:
            raise InvalidInputError(f"vault already holds {name!r} (remove it first)")
        when = (now or datetime.now(UTC)).isoformat(timespec="seconds")
        record = _seal(self._key, macaroon, name.encode())
        record.update(kind=infer_kind(macaroon, source_name), added_at=when, size_bytes=str(len(macaroon)))
        self._records[name] = record
        self._save()
        return self.entries()[sorted(self._records).index(name)]

    def get(self, name: str) -> bytes:
        record = self._records.get(_check_name(name))
        if record is None:
            raise NotFoundError(f"the macaroon vault holds no {name!r}")
        return _open(self._key, record, name.encode())

    def remove(self, name: str) -> None:
        if self._records.pop(_check_name(name), None) is None:
            raise NotFoundError(f"the macaroon vault holds no {name!r}")
        self._save()

    def rotate_key(self, new_key: str) -> int:
        """Re-encrypt every record under ``new_key`` in one atomic write; returns the record count."""
        if not new_key:
            raise VaultError("the new encryption key is empty")
        _require_strong(new_key, "the new encryption key")
        if new_key == self._key:
            raise VaultError("the new encryption key equals the current one")
        plain = {name: self.get(name) for name in self._records}
        records = {}
        for name, record in self._records.items():
            sealed = _seal(new_key, plain[name], name.encode())
            records[name] = {**record, **sealed}
        data = {
            "version": FORMAT_VERSION,
            "check": _seal(new_key, _CHECK_PLAINTEXT, _CHECK_AAD),
            "records": records,
        }
        self._data, self._key = data, new_key
        self._save()
        return len(records)

    def _save(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".vault-", suffix=".tmp", dir=self._path.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w") as handle:
                json.dump(self._data, handle, indent=1, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self._path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
