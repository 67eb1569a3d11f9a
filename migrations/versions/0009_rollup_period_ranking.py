"""visit_rollup_period: an index by period and visits, so the busiest stations of a whole month
or year are read from the top of an index instead of sorting every station

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 07:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_visit_rollup_period_ranking', 'visit_rollup_period', ['grain', 'start', 'visits']
    )


def downgrade():
    op.drop_index('ix_visit_rollup_period_ranking', table_name='visit_rollup_period')
