"""`cmsbot demo`: the whole alert path on one machine, with sample sites and incidents.

Web and worker run as they do in production (the worker as a real `cmsbot worker` process),
on SQLite and the embedded Redis under CMSBOT_HOME, with the outbox standing in for Twilio and
Slack. Sample incidents are posted to the real ingest API; every message the worker "sends"
is printed as it lands in the outbox. Each run starts from an empty database and Redis
(`--keep` keeps them). Ctrl-C stops everything cleanly.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.cli.dashboard import signin_url
from bot.cli.demo_pace import describe, paced_sites
from bot.cli.demo_responders import Responders
from bot.cli.demo_state import DemoInUse, clear_state
from bot.cli.outbox import format_entry, is_update
from bot.config import logs
from bot.config.clock import utcnow
from bot.config.settings import Settings
from bot.config.sites_file import SitesFileError, load_sites
from bot.main.app import create_app
from bot.queue.embedded_redis import EmbeddedRedis, client_name
from bot.store.engine import open_engine
from bot.store.migrate import prepare_database
from bot.store.outbox import OutboxStore

SAMPLE_INCIDENTS = Path(__file__).resolve().parents[1] / "samples" / "incidents.json"


def run(args: argparse.Namespace, settings: Settings) -> int:
    """The `cmsbot demo` command."""
    demo = demo_settings(settings)
    logs.configure("text", level=30, tz_name=demo.timezone)
    try:
        sites = load_sites(demo.sites_path, demo.timezone).sites
    except SitesFileError as exc:
        print(f"cmsbot demo: {exc}", file=sys.stderr)
        return 2
    print(f"cmsbot demo: state under {demo.home.resolve()}, sites {demo.sites_path}")
    if not args.keep:
        try:
            cleared = clear_state(demo.home)
        except DemoInUse as exc:
            print(f"cmsbot demo: {exc}", file=sys.stderr)
            return 2
        if cleared:
            print(cleared)
    if not args.real_pace:
        demo.home.mkdir(parents=True, exist_ok=True)
        demo = replace(demo, sites_path=paced_sites(demo.sites_path, sites, demo.home))
        print(describe(sites))
    print("SMS and Slack go to the local outbox; nothing leaves this machine. Ctrl-C to stop.\n")
    with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError):
        asyncio.run(_main(demo, args.interval, args.incidents, not args.no_responders))
    print("\ncmsbot demo: stopped cleanly")
    return 0


def demo_settings(settings: Settings) -> Settings:
    """Embedded everything, whatever the environment says about providers and databases."""
    return replace(settings, database_url=None, redis_url=None, twilio_account_sid=None,
                   twilio_auth_token=None, twilio_staff_from=None, slack_bot_token=None,
                   slack_signing_secret=None, api_token=None, port=_free_port(settings.port))


async def _main(settings: Settings, interval: float, limit: int, respond: bool) -> None:
    # `kill` (SIGTERM) stops the demo as Ctrl-C does: the worker and the embedded Redis with it.
    main = asyncio.current_task()
    assert main is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main.cancel)
    await prepare_database(settings)
    async with _web(settings) as base_url, _worker(settings):
        engine = open_engine(settings.sqlalchemy_url, pooled=False)
        outbox = OutboxStore(engine)
        latest = await outbox.recent(1)
        responders = Responders(base_url, settings, interval) if respond else None
        try:
            await asyncio.gather(
                _feed(base_url, settings.ingest_token().reveal(), interval, limit),
                _print_outbox(outbox, latest[-1].id if latest else 0, settings.timezone,
                              responders),
            )
        finally:
            await engine.dispose()


@contextlib.asynccontextmanager
async def _web(settings: Settings) -> AsyncIterator[str]:
    loaded = load_sites(settings.sites_path, settings.timezone)
    runner = web.AppRunner(create_app(settings, sites=loaded), handle_signals=False,
                           access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", settings.port)
    await site.start()
    url = f"http://127.0.0.1:{settings.port}"
    print(f"web: {url} (POST /api/incidents with the token in {settings.home}/api-token)")
    coordinator = next((c for c in loaded.sites.coordinators if c.slack_user), None)
    if coordinator is not None and coordinator.slack_user:
        signin = await asyncio.to_thread(signin_url, replace(settings, public_url=url),
                                         coordinator.slack_user)
        print(f"dashboard: {signin} (signs in as {coordinator.name}, once, within 10 minutes; "
              "`cmsbot dashboard link` for another)")
    try:
        yield url
    finally:
        await runner.cleanup()
        await asyncio.to_thread(EmbeddedRedis(settings.home).release, client_name())


@contextlib.asynccontextmanager
async def _worker(settings: Settings) -> AsyncIterator[None]:
    env = {**os.environ, "CMSBOT_HOME": str(settings.home), "CMSBOT_SITES": str(settings.sites_path),
           "CMSBOT_LOG_LEVEL": "WARNING"}
    for name in ("DATABASE_URL", "REDIS_URL", "TWILIO_ACCOUNT_SID", "SLACK_BOT_TOKEN"):
        env.pop(name, None)
    # Its own process group, so the terminal's Ctrl-C reaches only us; we stop it in order.
    process = await asyncio.to_thread(
        subprocess.Popen, [sys.executable, "-m", "bot.cli", "worker"], env=env, start_new_session=True)
    print(f"worker: pid {process.pid}\n")
    try:
        yield
    finally:
        process.send_signal(signal.SIGTERM)  # warm shutdown: the current job finishes first
        try:
            await asyncio.to_thread(process.wait, 20)
        except subprocess.TimeoutExpired:
            process.kill()
            await asyncio.to_thread(process.wait)


async def _feed(base_url: str, token: str, interval: float, limit: int) -> None:
    # Each sample once, in order: repeating them would put every later shooting on the spot of
    # an earlier one, 0 m and 0 h away (a link on nearly every alert). The samples are spread
    # over the sample catchments, with one deliberate retaliation pair (E 138 and E 140 St).
    samples: list[dict[str, object]] = json.loads(SAMPLE_INCIDENTS.read_text())
    if limit:
        samples = samples[:limit]
    run_id = utcnow().strftime("%H%M%S")
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session:
        for number, sample in enumerate(samples, 1):
            fields = dict(sample)
            ago = timedelta(minutes=float(str(fields.pop("minutes_ago", 2))))
            payload = {"id": f"DEMO-{run_id}-{number}", "source": "demo", "verified": True,
                       "occurred_at": (utcnow() - ago).isoformat(), **fields}
            async with session.post(f"{base_url}/api/incidents", json=payload) as response:
                body = await response.json()
            teams = ", ".join(body.get("teams", [])) or "no team: to the coordinators"
            print(f">>> incident {payload['id']} at {sample.get('location')}: {teams} "
                  f"({body.get('deliveries', 0)} deliveries)", flush=True)
            await asyncio.sleep(interval)
    print(f"cmsbot demo: {len(samples)} sample incidents sent; answer them on the dashboard "
          "(or POST more), Ctrl-C to stop", flush=True)
    await asyncio.Event().wait()  # the worker keeps escalating; the outbox keeps printing


async def _print_outbox(outbox: OutboxStore, after: int, tz_name: str,
                        responders: Responders | None) -> None:
    while True:
        for entry in await outbox.after(after):
            after = entry.id
            # A redraw of a Slack post (a link added, an ack) is the post printed above, again.
            if not is_update(entry):
                print(format_entry(entry, tz_name), flush=True)
            if responders is not None:
                responders.saw(entry)
        await asyncio.sleep(0.3)


def _free_port(preferred: int) -> int:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            probe.bind(("127.0.0.1", 0))
            return int(probe.getsockname()[1])
