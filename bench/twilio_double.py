"""The Twilio API double as the benchmarks use it: it stamps each message it accepts and finds
a message by sid without scanning everything it holds."""

from __future__ import annotations

import time
from collections import Counter
from typing import Self

import aiohttp
from aiohttp import web

from tests.doubles import TwilioApiDouble
from tests.doubles.twilio_api import Form, _Stored


class StampedTwilio(TwilioApiDouble):
    """The Twilio double, also noting when it accepted each message and every status it gave.

    The double's own dates have whole seconds; `stamps[i]` (perf_counter) belongs to
    `messages[i]`, taken in the same synchronous step that appends the message.
    """

    def __init__(self, account_sid: str, auth_token: str, connections: int = 100) -> None:
        super().__init__(account_sid=account_sid, auth_token=auth_token)
        self.connections = connections  # how many webhooks it may have open at once; 0: any
        self.stamps: list[float] = []
        self.call_stamps: list[float] = []  # wall-clock time each call was created: `calls[i]`
        self.statuses: Counter[int] = Counter()
        self._arrived: dict[str, float] = {}
        self._by_sid: dict[str, _Stored] = {}
        self._indexed = 0

    async def __aenter__(self) -> Self:
        """Start serving; webhooks go out through a pool of `connections` (aiohttp's default
        is the double's own: 100)."""
        await super().__aenter__()
        if self.connections != 100:
            if self._session is not None:
                await self._session.close()
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.connections))
        return self

    def arrived_at(self, sid: str) -> float | None:
        """When the message with this sid was accepted (perf_counter); None: never."""
        return self._arrived.get(sid)

    def _accept_or_refuse(self, form: Form) -> web.Response:
        response = super()._accept_or_refuse(form)
        self.statuses[response.status] += 1
        if response.status == 201:
            stamp = time.perf_counter()
            self.stamps.append(stamp)
            self._arrived[self.messages[-1].sid] = stamp
        return response

    def _accept_or_refuse_call(self, form: Form) -> web.Response:
        response = super()._accept_or_refuse_call(form)
        if response.status == 201:  # compared with due times the service stored: wall clock
            self.call_stamps.append(time.time())
        return response

    def _find(self, sid: str) -> _Stored | None:
        # The double scans its whole store per status callback; a load run sends thousands of
        # callbacks over tens of thousands of messages, and this process also offers the load.
        stored = self._stored  # append-only: index what arrived since the last look
        for item in stored[self._indexed:]:
            self._by_sid[item.resource["sid"]] = item
        self._indexed = len(stored)
        return self._by_sid.get(sid)
