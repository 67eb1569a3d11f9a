"""visit_rollup_area_period: the district rollup per whole month and year, filled from the day rollup

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

KIND = sa.Enum('warm_station', 'toilet_station', name='stationkind', native_enum=False, length=24)
GROUP = sa.Enum(
    'courier', 'food_delivery', 'sanitation', 'ride_hailing', 'other_outdoor', 'citizen', 'other',
    name='visitorgroup', native_enum=False, length=24,
)
SOURCE = sa.Enum('checkin', 'tally', 'import', name='visitsource', native_enum=False, length=24)


def _start_of(grain):
    if op.get_bind().dialect.name == 'postgresql':
        return f"CAST(date_trunc('{grain}', day) AS DATE)"
    return f"date(day, 'start of {grain}')"


def upgrade():
    op.create_table('visit_rollup_area_period',
    sa.Column('grain', sa.String(length=8), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('district', sa.String(length=64), nullable=False),
    sa.Column('kind', KIND, nullable=False),
    sa.Column('visitor_group', GROUP, nullable=False),
    sa.Column('source', SOURCE, nullable=False),
    sa.Column('visits', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('grain', 'start', 'district', 'kind', 'visitor_group', 'source', name=op.f('pk_visit_rollup_area_period'))
    )
    # Derived data: summed from the day rollup, so nothing needs keeping on the way down.
    for grain in ('month', 'year'):
        start = _start_of(grain)
        op.execute(
            'INSERT INTO visit_rollup_area_period '
            '(grain, start, district, kind, visitor_group, source, visits) '
            f"SELECT '{grain}', {start}, district, kind, visitor_group, source, sum(visits) "
            'FROM visit_rollup_area '
            f'GROUP BY {start}, district, kind, visitor_group, source'
        )


def downgrade():
    op.drop_table('visit_rollup_area_period')
