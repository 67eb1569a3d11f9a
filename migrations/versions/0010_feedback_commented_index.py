"""ix_feedback_commented: a partial index of the feedback with a comment, for the reports

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 09:05:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

COLUMNS = [
    "created_at",
    "status",
    "category",
    "station_id",
    "visitor_group",
    "replied_at",
    "resolved_at",
]


def upgrade():
    op.create_index(
        "ix_feedback_commented",
        "feedback",
        COLUMNS,
        sqlite_where=sa.text("comment != ''"),
        postgresql_where=sa.text("comment <> ''"),
    )


def downgrade():
    op.drop_index("ix_feedback_commented", table_name="feedback")
