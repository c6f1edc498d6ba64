"""lnpilot: an autopilot for Lightning routing nodes and a scoring service for the public graph."""

from importlib.metadata import PackageNotFoundError, version

try:
    # The installed distribution's version, which setuptools-scm took from the git tag at build time.
    __version__ = version("lnpilot")
except PackageNotFoundError:  # pragma: no cover - running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
