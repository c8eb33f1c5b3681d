"""The Hub sweep: light rows of every model, their declared parents, and the sweep's cursor.

Revision ID: 0006
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "swept_models",
        sa.Column("hub", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=250), nullable=False),
        sa.Column("repo_id", sa.String(length=250), nullable=False),
        sa.Column("sha", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.String(length=32), nullable=True),
        sa.Column("last_modified", sa.String(length=32), nullable=True),
        sa.Column("library", sa.String(length=100), nullable=False),
        sa.Column("pipeline", sa.String(length=100), nullable=False),
        sa.Column("license", sa.String(length=100), nullable=False),
        sa.Column("architecture", sa.String(length=100), nullable=False),
        sa.Column("architectures", sa.Text(), nullable=False),
        sa.Column("model_type", sa.String(length=100), nullable=False),
        sa.Column("gguf_arch", sa.String(length=100), nullable=False),
        sa.Column("parameters", sa.BigInteger(), nullable=False),
        sa.Column("gated", sa.String(length=10), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(length=16), nullable=False),
        sa.Column("sweep", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("hub", "key"),
    )
    op.create_index("ix_swept_models_architecture", "swept_models", ["architecture"])
    op.create_index("ix_swept_models_model_type", "swept_models", ["model_type"])
    op.create_index("ix_swept_models_gguf_arch", "swept_models", ["gguf_arch"])
    op.create_table(
        "swept_edges",
        sa.Column("hub", sa.String(length=20), nullable=False),
        sa.Column("child_key", sa.String(length=250), nullable=False),
        sa.Column("parent_key", sa.String(length=250), nullable=False),
        sa.Column("relation", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("hub", "child_key", "parent_key"),
    )
    op.create_index(
        "ix_swept_edges_walk", "swept_edges", ["hub", "parent_key", "child_key", "relation"]
    )
    op.create_table(
        "sweep_state",
        sa.Column("hub", sa.String(length=20), nullable=False),
        sa.Column("sweep", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("cursor", sa.Text(), nullable=True),
        sa.Column("stop_at", sa.String(length=32), nullable=True),
        sa.Column("watermark", sa.String(length=32), nullable=True),
        sa.Column("high", sa.String(length=32), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("models", sa.Integer(), nullable=False),
        sa.Column("new", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("hub"),
    )


def downgrade() -> None:
    op.drop_table("sweep_state")
    op.drop_index("ix_swept_edges_walk", table_name="swept_edges")
    op.drop_table("swept_edges")
    op.drop_index("ix_swept_models_gguf_arch", table_name="swept_models")
    op.drop_index("ix_swept_models_model_type", table_name="swept_models")
    op.drop_index("ix_swept_models_architecture", table_name="swept_models")
    op.drop_table("swept_models")
