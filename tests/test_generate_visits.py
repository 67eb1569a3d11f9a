"""Synthetic visits and feedback, the rollup rebuild command, and exact rollups under
concurrent check-ins (SQLite, and PostgreSQL when one answers on 127.0.0.1)."""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select, update

from stationsite import create_app
from stationsite.database import migrate_to_head
from stationsite.extensions import db
from stationsite.models import (
    Feedback,
    Station,
    StationKind,
    Visit,
    VisitorGroup,
    VisitRollup,
    VisitSource,
)
from stationsite.reports import rollups
from stationsite.reports.periods import CHINA

from .conftest import BASE_CONFIG, postgres_database, serve

LIVE = {
    "CHECKIN_LIMITS": "10000 per minute",
    "REPEAT_CHECKIN_LIMITS": "10000 per minute",
    "STATION_CHECKIN_LIMITS": "10000 per minute",
    "FEEDBACK_LIMITS": "10000 per minute",
    "STATION_WRITE_LIMITS": "10000 per minute",
}


@pytest.fixture
def stations(ctx, make_station):
    """Three stations, and an app context for the CLI runner (as in test_cli)."""
    make_station(code="GV-1", kind=StationKind.TOILET)
    make_station(code="GV-2", facilities=["microwave", "hot_water"])
    make_station(code="GV-3", facilities=["seating"])


def test_generate_visits_adds_a_realistic_mix_and_exact_rollups(app, runner, stations):
    result = runner.invoke(args=["generate-visits", "--count", "4000", "--days", "30"])
    assert result.exit_code == 0, result.output
    assert "Added 4000 visits" in result.output
    with app.app_context():
        rows = db.session.execute(select(Visit)).scalars().all()
        assert sum(v.count for v in rows) == 4000
        assert f"in {len(rows)} rows" in result.output
        assert {v.visitor_group for v in rows} == set(VisitorGroup)
        assert {v.source for v in rows} == {VisitSource.CHECKIN, VisitSource.TALLY}
        tallies = [v for v in rows if v.source is VisitSource.TALLY]
        assert all(v.count == 1 for v in rows if v.source is VisitSource.CHECKIN)
        assert all(v.count > 1 and v.visited_at.astimezone(CHINA).hour == 12 for v in tallies)
        assert 0.2 < sum(v.count for v in tallies) / 4000 < 0.4
        first = datetime.now(CHINA).date() - timedelta(days=29)
        since = datetime.combine(first, time(), CHINA)
        assert all(since <= v.visited_at <= datetime.now(UTC) for v in rows)
        assert db.session.scalar(select(func.count(Feedback.id))) > 0
        assert rollups.differences() == []


def test_feedback_is_a_small_share_mostly_content(app, runner, stations):
    runner.invoke(args=["generate-visits", "--count", "20000", "--days", "90", "--seed", "3"])
    with app.app_context():
        items = db.session.scalars(select(Feedback)).all()
        assert 100 < len(items) < 300
        rated = [f.rating for f in items if f.rating]
        assert sum(r >= 4 for r in rated) / len(rated) > 0.5
        resolved = [f for f in items if f.resolved_at]
        assert resolved and all(f.resolved_at > f.created_at for f in resolved)
        assert any(f.status.value in ("new", "acknowledged") for f in items)
        faults = [f for f in items if f.category.value == "facility_fault"]
        assert faults and any(f.facility_id for f in faults)


def test_generate_visits_needs_stations(ctx, runner):
    result = runner.invoke(args=["generate-visits", "--count", "10"])
    assert result.exit_code != 0 and "no stations" in result.output


def test_rebuild_rollups_check(app, runner, stations):
    runner.invoke(args=["generate-visits", "--count", "500", "--days", "10"])
    result = runner.invoke(args=["rebuild-rollups", "--check"])
    assert result.exit_code == 0 and "equal the raw visits" in result.output
    with app.app_context():
        db.session.execute(update(VisitRollup).values(visits=VisitRollup.visits + 1))
        db.session.commit()
    assert runner.invoke(args=["rebuild-rollups"]).exit_code == 0
    with app.app_context():
        assert rollups.differences() == []
        db.session.execute(update(VisitRollup).values(visits=VisitRollup.visits + 1))
        db.session.commit()
        assert rollups.differences()


# --- concurrent check-ins against a live server ------------------------------------------


def _check_in(url: str, agent: str) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps({"visitor_group": "food_delivery"}).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": agent},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _concurrent_check_ins_stay_exact(app) -> None:
    with app.app_context():
        from stationsite.synthetic import generate_visits

        generate_visits(600, seed=5, days=5)
        db.session.commit()
        before = db.session.scalar(select(func.sum(Visit.count)))
    codes = ["GV-1", "GV-2", "GV-3"]
    jobs = [(codes[n % 3], f"rider-{n % 20}") for n in range(60)]
    with serve(app) as base, ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(
            pool.map(
                lambda job: _check_in(f"{base}/api/v1/stations/{job[0]}/checkins", job[1]), jobs
            )
        )
    assert set(statuses) <= {200, 201}
    with app.app_context():
        assert db.session.scalar(select(func.sum(Visit.count))) == before + statuses.count(201)
        assert statuses.count(201) == 60  # 20 riders, each once at each of 3 stations
        assert rollups.differences() == []
        db.session.remove()


def test_concurrent_check_ins_keep_the_rollup_exact(empty_db_file, tmp_path):
    target = tmp_path / "live.sqlite3"
    shutil.copy(empty_db_file, target)
    app = create_app({**BASE_CONFIG, **LIVE, "DATABASE_URL": f"sqlite:///{target}"})
    with app.app_context():
        _add_stations()
    _concurrent_check_ins_stay_exact(app)
    with app.app_context():
        db.engine.dispose()


def _add_stations() -> None:
    for n, kind in enumerate((StationKind.TOILET, StationKind.WARM, StationKind.WARM), 1):
        db.session.add(
            Station(
                code=f"GV-{n}", kind=kind, name_zh=f"并发驿站{n}", lat=30.2, lon=120.1 + n / 100
            )
        )
    db.session.commit()


@pytest.fixture
def pg_database():
    with postgres_database() as url:
        yield url


@pytest.mark.postgres
def test_concurrent_check_ins_keep_the_rollup_exact_on_postgres(pg_database):
    app = create_app({**BASE_CONFIG, **LIVE, "DATABASE_URL": pg_database})
    with app.app_context():
        migrate_to_head()
        _add_stations()
    _concurrent_check_ins_stay_exact(app)
    with app.app_context():
        db.engine.dispose()
