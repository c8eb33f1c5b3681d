"""The sweep's key columns compare and sort bytewise on PostgreSQL, as SQLite's always do:
COLLATE "C" on the keys of swept_models, swept_edges and swept_family and on the columns a
crawl looks candidates up by. Under the database's own collation (a locale's, or C.UTF-8 on
PostgreSQL 15) every index step of a first sweep compared keys through the C library's
strcoll: a third of the server's CPU (300,000 models: 7.7 to 8.9 s of PostgreSQL CPU before,
5.1 to 5.7 s after). Keys are lower-cased repo ids, compared for equality and walked by
index; their order is now the same on both databases. SQLite: nothing to do.
(issue 14)

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# table -> (column, VARCHAR length); each table's indexes are rebuilt once, by one ALTER
COLUMNS = {
    "swept_models": (("hub", 20), ("key", 250), ("architecture", 100), ("model_type", 100),
                     ("gguf_arch", 100)),
    "swept_edges": (("hub", 20), ("child_key", 250), ("parent_key", 250)),
    "swept_family": (("hub", 20), ("root", 250), ("key", 250), ("parent_key", 250)),
}


def _alter(collation: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in COLUMNS.items():
        changes = ", ".join(
            f'ALTER COLUMN {name} TYPE VARCHAR({length}) COLLATE "{collation}"'
            for name, length in columns
        )
        op.execute(f"ALTER TABLE {table} {changes}")


def upgrade() -> None:
    _alter("C")


def downgrade() -> None:
    _alter("default")
