"""Telegram Bot API ``sendMessage``.

The bot token is part of the URL (``/bot<token>/sendMessage``), so it is registered with the log
redactor (httpx logs request URLs) and never put in an error message or repr.
"""

from __future__ import annotations

from typing import Any

import httpx

from lnpilot.logs import get_logger, redact_text, register_secret
from lnpilot.notify.base import NotificationError, Sleep, backoff_delays, real_sleep
from lnpilot.notify.events import Event
from lnpilot.notify.format import telegram_html

log = get_logger("lnpilot.notify.telegram")


class TelegramChannel:
    name = "telegram"

    def __init__(
        self,
        bot_token: str,
        chat_id: str,
        api_url: str = "https://api.telegram.org",
        *,
        client: httpx.AsyncClient | None = None,
        max_attempts: int = 4,
        base_delay_s: float = 1.0,
        max_delay_s: float = 30.0,
        max_retry_after_s: float = 60.0,
        timeout_s: float = 10.0,
        sleep: Sleep = real_sleep,
    ) -> None:
        if not bot_token or not chat_id:
            raise ValueError("telegram needs a bot token and a chat id")
        register_secret(bot_token)
        self._token = bot_token
        self.chat_id = chat_id
        self.api_url = api_url.rstrip("/")
        self._client = client or httpx.AsyncClient(timeout=timeout_s)
        self._owns_client = client is None
        self.max_attempts = max(1, max_attempts)
        self._delays = backoff_delays(self.max_attempts, base_delay_s, max_delay_s)
        self.max_retry_after_s = max_retry_after_s
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"TelegramChannel(chat_id={self.chat_id!r}, api_url={self.api_url!r})"

    async def send(self, event: Event) -> None:
        payload = {
            "chat_id": self.chat_id,
            "text": telegram_html(event),
            "parse_mode": "HTML",
            "disable_web_page_preview": True,
        }
        url = f"{self.api_url}/bot{self._token}/sendMessage"
        problem = "no attempt made"
        for attempt in range(self.max_attempts):
            wait_s: float | None
            try:
                response = await self._client.post(url, json=payload)
            except httpx.TransportError as exc:
                problem = f"cannot reach the Bot API ({type(exc).__name__})"
                wait_s = self._backoff(attempt)
            else:
                answer = _json(response)
                if response.status_code == 200 and answer.get("ok") is True:
                    return
                problem, wait_s = self._classify(response.status_code, answer, attempt)
            if wait_s is None or attempt + 1 >= self.max_attempts:
                break
            log.info("telegram retry", attempt=attempt + 1, wait_s=wait_s, problem=problem)
            await self._sleep(wait_s)
        raise NotificationError(redact_text(f"telegram: {problem}"))

    def _classify(self, status: int, answer: dict[str, Any], attempt: int) -> tuple[str, float | None]:
        """The failure's description and how long to wait before retrying (None: do not retry)."""
        code = answer.get("error_code", status)
        description = str(answer.get("description") or f"HTTP {status}")
        problem = f"{code} {description}"
        if code == 429:
            parameters = answer.get("parameters") or {}
            retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
            wait = float(retry_after) if isinstance(retry_after, int | float) else self._backoff(attempt)
            if wait is not None and wait > self.max_retry_after_s:
                return f"{problem} (retry_after {wait:g} s exceeds {self.max_retry_after_s:g} s)", None
            return problem, wait
        if status >= 500:
            return problem, self._backoff(attempt)
        return problem, None  # 400 bad chat or markup, 401 bad token, 403 bot blocked: retrying cannot help

    def _backoff(self, attempt: int) -> float | None:
        return self._delays[attempt] if attempt < len(self._delays) else None

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
