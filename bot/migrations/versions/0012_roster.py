"""The roster in the database: people, their changes, overrides and the revision processes follow.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

Moment = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "roster_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("seeded_at", Moment, nullable=False),
    )
    op.create_table(
        "roster_people",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("team_id", sa.String(40), nullable=False),
        sa.Column("name_key", sa.String(80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(20)),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("verified_at", Moment),
        sa.UniqueConstraint("team_id", "name_key", name="uq_roster_people_team_id_name_key"),
    )
    op.create_table(
        "roster_changes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", Moment, nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("team_id", sa.String(40), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("before", sa.Text()),
        sa.Column("after", sa.Text()),
    )
    op.create_index("ix_roster_changes_team_id", "roster_changes", ["team_id"])
    op.create_table(
        "roster_overrides",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("team_id", sa.String(40), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("instead_of", sa.String(80)),
        sa.Column("starts_at", Moment, nullable=False),
        sa.Column("ends_at", Moment, nullable=False),
        sa.Column("made_by", sa.String(80), nullable=False),
        sa.Column("ended_at", Moment),
    )
    op.create_index("ix_roster_overrides_ends_at", "roster_overrides", ["ends_at"])


def downgrade() -> None:
    op.drop_table("roster_overrides")
    op.drop_table("roster_changes")
    op.drop_table("roster_people")
    op.drop_table("roster_state")
