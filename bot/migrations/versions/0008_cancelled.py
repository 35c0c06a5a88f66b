"""An incident can be cancelled (unfounded, or a duplicate of another report), and the area
notice of a cancelled incident withdrawn before it goes: the state checks of 0005 learn the two
new states. The downgrade refuses while any row holds one of them, rather than guess what it
should have been.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-16
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# Spelled out, not imported, as in 0005: the states as they are at this revision.
BEFORE = {
    "incidents": ("open", "acknowledged", "on scene", "closed"),
    "broadcasts": ("draft", "scheduled", "sending", "done"),
}
ADDED = {"incidents": "cancelled", "broadcasts": "withdrawn"}


def upgrade() -> None:
    for table, states in BEFORE.items():
        _replace_check(table, (*states, ADDED[table]))


def downgrade() -> None:
    bind = op.get_bind()
    for table, state in ADDED.items():
        count = bind.scalar(sa.select(sa.func.count()).select_from(sa.table(table))
                            .where(sa.column("status") == state))
        if count:
            raise RuntimeError(f"cannot downgrade: {count} {table} rows are {state!r}")
    for table, states in BEFORE.items():
        _replace_check(table, states)


def _replace_check(table: str, states: tuple[str, ...]) -> None:
    with op.batch_alter_table(table) as batch:
        batch.drop_constraint(op.f(f"ck_{table}_status"), type_="check")
        batch.create_check_constraint(op.f(f"ck_{table}_status"), sa.column("status").in_(states))
