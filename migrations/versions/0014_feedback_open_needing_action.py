"""ix_feedback_open holds only the open items that need action (reports, and comments that
are not praise), the very rows a report's open problems are, with their ids: counted, aged and
the oldest chosen from the index alone, without reading each open item's row

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

OPEN = "status IN ('new', 'acknowledged')"
NEEDING_ACTION = sa.text(
    f"{OPEN} AND (category IN ('facility_fault', 'missing_facility', 'closed_when_open',"
    " 'cleanliness', 'hours_wrong') OR (comment <> '' AND category <> 'praise'))"
)


def _create(columns, where) -> None:
    op.create_index(
        'ix_feedback_open', 'feedback', columns, sqlite_where=where, postgresql_where=where
    )


def upgrade():
    op.drop_index('ix_feedback_open', table_name='feedback')
    _create(['station_id', 'created_at', 'id'], NEEDING_ACTION)


def downgrade():
    op.drop_index('ix_feedback_open', table_name='feedback')
    _create(['station_id', 'created_at'], sa.text(OPEN))
