"""The dashboard's roster page: each team's members, covers and latest changes for those who
may change them, and the changes its forms ask for, carried out by the same RosterDesk as
`/cms member ...` (permissions, audit and consent texts alike).

After a change the page is drawn again by a GET (post/redirect/get); what RosterDesk answered
waits for it in Redis under the session for a minute (a "flash"), never in the URL, where a
crafted link could make the page say anything.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from alerts.on_call import turn_lines
from alerts.overrides import Override, current
from alerts.roster_commands import RosterCommand
from alerts.sites import Person, Team
from bot.services.base import UseCase
from bot.services.roster_desk import DONE, RosterDesk, may_change
from bot.store import roster as store
from bot.store.roster import LoggedChange

CHANGES_SHOWN = 10
FLASH_TTL = timedelta(minutes=1)
_FLASH_KEY = "cmsbot:roster-flash:"


@dataclass(frozen=True)
class TeamBoard:
    """One team as its roster page shows it."""

    team: Team
    overrides: tuple[Override, ...]  # holding now, earliest end first
    changes: tuple[LoggedChange, ...]  # newest first
    on_call: tuple[str, ...] = ()  # the rotations' turns now and next (alerts.on_call)


@dataclass(frozen=True)
class Outcome:
    """What RosterDesk answered a form, and whether it changed the roster."""

    done: bool
    text: str


class RosterBoard(UseCase):
    """Reads and changes the roster for the dashboard's roster page."""

    async def boards(self, person: Person) -> list[TeamBoard]:
        """The teams `person` may change, as they stand now (empty for anyone else)."""
        # A change made here was taken up by RosterDesk as it made it; the follower brings
        # the others' within its poll.
        sites, now = self.sites, self.clock()
        teams = [team for team in sites.teams if may_change(person, team.id)]
        async with self.engine.connect() as conn:
            logs = {team.id: await store.change_log(conn, team.id, limit=CHANGES_SHOWN)
                    for team in teams}
        return [TeamBoard(team, tuple(current(sites.overrides, team.id, now)),
                          tuple(logs[team.id]), tuple(turn_lines(sites, team.id, now)))
                for team in teams]

    async def run(self, person: Person, command: RosterCommand) -> Outcome:
        """Carry out one form's command as `person`."""
        answer = await RosterDesk(self.engine, self.live, self.redis, self.clock).run(person,
                                                                                     command)
        # RosterDesk answers in words, as Slack shows them; every change it made says DONE.
        return Outcome(answer.startswith(DONE), answer)

    def flash(self, sid: str, text: str) -> None:
        """Keep `text` for the session's next page. Blocking: call through a thread."""
        self.redis.set(_flash_key(sid), text.encode(), ex=FLASH_TTL)

    def take_flash(self, sid: str) -> str | None:
        """The text kept for this session, once. Blocking: call through a thread."""
        kept = self.redis.getdel(_flash_key(sid))
        return kept.decode() if isinstance(kept, bytes) else None


def _flash_key(sid: str) -> str:
    return _FLASH_KEY + hashlib.sha256(sid.encode()).hexdigest()
