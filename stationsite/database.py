"""Database wiring: extensions, SQLite pragmas, and the migration entry point."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db, migrate

MIGRATIONS = Path(__file__).parent / "migrations"  # a link to ../migrations in a checkout


def init_app(app: Flask) -> None:
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config))
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS))


def engine_options(config) -> dict:
    """Fail fast: a database that does not answer costs a request DATABASE_TIMEOUT_S seconds
    (then a 503), not gunicorn's worker timeout. SQLite waits longer for its one writer, so
    that concurrent feedback is stored rather than refused."""
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return {"connect_args": {"timeout": 30}}
    timeout = config.get("DATABASE_TIMEOUT_S", 2)
    options = {
        "pool_timeout": timeout,  # waiting for a free pooled connection
        "connect_args": {
            "connect_timeout": timeout,
            # a connection that stops answering is dropped by TCP, not waited on forever
            "keepalives": 1,
            "keepalives_idle": 10,
            "keepalives_interval": 2,
            "keepalives_count": 3,
            "tcp_user_timeout": timeout * 1000,
        },
    }
    statement_s = config.get("STATEMENT_TIMEOUT_S")  # off by default: rebuilds run long
    if statement_s:
        options["connect_args"]["options"] = f"-c statement_timeout={statement_s}s"
    return options


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
