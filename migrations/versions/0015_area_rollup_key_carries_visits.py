"""pk_visit_rollup_area carries the visits on PostgreSQL (INCLUDE), so a district's days and
hours are summed from the key alone: the district's rows lie scattered over the table (they
arrive in time order with every other district's), one page read per row

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 17:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

KEY = ['district', 'day', 'hour', 'kind', 'visitor_group', 'source']


def _rebuild(include: str) -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return  # SQLite reads the few rows from its page cache in the process
    # Alembic's create_primary_key takes no INCLUDE: one ALTER swaps the key in place
    op.execute(
        'ALTER TABLE visit_rollup_area DROP CONSTRAINT pk_visit_rollup_area,'
        f' ADD CONSTRAINT pk_visit_rollup_area PRIMARY KEY ({", ".join(KEY)}){include}'
    )


def upgrade():
    _rebuild(' INCLUDE (visits)')


def downgrade():
    _rebuild('')
