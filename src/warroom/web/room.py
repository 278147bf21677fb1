"""The incident page ("the room"): everything about one incident, and the actions allowed now.

Every action is a small form POSTing to /incidents/{ref}/...; each is a thin call of a domain
service. A refused action re-renders the room with the service's message and changes nothing. The
note form is also posted by room.js, which gets back the new event's HTML to insert without a reload.
Status updates (updates_pages.py) and paging (paging_pages.py) build on this module.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from pydantic import ValidationError

from warroom.api.errors import first_problem

from warroom.core.errors import Invalid, WarroomError
from warroom.incidents import live, roles, service, timeline
from warroom.incidents.lifecycle import is_open
from warroom.incidents.models import Incident
from warroom.incidents.roles import ROLES
from warroom.incidents.schemas import StatusChange
from warroom.postmortems.service import find_postmortem
from warroom.users.service import find_user, list_users
from warroom.web.alerts_view import alerts_panel
from warroom.web.auth import Page, SignedIn, safe_next
from warroom.incidents.wording import ROLE_NAMES, describe
from warroom.web.rendering import form_value, render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 200
FRAGMENT_HEADER = "x-warroom-fragment"


def move_label(current: str, status: str) -> str:
    """The button text for a move: what it means for the people in the room."""
    if status == "investigating" and current in ("resolved", "mitigated", "identified"):
        return "Reopen: investigating" if current == "resolved" else "Back to investigating"
    return {"identified": "Cause identified", "mitigated": "Mitigated", "closed": "Close",
            "canceled": "Cancel (false alarm)"}.get(status, status.capitalize())


def _timeline_view(request: Request) -> dict:
    order = "oldest" if request.query_params.get("order") == "oldest" else "newest"
    starred = request.query_params.get("starred") == "1"
    before = request.query_params.get("before", "")
    return {"order": order, "starred": starred, "cursor": int(before) if before.isdigit() else None}


def _link(ref: str, **params) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, False, "")})
    return f"/incidents/{ref}" + (f"?{query}" if query else "")


def render_room(request: Request, page: Page, incident: Incident, *, error: str | None = None,
                status_code: int = 200, update_input: dict | None = None,
                update_preview: dict | None = None) -> HTMLResponse:
    from warroom.web.paging_pages import paging_panel  # they build on this module
    from warroom.web.updates_pages import update_form

    ctx, view = page.ctx, _timeline_view(request)
    form = update_form(ctx, incident)
    if update_input:
        form["values"] = {**form["values"], **{k: v for k, v in update_input.items() if k != "audience"}}
        form["audience"] = update_input.get("audience", "internal")
    events = timeline.list_events(ctx, incident, newest_first=view["order"] == "newest", limit=PAGE_SIZE + 1,
                                  after_id=view["cursor"], starred_only=view["starred"])
    more = events[PAGE_SIZE - 1].id if len(events) > PAGE_SIZE else None
    events = events[:PAGE_SIZE]
    level = ctx.policy.level(incident.severity)
    here = _link(incident.ref, order=view["order"] if view["order"] == "oldest" else None,
                 starred="1" if view["starred"] else None)
    return render(
        request, "room.html", page=page, status_code=status_code, active="incidents", incident=incident,
        level=level, events=events, move_labels=move_label, live_after=live.last_event_id(ctx.db, incident.id), view=view, error=error, here=here, describe=describe,
        role_names=ROLE_NAMES, supporting=[r for r in ROLES if r != "commander"],
        people=sorted((u for u in list_users(ctx.db) if u.can_write), key=lambda u: u.name.casefold()),
        is_open=is_open(incident.status), postmortem=find_postmortem(ctx, incident),
        severities=ctx.policy.severities, update=form, update_preview=update_preview,
        paging=paging_panel(ctx, incident), alerts_panel=alerts_panel(ctx, incident),
        order_links={o: _link(incident.ref, order=o if o == "oldest" else None,
                              starred="1" if view["starred"] else None) for o in ("newest", "oldest")},
        starred_link=_link(incident.ref, order=view["order"] if view["order"] == "oldest" else None,
                           starred=None if view["starred"] else "1"),
        older_link=_link(incident.ref, order=view["order"] if view["order"] == "oldest" else None,
                         starred="1" if view["starred"] else None, before=more) if more else None)


@router.get("/incidents/{ref}", response_class=HTMLResponse)
def room(request: Request, ref: str, page: SignedIn) -> HTMLResponse:
    return render_room(request, page, service.get_incident(page.ctx, ref))


def _back_path(page: Page, incident: Incident) -> str:
    """The room as it was shown (order, filter), from the form's `back`; never another page."""
    back, room = safe_next(form_value(page, "back")), f"/incidents/{incident.ref}"
    return back if back == room or back.startswith(room + "?") else room


