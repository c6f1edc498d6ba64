"""Persistence (SQL via SQLAlchemy) and caches."""
