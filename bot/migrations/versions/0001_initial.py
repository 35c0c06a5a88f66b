"""Initial schema: incidents, their teams, pages, deliveries, timeline and the local outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Migrations spell out plain types instead of importing the app's schema, which moves on.
Moment = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("occurred_at", Moment, nullable=False),
        sa.Column("received_at", Moment, nullable=False),
        sa.Column("lat", sa.Float()),
        sa.Column("lon", sa.Float()),
        sa.Column("precinct", sa.Integer()),
        sa.Column("borough", sa.String(40)),
        sa.Column("fatal", sa.Boolean(), nullable=False),
        sa.Column("victims", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(200)),
        sa.Column("hospital", sa.String(120)),
        sa.Column("source", sa.String(40)),
        sa.Column("verified", sa.Boolean()),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("unrouted", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "incident_teams",
        sa.Column("incident_id", sa.String(80), sa.ForeignKey("incidents.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("team_id", sa.String(40), primary_key=True),
        sa.Column("reason", sa.String(200), nullable=False),
    )
    op.create_table(
        "pages",
        sa.Column("incident_id", sa.String(80), sa.ForeignKey("incidents.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("phone", sa.String(20), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("team_id", sa.String(40)),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("created_at", Moment, nullable=False),
    )
    op.create_index("uq_pages_phone_number_open", "pages", ["phone", "number"], unique=True,
                    postgresql_where=sa.text("open"), sqlite_where=sa.text("open"))
    op.create_table(
        "deliveries",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("incident_id", sa.String(80), sa.ForeignKey("incidents.id", ondelete="CASCADE")),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("sender", sa.String(10), nullable=False),
        sa.Column("recipient", sa.String(40), nullable=False),
        sa.Column("recipient_name", sa.String(120)),
        sa.Column("team_id", sa.String(40)),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("blocks", sa.JSON()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("provider_id", sa.String(64)),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("error_code", sa.String(16)),
        sa.Column("error", sa.Text()),
        sa.Column("created_at", Moment, nullable=False),
        sa.Column("updated_at", Moment, nullable=False),
        sa.Column("claimed_at", Moment),
        sa.Column("next_attempt_at", Moment),
        sa.Column("sent_at", Moment),
    )
    op.create_index("ix_deliveries_incident_id", "deliveries", ["incident_id"])
    op.create_index("ix_deliveries_provider_id", "deliveries", ["provider_id"])
    op.create_index("ix_deliveries_status_updated", "deliveries", ["status", "updated_at"])
    op.create_table(
        "timeline",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.String(80), sa.ForeignKey("incidents.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("at", Moment, nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False, server_default=""),
    )
    op.create_index("ix_timeline_incident_id", "timeline", ["incident_id"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(64), nullable=False, unique=True),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("sender", sa.String(10), nullable=False),
        sa.Column("recipient", sa.String(40), nullable=False),
        sa.Column("recipient_name", sa.String(120)),
        sa.Column("team_id", sa.String(40)),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("blocks", sa.JSON()),
        sa.Column("created_at", Moment, nullable=False),
    )


def downgrade() -> None:
    for table in ("outbox", "timeline", "deliveries", "pages", "incident_teams", "incidents"):
        op.drop_table(table)
