"""Commands that only read never make a CMSBOT_HOME: run from the wrong folder, they would read
a new, empty one (and start an embedded Redis there) instead of the service's."""

from __future__ import annotations

import argparse

from bot.config.settings import Settings


def reads_a_missing_home(args: argparse.Namespace, settings: Settings) -> bool:
    """Whether `args` is a reading command whose state would be under a home that does not exist."""
    if settings.home.is_dir():
        return False
    command = args.command
    if command in ("report", "outbox"):
        return settings.database_url is None  # the SQLite database under the home
    if command == "dashboard":
        return settings.redis_url is None  # the embedded Redis under the home
    if command == "replay" and args.url:
        return settings.api_token is None  # the token the home keeps
    return False


def missing_home_message(settings: Settings) -> str:
    """What to tell whoever ran a reading command where no home is."""
    return (f"cmsbot: no cmsbot home at {settings.home.resolve()}; run it from the folder where "
            "the service runs, or set CMSBOT_HOME")
