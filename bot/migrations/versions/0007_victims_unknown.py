"""An incident's victim count may be unknown: NULL when the feed did not say, 0 when shots were
fired and no one was hit. Rows stored before this revision keep the count they were given
(a missing count was stored as 1 then, and cannot be told apart now).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-09
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.alter_column("victims", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.get_bind().execute(sa.text("UPDATE incidents SET victims = 1 WHERE victims IS NULL"))
    with op.batch_alter_table("incidents") as batch:
        batch.alter_column("victims", existing_type=sa.Integer(), nullable=False)
