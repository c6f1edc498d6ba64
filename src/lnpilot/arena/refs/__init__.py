"""Reference fee strategies, re-implemented from their documented rules (see docs/arena.md).

They live in the arena only: the engine never imports them.
"""
