"""The database tables. The database is the source of truth; Redis only holds jobs."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    text,
)

metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on PostgreSQL and on SQLite (which keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


incidents = Table(
    "incidents", metadata,
    Column("id", String(80), primary_key=True),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("lat", Float), Column("lon", Float),
    Column("precinct", Integer),
    Column("borough", String(40)),
    Column("fatal", Boolean, nullable=False),
    Column("victims", Integer, nullable=False),
    Column("location", String(200)),
    Column("hospital", String(120)),
    Column("source", String(40)),
    Column("verified", Boolean),
    Column("status", String(20), nullable=False),
    Column("unrouted", Boolean, nullable=False),
)

incident_teams = Table(
    "incident_teams", metadata,
    Column("incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
    Column("team_id", String(40), primary_key=True),
    Column("reason", String(200), nullable=False),
)

# One row per person paged for an incident, holding the short number they reply with.
pages = Table(
    "pages", metadata,
    Column("incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
    Column("phone", String(20), primary_key=True),
    Column("name", String(120), nullable=False),
    Column("role", String(20), nullable=False),
    Column("team_id", String(40)),
    Column("reason", String(200), nullable=False),
    Column("number", Integer, nullable=False),
    Column("open", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # A short number is unique among a member's open alerts: concurrent ingests cannot share one.
    Index("uq_pages_phone_number_open", "phone", "number", unique=True,
          postgresql_where=text("open"), sqlite_where=text("open")),
)

deliveries = Table(
    "deliveries", metadata,
    Column("key", String(64), primary_key=True),
    Column("incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), index=True),
    Column("kind", String(20), nullable=False),
    Column("channel", String(10), nullable=False),
    Column("sender", String(10), nullable=False),
    Column("recipient", String(40), nullable=False),
    Column("recipient_name", String(120)),
    Column("team_id", String(40)),
    Column("body", Text, nullable=False),
    Column("blocks", JSON),
    Column("status", String(16), nullable=False),
    Column("provider_id", String(64), index=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("error_code", String(16)),
    Column("error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("claimed_at", UTCDateTime),
    Column("next_attempt_at", UTCDateTime),
    Column("sent_at", UTCDateTime),
    Index("ix_deliveries_status_updated", "status", "updated_at"),
)

timeline = Table(
    "timeline", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(120), nullable=False),
    Column("action", String(40), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("detail", Text, nullable=False, server_default=""),
)

# The local outbox: what would have gone to Twilio or Slack when they are not configured.
outbox = Table(
    "outbox", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(64), nullable=False, unique=True),
    Column("channel", String(10), nullable=False),
    Column("sender", String(10), nullable=False),
    Column("recipient", String(40), nullable=False),
    Column("recipient_name", String(120)),
    Column("team_id", String(40)),
    Column("body", Text, nullable=False),
    Column("blocks", JSON),
    Column("created_at", UTCDateTime, nullable=False),
)
