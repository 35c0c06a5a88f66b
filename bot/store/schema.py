"""The database tables. The database is the source of truth; Redis only holds jobs."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
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
    UniqueConstraint,
    column,
    text,
)

from alerts.delivery_states import DeliveryStatus
from alerts.states import (
    AnsweredVia,
    BroadcastStatus,
    DuplicateDecision,
    InboundState,
    IncidentStatus,
    StepStatus,
    ZoneStatus,
)

metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
})


def one_of(name: str, states: type[StrEnum]) -> CheckConstraint:
    """CHECK that column `name` holds one of the enum's values: the two cannot drift apart.

    Named ck_<table>_<column>; a migration must change it whenever the enum changes.
    """
    return CheckConstraint(column(name).in_([state.value for state in states]), name=name)


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


# Pages and chains derive their state from timestamps (alerts.states): these keep it defined.
PAGE_ORDER = ("(on_scene_at IS NULL OR acked_at IS NOT NULL)"
              " AND (safe_at IS NULL OR on_scene_at IS NOT NULL)")
CHAIN_ORDER = "resolved_at IS NULL OR next_at IS NULL"

incidents = Table(
    "incidents", metadata,
    Column("id", String(80), primary_key=True),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("lat", Float), Column("lon", Float),
    Column("precinct", Integer),
    Column("borough", String(40)),
    Column("fatal", Boolean, nullable=False),
    Column("victims", Integer),  # NULL: the feed gave no count (0 is "no one hit")
    Column("location", String(200)),
    Column("hospital", String(120)),
    Column("source", String(40)),
    Column("verified", Boolean),
    Column("status", String(20), nullable=False),
    Column("unrouted", Boolean, nullable=False),
    Column("closed_at", UTCDateTime),
    Column("outcome", String(20)),
    Column("kind", String(20), nullable=False, server_default="shooting"),
    Column("title", String(200)),
    Column("takedown_id", Integer, index=True),
    # The feed's type (alerts.incident_types), apart from `kind`; any the sites file allows.
    Column("type", String(40), nullable=False, server_default="shooting"),
    one_of("status", IncidentStatus),
    # GET /api/incidents reads newest first, a page at a time from (occurred_at, id).
    Index("ix_incidents_occurred_at_id", "occurred_at", "id"),
)

incident_teams = Table(
    "incident_teams", metadata,
    Column("incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
    Column("team_id", String(40), primary_key=True),
    Column("reason", String(200), nullable=False),
    Column("required_acks", Integer, nullable=False, server_default="1"),
    Column("acked_at", UTCDateTime),
    Column("closed_at", UTCDateTime),
    Column("outcome", String(20)),
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
    Column("acked_at", UTCDateTime),
    Column("on_scene_at", UTCDateTime),
    Column("safe_at", UTCDateTime),
    # A short number is unique among a member's open alerts: concurrent ingests cannot share one.
    Index("uq_pages_phone_number_open", "phone", "number", unique=True,
          postgresql_where=text("open"), sqlite_where=text("open")),
    # A page's state is read from its timestamps (alerts.states.page_state): on scene only
    # after acknowledging, safe only after on scene.
    CheckConstraint(PAGE_ORDER, name="state"),
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
    # A broadcast's deliveries are sent by its batch jobs, not one job each.
    Column("batch_id", Integer, index=True),
    Index("ix_deliveries_status_updated", "status", "updated_at"),
    one_of("status", DeliveryStatus),
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
    Column("team_id", String(40)),
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

# Every timed sequence of steps: an alert's escalation, a follow-up and its escalation, a safety
# check-out. `next_step` is the version: a job for any other step is stale and does nothing.
chains = Table(
    "chains", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
    Column("team_id", String(40), nullable=False, server_default=""),
    Column("kind", String(20), nullable=False),
    Column("subject", String(40), nullable=False, server_default=""),
    Column("started_at", UTCDateTime, nullable=False),
    Column("steps", JSON, nullable=False),
    Column("next_step", Integer, nullable=False, server_default="0"),
    Column("next_at", UTCDateTime),
    Column("resolved_at", UTCDateTime),
    Column("resolution", String(80)),
    Index("uq_chains_incident_team_kind_subject", "incident_id", "team_id", "kind", "subject",
          unique=True),
    Index("ix_chains_next_at", "next_at"),
    CheckConstraint(CHAIN_ORDER, name="state"),
)

# Inbound SMS by Twilio MessageSid: a retried webhook is answered from here, never acted on twice.
inbound_messages = Table(
    "inbound_messages", metadata,
    Column("sid", String(64), primary_key=True),
    Column("phone", String(20), nullable=False),
    Column("to_number", String(40), nullable=False),
    Column("body", Text, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("reply", Text),
    Column("reply_kind", String(20)),
    Column("opt_out_type", String(12)),  # Twilio's OptOutType field, when it sent one
    Column("state", String(10), nullable=False, server_default=InboundState.HANDLED.value),
    Column("handled_at", UTCDateTime),
    Column("answered_via", String(8)),
    Index("ix_inbound_messages_phone_received", "phone", "received_at"),
    Index("ix_inbound_messages_state_received", "state", "received_at"),
    one_of("state", InboundState),
    one_of("answered_via", AnsweredVia),
)

# Numbers that said STOP to one of our senders ("staff" or "resident"): never sent to from it.
opt_outs = Table(
    "opt_outs", metadata,
    Column("phone", String(20), primary_key=True),
    Column("sender", String(10), primary_key=True),
    Column("opted_out_at", UTCDateTime, nullable=False),
    Column("source", String(40), nullable=False),
)

# Shootings close in time and space: possible retaliation, shown on both incidents.
incident_links = Table(
    "incident_links", metadata,
    Column("incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
    Column("linked_id", ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
    Column("distance_m", Float, nullable=False),
    Column("hours", Float, nullable=False),
)

# A post-takedown plan: the area, the date, and the teams that do the outreach.
takedowns = Table(
    "takedowns", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("area", String(80), nullable=False),
    Column("area_label", String(120), nullable=False),
    Column("date", Date, nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("playbook", String(40), nullable=False),
    Column("teams", JSON, nullable=False),
    Column("created_by", String(120), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("cancelled_at", UTCDateTime),
)

# Each playbook step for each team: when it is due and what became of it. The source of truth
# for the schedule; Redis only holds the jobs.
takedown_steps = Table(
    "takedown_steps", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("takedown_id", ForeignKey("takedowns.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("position", Integer, nullable=False),
    Column("team_id", String(40), nullable=False),
    Column("audience", String(10), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("text", Text, nullable=False),
    Column("status", String(12), nullable=False),
    Column("late", Boolean, nullable=False, server_default=text("false")),
    Column("sent_at", UTCDateTime),
    Column("subject_id", String(80)),
    Index("ix_takedown_steps_status_at", "status", "at"),
    one_of("status", StepStatus),
)

takedown_events = Table(
    "takedown_events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("takedown_id", ForeignKey("takedowns.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(120), nullable=False),
    Column("action", String(40), nullable=False),
    Column("detail", Text, nullable=False, server_default=""),
)

residents = Table(
    "residents", metadata,
    Column("phone", String(20), primary_key=True),
    Column("language", String(2), nullable=False, server_default="en"),
    Column("created_at", UTCDateTime, nullable=False),
)

# Each area a resident asked for, with the consent record: what they sent and when, both times.
resident_zones = Table(
    "resident_zones", metadata,
    Column("phone", ForeignKey("residents.phone", ondelete="CASCADE"), primary_key=True),
    Column("zone", String(40), primary_key=True),
    Column("label", String(120), nullable=False),
    Column("status", String(10), nullable=False),
    Column("keyword", String(20), nullable=False),
    Column("requested_at", UTCDateTime, nullable=False),
    Column("request_text", Text, nullable=False),
    Column("confirmed_at", UTCDateTime),
    Column("confirm_text", Text),
    Column("left_at", UTCDateTime),
    Index("ix_resident_zones_zone_status", "zone", "status"),
    one_of("status", ZoneStatus),
)

# A short list of areas a resident was asked to choose from ("reply 1 or 2").
resident_choices = Table(
    "resident_choices", metadata,
    Column("phone", ForeignKey("residents.phone", ondelete="CASCADE"), primary_key=True),
    Column("options", JSON, nullable=False),
    Column("keyword", String(20), nullable=False),
    Column("request_text", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

broadcasts = Table(
    "broadcasts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(12), nullable=False),
    Column("zone", String(80), nullable=False),
    Column("label", String(120), nullable=False),
    Column("text", Text, nullable=False),
    Column("text_es", Text),
    Column("status", String(12), nullable=False),
    Column("created_by", String(120), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("send_at", UTCDateTime),
    Column("confirmed_by", String(120)),
    Column("confirmed_at", UTCDateTime),
    Column("finished_at", UTCDateTime),
    Column("recipients", Integer, nullable=False, server_default="0"),
    Column("incident_id", String(80)),
    Column("takedown_step_id", Integer),
    Index("ix_broadcasts_status_send_at", "status", "send_at"),
    one_of("status", BroadcastStatus),
)

# Each incident source the sites file lists: when cmsbot first saw it listed, when it was last
# heard from (an incident or a heartbeat), and the last contact when its current outage was
# declared (NULL: none). alerts.feeds decides what to tell; one row per source.
feed_sources = Table(
    "feed_sources", metadata,
    Column("source", String(40), primary_key=True),
    Column("listed_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime),
    Column("silent_from", UTCDateTime),
)

# The watchdog's outage (workers dead, alerts unsent, Redis away), kept so that a restarted
# watchdog does not page again for it: at most one row, deleted when it recovers.
watchdog_outages = Table(
    "watchdog_outages", metadata,
    Column("name", String(40), primary_key=True),
    Column("since", UTCDateTime, nullable=False),
    Column("problems", Text, nullable=False),
    Column("announced", Boolean, nullable=False, server_default=text("false")),
)

# A second report of an open incident's shooting from another source (alerts.duplicates):
# held until a coordinator merges it into the first or keeps it separate. One row per report.
possible_duplicates = Table(
    "possible_duplicates", metadata,
    Column("incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
    Column("duplicate_of", ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("distance_m", Float, nullable=False),
    Column("minutes", Float, nullable=False),
    Column("decision", String(10), nullable=False),
    Column("decided_by", String(80)),
    Column("decided_at", UTCDateTime),
    one_of("decision", DuplicateDecision),
)

# The roster (alerts.roster): the sites file seeds it once; from then on coordinators and
# supervisors change it, and each change bumps `revision`, which every process follows.
# One row, made by the seed: its absence means "never seeded".
roster_state = Table(
    "roster_state", metadata,
    Column("id", Integer, primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("seeded_at", UTCDateTime, nullable=False),
)

# Each person, as the sites file writes them (`record`, JSON), under their team's id or
# "coordinators". `name_key` is the folded name that commands find them by.
roster_people = Table(
    "roster_people", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("team_id", String(40), nullable=False),
    Column("name_key", String(80), nullable=False),
    Column("position", Integer, nullable=False),
    Column("phone", String(20)),
    Column("record", Text, nullable=False),
    # NULL until the phone answered YES to the consent text (seeded numbers count as yes).
    Column("verified_at", UTCDateTime),
    UniqueConstraint("team_id", "name_key"),
)

# Every change to the roster: who made it, what it was, the record before and after.
roster_changes_log = Table(
    "roster_changes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(80), nullable=False),
    Column("action", String(10), nullable=False),
    Column("team_id", String(40), nullable=False, index=True),
    Column("name", String(80), nullable=False),
    Column("before", Text),
    Column("after", Text),
)

# Time off, covers and on-call hand-overs: `name` is on (kind cover) or off (kind off) from
# `starts_at` until `ends_at`, in place of `instead_of` when given. Expired rows stay, for the
# record; `ended_at` marks one ended early (an ON text).
roster_overrides = Table(
    "roster_overrides", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("team_id", String(40), nullable=False),
    Column("name", String(80), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("instead_of", String(80)),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False, index=True),
    Column("made_by", String(80), nullable=False),
    Column("ended_at", UTCDateTime),
)
