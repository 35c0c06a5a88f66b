"""Keeping inbound SMS in batches, in the web process: under a flood, every message that reaches
the webhook while a write is in flight goes into the next INSERT, and each batch asks once for
the workers' drain. Alone, a message is written at once: batching adds no wait."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

import redis

from bot.queue.handoff import Work, hand_off
from bot.services.sms_inbox import Kept, SmsInbox, message_of
from bot.store.inbound import Message

log = logging.getLogger(__name__)
MAX_BATCH = 200


class InboundKeeper:
    """Batches `SmsInbox.keep_many` for one event loop (made in the app's start-up)."""

    def __init__(self, inbox: SmsInbox, connection: redis.Redis) -> None:
        self.inbox = inbox
        self.redis = connection
        self._waiting: list[tuple[Message, bool, asyncio.Future[Kept]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def keep(self, form: Mapping[str, str], *, deferred: bool = False) -> Kept:
        """Keep the message with whatever else is waiting; a deferred one is left to the drain."""
        kept: asyncio.Future[Kept] = asyncio.get_running_loop().create_future()
        self._waiting.append((message_of(form, self.inbox.resident_number), deferred, kept))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        return await kept

    async def close(self) -> None:
        """Finish the batch in flight (at shutdown)."""
        if self._writer is not None:
            await self._writer

    async def _write(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            try:
                kept = await self.inbox.keep_many([(message, deferred)
                                                   for message, deferred, _ in batch])
            except Exception as exc:  # each webhook decides (a database away: the spool)
                for *_, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            if any(k.fresh and deferred for k, (_, deferred, _) in zip(kept, batch, strict=True)):
                # Committed before the drain is asked for: a drain that runs sees them all.
                await hand_off(self.redis, Work(drain=True), self.inbox.clock())
            for (*_, future), result in zip(batch, kept, strict=True):
                if not future.done():
                    future.set_result(result)
