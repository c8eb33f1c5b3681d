"""The lineage store: SQLAlchemy models, engine and sessions, intent-level reads and writes."""
