"""State checks: the database refuses a status outside its machine (alerts/states.py).

Existing rows are checked first. Values the code of revision 0004 could write are mapped:
Twilio's "queued" and "accepted" (its old status-callback ranking stored any status it knew)
become "sent", which is what they meant for us, and a chain resolved while its next step was
being pulled forward loses that step, as resolving does. Anything else outside a machine was
never written by our code: the upgrade stops and names it rather than guess (mapping an
unknown delivery state to "sent" could hide an alert never sent; to "pending", send it twice).
The downgrade drops the checks and leaves the mapped values as they are.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Spelled out, not imported: this revision checks the states as they were when it was written.
# A state added to an enum later needs a migration of its own to change the check.
STATES = {
    "incidents": ("open", "acknowledged", "on scene", "closed"),
    "deliveries": ("pending", "sending", "retry", "unsure", "sent", "delivered", "undelivered",
                   "failed", "read"),
    "takedown_steps": ("scheduled", "past", "sent", "approval", "cancelled"),
    "broadcasts": ("draft", "scheduled", "sending", "done"),
    "resident_zones": ("pending", "active", "left"),
}
# Derived states (pages, chains): the columns they are read from stay consistent.
ORDERS = {
    "pages": ("(on_scene_at IS NULL OR acked_at IS NOT NULL)"
              " AND (safe_at IS NULL OR on_scene_at IS NOT NULL)"),
    "chains": "resolved_at IS NULL OR next_at IS NULL",
}


def upgrade() -> None:
    bind = op.get_bind()
    bind.execute(sa.text("UPDATE deliveries SET status = 'sent' "
                         "WHERE status IN ('queued', 'accepted')"))
    bind.execute(sa.text("UPDATE chains SET next_at = NULL "
                         "WHERE resolved_at IS NOT NULL AND next_at IS NOT NULL"))
    problems = [*_unknown_states(bind), *_out_of_order(bind)]
    if problems:
        raise RuntimeError("cannot add the state checks; fix or remove these rows first: "
                           + "; ".join(problems))
    for table, states in STATES.items():
        with op.batch_alter_table(table) as batch:
            batch.create_check_constraint(op.f(f"ck_{table}_status"), _one_of("status", states))
    for table, condition in ORDERS.items():
        with op.batch_alter_table(table) as batch:
            batch.create_check_constraint(op.f(f"ck_{table}_state"), sa.text(condition))


def downgrade() -> None:
    for table in ORDERS:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"ck_{table}_state"), type_="check")
    for table in STATES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"ck_{table}_status"), type_="check")


def _one_of(name: str, states: tuple[str, ...]) -> sa.ColumnElement[bool]:
    return sa.column(name).in_(states)


def _unknown_states(bind: sa.Connection) -> list[str]:
    found: list[str] = []
    status = sa.column("status", sa.String())
    for table, states in STATES.items():
        query = (sa.select(status, sa.func.count()).select_from(sa.table(table))
                 .where(status.not_in(states)).group_by(status))
        # A status is one of our own words, never personal data: safe to name in the error.
        found += [f"{table}.status {str(value)[:40]!r} ({count} rows)"
                  for value, count in bind.execute(query)]
    return found


def _out_of_order(bind: sa.Connection) -> list[str]:
    found: list[str] = []
    for table, condition in ORDERS.items():
        count = bind.scalar(sa.select(sa.func.count()).select_from(sa.table(table))
                            .where(sa.text(f"NOT ({condition})")))
        if count:
            found.append(f"{table}: {count} rows not ({condition})")
    return found
