"""ix_station_report carries the station id on PostgreSQL (INCLUDE), as SQLite's indexes always do

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 09:25:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

STATION_REPORT = ['district', 'status', 'kind', 'code', 'last_verified_at']


def _rebuild(include):
    if op.get_bind().dialect.name != 'postgresql':
        return  # every SQLite index ends with the row id already
    op.drop_index('ix_station_report', table_name='station')
    op.create_index('ix_station_report', 'station', STATION_REPORT, postgresql_include=include)


def upgrade():
    _rebuild(['id'])


def downgrade():
    _rebuild([])
