"""Backups: ``flask backup FILE`` copies the live database, safely while the site runs.

- SQLite: the online backup API (``sqlite3.Connection.backup``), consistent even with writers;
  the copy is itself a database: restoring is putting the file back (site stopped).
- PostgreSQL: ``pg_dump --format=custom``; restore with
  ``pg_restore --no-owner --dbname=<url of an empty database> FILE``.
See docs/deploiement.md.
"""

from __future__ import annotations

import glob
import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy.engine import make_url


def pg_binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True):
        return candidate
    raise click.ClickException(
        f"{name} est introuvable : installez le client PostgreSQL (apt-get install postgresql-client)."
    )


def libpq_url(url: str) -> str:
    """``postgresql+psycopg://…`` as the PostgreSQL tools spell it (password kept)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def backup_database(url: str, destination: Path) -> Path:
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        source = sqlite3.connect(parsed.database)
        target = sqlite3.connect(destination)
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
    elif parsed.get_backend_name() == "postgresql":
        subprocess.run(
            [pg_binary("pg_dump"), "--format=custom", "--no-owner", f"--file={destination}", libpq_url(url)],
            check=True,
            capture_output=True,
        )
    else:
        raise click.ClickException(f"Base non prise en charge : {parsed.get_backend_name()}")
    return destination


def restore_postgresql(dump: Path, url: str) -> None:
    """Into an existing, empty database."""
    subprocess.run(
        [pg_binary("pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={libpq_url(url)}", str(dump)],
        check=True,
        capture_output=True,
    )


def register_backup_cli(app: Flask) -> None:
    @app.cli.command("backup")
    @click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
    def backup_cmd(destination: Path) -> None:
        """Sauvegarde la base (SQLite : copie en ligne ; PostgreSQL : pg_dump au format custom)."""
        path = backup_database(current_app.config["SQLALCHEMY_DATABASE_URI"], destination)
        click.echo(f"Sauvegarde écrite : {path} ({path.stat().st_size} octets)")
