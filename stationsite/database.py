"""Database wiring: extensions, SQLite pragmas, and the migration entry point."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db, migrate

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def init_app(app: Flask) -> None:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"connect_args": {"timeout": 30}})
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS))


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """Foreign keys on, and WAL so readers never wait for the one writer."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        # 64 MB of page cache per connection: report queries revisit the same index pages
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()


def migrate_to_head() -> None:
    """Run Alembic migrations up to head (an explicit command, never the factory)."""
    upgrade(directory=str(MIGRATIONS))
