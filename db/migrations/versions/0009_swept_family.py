"""Big declared families stored together: `swept_family`, one row per edge reached from a
root, ordered by (hub, root, key) (WITHOUT ROWID on SQLite), filled after a sweep.
(issue 14)

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "swept_family",
        sa.Column("hub", sa.String(length=20), nullable=False),
        sa.Column("root", sa.String(length=250), nullable=False),
        sa.Column("key", sa.String(length=250), nullable=False),
        sa.Column("parent_key", sa.String(length=250), nullable=False),
        sa.Column("relation", sa.String(length=20), nullable=False),
        sa.Column("repo_id", sa.String(length=250), nullable=True),
        sa.Column("license", sa.String(length=100), nullable=True),
        sa.Column("parameters", sa.BigInteger(), nullable=True),
        sa.Column("gated", sa.String(length=10), nullable=True),
        sa.Column("gguf_arch", sa.String(length=100), nullable=True),
        sa.Column("library", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.String(length=32), nullable=True),
        sa.Column("last_modified", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("hub", "root", "key", "parent_key"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("swept_family")
