"""/api/v1/incidents: declare, list, read, edit, move through the lifecycle, roles and timeline."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import AwareDatetime

from warroom.api.deps import Ctx
from warroom.core.errors import Invalid
from warroom.incidents import roles, service, timeline
from warroom.incidents.schemas import (
    IncidentCreate, IncidentOut, IncidentPage, IncidentPatch, NoteCreate, RoleAssign, StarChange,
    StatusChange, TimelineEventOut, TimelinePage,
)
from warroom.users.service import find_user

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])
IncidentKey = Annotated[str, "incident id or ref, e.g. 42 or INC-42"]


def _split(values: list[str] | None) -> list[str] | None:
    """Accept both ?status=a&status=b and ?status=a,b."""
    if not values:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


@router.post("", status_code=201, response_model=IncidentOut, summary="Declare an incident")
def declare(ctx: Ctx, body: IncidentCreate, response: Response) -> IncidentOut:
    incident = service.declare(ctx, body)
    response.headers["Location"] = f"/api/v1/incidents/{incident.ref}"
    return IncidentOut.model_validate(incident)


@router.get("", response_model=IncidentPage, summary="List incidents, newest first")
def list_incidents(
    ctx: Ctx,
    status: Annotated[list[str] | None, Query(description="Repeat or comma-separate; 'open' = not "
                                              "resolved, closed or canceled")] = None,
    severity: Annotated[list[str] | None, Query()] = None,
    service_name: Annotated[str | None, Query(alias="service")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in title or summary")] = None,
    since: Annotated[AwareDatetime | None,
                     Query(description="Declared at or after (ISO 8601 with an offset)")] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_PAGE)] = 50,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
) -> IncidentPage:
    filters = service.IncidentFilter(statuses=_split(status), severities=_split(severity),
                                     service=service_name, text=q, since=since)
    items, total, next_cursor = service.list_incidents(ctx, filters, limit=limit, cursor=cursor)
    return IncidentPage(items=[IncidentOut.model_validate(i) for i in items], total=total,
                        next_cursor=next_cursor)


@router.get("/{incident}", response_model=IncidentOut)
def get_incident(ctx: Ctx, incident: IncidentKey) -> IncidentOut:
    return IncidentOut.model_validate(service.get_incident(ctx, incident))


@router.patch("/{incident}", response_model=IncidentOut, summary="Edit fields and severity")
def patch_incident(ctx: Ctx, incident: IncidentKey, body: IncidentPatch) -> IncidentOut:
    found = service.get_incident(ctx, incident)
    return IncidentOut.model_validate(service.update_incident(ctx, found, body))


@router.post("/{incident}/status", response_model=IncidentOut, summary="Move to another status")
def change_status(ctx: Ctx, incident: IncidentKey, body: StatusChange) -> IncidentOut:
    found = service.get_incident(ctx, incident)
    return IncidentOut.model_validate(service.change_status(ctx, found, body))


@router.post("/{incident}/roles", response_model=IncidentOut, summary="Assign a role or hand over command")
def assign_role(ctx: Ctx, incident: IncidentKey, body: RoleAssign) -> IncidentOut:
    found = service.get_incident(ctx, incident)
    user = find_user(ctx.db, body.user, missing=Invalid)
    return IncidentOut.model_validate(roles.assign_role(ctx, found, body.role, user))


@router.delete("/{incident}/roles/{role}/{user}", response_model=IncidentOut, summary="Remove a role")
def remove_role(ctx: Ctx, incident: IncidentKey, role: str, user: str) -> IncidentOut:
    found = service.get_incident(ctx, incident)
    return IncidentOut.model_validate(roles.remove_role(ctx, found, role, find_user(ctx.db, user)))


@router.get("/{incident}/timeline", response_model=TimelinePage)
def get_timeline(
    ctx: Ctx, incident: IncidentKey,
    order: Annotated[str, Query(pattern="^(oldest|newest)$")] = "oldest",
    starred: Annotated[bool, Query(description="Key events only")] = False,
    limit: Annotated[int, Query(ge=1, le=timeline.MAX_PAGE)] = 100,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
) -> TimelinePage:
    found = service.get_incident(ctx, incident)
    if cursor is not None and not cursor.isdigit():
        raise Invalid("cursor is not one this API returned", field="cursor")
    events = timeline.list_events(ctx, found, newest_first=order == "newest", limit=limit + 1,
                                  after_id=int(cursor) if cursor else None, starred_only=starred)
    next_cursor = str(events[limit - 1].id) if len(events) > limit else None
    return TimelinePage(items=[TimelineEventOut.model_validate(e) for e in events[:limit]],
                        next_cursor=next_cursor)


@router.post("/{incident}/timeline", status_code=201, response_model=TimelineEventOut,
             summary="Add a note, optionally backdated")
def add_note(ctx: Ctx, incident: IncidentKey, body: NoteCreate) -> TimelineEventOut:
    found = service.get_incident(ctx, incident)
    event = timeline.add_note(ctx, found, body.body, occurred_at=body.occurred_at, starred=body.starred)
    return TimelineEventOut.model_validate(event)


@router.put("/{incident}/timeline/{event_id}/star", response_model=TimelineEventOut,
            summary="Star or unstar an event as a key event")
def star_event(ctx: Ctx, incident: IncidentKey, event_id: int, body: StarChange) -> TimelineEventOut:
    found = service.get_incident(ctx, incident)
    return TimelineEventOut.model_validate(timeline.set_starred(ctx, found, event_id, body.starred))
