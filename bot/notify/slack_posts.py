"""Slack channel posts with the real `slack_sdk`, each tagged with its delivery key."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from alerts.outbound import Outbound
from bot.notify.base import DeliveryError, Permanent, Receipt, Retryable, Unsure

log = logging.getLogger(__name__)

EVENT_TYPE = "cmsbot_delivery"
# Errors that will not change by retrying: the channel or the token is wrong.
_PERMANENT = {"channel_not_found", "not_in_channel", "is_archived", "msg_too_long",
              "no_text", "invalid_blocks", "restricted_action"}
_CONFIG = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "missing_scope"}


class SlackPosts:
    """Posts alerts to channels; the delivery key rides in message metadata."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def send(self, message: Outbound) -> Receipt:
        """Post to the channel; the receipt holds the message ts."""
        try:
            response = await self.client.chat_postMessage(
                channel=message.recipient, text=message.body, blocks=list(message.blocks) or None,
                unfurl_links=False, unfurl_media=False,
                metadata={"event_type": EVENT_TYPE,
                          "event_payload": {"delivery_key": message.key,
                                            "incident_id": message.incident_id or ""}},
            )
        except SlackApiError as exc:
            raise translate(exc) from None
        except aiohttp.ClientConnectorError as exc:
            raise Retryable(f"cannot reach Slack: {exc.os_error}") from None
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise Unsure(f"no answer from Slack ({type(exc).__name__})") from None
        return Receipt(str(response["ts"]))

    async def update(self, channel: str, ts: str, text: str,
                     blocks: tuple[dict[str, Any], ...]) -> None:
        """Edit a post in place (the live incident post)."""
        try:
            await self.client.chat_update(channel=channel, ts=ts, text=text, blocks=list(blocks))
        except SlackApiError as exc:
            raise translate(exc) from None
        except (TimeoutError, aiohttp.ClientError) as exc:
            # An update is idempotent: "unsure" is as safe to retry as "refused".
            raise Retryable(f"cannot reach Slack ({type(exc).__name__})") from None

    async def find_sent(self, message: Outbound, since: datetime) -> Receipt | None:
        """The post carrying this delivery key in the channel's history since `since`."""
        cursor = None
        try:
            for _ in range(10):  # 2,000 messages back is far beyond any real claim window
                page = await self.client.conversations_history(
                    channel=message.recipient, oldest=f"{since.timestamp() - 120:.6f}",
                    include_all_metadata=True, limit=200, cursor=cursor)
                messages: list[dict[str, Any]] = page.get("messages", [])
                for item in messages:
                    payload = (item.get("metadata") or {}).get("event_payload") or {}
                    if payload.get("delivery_key") == message.key:
                        return Receipt(str(item["ts"]))
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not page.get("has_more") or not cursor:
                    return None
        except SlackApiError as exc:
            raise translate(exc) from None
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise Retryable(f"cannot read Slack history ({type(exc).__name__})") from None
        return None


def translate(exc: SlackApiError) -> DeliveryError:
    """Slack's error as one of ours."""
    status = exc.response.status_code
    error = str(exc.response.get("error", "unknown_error"))
    reason = f"Slack {status}: {error}"
    if status == 429 or error == "ratelimited":
        retry_after = exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after")
        return Retryable(reason, error, float(retry_after) if retry_after else None, throttled=True)
    if status >= 500:
        return Unsure(reason, error)
    if error in _CONFIG:
        log.error("Slack refused our token (%s); posts are held until this is fixed", error)
        return Retryable(reason, error, retry_after=300)
    if error in _PERMANENT:
        return Permanent(reason, error)
    return Unsure(reason, error)
