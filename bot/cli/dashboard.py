"""`cmsbot dashboard link`: a sign-in link printed on the server, for when Slack is not there
(the demo, a first deployment, an outage of Slack itself)."""

from __future__ import annotations

import argparse
import sys

from bot.config.clock import utcnow
from bot.config.settings import Settings
from bot.config.sites_file import load_sites
from bot.queue.connection import connect, redis_url
from bot.queue.embedded_redis import EmbeddedRedis, client_name
from bot.services.sessions import SigninLinks


def link(args: argparse.Namespace, settings: Settings) -> int:
    """Print a one-time sign-in link for a roster person (default: the first coordinator)."""
    sites = load_sites(settings.sites_path, settings.timezone).sites
    user = args.as_user or next((c.slack_user for c in sites.coordinators if c.slack_user), None)
    person = sites.person_for_slack(user) if user else None
    if person is None:
        known = ", ".join(c.slack_user for c in sites.coordinators if c.slack_user) or "none"
        print(f"cmsbot: {user or 'no coordinator'} is not a Slack user on the roster "
              f"(coordinators: {known}); pass --as SLACK_USER_ID", file=sys.stderr)
        return 2
    try:
        print(signin_url(settings, person.slack_user))
    finally:
        # An embedded Redis this command started is stopped again (its data saved, so the link
        # works once the service runs); one that the service uses is left running.
        if settings.redis_url is None:
            EmbeddedRedis(settings.home).release(client_name())
    print(f"for {person.name}; it works once, within 10 minutes", file=sys.stderr)
    return 0


def signin_url(settings: Settings, user: str) -> str:
    """A fresh one-time sign-in URL for `user` (a Slack user id on the roster)."""
    connection = connect(redis_url(settings))
    try:
        token = SigninLinks(connection).create(user, utcnow())
    finally:
        connection.close()
    return f"{settings.public_base()}/signin/{token}"
