"""flask backup / flask restore: the database and the photos, out and back, on SQLite and
PostgreSQL."""

from __future__ import annotations

import shutil
import tarfile

import pytest
from sqlalchemy import delete, func, select

from stationsite import create_app
from stationsite.database import migrate_to_head
from stationsite.extensions import db
from stationsite.models import Station
from tests.conftest import BASE_CONFIG, postgres_database


def _stations(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Station.code).order_by(Station.code)))


def _add_station(app, code: str) -> None:
    with app.app_context():
        db.session.add(Station(code=code, kind="warm_station", name_zh="驿站", lat=30, lon=120))
        db.session.commit()


def _wipe(app) -> None:
    with app.app_context():
        db.session.execute(delete(Station))
        db.session.commit()


def _round_trip(app, tmp_path) -> None:
    photos = tmp_path / "photos"
    (photos / "ab").mkdir(parents=True)
    (photos / "ab" / "one.jpg").write_bytes(b"\xff\xd8 a photo")
    _add_station(app, "BK-1")
    runner = app.test_cli_runner()
    archive = tmp_path / "backup.tar.gz"
    made = runner.invoke(args=["backup", str(archive)])
    assert made.exit_code == 0, made.output
    assert "1 photo files" in made.output and "SECRET_KEY" in made.output
    _wipe(app)
    _add_station(app, "AFTER-1")
    (photos / "ab" / "one.jpg").unlink()
    (photos / "stray.jpg").write_bytes(b"not in the backup")
    assert runner.invoke(args=["restore", str(archive)], input="n\n").exit_code == 1
    restored = runner.invoke(args=["restore", str(archive), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert _stations(app) == ["BK-1"]
    assert (photos / "ab" / "one.jpg").read_bytes() == b"\xff\xd8 a photo"
    assert not (photos / "stray.jpg").exists()
    with app.app_context():  # the restored database is the live one again
        assert db.session.scalar(select(func.count(Station.id))) == 1


def test_backup_and_restore_on_sqlite(empty_db_file, tmp_path):
    from tests.conftest import _app_on_copy

    app = _app_on_copy(empty_db_file, tmp_path, FEEDBACK_PHOTO_DIR=str(tmp_path / "photos"))
    _round_trip(app, tmp_path)


@pytest.mark.postgres
@pytest.mark.skipif(not shutil.which("pg_dump"), reason="needs pg_dump and pg_restore")
def test_backup_and_restore_on_postgres(tmp_path):
    with postgres_database() as url:
        config = {
            **BASE_CONFIG,
            "DATABASE_URL": url,
            "FEEDBACK_PHOTO_DIR": str(tmp_path / "photos"),
        }
        app = create_app(config)
        with app.app_context():
            migrate_to_head()
        try:
            _round_trip(app, tmp_path)
        finally:
            with app.app_context():
                db.engine.dispose()


def test_a_backup_of_another_kind_or_no_backup_is_refused(app, tmp_path):
    runner = app.test_cli_runner()
    other = tmp_path / "other.tar.gz"
    with tarfile.open(other, "w:gz") as archive:
        archive.add(__file__, arcname="notes.txt")
    refused = runner.invoke(args=["restore", str(other), "--yes"])
    assert refused.exit_code == 1 and "not a stationsite backup" in refused.output
