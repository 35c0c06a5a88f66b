"""An incident's type as the feed gives it (shooting, shots-fired, police-involved, or any the
sites file lists), apart from its `kind`; rows stored before this revision were shootings.
And an index on (occurred_at, id): the order GET /api/incidents lists them in, a page at a time.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-16
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("type", sa.String(40), nullable=False,
                                   server_default="shooting"))
    op.create_index("ix_incidents_occurred_at_id", "incidents", ["occurred_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_incidents_occurred_at_id", table_name="incidents")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("type")
