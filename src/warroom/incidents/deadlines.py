"""Incident deadlines: the response target. When it passes with nobody in command, the timeline
says so (paging and escalation build on the same timer later)."""

from __future__ import annotations

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


@timers.handles(RESPONSE_DUE)
def response_due(ctx: Context, timer: Timer) -> None:
    incident = ctx.db.get(Incident, timer.subject_id)
    if incident is None or incident.acknowledged_at is not None or not is_open(incident.status):
        return
    timeline.record(ctx, incident, "response_target_missed",
                    severity=incident.severity, due_at=iso_utc(incident.response_due_at))
