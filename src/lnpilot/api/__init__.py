"""The Lightning Scoring Service (FastAPI)."""
