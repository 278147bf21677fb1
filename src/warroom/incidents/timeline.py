"""The incident timeline: an append-only record of every change, plus people's notes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select, tuple_

from warroom.core.clock import as_utc
from warroom.core.context import Context
from warroom.core.errors import Invalid, NotFound
from warroom.incidents.models import Incident, TimelineEvent
from warroom.users.service import require_writer

EVENT_KINDS = (
    "declared", "status_changed", "severity_changed", "commander_changed", "role_assigned",
    "role_removed", "field_edited", "note", "response_target_missed", "update_posted", "update_overdue",
    # Paging (warroom.oncall.paging):
    "paged", "escalated", "acknowledged", "paging_deferred", "paging_ended", "paging_mode_changed",
    # Alerts (warroom.alerts.grouping):
    "alert_attached", "alert_resolved", "alerts_all_resolved",
)

# Called with (ctx, incident, event) for every event recorded, in the same transaction: how other
# domains (communication, paging) react to what happens in an incident without the incident
# service knowing them.
RecordHook = Callable[[Context, Incident, TimelineEvent], None]
on_record: list[RecordHook] = []
# Called with (ctx, incident, event) when an event is starred or unstarred (live pages re-render it).
on_starred: list[RecordHook] = []
MAX_PAGE = 500


def record(ctx: Context, incident: Incident, kind: str, *, body: str = "",
           occurred_at: datetime | None = None, starred: bool = False, **data: Any) -> TimelineEvent:
    assert kind in EVENT_KINDS, kind
    now = ctx.now()
    event = TimelineEvent(
        incident_id=incident.id, kind=kind, actor_id=ctx.actor.id if ctx.actor else None,
        occurred_at=occurred_at or now, recorded_at=now, body=body, data=data, starred=starred)
    ctx.db.add(event)
    for hook in on_record:
        hook(ctx, incident, event)
    return event


def add_note(ctx: Context, incident: Incident, body: str, *, occurred_at: datetime | None = None,
             starred: bool = False) -> TimelineEvent:
    require_writer(ctx)
    body = body.strip()
    if not body:
        raise Invalid("a note needs some text", field="body")
    if occurred_at is not None:
        occurred_at = as_utc(occurred_at)
        if occurred_at > ctx.now():
            raise Invalid("occurred_at is in the future; notes can be backdated, not postdated",
                          field="occurred_at")
    event = record(ctx, incident, "note", body=body, occurred_at=occurred_at, starred=starred)
    incident.updated_at = ctx.now()
    ctx.db.flush()
    return event


def list_events(ctx: Context, incident: Incident, *, newest_first: bool = False, limit: int = 100,
                after_id: int | None = None, starred_only: bool = False) -> list[TimelineEvent]:
    """A page of events in occurred_at order; `after_id` continues from the last event of a page."""
    order = (TimelineEvent.occurred_at.desc(), TimelineEvent.id.desc()) if newest_first else (
        TimelineEvent.occurred_at, TimelineEvent.id)
    query = select(TimelineEvent).where(TimelineEvent.incident_id == incident.id)
    if starred_only:
        query = query.where(TimelineEvent.starred.is_(True))
    if after_id is not None:
        anchor = ctx.db.get(TimelineEvent, after_id)
        if anchor is None or anchor.incident_id != incident.id:
            raise Invalid(f"cursor {after_id} is not an event of {incident.ref}", field="cursor")
        key = (TimelineEvent.occurred_at, TimelineEvent.id)
        anchor_key = (anchor.occurred_at, anchor.id)
        query = query.where(tuple_(*key) < anchor_key if newest_first else tuple_(*key) > anchor_key)
    return list(ctx.db.scalars(query.order_by(*order).limit(min(max(limit, 1), MAX_PAGE))))


def set_starred(ctx: Context, incident: Incident, event_id: int, starred: bool) -> TimelineEvent:
    require_writer(ctx)
    event = ctx.db.get(TimelineEvent, event_id)
    if event is None or event.incident_id != incident.id:
        raise NotFound(f"no event {event_id} in {incident.ref}", field="event")
    event.starred = starred
    ctx.db.flush()
    for hook in on_starred:
        hook(ctx, incident, event)
    return event
