"""ix_station_retired: a partial index of the retired stations, for the reports

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 09:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

RETIRED = sa.text("status = 'closed'")


def upgrade():
    op.create_index(
        'ix_station_retired', 'station', ['id'], sqlite_where=RETIRED, postgresql_where=RETIRED
    )


def downgrade():
    op.drop_index('ix_station_retired', table_name='station')
