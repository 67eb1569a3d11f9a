"""place.line: a road kept as its course (WKT), so a typed road puts the rider on its nearest point

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 23:55:00

"""
from alembic import op
import sqlalchemy as sa
from lossless import Keeper


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None
kept = Keeper(revision)  # what a downgrade drops waits for the next upgrade


def upgrade():
    with op.batch_alter_table('place', schema=None) as batch_op:
        batch_op.add_column(sa.Column('line', sa.Text(), nullable=False, server_default=''))
    kept.columns('place', ['line'])


def downgrade():
    kept.keep('place', 'id, line', "line <> ''")
    with op.batch_alter_table('place', schema=None) as batch_op:
        batch_op.drop_column('line')
