"""LND_CONNECT_URI: an lndconnect URI built from a simnet's own files connects over pinned TLS; a
malformed one is one line that never repeats the macaroon."""

from __future__ import annotations

import base64

import pytest

from lnpilot.backends.factory import make_backend
from lnpilot.backends.lnd import LndRestBackend
from lnpilot.backends.lndconnect import format_lndconnect, parse_lndconnect
from lnpilot.cli.main import main
from lnpilot.errors import ConfigError
from lnpilot.settings import load_settings, semantic_problems
from lnpilot.simnet.testing import SimnetHandle


def _uri(simnet: SimnetHandle) -> str:
    port = int(simnet.url.rsplit(":", 1)[1])
    return format_lndconnect(
        "127.0.0.1", port, simnet.tls_cert_path.read_bytes(), simnet.admin_macaroon_path.read_bytes()
    )


async def test_uri_from_simnet_files_connects(simnet: SimnetHandle, tmp_path: object) -> None:
    settings = load_settings(backend="lnd", lnd_connect_uri=_uri(simnet))
    assert semantic_problems(settings) == []
    backend = make_backend(settings)
    assert isinstance(backend, LndRestBackend)
    try:
        info = await backend.get_info()
        assert info.pub_key == simnet.sim.node.pub_key
        assert len(await backend.list_channels()) == len(simnet.sim.channels)
    finally:
        await backend.aclose()
    cert = settings.data_dir / "lndconnect-tls.cert"
    # The pinned certificate is the simnet's own (re-encoded from DER, byte-identical PEM).
    assert cert.read_bytes() == simnet.tls_cert_path.read_bytes()


async def test_cli_status_uses_the_uri(
    simnet: SimnetHandle, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LNPILOT_BACKEND", "lnd")
    monkeypatch.setenv("LND_CONNECT_URI", _uri(simnet))
    assert main(["config", "check"]) == 0
    assert "settings OK (backend=lnd" in capsys.readouterr().out


async def test_a_foreign_certificate_is_refused(simnet: SimnetHandle, tmp_path: object) -> None:
    from tests.backends.tls_helpers import write_self_signed

    other = write_self_signed(simnet.lnddir.parent / "other")[0]
    port = int(simnet.url.rsplit(":", 1)[1])
    uri = format_lndconnect("127.0.0.1", port, other.read_bytes(), simnet.admin_macaroon_path.read_bytes())
    backend = make_backend(load_settings(backend="lnd", lnd_connect_uri=uri))
    try:
        with pytest.raises(Exception, match="not the pinned one"):
            await backend.get_info()
    finally:
        await backend.aclose()


def test_parse_round_trip_and_ipv6() -> None:
    node = parse_lndconnect(
        "lndconnect://[::1]:8080?macaroon=" + base64.urlsafe_b64encode(b"\x02mac").decode()
    )
    assert (node.host, node.port, node.cert_pem, node.macaroon_hex) == ("::1", 8080, None, b"\x02mac".hex())
    assert node.rest_url == "https://[::1]:8080"
    assert "mac" not in repr(node).split("cert_pem")[1]
    assert parse_lndconnect(format_lndconnect("::1", 8080, None, b"\x02mac")) == node
    assert (
        parse_lndconnect("lndconnect://umbrel.local:8080?macaroon=AgE").rest_url
        == "https://umbrel.local:8080"
    )


SECRET = base64.urlsafe_b64encode(b"very-secret-macaroon").decode().rstrip("=")


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        (f"https://node:8080?macaroon={SECRET}", "must start with lndconnect://"),
        (f"lndconnect://node?macaroon={SECRET}", "no port"),
        (f"lndconnect://node:99999?macaroon={SECRET}", "not an lndconnect"),
        (f"lndconnect://:8080?macaroon={SECRET}", "no host"),
        ("lndconnect://node:8080?cert=AAAA", "no macaroon"),
        (f"lndconnect://node:8080?macaroon={SECRET}&macaroon={SECRET}", "macaroon given 2 times"),
        ("lndconnect://node:8080?macaroon=%%%", "macaroon is not base64url"),
        (f"lndconnect://node:8080?cert=AAAA&macaroon={SECRET}", "cert is not an X.509 certificate"),
    ],
)
def test_malformed_uri_is_one_line_without_secret(
    uri: str, message: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_lndconnect(uri)
    monkeypatch.setenv("LNPILOT_BACKEND", "lnd")
    monkeypatch.setenv("LND_CONNECT_URI", uri)
    assert main(["config", "check"]) == 1
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: LND_CONNECT_URI: "), err
    assert message in lines[0] and SECRET not in err and "very-secret" not in err
