"""The composition root's one way to get a ``NodeBackend`` from ``Settings``.

``LNPILOT_BACKEND``:
- ``lnd``: ``LND_CONNECT_URI`` (an lndconnect URI: host, REST port, cert, macaroon), or LND REST at
  ``LND_REST_URL``, TLS pinned to ``LND_TLS_CERT_PATH``, macaroon from
  ``LND_MACAROON_HEX``, or ``LND_MACAROON_PATH`` (a file, or ``vault:NAME`` for a macaroon kept in
  the encrypted vault, opened with ``MACAROON_ENCRYPTION_KEY``).
- ``lnbits``: LNbits at ``LNBITS_URL`` (``LNBITS_API_KEY`` for the wallet API,
  ``LNBITS_USERNAME``/``LNBITS_PASSWORD`` for the node API; ``[lnbits]`` in the TOML file for
  the graph snapshot source and the time-lock reset opt-in).
- ``simnet``: simnet speaks LND REST, so it is an LND client too: with ``LND_REST_URL`` etc. set
  (pointing at ``lnpilot simnet serve --lnddir DIR``) it connects there; without them this
  raises a ConfigError saying so (the daemon and demo start simnet in-process and pass its
  handle's URL, certificate and macaroon explicitly).
"""

from __future__ import annotations

from pathlib import Path

from lnpilot.backends.base import NodeBackend
from lnpilot.backends.graph_source import GraphSource
from lnpilot.backends.http import RetryPolicy
from lnpilot.backends.lnbits import LnbitsBackend
from lnpilot.backends.lnd import LndRestBackend
from lnpilot.backends.lndconnect import parse_lndconnect
from lnpilot.backends.vault import MacaroonVault
from lnpilot.errors import ConfigError
from lnpilot.settings import Settings

VAULT_PREFIX = "vault:"


def macaroon_hex(settings: Settings) -> str:
    """The LND macaroon as hex, from hex, a file, or the vault; never logged."""
    if settings.lnd_macaroon_hex is not None:
        value = settings.lnd_macaroon_hex.get_secret_value().strip()
        try:
            bytes.fromhex(value)
        except ValueError:
            raise ConfigError("LND_MACAROON_HEX is not hexadecimal") from None
        return value.lower()
    if settings.lnd_macaroon_path is None:
        raise ConfigError("LND_MACAROON_PATH or LND_MACAROON_HEX: required for an LND REST backend")
    return read_macaroon(settings.lnd_macaroon_path, settings).hex()


def read_macaroon(path: Path, settings: Settings) -> bytes:
    text = str(path)
    if text.startswith(VAULT_PREFIX):
        key = settings.macaroon_encryption_key
        vault = MacaroonVault.open(
            MacaroonVault.path_in(settings.data_dir), key.get_secret_value() if key else None
        )
        return vault.get(text[len(VAULT_PREFIX) :])
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"LND_MACAROON_PATH: cannot read {path} ({exc.strerror})") from None
    if not data:
        raise ConfigError(f"LND_MACAROON_PATH: {path} is empty")
    return data


def _retry(settings: Settings) -> RetryPolicy:
    """The one retry layer (the executor does not retry again): ``execution.max_retries``."""
    return RetryPolicy(attempts=settings.execution.max_retries + 1)


def _lnd(settings: Settings) -> LndRestBackend:
    if settings.lnd_connect_uri is not None:
        node = parse_lndconnect(settings.lnd_connect_uri.get_secret_value())
        return LndRestBackend(
            node.rest_url, node.macaroon_hex, node.write_cert(settings.data_dir), retry=_retry(settings)
        )
    if settings.lnd_rest_url is None:
        raise ConfigError(f"LND_REST_URL: required when LNPILOT_BACKEND={settings.backend}")
    cert = settings.lnd_tls_cert_path
    if cert is not None and not cert.is_file():
        raise ConfigError(f"LND_TLS_CERT_PATH: no such file: {cert}")
    return LndRestBackend(
        str(settings.lnd_rest_url),
        macaroon_hex(settings),
        cert,
        allow_insecure_http=settings.allow_insecure_http,
        retry=_retry(settings),
    )


def make_backend(settings: Settings) -> NodeBackend:
    if settings.backend == "lnd":
        return _lnd(settings)
    if settings.backend == "lnbits":
        if settings.lnbits_url is None:
            raise ConfigError("LNBITS_URL: required when LNPILOT_BACKEND=lnbits")
        lnbits = settings.lnbits
        source = lnbits.graph_source
        return LnbitsBackend(
            str(settings.lnbits_url),
            api_key=settings.lnbits_api_key.get_secret_value() if settings.lnbits_api_key else None,
            username=settings.lnbits_username,
            password=settings.lnbits_password.get_secret_value() if settings.lnbits_password else None,
            graph_source=GraphSource(source, refresh_s=lnbits.graph_refresh_seconds) if source else None,
            allow_time_lock_reset=lnbits.allow_time_lock_reset,
            allow_insecure_http=settings.allow_insecure_http,
            retry=_retry(settings),
        )
    if settings.lnd_rest_url is None and settings.lnd_connect_uri is None:
        raise ConfigError(
            "LNPILOT_BACKEND=simnet needs a running simnet: start `lnpilot simnet serve --lnddir DIR`, set "
            "LND_REST_URL, LND_TLS_CERT_PATH=DIR/tls.cert and LND_MACAROON_PATH=DIR/admin.macaroon"
        )
    return _lnd(settings)
