"""lnpilot: an autopilot for Lightning routing nodes and a scoring service for the public graph."""

__version__ = "0.1.0"
