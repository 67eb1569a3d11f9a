"""Lossless downgrades, shared by the migrations: what a downgrade drops waits in a side table
(`_kept_<revision>_<table>`) that the next upgrade puts back."""

import sqlalchemy as sa
from alembic import op


class Keeper:
    def __init__(self, revision):
        self.revision = revision

    def side(self, table):
        return f"_kept_{self.revision}_{table}"

    def keep(self, table, columns="*", where="1 = 1"):
        op.execute(
            f'CREATE TABLE "{self.side(table)}" AS SELECT {columns} FROM "{table}" WHERE {where}'
        )

    def kept(self, table):
        return sa.inspect(op.get_bind()).has_table(self.side(table))

    def rows(self, table):
        """Rows of a table the downgrade dropped, into the table just created again."""
        if not self.kept(table):
            return
        op.execute(f'INSERT INTO "{table}" SELECT * FROM "{self.side(table)}"')
        op.execute(f'DROP TABLE "{self.side(table)}"')
        if op.get_bind().dialect.name == "postgresql":  # the id sequence goes on after them
            op.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f'coalesce(max(id), 0) + 1, false) FROM "{table}"'
            )

    def columns(self, table, columns):
        """Values of columns the downgrade dropped, into the columns just added again."""
        if not self.kept(table):
            return
        side = self.side(table)
        for column in columns:
            op.execute(
                f'UPDATE "{table}" SET {column} = (SELECT k.{column} FROM "{side}" k '
                f'WHERE k.id = "{table}".id) WHERE id IN (SELECT id FROM "{side}")'
            )
        op.execute(f'DROP TABLE "{side}"')
