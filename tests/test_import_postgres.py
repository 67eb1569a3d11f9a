"""Issue 10: files over 65,535 rows on PostgreSQL (the driver's parameter limit) import."""

from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from stationsite import create_app
from stationsite.database import migrate_to_head
from stationsite.extensions import db
from stationsite.models import Station, StationFacility
from stationsite.stations_io import apply, parse, plan

from .conftest import POSTGRES_SERVER

pytestmark = pytest.mark.postgres
ROWS = 70_000


@pytest.fixture(scope="module")
def pg_app():
    admin = create_engine(
        POSTGRES_SERVER, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # pragma: no cover - depends on the machine
        admin.dispose()
        pytest.skip(f"no PostgreSQL: {error.__class__.__name__}")
    name = f"stationsite_issue10_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_SERVER).set(database=name).render_as_string(hide_password=False)
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "MAP_TILES": "none", "DATABASE_URL": url})
    with app.app_context():
        migrate_to_head()
    yield app
    with app.app_context():
        db.engine.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def big_file(rows: int) -> bytes:
    lines = ["编号,名称,类型,纬度,经度,开放时间,设施"]
    lines += [
        f"BIG-{n:06d},驿站{n},暖心驿站,{30 + n / 1e6:.6f},120.1,8:00-18:00,热水"
        for n in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode("gbk")


def test_seventy_thousand_rows_import_then_reimport_unchanged_on_postgres(pg_app):
    """Over 65,535 codes in every statement the import makes: plan, create in bulk, then load
    and compare every row on the second run."""
    with pg_app.app_context():
        rows = parse(big_file(ROWS), "big.csv")
        assert set(plan(rows).values()) == {"create"}
        started = time.monotonic()
        outcome = apply(rows)
        db.session.commit()
        print(f"created {ROWS} stations on PostgreSQL in {time.monotonic() - started:.1f} s")
        assert len(outcome.created) == ROWS
        assert db.session.scalar(select(func.count(Station.id))) == ROWS
        assert db.session.scalar(select(func.count(StationFacility.id))) == ROWS
    with pg_app.app_context():
        again = parse(big_file(ROWS + 1), "big.csv")
        actions = list(plan(again).values())
        assert (actions.count("unchanged"), actions.count("create")) == (ROWS, 1)
        started = time.monotonic()
        outcome = apply(again)
        db.session.commit()
        print(f"compared {ROWS} stations on PostgreSQL in {time.monotonic() - started:.1f} s")
        assert (len(outcome.created), len(outcome.unchanged), len(outcome.updated)) == (1, ROWS, 0)
