"""Clients that send their request bodies slowly, over raw sockets, as an attacker would.

aiohttp's own client sends what it is given at once; these write the head, then the body a
byte at a time at the attacker's pace, and read whatever the server answers meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

DECLARED = 30_000  # the attack's declared body: under every route's limit
PACE = 0.2  # seconds between two bytes of a trickled body


@dataclass(frozen=True)
class Answer:
    """What the server said to a slow client."""

    status: int
    head: str  # the status line and headers, as sent
    closed: bool  # the server closed the connection after answering


def head(path: str, declared: int = DECLARED,
         content_type: str = "application/x-www-form-urlencoded") -> bytes:
    """A POST request's head declaring a body of `declared` bytes."""
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {declared}\r\n\r\n").encode()


async def trickle(port: int, path: str, *, within: float, until_closed: float = 0.0,
                  first: bytes = b"") -> Answer:
    """Send a head and `first`, then a byte every PACE s until the server answers (failing
    after `within` s); with `until_closed`, also wait that long for it to close the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    answered = asyncio.ensure_future(reader.readuntil(b"\r\n\r\n"))
    try:
        writer.write(head(path) + first)
        await writer.drain()
        async with asyncio.timeout(within):
            sent = len(first)
            while not answered.done() and sent < DECLARED - 1:
                # The attacker's pace, not a wait for a result: the answer ends the loop.
                await asyncio.wait({answered}, timeout=PACE)
                if not answered.done():
                    with contextlib.suppress(ConnectionError):  # answered and closed meanwhile
                        writer.write(b"a")
                        await writer.drain()
                    sent += 1
            raw = (await answered).decode()
        closed = False
        if until_closed:
            async with asyncio.timeout(until_closed):
                while await reader.read(65536):  # the answer's body, then the end
                    pass
            closed = True
        return Answer(int(raw.split(" ", 2)[1]), raw, closed)
    finally:
        answered.cancel()
        await hang_up(writer)


async def partly_sent(port: int, path: str, first: bytes) -> asyncio.StreamWriter:
    """A connection that has sent a head and part of the body; `hang_up` drops it."""
    _reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(head(path) + first)
    await writer.drain()
    return writer


async def head_only(port: int, path: str, declared: int, *, within: float) -> Answer:
    """Send only a head declaring `declared` bytes, and read the answer (failing after
    `within` s): a server that waits for the body never answers."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head(path, declared))
        await writer.drain()
        async with asyncio.timeout(within):
            raw = (await reader.readuntil(b"\r\n\r\n")).decode()
        return Answer(int(raw.split(" ", 2)[1]), raw, False)
    finally:
        await hang_up(writer)


async def hang_up(writer: asyncio.StreamWriter) -> None:
    """Close the connection, whatever state the server left it in."""
    writer.close()
    with contextlib.suppress(ConnectionError):
        await writer.wait_closed()
