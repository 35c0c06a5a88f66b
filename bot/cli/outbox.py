"""`cmsbot outbox [--follow]`: read what the local outbox holds."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import textwrap
from typing import TextIO
from zoneinfo import ZoneInfo

from alerts.contacts import PHONE_CHANNELS
from alerts.phone import redact
from bot.config.settings import Settings
from bot.store.engine import open_engine
from bot.store.migrate import prepare_database
from bot.store.outbox import UPDATE_PREFIX, OutboxEntry, OutboxStore

POLL_SECONDS = 0.5


def format_entry(entry: OutboxEntry, tz_name: str) -> str:
    """One outbox message as a readable block: who got what, by which channel."""
    when = entry.created_at.astimezone(ZoneInfo(tz_name)).strftime("%H:%M:%S %Z")
    if entry.channel in PHONE_CHANNELS:
        how = "CALL" if entry.channel == "voice" else "SMS"
        who = f"{how} to {entry.recipient_name or 'unknown'} {redact(entry.recipient)}"
    else:
        who = f"Slack #{entry.recipient}"
    team = f" [{entry.team_id}]" if entry.team_id else ""
    text = entry.body
    if entry.channel == "slack":  # Slack text is mrkdwn-escaped; show it as Slack would
        text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    lines = text.splitlines()
    if entry.channel == "voice":  # what the call would say, keys included, wrapped to read
        lines = textwrap.wrap(f"says: {text}", 92)
    body = "\n".join(f"    | {line}" for line in lines)
    return f"{when} {who}{team}\n{body}"


def is_update(entry: OutboxEntry) -> bool:
    """Whether the entry is a new version of a Slack post already in the outbox."""
    return entry.key.startswith(UPDATE_PREFIX)


async def follow(store: OutboxStore, out: TextIO, tz_name: str, last: int,
                 forever: bool) -> None:
    """Print the last `last` entries, then (with `forever`) new ones as they arrive."""
    recent = await store.recent(last)
    after = recent[-1].id if recent else 0
    for entry in recent:
        print(format_entry(entry, tz_name), file=out, flush=True)
    while forever:
        await asyncio.sleep(POLL_SECONDS)
        for entry in await store.after(after):
            after = entry.id
            print(format_entry(entry, tz_name), file=out, flush=True)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """The `cmsbot outbox` command."""
    async def main() -> None:
        await prepare_database(settings)
        engine = open_engine(settings.sqlalchemy_url, pooled=False)
        try:
            await follow(OutboxStore(engine), sys.stdout, settings.timezone, args.last, args.follow)
        finally:
            await engine.dispose()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
    return 0
