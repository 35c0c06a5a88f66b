"""Post-takedown outreach: plans, their steps, their events; reminders as incidents of a kind.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Moment = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("kind", sa.String(20), nullable=False,
                                   server_default="shooting"))
        batch.add_column(sa.Column("title", sa.String(200)))
        batch.add_column(sa.Column("takedown_id", sa.Integer()))
        batch.create_index("ix_incidents_takedown_id", ["takedown_id"])
    op.create_table(
        "takedowns",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("area", sa.String(80), nullable=False),
        sa.Column("area_label", sa.String(120), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("playbook", sa.String(40), nullable=False),
        sa.Column("teams", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", Moment, nullable=False),
        sa.Column("cancelled_at", Moment),
    )
    op.create_table(
        "takedown_steps",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("takedown_id", sa.Integer(), sa.ForeignKey("takedowns.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(40), nullable=False),
        sa.Column("audience", sa.String(10), nullable=False),
        sa.Column("at", Moment, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        sa.Column("sent_at", Moment),
        sa.Column("subject_id", sa.String(80)),
    )
    op.create_index("ix_takedown_steps_takedown_id", "takedown_steps", ["takedown_id"])
    op.create_index("ix_takedown_steps_status_at", "takedown_steps", ["status", "at"])
    op.create_table(
        "takedown_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("takedown_id", sa.Integer(), sa.ForeignKey("takedowns.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("at", Moment, nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False, server_default=""),
    )
    op.create_index("ix_takedown_events_takedown_id", "takedown_events", ["takedown_id"])


def downgrade() -> None:
    for table in ("takedown_events", "takedown_steps", "takedowns"):
        op.drop_table(table)
    with op.batch_alter_table("incidents") as batch:
        batch.drop_index("ix_incidents_takedown_id")
        for column in ("takedown_id", "title", "kind"):
            batch.drop_column(column)
