"""Structured logging (structlog): console in development, JSON lines in production.

Secrets are redacted by a processor whatever key they sit under: by key name, by shape (long hex
or base64 blobs such as macaroons), and by value for every secret registered at start-up.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, MutableMapping
from typing import Any, TextIO

import structlog

REDACTED = "[REDACTED]"
_SECRET_KEY_RE = re.compile(
    r"(macaroon|api[_-]?key|apikey|password|passwd|secret|token|authorization|encryption[_-]?key|x-api-key)",
    re.IGNORECASE,
)
# A macaroon in hex starts with 0201 (v2 binary) and is long; other long hex/base64 blobs that
# are not pubkeys (66 hex) or txids/hashes (64 hex) are treated as secrets too.
_HEX_BLOB_RE = re.compile(r"\b0201[0-9a-fA-F]{60,}\b|\b[0-9a-fA-F]{100,}\b")
# Credentials inside free text (httpcore's DEBUG lines print raw header tuples, URLs carry query
# tokens): header values of credential headers, bearer tokens, JWTs, and key=value pairs.
_HEADER_TUPLE_RE = re.compile(
    r"(\(b?['\"](?:set-cookie|cookie|authorization|proxy-authorization|x-api-key|grpc-metadata-macaroon)"
    r"['\"],\s*b?)(['\"])(?:(?!\2).)*\2",
    re.IGNORECASE,
)
_HEADER_LINE_RE = re.compile(
    r"\b(set-cookie|cookie|authorization|proxy-authorization|x-api-key|grpc-metadata-macaroon)"
    r"(\s*[:=]\s*)[^\r\n]+",
    re.IGNORECASE,
)
_BEARER_RE = re.compile(r"\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}", re.IGNORECASE)
_JWT_RE = re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_PAIR_RE = re.compile(
    r"\b([A-Za-z0-9_-]*(?:token|api[_-]?key|password|passwd|secret|macaroon|usr)[A-Za-z0-9_-]*)=([^&;\s'\",)]+)",
    re.IGNORECASE,
)
# Libraries whose INFO lines are chatter for an operator ("HTTP Request: GET ..."): WARNING and up
# unless the whole process runs at DEBUG.
CHATTY_LOGGERS = ("httpx", "httpcore", "hpack", "asyncio", "aiosqlite", "urllib3", "multipart", "numba")
_known_secrets: set[str] = set()


def register_secret(value: str | bytes | None) -> None:
    """Make the redactor replace ``value`` wherever it appears in a log line."""
    if not value:
        return
    text = value.hex() if isinstance(value, bytes) else value
    if len(text) >= 6:
        _known_secrets.add(text)


def redact_text(text: str) -> str:
    for secret in _known_secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    text = _HEADER_TUPLE_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}{m.group(2)}", text)
    text = _HEADER_LINE_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    text = _BEARER_RE.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _JWT_RE.sub(REDACTED, text)
    text = _PAIR_RE.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
    return _HEX_BLOB_RE.sub(REDACTED, text)


def _redact(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, bytes):
        return REDACTED if len(value) > 16 else value
    if isinstance(value, MutableMapping):
        return {k: (REDACTED if _is_secret_key(k) else _redact(v)) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return (
            type(value)(_redact(v) for v in value)
            if not isinstance(value, set)
            else [_redact(v) for v in value]
        )
    return value


def _is_secret_key(key: object) -> bool:
    return isinstance(key, str) and bool(_SECRET_KEY_RE.search(key))


def redact_processor(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key in list(event_dict):
        value = event_dict[key]
        if _is_secret_key(key) and value is not None:
            event_dict[key] = REDACTED
        else:
            event_dict[key] = _redact(value)
    return event_dict


def configure_logging(fmt: str = "console", level: str = "INFO", stream: TextIO | None = None) -> None:
    """Configure structlog and the stdlib root logger (for uvicorn, httpx, alembic) alike."""
    stream = stream or sys.stderr
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        redact_processor,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=stream.isatty())
    )
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(file=stream),
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=shared,
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    chatter = logging.NOTSET if level == "DEBUG" else logging.WARNING
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(chatter)


def get_logger(name: str | None = None, **context: Any) -> Any:
    return structlog.get_logger(name).bind(**context) if context else structlog.get_logger(name)


def secrets_of(values: Iterable[Any]) -> None:
    """Register every ``SecretStr``-like value (has ``get_secret_value``) found in ``values``."""
    for value in values:
        getter = getattr(value, "get_secret_value", None)
        if getter is not None:
            register_secret(getter())
