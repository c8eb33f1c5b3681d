"""A live renamed repo is `active` under its new id (its former ids are aliases); rows that
earlier versions left as `renamed` become `active`. No history row: the status never changed
on the hub, only our word for it (issue 11).

Revision ID: 0008
Revises: 0004
"""

from alembic import op

revision = "0008"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE nodes SET status = 'active' WHERE status = 'renamed'")
    op.execute("UPDATE observations SET status = 'active' WHERE status = 'renamed'")


def downgrade() -> None:
    pass  # which active nodes were once called renamed is in their aliases; nothing to undo
