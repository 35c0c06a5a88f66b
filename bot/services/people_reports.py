"""A shooting reported by a coordinator or supervisor, from Slack or the dashboard: through the
same ingest path as the feed's, marked with its source and who reported it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from alerts.freshness import PAGE_WITHIN, judge
from alerts.incident import IncidentError
from alerts.people_reports import ReportError, ReportForm, report_id, reported_incident
from alerts.sites import Person
from bot.services.base import UseCase
from bot.services.ingest import Ingest, IngestOutcome
from bot.store.timeline import add_event

NOT_ALLOWED = "Only coordinators and supervisors can report a shooting."


@dataclass(frozen=True)
class PeopleReports(UseCase):
    """Turns a person's report into an incident, paged and routed like the feed's."""

    ingest: Ingest | None = None
    page_within: timedelta = PAGE_WITHIN

    async def report(self, person: Person, form: ReportForm, nonce: str,
                     via: str) -> IngestOutcome:
        """Route and page the reported shooting; ReportError naming a field that is wrong
        (or "reporter" for someone who may not report). The same `nonce` twice is one report."""
        if not (person.is_coordinator or person.role == "supervisor"):
            raise ReportError("reporter", NOT_ALLOWED)
        assert self.ingest is not None
        now = self.clock()
        incident = reported_incident(form, self.sites, now, report_id(person.key, nonce))
        try:
            paging = judge(incident.occurred_at, now, self.page_within)
        except IncidentError as exc:
            raise ReportError("time", str(exc)) from None
        outcome = await self.ingest.accept(incident, paging)
        if not outcome.duplicate:
            async with self.engine.begin() as conn:
                await add_event(conn, incident.id, now, person.name, "reported", via,
                                f"{form.source} report by {person.name} ({person.role})")
        return outcome
