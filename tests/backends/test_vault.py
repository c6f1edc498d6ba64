"""The macaroon vault: encrypted at rest, atomic, 0600, loud about missing or wrong keys."""

from __future__ import annotations

import base64
import hashlib
import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lnpilot.backends.vault import MacaroonVault, VaultError
from lnpilot.errors import InvalidInputError, NotFoundError
from tests.backends.macaroon_factory import ADMIN_OPS, READONLY_OPS, lnd_macaroon


def strong(label: str) -> str:
    """A fixed key of 32 random-looking bytes (hex of a SHA-256), strong enough for the vault."""
    return hashlib.sha256(label.encode()).hexdigest()


KEY = strong("correct horse battery staple")
KEY2 = strong("new key 2")


@pytest.fixture
def vault_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "vault.json"


def test_round_trip_and_nothing_in_clear(vault_path: Path) -> None:
    mac = lnd_macaroon(ADMIN_OPS)
    vault = MacaroonVault.open(vault_path, KEY, create=True)
    entry = vault.add("node1", mac, source_name="admin.macaroon", now=datetime(2026, 1, 2, tzinfo=UTC))
    assert (entry.name, entry.kind, entry.added_at) == ("node1", "admin", "2026-01-02T00:00:00+00:00")
    raw = vault_path.read_bytes()
    assert mac.hex().encode() not in raw and mac not in raw
    assert MacaroonVault.open(vault_path, KEY).get("node1") == mac
    assert stat.S_IMODE(vault_path.stat().st_mode) == 0o600
    assert "records=1" in repr(vault) and mac.hex() not in repr(vault)


def test_each_record_has_its_own_salt_and_nonce(vault_path: Path) -> None:
    mac = lnd_macaroon(READONLY_OPS)
    vault = MacaroonVault.open(vault_path, KEY, create=True)
    vault.add("a", mac)
    vault.add("b", mac)
    records = json.loads(vault_path.read_text())["records"]
    assert records["a"]["salt"] != records["b"]["salt"]
    assert records["a"]["nonce"] != records["b"]["nonce"]
    assert records["a"]["ciphertext"] != records["b"]["ciphertext"]
    assert records["a"]["kind"] == "readonly"


def test_no_key_is_one_clear_error_and_nothing_is_generated(vault_path: Path) -> None:
    with pytest.raises(VaultError, match="MACAROON_ENCRYPTION_KEY is not set"):
        MacaroonVault.open(vault_path, None, create=True)
    assert not vault_path.exists()
    MacaroonVault.open(vault_path, KEY, create=True).add("x", b"\x02\x01abc")
    with pytest.raises(VaultError, match="not set"):
        MacaroonVault.open(vault_path, "")


def test_wrong_key_fails_at_open(vault_path: Path) -> None:
    MacaroonVault.open(vault_path, KEY, create=True).add("x", b"secret-bytes")
    with pytest.raises(VaultError, match="does not open the macaroon vault"):
        MacaroonVault.open(vault_path, strong("another key"))


def test_swapped_records_do_not_decrypt(vault_path: Path) -> None:
    vault = MacaroonVault.open(vault_path, KEY, create=True)
    vault.add("a", b"aaaa-macaroon")
    vault.add("b", b"bbbb-macaroon")
    data = json.loads(vault_path.read_text())
    data["records"]["a"], data["records"]["b"] = data["records"]["b"], data["records"]["a"]
    vault_path.write_text(json.dumps(data))
    with pytest.raises(VaultError, match="altered"):
        MacaroonVault.open(vault_path, KEY).get("a")


def test_missing_and_duplicate_names(vault_path: Path) -> None:
    with pytest.raises(NotFoundError):
        MacaroonVault.open(vault_path, KEY)
    vault = MacaroonVault.open(vault_path, KEY, create=True)
    vault.add("a", b"one")
    with pytest.raises(InvalidInputError, match="already holds"):
        vault.add("a", b"two")
    vault.add("a", b"two", replace=True)
    assert vault.get("a") == b"two"
    with pytest.raises(InvalidInputError):
        vault.add("../etc", b"x")
    with pytest.raises(InvalidInputError, match="empty"):
        vault.add("empty", b"")
    with pytest.raises(NotFoundError):
        vault.get("nope")
    vault.remove("a")
    with pytest.raises(NotFoundError):
        vault.remove("a")
    assert MacaroonVault.open(vault_path, KEY).entries() == []


