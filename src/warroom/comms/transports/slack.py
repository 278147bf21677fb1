"""Slack: an incoming webhook, or a bot token with chat.postMessage. Block Kit formatting.

With a bot token, an incident's first message starts a thread (its `ts` is remembered) and later
messages of the incident reply in that thread. Incoming webhooks cannot learn a message's `ts`, so
each message posts on its own there.
"""

from __future__ import annotations

import json

from warroom.comms.transports.common import channel_of, incident_url, remember_thread, thread_ref
from warroom.core import outbox, webhooks
from warroom.core.outbox import DeliveryFailed

SLACK_API = "https://slack.com/api"
# Errors that retrying cannot fix: the token or channel is wrong until an admin changes it.
PERMANENT_ERRORS = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "channel_not_found",
                    "not_in_channel", "is_archived", "invalid_blocks", "msg_too_long", "no_text",
                    "missing_scope", "restricted_action"}


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def blocks(payload: dict) -> list[dict]:
    incident = payload.get("incident") or {}
    result: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": payload.get("subject", "")[:150],
                                    "emoji": False}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _escape(payload.get("text", ""))[:3000] or " "}}]
    facts = [f"*{name}:* {_escape(str(value))}" for name, value in (
        ("Severity", incident.get("severity")), ("Status", incident.get("status")),
        ("Commander", incident.get("commander")), ("Services", ", ".join(incident.get("services") or [])))
        if value]
    if facts:
        result.append({"type": "context", "elements": [{"type": "mrkdwn", "text": "  ·  ".join(facts)}]})
    url = incident_url(payload)
    if url:
        result.append({"type": "actions", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": f"Open {incident.get('ref')}"},
             "url": url}]})
    return result


def message(payload: dict) -> dict:
    return {"text": payload.get("subject", ""), "blocks": blocks(payload), "unfurl_links": False}


@outbox.transport("slack")
def send_slack(runtime, envelope: outbox.Envelope) -> str:
    channel = channel_of(runtime, envelope)
    if "bot_token" in channel.secrets:
        return _post_message(runtime, channel, envelope)
    body = json.dumps(message(envelope.payload), ensure_ascii=False).encode()
    response = webhooks.post(channel.secrets["webhook_url"], body, {})
    return f"HTTP {response.status_code}"


def _post_message(runtime, channel, envelope: outbox.Envelope) -> str:
    incident_id = envelope.target.get("incident_id")
    thread = thread_ref(runtime, channel.id, incident_id)
    body = {**message(envelope.payload), "channel": channel.settings["channel"]}
    if thread:
        body["thread_ts"] = thread
    api = channel.settings.get("api_base", SLACK_API).rstrip("/")
    response = webhooks.post(f"{api}/chat.postMessage", json.dumps(body, ensure_ascii=False).encode(),
                             {"authorization": f"Bearer {channel.secrets['bot_token']}",
                              "content-type": "application/json; charset=utf-8"})
    answer = checked_answer(response)
    if not thread:
        remember_thread(runtime, channel.id, incident_id, str(answer.get("ts", "")))
    return f"posted ts={answer.get('ts')}" + (f" in thread {thread}" if thread else "")


def checked_answer(response) -> dict:
    """A Slack Web API answer, or DeliveryFailed (permanent for errors a retry cannot fix)."""
    try:
        answer = response.json()
    except ValueError:
        raise DeliveryFailed(f"Slack answered HTTP {response.status_code} without JSON") from None
    if not answer.get("ok"):
        error = str(answer.get("error", "unknown_error"))
        raise DeliveryFailed(f"Slack error: {error}", permanent=error in PERMANENT_ERRORS)
    return answer
