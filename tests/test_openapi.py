"""The API is described by the OpenAPI document it serves, and a schemathesis run against a
real `cmsbot serve` finds no server error."""

import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp

from tests.conftest import API_TOKEN
from tests.polling import eventually
from tests.processes import clean_env, read_until, start

ST = Path(sys.executable).with_name("st")


async def served_document(http: aiohttp.ClientSession, port: int) -> Any:
    """The OpenAPI document the server serves, or None while its port does not accept yet."""
    try:
        async with http.get(f"http://127.0.0.1:{port}/openapi.json") as response:
            return await response.json()
    except aiohttp.ClientConnectionError:
        return None


async def test_the_api_has_no_server_error_under_schemathesis(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = clean_env(settings.home, PORT=str(port), REDIS_URL=settings.redis_url,
                    CMSBOT_SITES=str(settings.sites_path), CMSBOT_API_TOKEN=API_TOKEN,
                    CMSBOT_LOG_LEVEL="WARNING")
    web = await start("serve", env=env)
    seen: list[str] = []
    try:
        await read_until(web, lambda out: "SMS go to the local outbox" in out, seen)
        assert web.stdout is not None
        drain = asyncio.create_task(web.stdout.read())  # a full pipe would stall the server
        async with aiohttp.ClientSession() as http:
            document = await eventually(lambda: served_document(http, port),
                                        "the port to accept after the log line")
        assert document["openapi"].startswith("3.") and "/api/incidents" in document["paths"]
        run = await asyncio.to_thread(
            subprocess.run,
            [str(ST), "run", f"http://127.0.0.1:{port}/openapi.json", "--checks",
             "not_a_server_error", "--header", f"Authorization: Bearer {API_TOKEN}",
             "--max-examples", "40", "--seed", "20261125", "--no-color"],
            capture_output=True, text=True, timeout=600,
            env={**os.environ, "SCHEMATHESIS_HOOKS": ""})
        assert run.returncode == 0, run.stdout[-4000:]
        assert "passed" in run.stdout
        web.terminate()
        await drain
    finally:
        if web.returncode is None:
            web.kill()
        await web.wait()


async def test_the_document_describes_page_and_what_paged_nobody(client):
    document = await (await client.get("/openapi.json")).json()
    post = document["paths"]["/api/incidents"]["post"]
    request = post["requestBody"]["content"]["application/json"]["schema"]
    assert request["properties"]["page"]["type"] == "boolean"
    answer = post["responses"]["202"]["content"]["application/json"]["schema"]
    assert "paged" in answer["required"]
    assert answer["properties"]["reason"]["enum"] == ["stale", "duplicate", "update", "possible duplicate"]
    assert answer["properties"]["changed"]["type"] == "array"
    assert "400" in post["responses"]


async def test_the_document_describes_updates_and_cancellation(client):
    paths = (await (await client.get("/openapi.json")).json())["paths"]
    patch = paths["/api/incidents/{id}"]["patch"]
    body = patch["requestBody"]["content"]["application/json"]["schema"]
    assert {"fatal", "victims", "hospital", "lat", "lon"} <= set(body["properties"])
    assert "changed" in patch["responses"]["200"]["content"]["application/json"]["schema"][
        "required"]
    assert {"400", "404"} <= set(patch["responses"])
    cancel = paths["/api/incidents/{id}/cancel"]["post"]
    assert cancel["requestBody"]["content"]["application/json"]["schema"]["required"] == [
        "reason"]
    assert {"404", "409"} <= set(cancel["responses"])


async def test_the_document_describes_finding_incidents(client):
    document = await (await client.get("/openapi.json")).json()
    listing = document["paths"]["/api/incidents"]["get"]
    assert [p["name"] for p in listing["parameters"]] == [
        "since", "until", "team", "status", "source", "type", "limit", "cursor"]
    limit = next(p for p in listing["parameters"] if p["name"] == "limit")["schema"]
    assert (limit["minimum"], limit["maximum"], limit["default"]) == (1, 200, 50)
    answer = listing["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer["required"] == ["incidents", "next"]
    assert {"400", "401"} <= set(listing["responses"])
    post = document["paths"]["/api/incidents"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["properties"]["type"][
        "default"] == "shooting"
