"""Incident deadlines: the response target and the next status update, as durable timers.

When the response target passes with nobody in command, the timeline says so (paging and
escalation build on the same timer later).
"""

from __future__ import annotations

from datetime import datetime

from warroom.core import timers
from warroom.core.clock import iso_utc
from warroom.core.context import Context
from warroom.core.timers import Timer
from warroom.incidents import timeline
from warroom.incidents.lifecycle import is_open
from warroom.incidents.models import Incident

RESPONSE_DUE = "incident.response_due"


def schedule_response_due(ctx: Context, incident: Incident) -> None:
    timers.reschedule(ctx, RESPONSE_DUE, incident.id, incident.response_due_at)


def stop_response_due(ctx: Context, incident: Incident) -> None:
    timers.cancel(ctx, RESPONSE_DUE, incident.id)


def acknowledge(ctx: Context, incident: Incident) -> bool:
    """The one place an incident becomes acknowledged (taking command, or answering a page): the
    first time counts for the response target. True if this call acknowledged it."""
    if incident.acknowledged_at is not None:
        return False
    incident.acknowledged_at = ctx.now()
    stop_response_due(ctx, incident)
    return True


@timers.handles(RESPONSE_DUE)
def response_due(ctx: Context, timer: Timer) -> None:
    incident = ctx.db.get(Incident, timer.subject_id)
    if incident is None or incident.acknowledged_at is not None or not is_open(incident.status):
        return
    timeline.record(ctx, incident, "response_target_missed",
                    severity=incident.severity, due_at=iso_utc(incident.response_due_at))


# --- update cadence -----------------------------------------------------------------------------------
# The next status update is due at the sooner of what the last update promised and the severity's
# cadence. Posting an update (warroom.comms) moves it; a severity change can only bring it closer;
# resolving ends it. When it passes, the "update due" handlers (warroom.comms.reminders) remind.
UPDATE_DUE = "incident.update_due"


def set_next_update_due(ctx: Context, incident: Incident, due: datetime | None) -> None:
    incident.next_update_due = due
    if due is None:
        timers.cancel(ctx, UPDATE_DUE, incident.id)
    else:
        timers.reschedule(ctx, UPDATE_DUE, incident.id, due)


def cadence_due(ctx: Context, incident: Incident, since: datetime) -> datetime:
    level = ctx.policy.level(incident.severity)
    return since + level.update_every if level else since


def after_update(ctx: Context, incident: Incident, promised: datetime | None) -> None:
    """An update was posted now, promising the next one at `promised` (None: the final one)."""
    if not is_open(incident.status):
        set_next_update_due(ctx, incident, None)
        return
    due = cadence_due(ctx, incident, ctx.now())
    set_next_update_due(ctx, incident, min(due, promised) if promised else due)


def after_severity_change(ctx: Context, incident: Incident) -> None:
    """A tighter cadence applies from now; a looser one does not push back what is already owed."""
    if not is_open(incident.status):
        return
    due = cadence_due(ctx, incident, ctx.now())
    current = incident.next_update_due
    set_next_update_due(ctx, incident, min(due, current) if current else due)


def after_status_change(ctx: Context, incident: Incident, old: str) -> None:
    if not is_open(incident.status):
        set_next_update_due(ctx, incident, None)
    elif not is_open(old):  # reopened: stakeholders are owed an update on the usual cadence
        set_next_update_due(ctx, incident, cadence_due(ctx, incident, ctx.now()))