def test_rotate_key_re_encrypts_everything(vault_path: Path) -> None:
    vault = MacaroonVault.open(vault_path, KEY, create=True)
    vault.add("a", b"alpha-mac")
    vault.add("b", b"beta-mac")
    before = json.loads(vault_path.read_text())
    assert vault.rotate_key(KEY2) == 2
    after = json.loads(vault_path.read_text())
    assert before["records"]["a"]["ciphertext"] != after["records"]["a"]["ciphertext"]
    assert after["records"]["a"]["added_at"] == before["records"]["a"]["added_at"]
    with pytest.raises(VaultError):
        MacaroonVault.open(vault_path, KEY)
    reopened = MacaroonVault.open(vault_path, KEY2)
    assert reopened.get("a") == b"alpha-mac" and reopened.get("b") == b"beta-mac"
    with pytest.raises(VaultError, match="equals"):
        reopened.rotate_key(KEY2)
    with pytest.raises(VaultError, match="empty"):
        reopened.rotate_key("")
    assert stat.S_IMODE(vault_path.stat().st_mode) == 0o600
    assert [p.name for p in vault_path.parent.iterdir()] == ["vault.json"]


def test_failed_write_leaves_the_old_file(vault_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    vault = MacaroonVault.open(vault_path, KEY, create=True)
    vault.add("a", b"alpha-mac")
    before = vault_path.read_bytes()

    def boom(*_args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("lnpilot.backends.vault.os.replace", boom)
    with pytest.raises(OSError, match="disk full"):
        vault.add("b", b"beta")
    assert vault_path.read_bytes() == before
    assert [p.name for p in vault_path.parent.iterdir()] == ["vault.json"]


@pytest.mark.parametrize(
    ("content", "message"),
    [("not json", "cannot be read"), ('{"version": 9}', "unknown format"), ('{"version": 1}', "corrupt")],
)
def test_corrupt_files(vault_path: Path, content: str, message: str) -> None:
    vault_path.parent.mkdir(parents=True)
    vault_path.write_text(content)
    with pytest.raises(VaultError, match=message):
        MacaroonVault.open(vault_path, KEY)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    secret=st.binary(min_size=1, max_size=300),
    name=st.from_regex(r"[a-z0-9][a-z0-9_.-]{0,20}", fullmatch=True),
)
def test_any_macaroon_round_trips(tmp_path: Path, secret: bytes, name: str) -> None:
    path = tmp_path / f"v-{name}.json"
    path.unlink(missing_ok=True)
    MacaroonVault.open(path, KEY, create=True).add(name, secret)
    assert MacaroonVault.open(path, KEY).get(name) == secret


@pytest.mark.parametrize(
    "weak",
    ["short", "x", "correct horse battery staple", "ab" * 31, "A" * 44, "00" * 32, "0123456789abcdef" * 4],
)
def test_weak_keys_are_refused(vault_path: Path, weak: str) -> None:
    with pytest.raises(VaultError, match="too weak"):
        MacaroonVault.open(vault_path, weak, create=True)
    vault = MacaroonVault.open(vault_path, KEY, create=True)
    with pytest.raises(VaultError, match="too weak"):
        vault.rotate_key(weak)


def test_generated_keys_are_strong_and_distinct(vault_path: Path) -> None:
    from lnpilot.backends.vault import generate_key, key_problem

    keys = {generate_key() for _ in range(50)}
    assert len(keys) == 50
    for key in keys:
        assert key_problem(key) is None and len(key) == 43
    MacaroonVault.open(vault_path, keys.pop(), create=True).add("a", b"mac")
    standard_b64 = base64.b64encode(hashlib.sha256(b"b64").digest()).decode()
    assert key_problem(standard_b64) is None


def test_weak_legacy_vault_can_be_rotated_to_a_strong_key(vault_path: Path) -> None:
    legacy = MacaroonVault.open(vault_path, "old passphrase", create=True, allow_weak=True)
    legacy.add("a", b"alpha-mac")
    with pytest.raises(VaultError, match="too weak"):
        MacaroonVault.open(vault_path, "old passphrase")
    assert MacaroonVault.open(vault_path, "old passphrase", allow_weak=True).rotate_key(KEY) == 1
    assert MacaroonVault.open(vault_path, KEY).get("a") == b"alpha-mac"
