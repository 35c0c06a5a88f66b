"""Responses: acknowledgements, escalation and follow-up chains, inbound SMS, opt-outs, links.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Moment = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("closed_at", Moment))
        batch.add_column(sa.Column("outcome", sa.String(20)))
    with op.batch_alter_table("incident_teams") as batch:
        batch.add_column(sa.Column("required_acks", sa.Integer(), nullable=False,
                                   server_default="1"))
        batch.add_column(sa.Column("acked_at", Moment))
        batch.add_column(sa.Column("closed_at", Moment))
        batch.add_column(sa.Column("outcome", sa.String(20)))
    with op.batch_alter_table("timeline") as batch:
        batch.add_column(sa.Column("team_id", sa.String(40)))
    with op.batch_alter_table("pages") as batch:
        batch.add_column(sa.Column("acked_at", Moment))
        batch.add_column(sa.Column("on_scene_at", Moment))
        batch.add_column(sa.Column("safe_at", Moment))
    op.create_table(
        "chains",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.String(80), sa.ForeignKey("incidents.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("team_id", sa.String(40), nullable=False, server_default=""),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("subject", sa.String(40), nullable=False, server_default=""),
        sa.Column("started_at", Moment, nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("next_step", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_at", Moment),
        sa.Column("resolved_at", Moment),
        sa.Column("resolution", sa.String(80)),
    )
    op.create_index("uq_chains_incident_team_kind_subject", "chains",
                    ["incident_id", "team_id", "kind", "subject"], unique=True)
    op.create_index("ix_chains_next_at", "chains", ["next_at"])
    op.create_table(
        "inbound_messages",
        sa.Column("sid", sa.String(64), primary_key=True),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("to_number", sa.String(40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("received_at", Moment, nullable=False),
        sa.Column("reply", sa.Text()),
        sa.Column("reply_kind", sa.String(20)),
    )
    op.create_index("ix_inbound_messages_phone_received", "inbound_messages",
                    ["phone", "received_at"])
    op.create_table(
        "opt_outs",
        sa.Column("phone", sa.String(20), primary_key=True),
        sa.Column("sender", sa.String(10), primary_key=True),
        sa.Column("opted_out_at", Moment, nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
    )
    op.create_table(
        "incident_links",
        sa.Column("incident_id", sa.String(80), sa.ForeignKey("incidents.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("linked_id", sa.String(80), sa.ForeignKey("incidents.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("distance_m", sa.Float(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
    )


def downgrade() -> None:
    for table in ("incident_links", "opt_outs", "inbound_messages", "chains"):
        op.drop_table(table)
    with op.batch_alter_table("pages") as batch:
        for column in ("safe_at", "on_scene_at", "acked_at"):
            batch.drop_column(column)
    with op.batch_alter_table("timeline") as batch:
        batch.drop_column("team_id")
    with op.batch_alter_table("incident_teams") as batch:
        for column in ("outcome", "closed_at", "acked_at", "required_acks"):
            batch.drop_column(column)
    with op.batch_alter_table("incidents") as batch:
        for column in ("outcome", "closed_at"):
            batch.drop_column(column)