def _back(page: Page, incident: Incident) -> RedirectResponse:
    return RedirectResponse(_back_path(page, incident), status_code=303)


def _act(request: Request, page: Page, ref: str, action) -> Response:
    """Run one action on the incident; a refusal re-renders the room with the reason, unchanged."""
    incident = service.get_incident(page.ctx, ref)
    try:
        action(incident)
    except WarroomError as exc:
        page.discard()
        page.ctx.db.expire_all()
        incident = service.get_incident(page.ctx, ref)
        return render_room(request, page, incident, error=exc.message, status_code=exc.http_status)
    return _back(page, incident)


@router.post("/incidents/{ref}/status")
def change_status(request: Request, ref: str, page: SignedIn) -> Response:
    def act(incident: Incident) -> None:
        try:
            change = StatusChange(status=form_value(page, "status"), note=form_value(page, "note").strip() or None,
                                  resolution=form_value(page, "resolution").strip() or None)
        except ValidationError as exc:
            field, message = first_problem(exc.errors())
            raise Invalid(message, field=field) from None
        service.change_status(page.ctx, incident, change)

    return _act(request, page, ref, act)


@router.post("/incidents/{ref}/severity")
def change_severity(request: Request, ref: str, page: SignedIn) -> Response:
    return _act(request, page, ref,
                lambda incident: service.change_severity(page.ctx, incident, form_value(page, "severity")))


def _person(page: Page):
    key = form_value(page, "user").strip()
    if not key:
        raise Invalid("choose a person", field="user")
    return find_user(page.ctx.db, page.user.id if key == "me" else key, field="user", missing=Invalid)


@router.post("/incidents/{ref}/roles")
def assign(request: Request, ref: str, page: SignedIn) -> Response:
    return _act(request, page, ref,
                lambda incident: roles.assign_role(page.ctx, incident, form_value(page, "role"), _person(page)))


@router.post("/incidents/{ref}/roles/remove")
def unassign(request: Request, ref: str, page: SignedIn) -> Response:
    return _act(request, page, ref,
                lambda incident: roles.remove_role(page.ctx, incident, form_value(page, "role"), _person(page)))


def _when(page: Page) -> datetime | None:
    """The note's backdated time, typed in the viewer's timezone (a datetime-local field)."""
    text = form_value(page, "when").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(f"when: {text!r} is not a date and time", field="when") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(page.user.timezone or "UTC"))


@router.post("/incidents/{ref}/notes")
def add_note(request: Request, ref: str, page: SignedIn) -> Response:
    incident = service.get_incident(page.ctx, ref)
    wants_fragment = request.headers.get(FRAGMENT_HEADER) == "1"
    try:
        event = timeline.add_note(page.ctx, incident, form_value(page, "body"), occurred_at=_when(page),
                                  starred=form_value(page, "starred") == "1")
    except WarroomError as exc:
        page.discard()
        if wants_fragment:
            return PlainTextResponse(exc.message, status_code=exc.http_status)
        page.ctx.db.expire_all()
        return render_room(request, page, service.get_incident(page.ctx, ref), error=exc.message,
                           status_code=exc.http_status)
    if wants_fragment:
        page.ctx.db.flush()
        return render(request, "_event.html", page=page, status_code=201, event=event, incident=incident,
                      describe=describe, here=_back_path(page, incident))
    return _back(page, incident)


@router.post("/incidents/{ref}/events/{event_id}/star")
def star(request: Request, ref: str, event_id: int, page: SignedIn) -> Response:
    starred = form_value(page, "starred") == "1"
    if request.headers.get(FRAGMENT_HEADER) != "1":
        return _act(request, page, ref, lambda incident: timeline.set_starred(page.ctx, incident, event_id, starred))
    # room.js: answer with the event re-rendered, so the star flips in place without a reload.
    incident = service.get_incident(page.ctx, ref)
    try:
        event = timeline.set_starred(page.ctx, incident, event_id, starred)
    except WarroomError as exc:
        page.discard()
        return PlainTextResponse(exc.message, status_code=exc.http_status)
    return render(request, "_event.html", page=page, event=event, incident=incident, describe=describe,
                  here=_back_path(page, incident))
