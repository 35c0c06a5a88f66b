"""The Slack double driven by the real `slack_sdk` clients (async, sync, webhook via bolt)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import pytest
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from tests.doubles import SlackApiDouble

TOKEN = "xoxb-double-token"
CHANNEL = "C0ALERTS01"
METADATA = {"event_type": "incident_posted", "event_payload": {"incident_id": "inc-42"}}


@pytest.fixture
async def slack() -> AsyncIterator[SlackApiDouble]:
    async with SlackApiDouble(
        bot_token=TOKEN, users={"U0STAFF01": {"real_name": "Ana Ruiz"}}
    ) as double:
        yield double


@pytest.fixture
def client(slack: SlackApiDouble) -> AsyncWebClient:
    return AsyncWebClient(token=TOKEN, base_url=slack.url)


async def test_url_is_what_the_sdk_joins_method_names_to(slack: SlackApiDouble) -> None:
    assert slack.url == f"http://127.0.0.1:{slack.port}/api/"
    assert AsyncWebClient(base_url=slack.url).base_url == slack.url


async def test_auth_test_answers_the_bot_identity(
    slack: SlackApiDouble, client: AsyncWebClient
) -> None:
    response = await client.auth_test()
    assert response["user_id"] == slack.BOT_USER_ID and response["bot_id"] == slack.BOT_ID
    assert response["team_id"] == slack.TEAM_ID and response["is_enterprise_install"] is False
    assert slack.calls_to("auth.test")[0].token == TOKEN


async def test_post_with_metadata_reads_back_through_history_and_updates(
    slack: SlackApiDouble, client: AsyncWebClient
) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Gas leak*"}}]
    posted = await client.chat_postMessage(
        channel=CHANNEL, text="Gas leak", blocks=blocks, metadata=METADATA
    )
    ts = posted["ts"]
    assert posted["channel"] == CHANNEL and posted["message"]["metadata"] == METADATA
    assert slack.posts[0]["blocks"] == blocks  # sent as JSON: structures arrive as structures

    history = await client.conversations_history(channel=CHANNEL, include_all_metadata=True)
    [message] = history["messages"]
    assert (message["ts"], message["text"], message["metadata"]) == (ts, "Gas leak", METADATA)
    assert message["bot_id"] == slack.BOT_ID and message["user"] == slack.BOT_USER_ID
    plain = await client.conversations_history(channel=CHANNEL)
    assert "metadata" not in plain["messages"][0]
    # GET methods travel as query strings, booleans as "1".
    assert slack.calls[-2].args["include_all_metadata"] == "1"

    updated = await client.chat_update(channel=CHANNEL, ts=ts, text="Gas leak (acked)")
    assert (updated["ts"], updated["text"]) == (ts, "Gas leak (acked)")
    history = await client.conversations_history(channel=CHANNEL, include_all_metadata=True)
    assert history["messages"][0]["text"] == "Gas leak (acked)"
    assert history["messages"][0]["metadata"] == METADATA
    assert slack.updates == [{"channel": CHANNEL, "ts": ts, "text": "Gas leak (acked)"}]

    with pytest.raises(SlackApiError) as caught:
        await client.chat_update(channel=CHANNEL, ts="1.000001", text="x")
    assert caught.value.response["error"] == "message_not_found"


async def test_history_pages_newest_first_with_cursors(
    slack: SlackApiDouble, client: AsyncWebClient
) -> None:
    stamps = [
        (await client.chat_postMessage(channel=CHANNEL, text=f"#{i}"))["ts"] for i in range(5)
    ]
    assert stamps == sorted(stamps) and len(set(stamps)) == 5

    first = await client.conversations_history(channel=CHANNEL, limit=2)
    assert first["has_more"] is True and first["response_metadata"]["next_cursor"]
    pages = [[m["ts"] for m in page["messages"]] async for page in first]
    assert pages == [stamps[4:2:-1], stamps[2:0:-1], stamps[0:1]]

    window = await client.conversations_history(channel=CHANNEL, oldest=stamps[1], latest=stamps[3])
    assert [m["ts"] for m in window["messages"]] == [stamps[2]]
    inclusive = await client.conversations_history(
        channel=CHANNEL, oldest=stamps[1], latest=stamps[3], inclusive=True
    )
    assert [m["ts"] for m in inclusive["messages"]] == [stamps[3], stamps[2], stamps[1]]


async def test_thread_replies_stay_out_of_channel_history(client: AsyncWebClient) -> None:
    parent = (await client.chat_postMessage(channel=CHANNEL, text="parent"))["ts"]
    await client.chat_postMessage(channel=CHANNEL, text="reply", thread_ts=parent)
    history = await client.conversations_history(channel=CHANNEL)
    assert [m["text"] for m in history["messages"]] == ["parent"]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"channel": "#alerts", "text": "x"}, "channel_not_found"),
        ({"channel": CHANNEL}, "no_text"),
        (
            {"channel": CHANNEL, "text": "x", "metadata": {"event_type": "e"}},
            "invalid_metadata_format",
        ),
    ],
)
@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing:UserWarning")
async def test_post_message_errors(
    client: AsyncWebClient, kwargs: dict[str, object], error: str
) -> None:
    with pytest.raises(SlackApiError) as caught:
        await client.chat_postMessage(**kwargs)  # type: ignore[arg-type]
    assert caught.value.response.status_code == 200
    assert caught.value.response["error"] == error


async def test_known_channels_can_be_configured() -> None:
    async with SlackApiDouble(bot_token=TOKEN, channels={"C0KNOWN01"}) as slack:
        client = AsyncWebClient(token=TOKEN, base_url=slack.url)
        await client.chat_postMessage(channel="C0KNOWN01", text="x")
        with pytest.raises(SlackApiError, match="channel_not_found"):
            await client.chat_postMessage(channel="C0OTHER01", text="x")


@pytest.mark.parametrize(("token", "error"), [("xoxb-wrong", "invalid_auth"), (None, "not_authed")])
async def test_bad_or_missing_token(slack: SlackApiDouble, token: str | None, error: str) -> None:
    client = AsyncWebClient(token=token, base_url=slack.url)
    with pytest.raises(SlackApiError) as caught:
        await client.chat_postMessage(channel=CHANNEL, text="x")
    assert (caught.value.response.status_code, caught.value.response["error"]) == (200, error)
    assert slack.posts == [] and slack.calls[-1].ok is False


async def test_rate_limit_is_429_with_retry_after(
    slack: SlackApiDouble, client: AsyncWebClient
) -> None:
    slack.fail_next(1, status=429, retry_after=7)
    with pytest.raises(SlackApiError) as caught:
        await client.chat_postMessage(channel=CHANNEL, text="x")
    response = caught.value.response
    assert response.status_code == 429 and response["error"] == "ratelimited"
    assert response.headers["Retry-After"] == "7"


async def test_rate_limit_retry_handler_succeeds_on_the_second_attempt(
    slack: SlackApiDouble, client: AsyncWebClient
) -> None:
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=1))
    slack.fail_next(1, status=429, retry_after=0)
    posted = await client.chat_postMessage(channel=CHANNEL, text="x")
    assert posted["ok"] is True
    assert [c.ok for c in slack.calls_to("chat.postMessage")] == [False, True]


@pytest.mark.parametrize("status", [500, 503])
async def test_server_errors(slack: SlackApiDouble, client: AsyncWebClient, status: int) -> None:
    slack.fail_next(1, status=status)
    with pytest.raises(SlackApiError) as caught:
        await client.auth_test()
    assert caught.value.response.status_code == status
    await client.auth_test()


async def test_down_until_up(slack: SlackApiDouble, client: AsyncWebClient) -> None:
    slack.down()
    for _ in range(2):
        with pytest.raises(SlackApiError) as caught:
            await client.chat_postMessage(channel=CHANNEL, text="x")
        assert caught.value.response.status_code == 503
    slack.up()
    await client.chat_postMessage(channel=CHANNEL, text="x")
    assert len(slack.posts) == 1


async def test_sync_web_client_posts_forms_and_reads_history(slack: SlackApiDouble) -> None:
    client = WebClient(token=TOKEN, base_url=slack.url)
    identity = await asyncio.to_thread(client.auth_test)
    assert identity["user_id"] == slack.BOT_USER_ID
    posted = await asyncio.to_thread(
        client.chat_postMessage, channel=CHANNEL, text="x", metadata=METADATA
    )
    history = await asyncio.to_thread(
        client.conversations_history, channel=CHANNEL, include_all_metadata=True
    )
    assert history["messages"][0]["ts"] == posted["ts"]
    assert history["messages"][0]["metadata"] == METADATA
    # A form body carries structured arguments as JSON strings; they arrive decoded.
    blocks = [{"type": "divider"}]
    form = {"channel": CHANNEL, "text": "x", "blocks": json.dumps(blocks)}
    await asyncio.to_thread(client.api_call, "chat.postMessage", params=form)
    assert slack.posts[-1]["blocks"] == blocks


async def test_ephemeral_permalink_users_and_views(
    slack: SlackApiDouble, client: AsyncWebClient
) -> None:
    ephemeral = await client.chat_postEphemeral(channel=CHANNEL, user="U0STAFF01", text="only you")
    assert ephemeral["message_ts"] and slack.ephemerals[0]["user"] == "U0STAFF01"

    ts = (await client.chat_postMessage(channel=CHANNEL, text="x"))["ts"]
    link = await client.chat_getPermalink(channel=CHANNEL, message_ts=ts)
    assert link["permalink"].endswith(f"/archives/{CHANNEL}/p{ts.replace('.', '')}")

    user = (await client.users_info(user="U0STAFF01"))["user"]
    assert (user["id"], user["real_name"], user["is_bot"]) == ("U0STAFF01", "Ana Ruiz", False)
    slack.add_user("U0STAFF02", name="kim", tz="America/Chicago")
    assert (await client.users_info(user="U0STAFF02"))["user"]["tz"] == "America/Chicago"
    with pytest.raises(SlackApiError, match="user_not_found"):
        await client.users_info(user="U0NOBODY1")

    view = {"type": "modal", "title": {"type": "plain_text", "text": "Ack"}, "blocks": []}
    opened = await client.views_open(trigger_id="123.456.abc", view=view)
    assert opened["view"]["id"].startswith("V") and opened["view"]["type"] == "modal"


async def test_bolt_respond_posts_to_the_response_url(slack: SlackApiDouble) -> None:
    respond = AsyncRespond(response_url=slack.response_url("ack-1"))
    await respond(text="Acknowledged", response_type="ephemeral", replace_original=True)
    [post] = await slack.wait_for_response(1)
    assert post.name == "ack-1"
    assert post.body == {
        "text": "Acknowledged",
        "response_type": "ephemeral",
        "replace_original": True,
    }


async def test_wait_for_counts_successful_calls(
    slack: SlackApiDouble, client: AsyncWebClient
) -> None:
    slack.fail_next(1, status=500)

    async def post_twice() -> None:
        for _ in range(2):
            with contextlib.suppress(SlackApiError):  # the injected 500
                await client.chat_postMessage(channel=CHANNEL, text="x")

    task = asyncio.create_task(post_twice())
    calls = await slack.wait_for("chat.postMessage", 1)
    await task
    assert [c.ok for c in calls] == [True]
    with pytest.raises(TimeoutError, match=r"2 ok chat\.postMessage"):
        await slack.wait_for("chat.postMessage", 2, timeout=0.05)
