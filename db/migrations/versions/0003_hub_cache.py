"""What crawlers keep between runs: GitHub/ModelScope ETags, candidates rejected after reads.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hub_cache",
        sa.Column("hub", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=1000), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("hub", "key"),
    )


def downgrade() -> None:
    op.drop_table("hub_cache")
