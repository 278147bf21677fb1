"""When a status update is overdue: the timeline records it (which routes `update_overdue` to the
channels), and the commander and the comms lead are reminded by e-mail, through the outbox."""

from __future__ import annotations

from warroom.comms.routing import build_payload
from warroom.core import outbox, timers
from warroom.core.clock import iso_utc
from warroom.core.context import Context
from warroom.core.timers import Timer
from warroom.incidents import timeline
from warroom.incidents.deadlines import UPDATE_DUE
from warroom.incidents.lifecycle import is_open
from warroom.incidents.models import Incident


def people_to_remind(incident: Incident) -> list[int]:
    """The commander and the comms lead (once each), active users only."""
    users = [incident.commander] + [r.user for r in incident.roles if r.role == "comms_lead"]
    seen: list[int] = []
    for user in users:
        if user is not None and user.deactivated_at is None and user.id not in seen:
            seen.append(user.id)
    return seen


@timers.handles(UPDATE_DUE)
def update_due(ctx: Context, timer: Timer) -> None:
    incident = ctx.db.get(Incident, timer.subject_id)
    if incident is None or not is_open(incident.status) or incident.next_update_due is None \
            or incident.next_update_due > ctx.now():
        return  # an update was posted, or the incident ended, since the timer was set
    event = timeline.record(ctx, incident, "update_overdue", due_at=iso_utc(incident.next_update_due),
                            severity=incident.severity)
    ctx.db.flush()
    payload = build_payload(ctx, incident, "update_overdue", event, "internal")
    for user_id in people_to_remind(incident):
        outbox.enqueue(ctx, "email", target={"user_id": user_id, "incident_id": incident.id},
                       payload=payload, subject=("incident", incident.id))

