"""A map tile server on loopback: any /{z}/{x}/{y}.png is a small PNG, and every request is kept
(path and Referer), so a test sees which tiles a page asked for and what it told the server."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from aiohttp import web

from tests.doubles._common import LoopbackServer

SIZE = 256  # Leaflet's tile size


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A one-colour RGB PNG (signature, IHDR, IDAT, IEND), without an imaging library."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = (b"\x00" + bytes(rgb) * width) * height  # filter byte 0 (none) before each row
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


@dataclass(frozen=True)
class TileHit:
    """One tile asked for."""

    z: int
    x: int
    y: int
    referer: str | None


class TileServer(LoopbackServer):
    """Serves a pale green tile for every /{z}/{x}/{y}.png; `hits` in the order asked."""

    def __init__(self) -> None:
        super().__init__()
        self.hits: list[TileHit] = []
        self.tile = png(SIZE, SIZE, (200, 230, 201))

    @property
    def template(self) -> str:
        """The tile URL template to give CMSBOT_MAP_TILES."""
        return self.origin + "/{z}/{x}/{y}.png"

    def build_app(self) -> web.Application:
        """The one route."""
        app = web.Application()
        app.router.add_get(r"/{z:\d+}/{x:\d+}/{y:\d+}.png", self._tile)
        return app

    async def _tile(self, request: web.Request) -> web.Response:
        match = request.match_info
        self.hits.append(TileHit(int(match["z"]), int(match["x"]), int(match["y"]),
                                 request.headers.get("Referer")))
        return web.Response(body=self.tile, content_type="image/png")
