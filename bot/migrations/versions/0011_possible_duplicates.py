"""A second report of the same shooting from another source: held as a possible duplicate of
the first until a coordinator merges it (the incident becomes "merged") or keeps it separate.
The incidents' state check learns the new state; the downgrade refuses while any incident is
merged, rather than guess what it should have been.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-17
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

Moment = sa.DateTime(timezone=True)
# Spelled out, not imported, as in 0005 and 0008: the states as they are at this revision.
BEFORE = ("open", "acknowledged", "on scene", "closed", "cancelled")
MERGED = "merged"
DECISIONS = ("pending", "merged", "separate")


def upgrade() -> None:
    _replace_check((*BEFORE, MERGED))
    op.create_table(
        "possible_duplicates",
        sa.Column("incident_id", sa.String(80),
                  sa.ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("duplicate_of", sa.String(80),
                  sa.ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("distance_m", sa.Float(), nullable=False),
        sa.Column("minutes", sa.Float(), nullable=False),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("decided_by", sa.String(80)),
        sa.Column("decided_at", Moment),
        sa.CheckConstraint(sa.column("decision").in_(DECISIONS),
                           name=op.f("ck_possible_duplicates_decision")),
    )
    op.create_index(op.f("ix_possible_duplicates_duplicate_of"), "possible_duplicates",
                    ["duplicate_of"])


def downgrade() -> None:
    bind = op.get_bind()
    count = bind.scalar(sa.select(sa.func.count()).select_from(sa.table("incidents"))
                        .where(sa.column("status") == MERGED))
    if count:
        raise RuntimeError(f"cannot downgrade: {count} incidents rows are {MERGED!r}")
    op.drop_index(op.f("ix_possible_duplicates_duplicate_of"), table_name="possible_duplicates")
    op.drop_table("possible_duplicates")
    _replace_check(BEFORE)


def _replace_check(states: tuple[str, ...]) -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_constraint(op.f("ck_incidents_status"), type_="check")
        batch.create_check_constraint(op.f("ck_incidents_status"), sa.column("status").in_(states))
