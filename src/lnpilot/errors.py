"""Typed errors raised at the edges. Messages never carry secrets."""

from __future__ import annotations


class LnpilotError(Exception):
    """Base of every error lnpilot raises on purpose; ``code`` is stable (API problem type)."""

    code = "lnpilot-error"


class InvalidInputError(LnpilotError, ValueError):
    code = "invalid-input"


class ConfigError(LnpilotError):
    code = "config-error"


class ConflictError(LnpilotError):
    """The request contradicts the current state (the API answers 409)."""

    code = "conflict"


class NotFoundError(LnpilotError):
    code = "not-found"
