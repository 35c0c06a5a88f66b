"""Inbound SMS are kept before they are acted on: a state, when they were handled, and how the
reply went out (in the webhook's TwiML, or later as an SMS), plus Twilio's OptOutType.

Every message stored before this revision was acted on in its webhook: it is "handled", and its
reply, if it had one, went out as TwiML.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Spelled out, not imported: the states as they were when this revision was written.
STATES = ("received", "deferred", "handled")
ANSWERED_VIA = ("twiml", "sms")


def upgrade() -> None:
    with op.batch_alter_table("inbound_messages") as batch:
        batch.add_column(sa.Column("opt_out_type", sa.String(12)))
        batch.add_column(sa.Column("state", sa.String(10), nullable=False,
                                   server_default="handled"))
        batch.add_column(sa.Column("handled_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("answered_via", sa.String(8)))
    op.get_bind().execute(sa.text("UPDATE inbound_messages SET handled_at = received_at, "
                                  "answered_via = CASE WHEN reply IS NULL THEN NULL "
                                  "ELSE 'twiml' END"))
    with op.batch_alter_table("inbound_messages") as batch:
        batch.create_check_constraint(op.f("ck_inbound_messages_state"),
                                      sa.column("state").in_(STATES))
        batch.create_check_constraint(op.f("ck_inbound_messages_answered_via"),
                                      sa.column("answered_via").in_(ANSWERED_VIA))
        batch.create_index(op.f("ix_inbound_messages_state_received"), ["state", "received_at"])


def downgrade() -> None:
    with op.batch_alter_table("inbound_messages") as batch:
        batch.drop_index(op.f("ix_inbound_messages_state_received"))
        batch.drop_constraint(op.f("ck_inbound_messages_answered_via"), type_="check")
        batch.drop_constraint(op.f("ck_inbound_messages_state"), type_="check")
        batch.drop_column("answered_via")
        batch.drop_column("handled_at")
        batch.drop_column("state")
        batch.drop_column("opt_out_type")
