"""PolicyValidator: limits, cooldowns, rate limits, blacklist (pure)."""

from lnpilot.safety.history import ValidationHistory
from lnpilot.safety.validator import PolicyValidator
from lnpilot.safety.verdict import CODES, Verdict, Violation

__all__ = ["CODES", "PolicyValidator", "ValidationHistory", "Verdict", "Violation"]
