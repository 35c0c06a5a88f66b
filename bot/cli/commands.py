"""The `cmsbot` command line."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.cli.home_check import missing_home_message, reads_a_missing_home
from bot.config.home import keep_private
from bot.config.settings import Settings, SettingsError

Command = Callable[[argparse.Namespace, Settings], int]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="cmsbot", description="Alerting and coordination bot for the Crisis Management System.",
        epilog="Settings come from the environment (DATABASE_URL, REDIS_URL, CMSBOT_SITES, "
               "TWILIO_*, SLACK_*...); with none set, everything runs locally under CMSBOT_HOME.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    demo = sub.add_parser("demo", help="run everything locally with sample sites and incidents")
    demo.add_argument("--interval", type=float, default=3.0, metavar="S",
                      help="seconds between sample incidents (default 3)")
    demo.add_argument("--incidents", type=int, default=0, metavar="N",
                      help="feed only the first N sample incidents (default: all of them, "
                           "each once)")
    demo.add_argument("--keep", action="store_true",
                      help="keep the database and Redis of the last demo (default: start fresh)")
    demo.add_argument("--no-responders", action="store_true",
                      help="answer no alert (default: some sample members acknowledge, go on "
                           "scene, close with an outcome or ask for support by SMS, paced like "
                           "--interval; the others escalate)")
    demo.add_argument("--real-pace", action="store_true",
                      help="escalate and follow up when the sites file says (default: the "
                           "demo's pace, escalations ten times sooner and follow-ups after "
                           "minutes, so a few minutes show them)")
    demo.set_defaults(run=_lazy("bot.cli.demo", "run"))

    serve = sub.add_parser("serve", help="run the web process (binds $PORT)")
    serve.set_defaults(run=_lazy("bot.main.processes", "serve"))

    worker = sub.add_parser("worker", help="run an rq worker with the scheduler")
    worker.add_argument("--burst", action="store_true", help="exit when the queues are empty")
    worker.add_argument("--fork", action="store_true",
                        help="fork a work horse per job (isolation) instead of running jobs "
                             "in the worker on pooled connections")
    worker.set_defaults(run=_lazy("bot.main.processes", "worker"))

    watchdog = sub.add_parser("watchdog", help="outside the queue: page the coordinators when "
                                               "workers or alerts stall (CMSBOT_WATCHDOG_SECONDS, "
                                               "CMSBOT_WATCHDOG_UNSENT)")
    watchdog.set_defaults(run=_lazy("bot.cli.watchdog", "run"))

    dashboard = sub.add_parser("dashboard", help="the coordinators' dashboard")
    dashboard_sub = dashboard.add_subparsers(dest="dashboard_command", metavar="ACTION",
                                             required=True)
    link = dashboard_sub.add_parser("link", help="print a one-time sign-in link (as /cms "
                                                 "dashboard gives in Slack)")
    link.add_argument("--as", dest="as_user", metavar="SLACK_USER",
                      help="the roster person's Slack user id (default: the first coordinator)")
    link.set_defaults(run=_lazy("bot.cli.dashboard", "link"))

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_sub.add_parser("upgrade", help="apply pending migrations").set_defaults(
        run=_lazy("bot.main.processes", "db_upgrade"))

    sites = sub.add_parser("sites", help="the sites file")
    sites_sub = sites.add_subparsers(dest="sites_command", metavar="ACTION", required=True)
    check = sites_sub.add_parser("check", help="validate a sites file and its layers")
    check.add_argument("file", type=Path)
    check.set_defaults(run=_lazy("bot.cli.checks", "sites_check"))

    roster = sub.add_parser("roster", help="the roster (teams' members and the coordinators) "
                                           "in the database")
    roster_sub = roster.add_subparsers(dest="roster_command", metavar="ACTION", required=True)
    imported = roster_sub.add_parser(
        "import", help="show how a file's people differ from the roster; --apply makes them so")
    imported.add_argument("file", type=Path, help="a sites file, or a roster export")
    imported.add_argument("--apply", action="store_true",
                          help="apply the changes (audited as made by the import)")
    imported.set_defaults(run=_lazy("bot.cli.roster", "roster_import"))
    exported = roster_sub.add_parser("export", help="write the roster as sites-file YAML")
    exported.add_argument("-o", "--output", type=Path, metavar="FILE",
                          help="write here (default: standard output)")
    exported.set_defaults(run=_lazy("bot.cli.roster", "roster_export"))

    fences = sub.add_parser("geofences", help="GeoJSON geofence layers")
    fences_sub = fences.add_subparsers(dest="geofences_command", metavar="ACTION", required=True)
    layer = fences_sub.add_parser("check", help="what a GeoJSON layer holds, and what was repaired")
    layer.add_argument("file", type=Path)
    layer.add_argument("--id-property", required=True, metavar="P",
                       help="the feature property that names each area (e.g. precinct)")
    layer.add_argument("--name-property", metavar="P", help="a property with a readable name")
    layer.set_defaults(run=_lazy("bot.cli.checks", "geofences_check"))

    replay = sub.add_parser("replay", help="feed NYPD Shooting Incident Data CSV rows through ingest")
    replay.add_argument("file", type=Path)
    replay.add_argument("--limit", type=int, metavar="N", help="only the first N incidents")
    replay.add_argument("--speed", type=float, default=0.0, metavar="X",
                        help="replay at X times real time (default: as fast as possible)")
    replay.add_argument("--url", metavar="URL",
                        help="post to a running cmsbot at URL (with CMSBOT_API_TOKEN, or the "
                             "token kept under CMSBOT_HOME) "
                             "instead of ingesting in this process")
    replay.add_argument("--concurrency", type=int, default=8, metavar="N",
                        help="incidents in flight at once (default 8); links come out as in a "
                             "one-at-a-time replay")
    replay.add_argument("--dry-run", action="store_true",
                        help="route only: store nothing, send nothing")
    replay.add_argument("--page", action="store_true",
                        help="page for every incident, even those older than CMSBOT_PAGE_WITHIN "
                             "(which a replay of history otherwise stores without paging)")
    replay.add_argument("--yes", action="store_true",
                        help="confirm a replay that will reach real Twilio or Slack")
    replay.set_defaults(run=_lazy("bot.cli.replay", "run"))

    outbox = sub.add_parser("outbox", help="what the local outbox holds")
    outbox.add_argument("--follow", "-f", action="store_true", help="keep printing new messages")
    outbox.add_argument("--last", type=int, default=50, metavar="N",
                        help="start with the last N messages (default 50)")
    outbox.set_defaults(run=_lazy("bot.cli.outbox", "run"))

    report = sub.add_parser("report", help="response times, outcomes and follow-ups per team and month")
    report.add_argument("--since", metavar="D", help="first day, YYYY-MM-DD (default: the first "
                        "of the month 11 months ago)")
    report.add_argument("--until", metavar="D", help="day after the last, YYYY-MM-DD, not "
                        "included (default: tomorrow)")
    report.add_argument("--format", choices=("table", "csv", "json"), default="table")
    report.add_argument("--team", metavar="T", help="only this team (its id in the sites file)")
    report.add_argument("--by", choices=("team", "member"), default="team",
                        help="rows per team and month (default), or per member and month: "
                        "call-outs and night call-outs (22:00-06:00)")
    report.set_defaults(run=_lazy("bot.cli.report", "run"))

    url_help = ("the running service (default: CMSBOT_PUBLIC_URL, else http://localhost:$PORT; "
                "the demo prints its own)")
    sms = sub.add_parser("sms", help="a text into the running local service, signed as Twilio "
                                     "would sign it; prints the reply")
    sms.add_argument("sender", metavar="FROM", help="the sender's number, e.g. +13475550140")
    sms.add_argument("text", metavar="TEXT", help='what they text, e.g. "1A"')
    sms.add_argument("--to", metavar="NUMBER",
                     help="the number texted (default: TWILIO_STAFF_FROM, else a local one)")
    sms.add_argument("--url", metavar="URL", help=url_help)
    sms.set_defaults(run=_lazy("bot.cli.talk", "sms"))

    slack = sub.add_parser("slack", help="a slash command into the running local service, "
                                         "signed as Slack would sign it; prints the answer")
    slack.add_argument("command", metavar='"/cms ..."', help='the command, e.g. "/cms incidents"')
    slack.add_argument("--as", dest="as_user", metavar="USER",
                       help="who types it: a slack_user of the sites file or a person's name "
                            "(default: the first coordinator)")
    slack.add_argument("--url", metavar="URL", help=url_help)
    slack.add_argument("--wait", type=float, default=5.0, metavar="S",
                       help="seconds to wait for the answer posted to response_url (default 5)")
    slack.set_defaults(run=_lazy("bot.cli.talk_slack", "slack"))
    return parser


def _lazy(module: str, name: str) -> Command:
    # Import a command's module only when it runs: `cmsbot --help` stays instant.
    def run(args: argparse.Namespace, settings: Settings) -> int:
        imported = __import__(module, fromlist=[name])
        command: Command = getattr(imported, name)
        return command(args, settings)
    return run


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `cmsbot` script."""
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env(os.environ)
    except SettingsError as exc:
        print(f"cmsbot: {exc}", file=sys.stderr)
        return 2
    if reads_a_missing_home(args, settings):
        print(missing_home_message(settings), file=sys.stderr)
        return 2
    # State under the home (database, Redis data, secrets) is this user's only, and so is
    # whatever this process and those it starts create from here on.
    keep_private(settings.home)
    try:
        return int(args.run(args, settings))
    except KeyboardInterrupt:
        return 130

