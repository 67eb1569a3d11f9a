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
