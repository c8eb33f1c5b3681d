"""The alert outbox: events per run, which runs were derived, sinks and deliveries.

The runs a database already holds are marked derived, as a silent baseline: upgrading
announces nothing that happened before.

Revision ID: 0005
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_events",
        sa.Column("seq", sa.Integer(), primary_key=True),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("crawl_runs.id"), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("root", sa.String(length=100), nullable=False),
        sa.Column("node", sa.String(length=300), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.UniqueConstraint("id", name="uq_alert_events_id"),
    )
    op.create_index("ix_alert_events_run_id", "alert_events", ["run_id"])
    op.create_index("ix_alert_events_at", "alert_events", ["at"])
    op.create_table(
        "alert_runs",
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("crawl_runs.id"), primary_key=True),
        sa.Column("derived_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("baseline", sa.Boolean(), nullable=False),
    )
    runs = sa.table("crawl_runs", sa.column("id", sa.Integer), sa.column("status", sa.String))
    marks = sa.table(
        "alert_runs",
        sa.column("run_id", sa.Integer),
        sa.column("derived_at", sa.DateTime(timezone=True)),
        sa.column("events", sa.Integer),
        sa.column("baseline", sa.Boolean),
    )
    op.execute(
        marks.insert().from_select(
            ["run_id", "derived_at", "events", "baseline"],
            sa.select(runs.c.id, sa.func.current_timestamp(), sa.literal(0), sa.true()).where(
                runs.c.status != "running"
            ),
        )
    )
    op.create_table(
        "alert_sinks",
        sa.Column("name", sa.String(length=200), primary_key=True),
        sa.Column("after_seq", sa.Integer(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("retry_at", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("last_delivery", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "alert_deliveries",
        sa.Column("sink", sa.String(length=200), primary_key=True),
        sa.Column("event_seq", sa.Integer(), sa.ForeignKey("alert_events.seq"), primary_key=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("alert_deliveries")
    op.drop_table("alert_sinks")
    op.drop_table("alert_runs")
    op.drop_index("ix_alert_events_at", table_name="alert_events")
    op.drop_index("ix_alert_events_run_id", table_name="alert_events")
    op.drop_table("alert_events")
