"""What every use case works on, given once by `build_services`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import redis
from sqlalchemy.ext.asyncio import AsyncEngine

from alerts.sites import Sites
from bot.services.live_sites import LiveSites


@dataclass(frozen=True)
class UseCase:
    """The database (the source of truth), the live sites, Redis (to hand work to rq) and the
    clock."""

    engine: AsyncEngine
    live: LiveSites
    redis: redis.Redis
    clock: Callable[[], datetime]

    @property
    def sites(self) -> Sites:
        """The sites with the roster as it is now: a use case reads it once per alert."""
        return self.live.sites
