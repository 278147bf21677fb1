"""From what happens in an incident to messages in the outbox.

The incident timeline calls `on_timeline_event` for every event it records, in the same transaction.
Events that matter to people outside the room (declared, severity or status changed, an update
posted, an update overdue, resolved) are rendered into a message and queued, once per matching
channel. Restricted incidents are never routed to channels: their participants are reminded
directly, nobody else learns of them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from warroom.comms.channels import route_matches
from warroom.comms.models import Channel
from warroom.comms.updates import incident_variables, local_text
from warroom.core import outbox
from warroom.core.clock import iso_utc
from warroom.core.context import Context
from warroom.incidents import timeline
from warroom.incidents.models import Incident, TimelineEvent


def event_name(event: TimelineEvent) -> str | None:
    """The routing event a timeline event is, or None for those that stay in the room."""
    if event.kind == "status_changed":
        return "resolved" if (event.data or {}).get("new") == "resolved" else "status_changed"
    if event.kind in ("declared", "severity_changed", "update_posted", "update_overdue"):
        return event.kind
    return None


def _headline(ctx: Context, incident: Incident, name: str, event: TimelineEvent) -> tuple[str, str]:
    data = event.data or {}
    ref = f"[{incident.severity}] {incident.ref} {incident.title}"
    if name == "update_posted":
        return data.get("subject") or ref, event.body
    if name == "declared":
        services = ", ".join(s.name for s in incident.services) or "no service named yet"
        return f"{ref} — declared", f"{incident.ref} declared as {incident.severity} ({services}).\n" \
                                    f"{incident.summary}".strip()
    if name == "severity_changed":
        return f"{ref} — severity {data.get('old')} → {data.get('new')}", \
            f"Severity changed from {data.get('old')} to {data.get('new')}."
    if name in ("status_changed", "resolved"):
        text = f"Status changed from {data.get('old')} to {data.get('new')}."
        return f"{ref} — {data.get('new')}", f"{text}\n{event.body}".strip()
    if name == "alerts_all_resolved":
        return f"{ref} — all alerts resolved", f"Every alert of {incident.ref} has resolved. The incident " \
                                               f"stays open: confirm the recovery, then resolve it."
    due = local_text(ctx, incident.next_update_due)
    return f"{ref} — status update overdue", f"The next status update was due {due}. " \
                                             f"Post one from the incident page."


def build_payload(ctx: Context, incident: Incident, name: str, event: TimelineEvent,
                  audience: str) -> dict[str, Any]:
    subject, text = _headline(ctx, incident, name, event)
    data = event.data or {}
    update = None
    if name == "update_posted":
        update = {"id": data.get("update_id"), "audience": audience, "kind": data.get("update_kind"),
                  "next_update_at": data.get("next_update_at")}
    return {"event": name, "subject": subject, "text": text, "occurred_at": iso_utc(event.occurred_at),
            "incident": {**incident_variables(ctx, incident), "id": incident.id,
                         "declared_at": iso_utc(incident.declared_at)},
            "update": update}


def notify(ctx: Context, incident: Incident, name: str, event: TimelineEvent) -> int:
    """Queue the event for every enabled channel with a matching route; returns how many."""
    if incident.visibility == "restricted":
        return 0
    audience = (event.data or {}).get("audience", "internal") if name == "update_posted" else "internal"
    services = [s.name for s in incident.services]
    queued = 0
    payload: dict[str, Any] | None = None
    for channel in ctx.db.scalars(select(Channel).where(Channel.enabled.is_(True)).order_by(Channel.id)):
        if not any(route_matches(r, name, incident.severity, services, audience) for r in channel.routes):
            continue
        payload = payload or build_payload(ctx, incident, name, event, audience)
        outbox.enqueue(ctx, channel.kind, target={"channel_id": channel.id, "incident_id": incident.id},
                       payload=payload, subject=("incident", incident.id))
        queued += 1
    return queued


def on_timeline_event(ctx: Context, incident: Incident, event: TimelineEvent) -> None:
    name = event_name(event)
    if name is not None:
        ctx.db.flush()  # the event's id and the incident's services, before rendering
        notify(ctx, incident, name, event)


def install() -> None:
    if on_timeline_event not in timeline.on_record:
        timeline.on_record.append(on_timeline_event)
