"""Loopback servers speaking the wire formats the notification channels talk to.

Each answers like the real service (Telegram Bot API envelopes, a webhook receiver that checks the
HMAC signature itself) and records what it received. Scripted answers are consumed first.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Sleeps:
    """An injected ``sleep`` that records the waits instead of waiting."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Scripted:
    status: int
    body: dict[str, Any] | str | None = None
    headers: dict[str, str] = field(default_factory=dict)


class _Server:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.script: deque[Scripted] = deque()
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                req = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                with owner._lock:
                    owner.received.append(req)
                    scripted = owner.script.popleft() if owner.script else None
                answer = scripted or owner.answer(req)
                payload = answer.body if isinstance(answer.body, str) else json.dumps(answer.body or {})
                data = payload.encode()
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in answer.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    def answer(self, req: Received) -> Scripted:
        raise NotImplementedError

    def __enter__(self) -> _Server:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


class _TelegramHtml(HTMLParser):
    """The subset of HTML the Bot API accepts in parse_mode=HTML; anything else is refused."""

    ALLOWED = frozenset(
        {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "tg-spoiler"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.error: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.ALLOWED:
            self.error = f'Unsupported start tag "{tag}"'
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.error = f'Unmatched end tag "{tag}"'

    def handle_data(self, data: str) -> None:
        self.text.append(data)


class TelegramBotApi(_Server):
    def __init__(self, token: str, chat_ids: set[str]) -> None:
        super().__init__()
        self.token = token
        self.chat_ids = chat_ids
        self._next_id = 0

    def answer(self, req: Received) -> Scripted:
        token, _, method = req.path.removeprefix("/bot").partition("/")
        if not req.path.startswith("/bot") or method != "sendMessage":
            return Scripted(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        if token != self.token:
            return Scripted(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        body = req.json()
        chat_id = str(body.get("chat_id"))
        if chat_id not in self.chat_ids:
            return Scripted(
                400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
            )
        text = body.get("text", "")
        if body.get("parse_mode") == "HTML":
            parser = _TelegramHtml()
            parser.feed(text)
            parser.close()
            if parser.error or parser.stack:
                detail = parser.error or "unclosed tag"
                return Scripted(
                    400,
                    {
                        "ok": False,
                        "error_code": 400,
                        "description": f"Bad Request: can't parse entities: {detail}",
                    },
                )
            text = "".join(parser.text)
        if not text.strip():
            return Scripted(
                400, {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"}
            )
        if len(text) > 4096:
            return Scripted(
                400, {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"}
            )
        self._next_id += 1
        message = {
            "message_id": self._next_id,
            "from": {"id": int(self.token.split(":")[0]), "is_bot": True, "first_name": "lnpilot"},
            "chat": {"id": int(chat_id), "type": "private"},
            "date": int(time.time()),
            "text": text,
        }
        return Scripted(200, {"ok": True, "result": message})

    @staticmethod
    def too_many_requests(retry_after: int) -> Scripted:
        return Scripted(
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {retry_after}",
                "parameters": {"retry_after": retry_after},
            },
        )


class WebhookReceiver(_Server):
    """Accepts a POST only when ``X-Lnpilot-Signature`` is the HMAC-SHA256 of the raw body."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret.encode()
        self.verified: list[dict[str, Any]] = []

    def answer(self, req: Received) -> Scripted:
        expected = "sha256=" + hmac.new(self.secret, req.body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, req.headers.get("x-lnpilot-signature", "")):
            return Scripted(401, {"error": "bad signature"})
        payload = json.loads(req.body)
        if str(payload.get("timestamp")) != req.headers.get("x-lnpilot-timestamp"):
            return Scripted(400, {"error": "timestamp header does not match the signed body"})
        self.verified.append(payload)
        return Scripted(204, "")
