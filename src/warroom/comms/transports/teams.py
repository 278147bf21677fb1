"""Microsoft Teams incoming webhook: the message as an Adaptive Card."""

from __future__ import annotations

import json

from warroom.comms.transports.common import channel_of, incident_url
from warroom.core import outbox, webhooks

COLOURS = {"resolved": "Good", "declared": "Attention", "update_overdue": "Warning"}


def adaptive_card(payload: dict) -> dict:
    incident = payload.get("incident") or {}
    facts = [{"title": name, "value": str(value)} for name, value in (
        ("Incident", incident.get("ref")), ("Severity", incident.get("severity")),
        ("Status", incident.get("status")), ("Services", ", ".join(incident.get("services") or [])))
        if value]
    body = [{"type": "TextBlock", "text": payload.get("subject", ""), "weight": "Bolder", "size": "Medium",
             "wrap": True, "color": COLOURS.get(payload.get("event"), "Default")},
            {"type": "TextBlock", "text": payload.get("text", ""), "wrap": True}]
    if facts:
        body.append({"type": "FactSet", "facts": facts})
    card = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
            "version": "1.4", "body": body}
    url = incident_url(payload)
    if url:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open in Warroom", "url": url}]
    return {"type": "message", "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}]}


@outbox.transport("teams")
def send_teams(runtime, envelope: outbox.Envelope) -> str:
    channel = channel_of(runtime, envelope)
    body = json.dumps(adaptive_card(envelope.payload), ensure_ascii=False).encode()
    response = webhooks.post(channel.secrets["webhook_url"], body, {})
    return f"HTTP {response.status_code}"
