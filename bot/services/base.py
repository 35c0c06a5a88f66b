"""What every use case works on, given once by `build_services`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import redis
from sqlalchemy.ext.asyncio import AsyncEngine

from alerts.sites import Sites


@dataclass(frozen=True)
class UseCase:
    """The database (the source of truth), the sites, Redis (to hand work to rq) and the clock."""

    engine: AsyncEngine
    sites: Sites
    redis: redis.Redis
    clock: Callable[[], datetime]
