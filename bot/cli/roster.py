"""`cmsbot roster import` and `cmsbot roster export`: the roster between a file and the database."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import yaml

from alerts.phone import redact
from alerts.roster import Record, RosterChange, export_data, roster_changes
from bot.config.clock import utcnow
from bot.config.settings import Settings
from bot.config.sites_file import SitesFileError, load_roster, load_sites
from bot.queue.connection import connect, redis_url
from bot.queue.embedded_redis import EmbeddedRedis, client_name
from bot.queue.handoff import Work, hand_off
from bot.services.live_sites import LiveSites
from bot.services.roster_edits import apply_roster_changes
from bot.store import roster as store
from bot.store.engine import open_engine
from bot.store.migrate import prepare_database

MARKS = {"add": "+", "remove": "-", "change": "~"}


def roster_import(args: argparse.Namespace, settings: Settings) -> int:
    """Show how FILE's people differ from the database's roster; `--apply` makes them so."""
    sites = load_sites(settings.sites_path, settings.timezone).sites
    path: Path = args.file
    try:
        wanted = load_roster(path, [team.id for team in sites.teams])
    except SitesFileError as exc:
        for problem in exc.problems:
            print(f"{path}:{problem.line}: {problem.where}: {problem.message}" if problem.line
                  else f"{path}: {problem.where}: {problem.message}", file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) in {path}; nothing changed", file=sys.stderr)
        return 1

    async def run() -> list[RosterChange]:
        await prepare_database(settings)
        engine = open_engine(settings.sqlalchemy_url, pooled=False)
        try:
            live = LiveSites(sites)
            await live.load(engine, utcnow())
            async with engine.begin() as conn:
                current = await store.read_roster(conn, [team.id for team in sites.teams])
                assert current is not None  # load seeded it
                changes = roster_changes(current.roster, wanted)
                sends: list[str] = []
                if changes and args.apply:
                    sends = await apply_roster_changes(conn, sites, changes,
                                                       f"import {path.name}", utcnow())
            if sends:
                # Committed: queued now, or by the worker's reconcile if Redis is away.
                connection = connect(await asyncio.to_thread(redis_url, settings))
                try:
                    await hand_off(connection, Work(sends=sends), utcnow())
                finally:
                    connection.close()
                    # An embedded Redis this command started stops again once nothing else
                    # uses it; the consent texts are saved with it for the next worker.
                    if not settings.redis_url:
                        await asyncio.to_thread(EmbeddedRedis(settings.home).release,
                                                client_name())
            return changes
        finally:
            await engine.dispose()

    changes = asyncio.run(run())
    for change in changes:
        print(f"{MARKS[change.action]} {describe(change)}")
    if not changes:
        print(f"{path}: the roster in the database is already this one")
    elif args.apply:
        print(f"{len(changes)} change(s) applied; every process pages by them within a second. "
              "New and changed numbers are asked to reply YES and\nget "
              "no alert's details until they do.")
    else:
        print(f"{len(changes)} change(s); run again with --apply to make them")
    return 0


def roster_export(args: argparse.Namespace, settings: Settings) -> int:
    """Write the roster in the database as sites-file YAML (to FILE, or standard output)."""
    sites = load_sites(settings.sites_path, settings.timezone).sites

    async def run() -> str:
        await prepare_database(settings)
        engine = open_engine(settings.sqlalchemy_url, pooled=False)
        try:
            live = LiveSites(sites)
            await live.load(engine, utcnow())
            async with engine.connect() as conn:
                current = await store.read_roster(conn, [team.id for team in sites.teams])
            assert current is not None
            header = (f"# cmsbot roster, revision {current.revision}, exported "
                      f"{utcnow():%Y-%m-%d %H:%M} UTC\n")
            return header + yaml.safe_dump(export_data(current.roster), sort_keys=False,
                                           allow_unicode=True)
        finally:
            await engine.dispose()

    text = asyncio.run(run())
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
        print(f"roster written to {args.output}", file=sys.stderr)
    return 0


def describe(change: RosterChange) -> str:
    """A change for a person to read, phones cut to their last digits."""
    who = f"{change.team_id}/{change.name}"
    if change.action == "add" and change.after is not None:
        return f"{who} ({_summary(change.after)})"
    if change.action == "remove" or change.before is None or change.after is None:
        return who
    fields = [f"{key} {_shown(key, change.before.get(key))} -> {_shown(key, change.after.get(key))}"
              for key in dict.fromkeys([*change.before, *change.after])
              if change.before.get(key) != change.after.get(key)]
    return f"{who}: " + "; ".join(fields)


def _summary(record: Record) -> str:
    return ", ".join(str(_shown(key, record[key])) for key in ("role", "phone") if key in record)


def _shown(key: str, value: object) -> object:
    if key == "phone" and isinstance(value, str):
        return redact(value)
    return "-" if value is None else value
