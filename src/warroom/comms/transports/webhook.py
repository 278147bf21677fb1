"""Generic webhook: a JSON event signed per Standard Webhooks.

Body: {"type": "incident.<event>", "timestamp": "<ISO 8601>", "data": {subject, text, incident,
update}}; headers webhook-id (the message key, the same on every retry), webhook-timestamp,
webhook-signature.
"""

from __future__ import annotations

import json

from warroom.comms.transports.common import channel_of
from warroom.core import outbox, webhooks
from warroom.core.clock import iso_utc


def event_body(envelope: outbox.Envelope, sent_at) -> bytes:
    payload = envelope.payload
    event = payload.get("event", "message")
    body = {"type": "warroom.test" if event == "test" else f"incident.{event}",
            "timestamp": payload.get("occurred_at") or iso_utc(sent_at),
            "data": {k: payload.get(k) for k in ("subject", "text", "incident", "update")}}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


@outbox.transport("webhook")
def send_webhook(runtime, envelope: outbox.Envelope) -> str:
    channel = channel_of(runtime, envelope)
    now = runtime.clock.now()
    body = event_body(envelope, now)
    headers = webhooks.signed_headers(channel.secrets["signing_secret"], envelope.key, now, body)
    response = webhooks.post(channel.settings["url"], body, headers)
    return f"HTTP {response.status_code}"
