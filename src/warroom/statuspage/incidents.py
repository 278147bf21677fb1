"""Incidents on the public page: which ones, what of them, and what customers are told.

An incident is on the page while its visibility is `public`; what is shown of it is its title,
public status, impact, services that are components, timestamps, and its `public` updates, each
as the four parts its author wrote for the public (never the rendered template, whose variables
include people). Nothing else of an incident reaches a public surface.

Reacting to the incident's timeline (the hook below), in the same transaction:
- anything that can change what the page shows (declared, status, severity, services, title,
  visibility, a public update) refreshes the components and bumps the page version;
- each public update posted on a public incident is announced to subscribers: the first as
  incident.created, one posted once the incident is resolved as incident.resolved, the others as
  incident.updated. Subscribers hear what was written for them, when it is written.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select

from warroom.comms.models import StatusUpdate
from warroom.core.context import Context
from warroom.incidents import timeline
from warroom.incidents.models import Incident, TimelineEvent
from warroom.statuspage import components, publishing
from warroom.statuspage.models import Component, PublicIncident
from warroom.statuspage.public_terms import impact_of, public_status

SHOWN_FIELDS = ("title", "services", "visibility", "started_at")
_PAGE_EVENTS = ("declared", "status_changed", "severity_changed")


def public_body(update: StatusUpdate, zone_name: str = "UTC") -> str:
    """A public update as one text, from the parts its author wrote for the public, and when the
    next one is due (in the page's timezone, named)."""
    parts = [update.whats_happening.strip()]
    if update.who_is_affected.strip():
        parts.append(f"Who is affected: {update.who_is_affected.strip()}")
    if update.what_we_are_doing.strip():
        parts.append(f"What we are doing: {update.what_we_are_doing.strip()}")
    if update.next_update_at is not None:
        local = update.next_update_at.astimezone(ZoneInfo(zone_name))
        parts.append(f"Next update by {local:%d %b %Y, %H:%M} {local.tzname()}.")
    return "\n\n".join(part for part in parts if part)


def public_identity(ctx: Context, incident: Incident) -> PublicIncident:
    row = ctx.db.get(PublicIncident, incident.id)
    if row is None:
        row = PublicIncident(incident_id=incident.id, public_id=publishing.new_public_id(),
                             first_public_at=ctx.now())
        ctx.db.add(row)
        ctx.db.flush()
    return row


def component_ids(ctx: Context, incident: Incident) -> tuple[str, ...]:
    service_ids = [service.id for service in incident.services]
    if not service_ids:
        return ()
    return tuple(ctx.db.scalars(select(Component.public_id).where(Component.service_id.in_(service_ids))
                                .order_by(Component.position, Component.name)))


def _touches_page(event: TimelineEvent, was_public: bool, is_public: bool) -> bool:
    if event.kind == "field_edited":
        return event.data.get("field") in SHOWN_FIELDS and (was_public or is_public)
    if event.kind == "update_posted":
        return is_public and event.data.get("audience") == "public"
    return event.kind in _PAGE_EVENTS and is_public


def on_timeline_event(ctx: Context, incident: Incident, event: TimelineEvent) -> None:
    is_public = incident.visibility == "public"
    was_public = event.kind == "field_edited" and event.data.get("field") == "visibility" \
        and event.data.get("old") == "public"
    if not _touches_page(event, was_public, is_public):
        return
    ctx.db.flush()
    if is_public:
        public_identity(ctx, incident)
    components.refresh(ctx, force=True)
    if event.kind == "update_posted":
        _announce_update(ctx, incident, event)


def _announce_update(ctx: Context, incident: Incident, event: TimelineEvent) -> None:
    update = ctx.db.get(StatusUpdate, event.data["update_id"])
    earlier = ctx.db.scalar(select(StatusUpdate.id).where(
        StatusUpdate.incident_id == incident.id, StatusUpdate.audience == "public",
        StatusUpdate.id != update.id).limit(1))
    status = public_status(incident.status)
    kind = (publishing.INCIDENT_RESOLVED if status == "resolved"
            else publishing.INCIDENT_UPDATED if earlier is not None else publishing.INCIDENT_CREATED)
    publishing.announce(ctx, publishing.Announcement(
        kind=kind, public_id=public_identity(ctx, incident).public_id, title=incident.title, status=status,
        body=public_body(update, publishing.page(ctx).timezone), components=component_ids(ctx, incident),
        impact=impact_of(ctx.policy, incident.severity)))


def install() -> None:
    if on_timeline_event not in timeline.on_record:
        timeline.on_record.append(on_timeline_event)
