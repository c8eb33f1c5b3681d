"""A live renamed repo is `active` under its new id (its former ids are aliases); rows that
earlier versions left as `renamed` become `active`. No history row: the status never changed
on the hub, only our word for it. A run's status may be `interrupted` (11 characters).
(issue 11)

Revision ID: 0008
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":  # SQLite does not enforce VARCHAR lengths
        op.alter_column("crawl_runs", "status", type_=sa.String(20), existing_nullable=False)
    op.execute("UPDATE nodes SET status = 'active' WHERE status = 'renamed'")
    op.execute("UPDATE observations SET status = 'active' WHERE status = 'renamed'")


def downgrade() -> None:
    pass  # which active nodes were once called renamed is in their aliases; nothing to undo
