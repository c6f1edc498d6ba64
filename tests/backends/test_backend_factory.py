"""make_backend: settings -> the right client, or one clear ConfigError."""

from __future__ import annotations

from pathlib import Path

import pytest

from lnpilot.backends.factory import macaroon_hex, make_backend
from lnpilot.backends.lnbits import LnbitsBackend
from lnpilot.backends.lnd import LndRestBackend
from lnpilot.backends.vault import MacaroonVault, VaultError
from lnpilot.errors import ConfigError, NotFoundError
from lnpilot.settings import load_settings
from tests.backends.test_vault import strong
from tests.backends.tls_helpers import write_self_signed

VK = strong("vault-key")

MAC = bytes.fromhex("0201036c6e64") + b"\x00" * 40


@pytest.fixture
def cert(tmp_path: Path) -> Path:
    return write_self_signed(tmp_path / "tls")[0]


async def test_lnd_from_file_hex_and_vault(tmp_path: Path, cert: Path) -> None:
    mac_file = tmp_path / "admin.macaroon"
    mac_file.write_bytes(MAC)
    common = {"backend": "lnd", "lnd_rest_url": "https://127.0.0.1:10009", "lnd_tls_cert_path": cert}
    settings = load_settings(**common, lnd_macaroon_path=mac_file)
    backend = make_backend(settings)
    assert isinstance(backend, LndRestBackend) and MAC.hex() not in repr(backend)
    await backend.aclose()
    assert macaroon_hex(load_settings(**common, lnd_macaroon_hex=MAC.hex().upper())) == MAC.hex()
    with pytest.raises(ConfigError, match="not hexadecimal"):
        macaroon_hex(load_settings(**common, lnd_macaroon_hex="zz"))
    data_dir = tmp_path / "data"
    MacaroonVault.open(MacaroonVault.path_in(data_dir), VK, create=True).add("main", MAC)
    vaulted = {**common, "lnd_macaroon_path": Path("vault:main"), "data_dir": data_dir}
    assert macaroon_hex(load_settings(**vaulted, macaroon_encryption_key=VK)) == MAC.hex()
    with pytest.raises(VaultError, match="not set"):
        macaroon_hex(load_settings(**vaulted))
    with pytest.raises(VaultError, match="does not open"):
        macaroon_hex(load_settings(**vaulted, macaroon_encryption_key=strong("wrong")))
    with pytest.raises(NotFoundError, match="holds no 'other'"):
        macaroon_hex(
            load_settings(**{**vaulted, "lnd_macaroon_path": Path("vault:other")}, macaroon_encryption_key=VK)
        )


def test_lnd_config_errors(tmp_path: Path, cert: Path) -> None:
    with pytest.raises(ConfigError, match="LND_REST_URL"):
        make_backend(load_settings(backend="lnd"))
    base = {"backend": "lnd", "lnd_rest_url": "https://127.0.0.1:10009"}
    with pytest.raises(ConfigError, match="LND_MACAROON_PATH or LND_MACAROON_HEX"):
        make_backend(load_settings(**base, lnd_tls_cert_path=cert))
    with pytest.raises(ConfigError, match="LND_TLS_CERT_PATH: no such file"):
        make_backend(load_settings(**base, lnd_tls_cert_path=tmp_path / "missing.cert"))
    with pytest.raises(ConfigError, match="cannot read"):
        make_backend(load_settings(**base, lnd_tls_cert_path=cert, lnd_macaroon_path=tmp_path / "nope"))
    empty = tmp_path / "empty.macaroon"
    empty.write_bytes(b"")
    with pytest.raises(ConfigError, match="is empty"):
        make_backend(load_settings(**base, lnd_tls_cert_path=cert, lnd_macaroon_path=empty))
    not_a_cert = tmp_path / "junk.cert"
    not_a_cert.write_text("junk")
    with pytest.raises(ConfigError, match="cannot be loaded"):
        make_backend(load_settings(**base, lnd_tls_cert_path=not_a_cert, lnd_macaroon_hex=MAC.hex()))


async def test_lnbits_and_simnet(cert: Path) -> None:
    with pytest.raises(ConfigError, match="LNBITS_URL"):
        make_backend(load_settings(backend="lnbits"))
    lnbits = make_backend(
        load_settings(
            backend="lnbits",
            lnbits_url="http://127.0.0.1:5000",
            lnbits_api_key="k" * 32,
            lnbits_username="u",
            lnbits_password="p" * 10,
        )
    )
    assert isinstance(lnbits, LnbitsBackend) and "k" * 32 not in repr(lnbits)
    await lnbits.aclose()
    with pytest.raises(ConfigError, match="LNPILOT_BACKEND=simnet needs a running simnet"):
        make_backend(load_settings(backend="simnet"))
    sim = make_backend(
        load_settings(
            backend="simnet",
            lnd_rest_url="https://127.0.0.1:8080",
            lnd_tls_cert_path=cert,
            lnd_macaroon_hex=MAC.hex(),
        )
    )
    assert isinstance(sim, LndRestBackend)
    await sim.aclose()
