"""DecisionEngine: per-channel decisions under risk profiles (pure)."""

from lnpilot.decisions.engine import DecisionEngine, NodeContext, scores_by_chan_id
from lnpilot.decisions.profiles import BUILTIN, Profile, resolve_profile
from lnpilot.decisions.types import CloseParams, Decision, DecisionType, RebalanceParams

__all__ = [
    "BUILTIN",
    "CloseParams",
    "Decision",
    "DecisionEngine",
    "DecisionType",
    "NodeContext",
    "Profile",
    "RebalanceParams",
    "resolve_profile",
    "scores_by_chan_id",
]
