"""Local storage: the SQLite database (SQLAlchemy 2.0), its schema and migrations."""

from __future__ import annotations

from desktoprec.storage.db import Database, open_database

__all__ = ["Database", "open_database"]
