"""Migrations, demo data and the API on a real PostgreSQL, in a database made for this run.

Set TEST_POSTGRES_URL to use another server; skipped with the reason when none answers.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from stationsite import create_app
from stationsite.database import migrate_to_head
from stationsite.extensions import db
from stationsite.models import Station, Visit

from .conftest import postgres_database

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_url():
    with postgres_database() as url:
        yield url


@pytest.fixture(scope="module")
def pg_app(pg_url):
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "t", "MAP_TILES": "none", "DATABASE_URL": pg_url}
    )
    with app.app_context():
        migrate_to_head()
        from stationsite.demo import seed_demo

        seed_demo()
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


def test_migrations_and_models_agree_on_postgres(pg_app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with pg_app.app_context(), db.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), db.metadata) == []


def test_demo_data_and_aware_datetimes_on_postgres(pg_app):
    with pg_app.app_context():
        assert db.session.scalar(select(func.count(Station.id))) == 30
        assert db.session.scalar(select(func.sum(Visit.count))) > 1000
        station = db.session.scalar(select(Station).where(Station.code == "HZ-W-009"))
        assert station.closed_until.tzinfo is UTC


def test_api_and_pages_on_postgres(pg_app):
    client = pg_app.test_client()
    body = client.get("/api/v1/stations?bbox=119,29,121,31&facility=microwave").get_json()
    assert body["features"]
    assert client.get("/stations/HZ-T-001").status_code == 200
    assert client.get("/healthz").get_json()["status"] == "ok"


def test_reports_on_postgres_match_sqlite_rules(pg_app):
    """Rollups equal the raw visits; every figure, export and sort works on PostgreSQL."""
    from stationsite.reports import periods, rollups
    from stationsite.reports.exports import to_json, to_xlsx
    from stationsite.reports.figures import build_report
    from stationsite.reports.model import Scope

    with pg_app.test_request_context("/reports/"):
        assert rollups.differences() == []
        for sort in ("visits", "rating", "faults", "fix"):
            report = build_report(Scope(periods.parse("last-month")), "zh", sort=sort)
        raw = db.session.scalar(
            select(func.sum(Visit.count)).where(
                Visit.visited_at >= report.scope.period.utc_bounds()[0],
                Visit.visited_at < report.scope.period.utc_bounds()[1],
            )
        )
        assert report.visits.total == raw > 0
        assert report.feedback.count > 0 and report.coverage.searches > 0
        assert to_json(report)["visits"]["total"] == raw and to_xlsx(report)[:2] == b"PK"
        district = build_report(Scope(periods.parse("this-year"), district="西湖区"), "zh")
        assert (
            0 < district.visits.total < build_report(Scope(periods.parse("this-year"))).visits.total
        )


def test_a_years_feedback_on_postgres_is_the_sum_of_its_months(pg_app):
    """PostgreSQL groups a long period's feedback by China month in one pass; the figures equal
    those of its months read day by day."""
    from stationsite.reports import periods
    from stationsite.reports.feedback import feedback_figures
    from stationsite.reports.model import Scope

    with pg_app.test_request_context("/reports/"):
        period = periods.parse("this-year")
        now = datetime.now(UTC)
        year = feedback_figures(Scope(period), "zh", now)
        months = [
            feedback_figures(Scope(periods.parse(f"{period.start.year}-{m:02d}")), "zh", now)
            for m in range(1, 13)
        ]
        assert year.trend_grain == "month" and year.count > 0
        assert [count for _month, count, _rating in year.trend] == [m.count for m in months]
        assert year.by_category == {
            key: sum(m.by_category[key] for m in months) for key in year.by_category
        }
        assert year.needing_answer == sum(m.needing_answer for m in months)
        assert year.answered_24h == sum(m.answered_24h for m in months)
