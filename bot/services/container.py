"""The use cases, built once per process by `build_services`: the web app and the worker share it."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime

import redis
from sqlalchemy.ext.asyncio import AsyncEngine

from alerts.sites import Sites
from bot.config.settings import Settings
from bot.services.broadcasts import Broadcaster
from bot.services.cancellations import Canceller
from bot.services.delivery_status import StatusCallbacks
from bot.services.escalation import Escalator
from bot.services.feeds import FeedWatch
from bot.services.incident_updates import Updater
from bot.services.ingest import Ingest
from bot.services.live_sites import LiveSites, live
from bot.services.people_reports import PeopleReports
from bot.services.roster_board import RosterBoard
from bot.services.sessions import LiveSessions, SigninLinks
from bot.services.slack_desk import SlackDesk
from bot.services.sms_inbox import SmsInbox
from bot.services.takedown_steps import StepRunner
from bot.services.takedowns import Planner
from bot.services.voice_calls import VoiceCalls


@dataclass(frozen=True)
class Services:
    """Every use case, on one database, one Redis, one set of sites and one clock."""

    ingest: Ingest
    sms_inbox: SmsInbox
    escalator: Escalator
    slack_desk: SlackDesk
    planner: Planner
    takedown_steps: StepRunner
    broadcaster: Broadcaster
    signin_links: SigninLinks
    live_sessions: LiveSessions
    status_callbacks: StatusCallbacks
    voice_calls: VoiceCalls
    people_reports: PeopleReports
    updater: Updater
    canceller: Canceller
    feeds: FeedWatch
    roster_board: RosterBoard


def build_services(settings: Settings, engine: AsyncEngine, given: Sites | LiveSites,
                   connection: redis.Redis,
                   clock: Callable[[], datetime], *, live_engine: AsyncEngine | None = None,
                   live_executor: Executor | None = None) -> Services:
    """Build the use cases; nothing connects here (the engine and client connect on use).

    `live_engine` and `live_executor`: a pool and threads that only a new shooting's ingest
    uses (the web process); without them ingest shares the others (the worker, the commands).
    `given`: the process's live sites, which every use case shares (or fixed ones).
    """
    sites = live(given, clock)
    broadcaster = Broadcaster(engine, sites, connection, clock, settings.sms_rate_per_second)
    planner = Planner(engine, sites, connection, clock)
    escalator = Escalator(engine, sites, connection, clock)
    ingest = Ingest(live_engine or engine, sites, connection, clock, broadcaster, live_executor)
    return Services(
        ingest=ingest,
        sms_inbox=SmsInbox(engine, sites, connection, clock, settings.twilio_resident_from),
        escalator=escalator,
        slack_desk=SlackDesk(engine, sites, connection, clock, planner, broadcaster,
                             settings.public_base(), settings.calendar_key),
        planner=planner,
        takedown_steps=StepRunner(engine, sites, connection, clock),
        broadcaster=broadcaster,
        signin_links=SigninLinks(connection),
        live_sessions=LiveSessions(connection),
        status_callbacks=StatusCallbacks(engine, sites, connection, clock, escalator),
        voice_calls=VoiceCalls(engine, sites, connection, clock),
        people_reports=PeopleReports(engine, sites, connection, clock, ingest,
                                     settings.page_within),
        updater=Updater(live_engine or engine, sites, connection, clock, live_executor),
        canceller=Canceller(engine, sites, connection, clock),
        feeds=FeedWatch(engine, sites, connection, clock),
        roster_board=RosterBoard(engine, sites, connection, clock),
    )
