"""The full-text index lives outside the SQLAlchemy models: an FTS5 virtual table on SQLite, a
table with a weighted tsvector on PostgreSQL, both filled by triggers the migration creates.

Alembic must not try to drop it when it compares the database to the models.
"""

from __future__ import annotations

INDEX_TABLE = "search_index"

# Small integers that identify each kind of document inside the index.
KIND_CODES = {"idea": 0, "proposal": 1, "association": 2, "call": 3}


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic hook: ignore the index table, FTS5's shadow tables and the index's own indexes."""
    if type_ in ("table", "index") and name and name.startswith(INDEX_TABLE):
        return False
    return True
