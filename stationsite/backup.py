"""Backups: the database and the photos visitors sent, in one archive, and back again.

    flask --app stationsite backup stationsite-2026-12-02.tar.gz
    flask --app stationsite restore stationsite-2026-12-02.tar.gz --yes

SQLite is copied with its online backup API (consistent while the site runs); PostgreSQL with
`pg_dump --format=custom` and restored with `pg_restore --clean --if-exists --no-owner`.
Not in the archive, and to be kept apart (a password store): SECRET_KEY and the rest of
instance/config.py.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import text
from sqlalchemy.engine import make_url

from .extensions import db

MANIFEST = "stationsite-backup.json"
FORMAT = 1
FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


class BackupError(Exception):
    pass


def _url():
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _backend() -> str:
    backend = _url().get_backend_name()
    if backend not in FILES:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {backend}")
    return backend


def _libpq_url() -> str:
    """The database URL as pg_dump and pg_restore read it (no SQLAlchemy driver name)."""
    return _url().set(drivername="postgresql").render_as_string(hide_password=False)


def _photo_dir() -> Path:
    from .feedback.photos import photo_dir

    return photo_dir()


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[:500]}")


def _dump_database(target: Path) -> None:
    if _backend() == "sqlite":
        source = sqlite3.connect(_url().database)
        copy = sqlite3.connect(target)
        with copy:
            source.backup(copy)
        copy.close()
        source.close()
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", _libpq_url()])


def _revision() -> str | None:
    try:
        return db.session.scalar(text("SELECT version_num FROM alembic_version"))
    finally:
        db.session.rollback()


def backup(target: Path) -> dict:
    """Write the archive to `target`; returns its manifest."""
    backend = _backend()
    photos = _photo_dir()
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": backend,
        "revision": _revision(),
        "photos": sum(1 for p in photos.rglob("*") if p.is_file()) if photos.is_dir() else 0,
    }
    with tempfile.TemporaryDirectory() as work:
        dump = Path(work) / FILES[backend]
        _dump_database(dump)
        (Path(work) / MANIFEST).write_text(json.dumps(manifest, indent=1))
        partial = target.with_name(target.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(Path(work) / MANIFEST, arcname=MANIFEST)
            archive.add(dump, arcname=dump.name)
            if photos.is_dir():
                archive.add(photos, arcname="photos")
        partial.replace(target)  # never a half-written archive under the real name
    return manifest


def _read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        manifest = json.load(archive.extractfile(MANIFEST))
    except (KeyError, ValueError, TypeError) as error:
        raise BackupError("this is not a stationsite backup (no readable manifest)") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    return manifest


def _load_database(dump: Path) -> None:
    db.session.remove()
    db.engine.dispose()  # no pooled connection keeps the old database open
    if _backend() == "sqlite":
        source = sqlite3.connect(dump)
        target = sqlite3.connect(_url().database)
        with target:
            source.backup(target)
        target.close()
        source.close()
    else:
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                f"--dbname={_libpq_url()}",
                str(dump),
            ]
        )


def restore(source: Path) -> dict:
    """Replace the database and the photos with the archive's; returns its manifest."""
    backend = _backend()
    with tarfile.open(source, "r:*") as archive, tempfile.TemporaryDirectory() as work:
        manifest = _read_manifest(archive)
        if manifest["database"] != backend:
            raise BackupError(
                f"the backup holds a {manifest['database']} database; this site uses {backend}"
            )
        archive.extractall(work, filter="data")  # no absolute paths, links or devices
        _load_database(Path(work) / FILES[backend])
        photos = _photo_dir()
        if photos.exists():
            shutil.rmtree(photos)
        if (Path(work) / "photos").is_dir():
            shutil.copytree(Path(work) / "photos", photos)
    return manifest


@click.command("backup")
@with_appcontext
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(target: Path) -> None:
    """Write the database and the visitors' photos to TARGET (.tar.gz)."""
    try:
        manifest = backup(target)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Backed up the {manifest['database']} database (revision {manifest['revision']}) "
        f"and {manifest['photos']} photo files to {target}."
    )
    click.echo("Keep SECRET_KEY and instance/config.py too: they are not in the archive.")


@click.command("restore")
@with_appcontext
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the current data without asking.")
def restore_command(source: Path, yes: bool) -> None:
    """Replace the database and the photos with those in SOURCE. Stop the site first."""
    if not yes:
        click.confirm("This replaces every station, visit and feedback item. Go on?", abort=True)
    try:
        manifest = restore(source)
    except (BackupError, tarfile.TarError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Restored the backup of {manifest['created_at']} (revision {manifest['revision']}). "
        "Run `flask --app stationsite init-db` if this code is newer."
    )
