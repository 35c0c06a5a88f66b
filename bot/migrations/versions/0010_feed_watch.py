"""Feed heartbeats and the watchdog: each listed incident source's last contact and outage,
and the watchdog's own outage (so a restarted watchdog does not page twice for one).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-16
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

Moment = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "feed_sources",
        sa.Column("source", sa.String(40), primary_key=True),
        sa.Column("listed_at", Moment, nullable=False),
        sa.Column("last_seen_at", Moment),
        sa.Column("silent_from", Moment),
    )
    op.create_table(
        "watchdog_outages",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("since", Moment, nullable=False),
        sa.Column("problems", sa.Text(), nullable=False),
        sa.Column("announced", sa.Boolean(), nullable=False, server_default=sa.text("false")),
    )


def downgrade() -> None:
    op.drop_table("watchdog_outages")
    op.drop_table("feed_sources")
