"""Assertions shared by the tests."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event

from app.extensions import db


@dataclass
class QueryLog:
    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def count_queries() -> Iterator[QueryLog]:
    """Count the SQL statements sent while the block runs (for no-N+1 assertions)."""
    log = QueryLog()
    engine = db.engine

    def record(conn, cursor, statement, parameters, context, executemany):
        # Savepoints and pragmas are not queries of the page.
        if not re.match(r"\s*(SAVEPOINT|RELEASE|ROLLBACK|PRAGMA)", statement, re.I):
            log.statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield log
    finally:
        event.remove(engine, "before_cursor_execute", record)


def html(response) -> str:
    return response.get_data(as_text=True)


def text(response) -> str:
    """The page with HTML entities decoded, to look for French messages whatever their escaping."""
    import html as html_module

    return html_module.unescape(response.get_data(as_text=True))


def field_error(response, field_id: str) -> str:
    """The error shown next to one field (``templates/_macros/forms.html``), "" when none."""
    import html as html_module
    import re

    found = re.search(
        rf'<p class="field__error" id="{re.escape(field_id)}-error">(.*?)</p>', response.get_data(as_text=True), re.S
    )
    return html_module.unescape(re.sub(r"<[^>]+>", "", found.group(1))).replace("Erreur :", "").strip() if found else ""
