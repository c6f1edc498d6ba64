"""Read a graph snapshot (file or bytes), detect its format, and parse it into domain values.

Formats: LND ``describegraph`` / ``GET /v1/graph``, Core Lightning ``listchannels``, and the
test-data graphs of LND's repository; plain, gzip or xz (detected by magic bytes, not by name).
"""

from __future__ import annotations

import gzip
import json
import lzma
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lnpilot.errors import InvalidInputError
from lnpilot.graph.cln_format import parse_listchannels
from lnpilot.graph.lnd_format import parse_describegraph, parse_testdata
from lnpilot.graph.report import GraphFormatError, LoadResult

_GZIP_MAGIC = b"\x1f\x8b"
_XZ_MAGIC = b"\xfd7zXZ\x00"
_EXPECTED = "expected LND describegraph ({nodes, edges}) or Core Lightning listchannels ({channels})"

__all__ = ["GraphFormatError", "LoadResult", "decompress", "detect_format", "load_graph", "parse_graph_bytes"]


def decompress(data: bytes) -> bytes:
    """The payload of gzip or xz data; anything else is returned unchanged."""
    try:
        if data.startswith(_GZIP_MAGIC):
            return gzip.decompress(data)
        if data.startswith(_XZ_MAGIC):
            return lzma.decompress(data)
    except (EOFError, OSError, lzma.LZMAError, zlib.error) as exc:
        raise GraphFormatError(f"corrupt or truncated compressed data: {exc}") from exc
    return data


def detect_format(doc: Any) -> str:
    """The name of the snapshot format of a decoded JSON document, or GraphFormatError."""
    if not isinstance(doc, Mapping):
        raise GraphFormatError(f"unknown graph format: top level is {type(doc).__name__}; {_EXPECTED}")
    if isinstance(doc.get("channels"), list):
        return "cln_listchannels"
    nodes, edges = doc.get("nodes"), doc.get("edges")
    if isinstance(nodes, list) and isinstance(edges, list):
        sample = next((item for item in [*edges, *nodes] if isinstance(item, Mapping)), None)
        if sample is None or "node1_pub" in sample or "pub_key" in sample:
            return "lnd_describegraph"
        if "node_1" in sample or "pubkey" in sample:
            return "lnd_testdata"
    keys = ", ".join(sorted(str(key) for key in doc)[:6]) or "none"
    raise GraphFormatError(f"unknown graph format (top-level keys: {keys}); {_EXPECTED}")


def parse_graph_bytes(data: bytes, taken_at: int = 0) -> LoadResult:
    """Parse a snapshot held in memory (e.g. a live node's ``GET /v1/graph`` body)."""
    payload = decompress(data)
    try:
        doc = json.loads(payload)
    except UnicodeDecodeError as exc:
        raise GraphFormatError("not a graph snapshot: the data is neither JSON text nor gzip/xz") from exc
    except json.JSONDecodeError as exc:
        raise GraphFormatError(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    kind = detect_format(doc)
    if kind == "cln_listchannels":
        return parse_listchannels(doc, taken_at)
    if kind == "lnd_testdata":
        return parse_testdata(doc)
    return parse_describegraph(doc, taken_at)


def load_graph(path: Path, taken_at: int = 0) -> LoadResult:
    """Read and parse a snapshot file; every failure is one clear ``InvalidInputError`` line."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InvalidInputError(f"cannot read graph file {path}: {exc.strerror or exc}") from exc
    try:
        return parse_graph_bytes(data, taken_at)
    except GraphFormatError as exc:
        raise GraphFormatError(f"{path}: {exc}") from exc
