from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, StatementError

from stationsite.extensions import db
from stationsite.models import Role, Station, StationKind, User


def test_datetimes_come_back_aware_utc(ctx, make_station):
    shanghai = timezone(timedelta(hours=8))
    station = make_station(last_verified_at=datetime(2025, 11, 24, 9, 0, tzinfo=shanghai))
    db.session.expire_all()
    stored = db.session.get(Station, station.id).last_verified_at
    assert stored == datetime(2025, 11, 24, 1, 0, tzinfo=UTC)
    assert stored.tzinfo is UTC
    assert db.session.get(Station, station.id).created_at.tzinfo is UTC


def test_naive_datetimes_are_refused(ctx, make_station):
    with pytest.raises(StatementError, match="naive"):
        make_station(last_verified_at=datetime(2025, 11, 24, 9, 0))


def test_station_codes_are_unique(ctx, make_station):
    make_station(code="HZ-X-001")
    with pytest.raises(IntegrityError):
        make_station(code="HZ-X-001")


def test_kind_is_checked(ctx, make_station):
    with pytest.raises((StatementError, ValueError, LookupError)):
        make_station(kind="spaceship")


def test_names_by_locale(ctx, make_station):
    station = make_station(name_zh="湖滨驿站", name_en="Hubin station")
    assert station.name("zh") == "湖滨驿站"
    assert station.name("en") == "Hubin station"
    station.name_en = None
    assert station.name("en") == "湖滨驿站"


def test_passwords_are_hashed(ctx):
    user = User(username="op", role=Role.OPERATOR)
    user.set_password("correct horse")
    assert "correct horse" not in user.password_hash
    assert user.check_password("correct horse")
    assert not user.check_password("wrong")


def test_can_edit(ctx, make_station):
    mine = db.session.get(Station, make_station().id)
    other = db.session.get(Station, make_station().id)
    operator = User(username="op", role=Role.OPERATOR, password_hash="x", stations=[mine])
    admin = User(username="ad", role=Role.ADMIN, password_hash="x")
    db.session.add_all([operator, admin])
    db.session.commit()
    assert mine.can_edit(operator) and not other.can_edit(operator)
    assert mine.can_edit(admin) and other.can_edit(admin)
    assert not mine.can_edit(None)
    operator.active = False
    assert not mine.can_edit(operator)


def test_facilities_cascade_with_their_station(ctx, make_station):
    station = make_station(facilities=["microwave", ("drinking_water", "working", "24/7")])
    assert [f.facility.code for f in station.facilities] == ["microwave", "drinking_water"]
    db.session.delete(db.session.get(Station, station.id))
    db.session.commit()
    assert db.session.scalars(select(Station).where(Station.kind == StationKind.WARM)).all() == []
