"""Downgrading and upgrading again loses nothing: what a downgrade drops waits in a side table
that the next upgrade puts back (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select

from stationsite import create_app
from stationsite.database import MIGRATIONS
from stationsite.extensions import db
from stationsite.models import (
    Alert,
    Feedback,
    FeedbackCategory,
    FeedbackPhoto,
    Search,
    Station,
    StationKind,
    Visit,
    VisitorGroup,
    VisitSource,
)
from tests.conftest import BASE_CONFIG, postgres_database

NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)


def _fill() -> None:
    station = Station(code="MG-1", kind=StationKind.WARM, name_zh="驿站", lat=30, lon=120)
    db.session.add(station)
    db.session.flush()
    item = Feedback(
        station_id=station.id,
        visitor_group=VisitorGroup.COURIER,
        category=FeedbackCategory.FACILITY_FAULT,
        comment="坏了",
        client_hash="c",
        source="open311",
        dedupe_key="dk-1",
        reference="FK-MG01",
        follow_token="token-mg-1",
        me_too=3,
    )
    db.session.add(item)
    db.session.flush()
    photo = FeedbackPhoto(feedback_id=item.id, name="ab/one.jpg", width=9, height=9, size_bytes=9)
    alert = Alert(feedback_id=item.id, channel="wecom", subject="s", body="b")
    visit = Visit(
        station_id=station.id,
        visitor_group=VisitorGroup.COURIER,
        source=VisitSource.CHECKIN,
        dedupe_key="vk-1",
    )
    search = Search(cell="1:2", cell_lat=30.0, cell_lon=120.0, hour=NOW, nearest_m=1800)
    db.session.add_all([photo, alert, visit, search])
    db.session.commit()


def _check() -> None:
    item = db.session.scalar(select(Feedback))
    assert (item.source, item.dedupe_key) == ("open311", "dk-1")
    assert (item.reference, item.follow_token, item.me_too) == ("FK-MG01", "token-mg-1", 3)
    assert db.session.scalar(select(FeedbackPhoto.name)) == "ab/one.jpg"
    assert db.session.scalar(select(Alert.channel)) == "wecom"
    assert db.session.scalar(select(Visit.dedupe_key)) == "vk-1"
    assert db.session.scalar(select(Search.nearest_m)) == 1800
    assert not [t for t in inspect(db.engine).get_table_names() if t.startswith("_kept_")]
    # new rows still get fresh ids after the ones put back
    db.session.add(Alert(feedback_id=item.id, channel="email", subject="s", body="b"))
    db.session.commit()


def _round_trip(url: str) -> None:
    app = create_app({**BASE_CONFIG, "DATABASE_URL": url})
    with app.app_context():
        upgrade(directory=str(MIGRATIONS))
        _fill()
        db.session.remove()
        downgrade(directory=str(MIGRATIONS), revision="0002")
        upgrade(directory=str(MIGRATIONS))
        _check()
        db.engine.dispose()


def test_down_and_up_again_keeps_everything_on_sqlite(tmp_path):
    _round_trip(f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}")


@pytest.mark.postgres
def test_down_and_up_again_keeps_everything_on_postgres():
    with postgres_database() as url:
        _round_trip(url)


def _area_rollup_filled_on_upgrade(url: str) -> None:
    """Migration 0009 sums the district rollup kept so far into whole months and years."""
    from sqlalchemy import text

    from stationsite.reports import rollups

    app = create_app({**BASE_CONFIG, "DATABASE_URL": url})
    with app.app_context():
        upgrade(directory=str(MIGRATIONS), revision="0008")
        rows = [
            ("*", "2025-12-31", 23, "courier", 2),
            ("*", "2026-01-01", 0, "courier", 3),
            ("*", "2026-01-20", 9, "sanitation", 4),
            ("西湖区", "2026-01-01", 0, "courier", 3),
        ]
        for district, day, hour, group, visits in rows:
            db.session.execute(
                text(
                    "INSERT INTO visit_rollup_area VALUES (:district, :day, :hour, "
                    "'warm_station', :group, 'checkin', :visits)"
                ),
                {"district": district, "day": day, "hour": hour, "group": group, "visits": visits},
            )
        db.session.commit()
        upgrade(directory=str(MIGRATIONS))
        found = db.session.execute(
            text(
                "SELECT grain, start, district, visitor_group, visits FROM "
                "visit_rollup_area_period ORDER BY grain, start, district, visitor_group"
            )
        ).all()
        assert [(g, str(s), d, v, n) for g, s, d, v, n in found] == [
            ("month", "2025-12-01", "*", "courier", 2),
            ("month", "2026-01-01", "*", "courier", 3),
            ("month", "2026-01-01", "*", "sanitation", 4),
            ("month", "2026-01-01", "西湖区", "courier", 3),
            ("year", "2025-01-01", "*", "courier", 2),
            ("year", "2026-01-01", "*", "courier", 3),
            ("year", "2026-01-01", "*", "sanitation", 4),
            ("year", "2026-01-01", "西湖区", "courier", 3),
        ]
        assert rollups._area_period_differences() == []
        db.session.remove()
        db.engine.dispose()


def test_the_month_and_year_district_rollup_is_filled_on_upgrade_on_sqlite(tmp_path):
    _area_rollup_filled_on_upgrade(f"sqlite:///{tmp_path / 'fill.sqlite3'}")


@pytest.mark.postgres
def test_the_month_and_year_district_rollup_is_filled_on_upgrade_on_postgres():
    with postgres_database() as url:
        _area_rollup_filled_on_upgrade(url)
