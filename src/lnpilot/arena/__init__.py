"""The arena: fee strategies as clients of their own simnet, runs, tables, charts (docs/arena.md).

Reference strategies live here and are never imported by the engine.
"""
