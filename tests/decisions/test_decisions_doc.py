"""docs/decisions.md states every profile value; it must match the code."""

from __future__ import annotations

import dataclasses
import re

from lnpilot.decisions.profiles import BUILTIN
from lnpilot.safety import CODES
from tests.conftest import ROOT

DOC = (ROOT / "docs" / "decisions.md").read_text()


def _fmt(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value:g}"


def test_profile_table_matches_the_code() -> None:
    rows = dict(re.findall(r"^\| `(\w+)` \| (.+) \|$", DOC, flags=re.MULTILINE))
    for field in dataclasses.fields(BUILTIN["balanced"]):
        if field.name == "name":
            continue
        cells = [c.strip() for c in rows[field.name].split("|")]
        expected = [_fmt(getattr(BUILTIN[p], field.name)) for p in ("conservative", "balanced", "aggressive")]
        assert cells == expected, field.name


def test_every_violation_code_is_documented() -> None:
    missing = [code for code in CODES if f"`{code}`" not in DOC]
    assert missing == []
