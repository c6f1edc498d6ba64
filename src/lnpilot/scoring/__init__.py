"""Scoring: eight heuristics and the composite score (pure)."""
