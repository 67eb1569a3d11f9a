"""Issue 10, part 4: the first import into a fresh database is complete (the facility
catalogue is not there yet), and importing the same file again changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from stationsite import create_app
from stationsite.database import migrate_to_head
from stationsite.extensions import db
from stationsite.models import Facility, Station

from .conftest import BASE_CONFIG

COUNCIL = (
    "编号,名称,类型,纬度,经度,开放时间,设施,坐标系\n"
    "XH-001,西湖公厕驿站,公厕驿站,30.2780,120.1636,周一至周五 8:00-18:00,"
    "厕所、直饮水、无障碍厕所,gcj02\n"
    "XH-002,断桥暖心驿站,暖心驿站,30.2590,120.1512,预约开放,热水;微波炉,\n"
)


@pytest.fixture
def fresh(tmp_path):
    """A migrated database with nothing in it: no catalogue, no stations."""
    app = create_app({**BASE_CONFIG, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}"})
    with app.app_context():
        migrate_to_head()
        assert db.session.scalar(select(func.count(Facility.id))) == 0
        yield app
        db.session.remove()
        db.engine.dispose()


def test_first_import_keeps_every_facility_and_the_second_changes_nothing(fresh, tmp_path):
    source = tmp_path / "council.csv"
    source.write_bytes(COUNCIL.encode("gbk"))
    runner = fresh.test_cli_runner()
    first = runner.invoke(args=["import-stations", str(source)])
    assert "Created 2, updated 0, unchanged 0, failed 0" in first.output, first.output
    assert "unknown facility" not in first.output
    stations = {s.code: s for s in db.session.scalars(select(Station))}
    assert sorted(f.facility.code for f in stations["XH-001"].facilities) == [
        "accessible_toilet",
        "drinking_water",
        "toilet",
    ]
    assert sorted(f.facility.code for f in stations["XH-002"].facilities) == [
        "hot_water",
        "microwave",
    ]
    assert stations["XH-001"].opening_hours == "Mo-Fr 08:00-18:00"
    assert stations["XH-002"].opening_hours == "预约开放"  # kept as written: unknown
    db.session.remove()
    dry = runner.invoke(args=["import-stations", str(source), "--dry-run"])
    assert "Would create 0, update 0, leave 2 unchanged" in dry.output, dry.output
    db.session.remove()
    second = runner.invoke(args=["import-stations", str(source)])
    assert "Created 0, updated 0, unchanged 2, failed 0" in second.output, second.output


def test_the_preview_of_a_file_imported_again_says_unchanged(fresh, tmp_path):
    """What the clerk is shown before confirming agrees with what the import then does."""
    from stationsite.stations_io import apply, parse, plan

    apply(parse(COUNCIL.encode(), "council.csv"))
    db.session.commit()
    assert plan(parse(COUNCIL.encode(), "council.csv")) == {
        "XH-001": "unchanged",
        "XH-002": "unchanged",
    }
    edited = COUNCIL.replace("断桥暖心驿站", "断桥暖心驿站（新）").replace(
        "热水;微波炉", "热水;空调"
    )
    assert plan(parse(edited.encode(), "council.csv")) == {
        "XH-001": "unchanged",
        "XH-002": "update",
    }


def test_a_dry_run_on_a_fresh_database_reads_facilities_without_writing(fresh, tmp_path):
    source = tmp_path / "council.csv"
    source.write_bytes(COUNCIL.encode("utf-8-sig"))
    result = fresh.test_cli_runner().invoke(args=["import-stations", str(source), "--dry-run"])
    assert "Would create 2, update 0" in result.output
    assert "unknown facility" not in result.output
    assert db.session.scalar(select(func.count(Station.id))) == 0
