"""Evidence the resolver decides from, candidates left out, and each repo's lineage signals.

Revision ID: 0004
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("nodes") as batch:
        batch.add_column(sa.Column("signals", sa.JSON(), nullable=True))
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("parent_key", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("relation", sa.String(length=20), nullable=False),
        sa.Column("declared_relation", sa.String(length=20), nullable=True),
        sa.Column("strength", sa.Float(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("verdict", sa.Text(), nullable=False, server_default=""),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retracted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["child_id"], ["nodes.id"]),
        sa.ForeignKeyConstraint(["run_id"], ["crawl_runs.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("child_id", "parent_key", "kind", "origin", name="uq_evidence"),
    )
    op.create_index("ix_evidence_child_id", "evidence", ["child_id"])
    op.create_index("ix_evidence_parent", "evidence", ["parent_key"])
    op.create_table(
        "rejections",
        sa.Column("hub", sa.String(length=20), nullable=False),
        sa.Column("repo_id", sa.String(length=250), nullable=False),
        sa.Column("root", sa.String(length=100), nullable=False),
        sa.Column("sha", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["crawl_runs.id"]),
        sa.PrimaryKeyConstraint("hub", "repo_id", "root"),
    )


def downgrade() -> None:
    op.drop_table("rejections")
    op.drop_index("ix_evidence_parent", table_name="evidence")
    op.drop_index("ix_evidence_child_id", table_name="evidence")
    op.drop_table("evidence")
    with op.batch_alter_table("nodes") as batch:
        batch.drop_column("signals")
