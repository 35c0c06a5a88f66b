"""Residents: opt-in areas with their consent record, and broadcasts sent in batches.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

Moment = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("batch_id", sa.Integer()))
        batch.create_index("ix_deliveries_batch_id", ["batch_id"])
    op.create_table(
        "residents",
        sa.Column("phone", sa.String(20), primary_key=True),
        sa.Column("language", sa.String(2), nullable=False, server_default="en"),
        sa.Column("created_at", Moment, nullable=False),
    )
    op.create_table(
        "resident_zones",
        sa.Column("phone", sa.String(20), sa.ForeignKey("residents.phone", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("zone", sa.String(40), primary_key=True),
        sa.Column("label", sa.String(120), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("keyword", sa.String(20), nullable=False),
        sa.Column("requested_at", Moment, nullable=False),
        sa.Column("request_text", sa.Text(), nullable=False),
        sa.Column("confirmed_at", Moment),
        sa.Column("confirm_text", sa.Text()),
        sa.Column("left_at", Moment),
    )
    op.create_index("ix_resident_zones_zone_status", "resident_zones", ["zone", "status"])
    op.create_table(
        "resident_choices",
        sa.Column("phone", sa.String(20), sa.ForeignKey("residents.phone", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("keyword", sa.String(20), nullable=False),
        sa.Column("request_text", sa.Text(), nullable=False),
        sa.Column("created_at", Moment, nullable=False),
    )
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("zone", sa.String(80), nullable=False),
        sa.Column("label", sa.String(120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_es", sa.Text()),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", Moment, nullable=False),
        sa.Column("send_at", Moment),
        sa.Column("confirmed_by", sa.String(120)),
        sa.Column("confirmed_at", Moment),
        sa.Column("finished_at", Moment),
        sa.Column("recipients", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("incident_id", sa.String(80)),
        sa.Column("takedown_step_id", sa.Integer()),
    )
    op.create_index("ix_broadcasts_status_send_at", "broadcasts", ["status", "send_at"])


def downgrade() -> None:
    for table in ("broadcasts", "resident_choices", "resident_zones", "residents"):
        op.drop_table(table)
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_index("ix_deliveries_batch_id")
        batch.drop_column("batch_id")
