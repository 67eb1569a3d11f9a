"""ix_feedback_open: a partial index of the feedback still open, for the reports' open problems

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 09:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

OPEN = sa.text("status IN ('new', 'acknowledged')")


def upgrade():
    op.create_index(
        'ix_feedback_open', 'feedback', ['station_id', 'created_at'],
        sqlite_where=OPEN, postgresql_where=OPEN,
    )


def downgrade():
    op.drop_index('ix_feedback_open', table_name='feedback')
