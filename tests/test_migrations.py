"""The migrations and the models describe the same schema."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from stationsite.extensions import db


def test_migrations_reach_head_and_match_the_models(ctx):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"render_as_batch": True})
        assert context.get_current_revision() is not None
        assert compare_metadata(context, db.metadata) == []


def test_all_domain_tables_exist(ctx):
    tables = set(inspect(db.engine).get_table_names())
    assert {
        "station",
        "facility",
        "station_facility",
        "feedback",
        "visit",
        "user",
        "operator_station",
        "audit_entry",
        "alembic_version",
    } <= tables
