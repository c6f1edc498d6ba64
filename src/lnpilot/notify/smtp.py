"""Email over SMTP with STARTTLS (stdlib ``smtplib``, run in a worker thread).

A server that does not offer STARTTLS is refused: the password and the node's operational details
would otherwise cross the network in clear.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from lnpilot.logs import redact_text, register_secret
from lnpilot.notify.base import NotificationError
from lnpilot.notify.events import Event
from lnpilot.notify.format import plain_text, subject


class EmailChannel:
    name = "email"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        recipients: Sequence[str],
        *,
        username: str | None = None,
        password: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        timeout_s: float = 30.0,
    ) -> None:
        if not host or not sender or not recipients:
            raise ValueError("email needs an SMTP host, a sender and at least one recipient")
        if password is not None and username is None:
            raise ValueError("an SMTP password needs a username")
        register_secret(password)
        self.host = host
        self.port = port
        self.sender = sender
        self.recipients = tuple(recipients)
        self.username = username
        self._password = password
        self._ssl_context = ssl_context or ssl.create_default_context()
        self.timeout_s = timeout_s

    def __repr__(self) -> str:
        return f"EmailChannel(host={self.host!r}, port={self.port}, recipients={len(self.recipients)})"

    def message(self, event: Event) -> EmailMessage:
        msg = EmailMessage()
        msg["Subject"] = subject(event)
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.recipients)
        msg["Date"] = formatdate(event.occurred_at.timestamp(), usegmt=True)
        msg["Message-ID"] = make_msgid(domain="lnpilot")
        msg["X-Lnpilot-Event"] = str(event.kind)
        msg.set_content(plain_text(event))
        return msg

    async def send(self, event: Event) -> None:
        await asyncio.to_thread(self._send_blocking, self.message(event))

    def _send_blocking(self, msg: EmailMessage) -> None:
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
                smtp.ehlo()
                if not smtp.has_extn("starttls"):
                    raise NotificationError(
                        f"email: {self.host}:{self.port} does not offer STARTTLS; not sending in clear"
                    )
                smtp.starttls(context=self._ssl_context)
                smtp.ehlo()
                if self.username is not None:
                    smtp.login(self.username, self._password or "")
                smtp.send_message(msg)
        except NotificationError:
            raise
        except smtplib.SMTPAuthenticationError as exc:
            raise NotificationError(
                f"email: authentication refused by {self.host} ({exc.smtp_code})"
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise NotificationError(
                redact_text(
                    f"email: sending via {self.host}:{self.port} failed ({type(exc).__name__}: {exc})"
                )
            ) from None

    async def aclose(self) -> None:
        return None
