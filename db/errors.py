"""The database errors every layer may raise or catch, in a module that imports nothing: the
driver-only read path (db/lite.py) raises them without loading SQLAlchemy."""

from __future__ import annotations


class DatabaseError(Exception):
    """The database cannot be opened or used: unreachable, locked, or a bad URL."""
