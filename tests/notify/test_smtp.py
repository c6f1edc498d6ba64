from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from lnpilot.notify import EmailChannel, NotificationError, shadow_report

NOW = dt.datetime(2026, 11, 24, 23, 59, tzinfo=dt.UTC)
USER, PASSWORD = "lnpilot@example.org", "smtp-pa55w0rd-zq7"


@dataclass
class Inbox:
    messages: list[tuple[str, list[str], Message, bool]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.content)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), msg, session.ssl is not None))
        return "250 Message accepted for delivery"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            USER.encode(),
            PASSWORD.encode(),
        )
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok, handled=False)  # False: the server answers 535 itself


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, the name smtplib checks after STARTTLS."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server(tls_files: tuple[Path, Path]) -> Iterator[tuple[Inbox, int]]:
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(*tls_files)
    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=_free_port(),
        tls_context=server_ctx,
        require_starttls=True,
        authenticator=inbox.authenticate,
        auth_required=True,
        auth_require_tls=True,
    )
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


@pytest.fixture
def plain_smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def _client_ctx(tls_files: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(tls_files[0]))


def _report() -> Any:
    return shadow_report(
        NOW.date(),
        {"increase_fees": 3, "decrease_fees": 1, "no_action": 0},
        ["850000x1x0: 100 -> 150 ppm"],
        NOW,
    )


async def test_sends_over_starttls_with_login(
    smtp_server: tuple[Inbox, int], tls_files: tuple[Path, Path]
) -> None:
    inbox, port = smtp_server
    channel = EmailChannel(
        "127.0.0.1",
        port,
        "lnpilot@example.org",
        ["ops@example.org", "oncall@example.org"],
        username=USER,
        password=PASSWORD,
        ssl_context=_client_ctx(tls_files),
    )
    await channel.send(_report())
    await channel.aclose()
    ((mail_from, rcpts, msg, over_tls),) = inbox.messages
    assert over_tls and inbox.logins == [USER]
    assert mail_from == "lnpilot@example.org" and rcpts == ["ops@example.org", "oncall@example.org"]
    assert msg["Subject"] == "[lnpilot] INFO: shadow report for 2026-11-24: 4 decisions"
    assert msg["X-Lnpilot-Event"] == "shadow_report"
    body = msg.get_payload(decode=True).decode()
    assert "3 x increase_fees" in body and "1 x decrease_fees" in body and "no_action" not in body
    assert "- 850000x1x0: 100 -> 150 ppm" in body
    assert PASSWORD not in repr(channel)


async def test_wrong_password_is_a_clear_error_without_the_password(
    smtp_server: tuple[Inbox, int], tls_files: tuple[Path, Path]
) -> None:
    inbox, port = smtp_server
    channel = EmailChannel(
        "127.0.0.1", port, "a@example.org", ["b@example.org"], username=USER, password="nope-" + PASSWORD,
        ssl_context=_client_ctx(tls_files),
    )  # fmt: skip
    with pytest.raises(NotificationError, match="authentication refused") as info:
        await channel.send(_report())
    assert PASSWORD not in str(info.value) and inbox.messages == []


async def test_untrusted_certificate_is_refused(smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    channel = EmailChannel(
        "127.0.0.1", port, "a@example.org", ["b@example.org"], username=USER, password=PASSWORD
    )
    with pytest.raises(NotificationError, match="SSLCertVerificationError"):
        await channel.send(_report())
    assert inbox.messages == []


async def test_a_server_without_starttls_is_refused(plain_smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = plain_smtp_server
    channel = EmailChannel(
        "127.0.0.1", port, "a@example.org", ["b@example.org"], username=USER, password=PASSWORD
    )
    with pytest.raises(NotificationError, match="does not offer STARTTLS"):
        await channel.send(_report())
    assert inbox.messages == []


async def test_unreachable_server() -> None:
    channel = EmailChannel("127.0.0.1", _free_port(), "a@example.org", ["b@example.org"], timeout_s=2)
    with pytest.raises(NotificationError, match="ConnectionRefusedError"):
        await channel.send(_report())


def test_constructor_checks() -> None:
    with pytest.raises(ValueError):
        EmailChannel("h", 587, "a@example.org", [])
    with pytest.raises(ValueError):
        EmailChannel("h", 587, "a@example.org", ["b@example.org"], password="x")
