"""Persistence: SQLAlchemy Core tables and queries. The only place SQL lives."""
