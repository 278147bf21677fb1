"""The public status page's admin pages (admins only): /admin/status for components, their groups
and the page's settings; /admin/maintenance for scheduled maintenance (the list, the schedule form,
and a page per window to move and edit it).

Forms are checked by the API's own schemas, so a refusal reads the same as from the API. A refused
form comes back as typed with the reason and changes nothing; a change redirects (so a reload does
not repeat it). Maintenance times are typed in the viewer's timezone (datetime-local, to the
minute) and stored in UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from warroom.api.errors import first_problem
from warroom.catalog.service import list_services
from warroom.core.errors import Invalid, WarroomError
from warroom.statuspage import components, maintenance, settings
from warroom.statuspage.models import COMPONENT_STATUSES, Maintenance
from warroom.statuspage.schemas import (
    ComponentIn, ComponentPatch, GroupIn, MaintenanceIn, MaintenanceMove, MaintenancePatch, PageSettingsIn,
)
from warroom.users.service import require_admin
from warroom.web.auth import Page, SignedIn
from warroom.web.postmortem_forms import local_input
from warroom.web.profile import timezones
from warroom.web.rendering import form_value, form_values, render

router = APIRouter(include_in_schema=False)
COMPONENT_FIELDS = ("name", "description", "service", "group", "position")
SETTINGS_FIELDS = ("name", "url", "logo_url", "brand_color", "timezone")
MAINTENANCE_FIELDS = ("title", "body", "starts_at", "ends_at")
# What the button that moves a maintenance says, by (from, to).
MOVE_LABELS = {("scheduled", "in_progress"): "Start now", ("scheduled", "canceled"): "Cancel maintenance",
               ("in_progress", "verifying"): "Work done: verify", ("in_progress", "completed"): "Complete",
               ("verifying", "completed"): "Complete", ("verifying", "in_progress"): "Back to in progress"}
ACTIVE = ("scheduled", "in_progress", "verifying")


def _refused(exc: ValidationError | WarroomError) -> tuple[str, int]:
    if isinstance(exc, ValidationError):
        return first_problem(exc.errors())[1], 422
    return exc.message, exc.http_status


def _whole_number(text: str, field: str) -> int:
    if not text.strip():
        return 0
    if not text.strip().isdigit():
        raise Invalid(f"{field} must be a whole number of 0 or more", field=field)
    return int(text)


def _zone(page: Page) -> ZoneInfo:
    return ZoneInfo(page.user.timezone or "UTC")  # checked when it was set


def _attempt(page: Page, action: Callable[[], object]) -> tuple[str, int] | None:
    """Run one change; on refusal undo whatever it wrote and say why (message, HTTP status)."""
    require_admin(page.ctx)
    try:
        action()
    except (ValidationError, WarroomError) as exc:
        page.discard()
        page.ctx.db.expire_all()
        return _refused(exc)
    return None


# --- components, groups, settings ----------------------------------------------------------------

def _status_admin(request: Request, page: Page, *, refused: tuple[str, int] | None = None, form: str = "",
                  values: dict | None = None, editing: str | None = None) -> HTMLResponse:
    require_admin(page.ctx)
    ctx = page.ctx
    return render(request, "admin_status_components.html", page=page, active="admin", tab="status",
                  status_code=refused[1] if refused else 200, error=refused[0] if refused else None,
                  components=components.list_components(ctx), groups=components.list_groups(ctx),
                  service_names=components.service_names(ctx), services=[s.name for s in list_services(ctx.db)],
                  statuses=COMPONENT_STATUSES, settings=settings.current(ctx), timezones=timezones(),
                  form=form, values=values or {}, editing=editing)


def _status_change(request: Request, page: Page, action: Callable[[], object], *, form: str,
                   fields: tuple[str, ...] = (), editing: str | None = None, anchor: str = "") -> Response:
    refused = _attempt(page, action)
    if refused:
        values = {name: form_value(page, name) for name in fields}
        return _status_admin(request, page, refused=refused, form=form, values=values, editing=editing)
    return RedirectResponse(f"/admin/status{anchor}", status_code=303)


def _component_in(page: Page) -> dict:
    """The add and edit forms' fields as the API takes them (blank service or group: none)."""
    return {"name": form_value(page, "name"), "description": form_value(page, "description"),
            "service": form_value(page, "service") or None, "group": form_value(page, "group") or None,
            "position": _whole_number(form_value(page, "position"), "position")}


@router.get("/admin/status", response_class=HTMLResponse)
def status_admin(request: Request, page: SignedIn) -> HTMLResponse:
    return _status_admin(request, page)


@router.post("/admin/status/components")
def add_component(request: Request, page: SignedIn) -> Response:
    def act() -> None:
        data = ComponentIn(**_component_in(page), override=form_value(page, "override") or None)
        components.create_component(page.ctx, data.name, **data.model_dump(exclude={"name"}))
    return _status_change(request, page, act, form="add", fields=(*COMPONENT_FIELDS, "override"))


@router.post("/admin/status/components/{public_id}")
def edit_component(request: Request, public_id: str, page: SignedIn) -> Response:
    def act() -> None:
        patch = ComponentPatch(**_component_in(page))
        components.update_component(page.ctx, components.get_component(page.ctx, public_id), **patch.changes())
    return _status_change(request, page, act, form="edit", fields=COMPONENT_FIELDS, editing=public_id,
                          anchor=f"#component-{public_id}")


@router.post("/admin/status/components/{public_id}/override")
def pin_component(request: Request, public_id: str, page: SignedIn) -> Response:
    """Pin the chosen status, or (blank) go back to the derived one."""
    def act() -> None:
        patch = ComponentPatch(override=form_value(page, "override") or None)
        components.update_component(page.ctx, components.get_component(page.ctx, public_id), **patch.changes())
    return _status_change(request, page, act, form="override", anchor=f"#component-{public_id}")


@router.post("/admin/status/components/{public_id}/delete")
def delete_component(request: Request, public_id: str, page: SignedIn) -> Response:
    return _status_change(request, page, lambda: components.delete_component(
        page.ctx, components.get_component(page.ctx, public_id)), form="delete")


@router.post("/admin/status/groups")
def add_group(request: Request, page: SignedIn) -> Response:
    def act() -> None:
        data = GroupIn(name=form_value(page, "name"), description=form_value(page, "description"),
                       position=_whole_number(form_value(page, "position"), "position"))
        components.create_group(page.ctx, data.name, description=data.description, position=data.position)
    return _status_change(request, page, act, form="group", fields=("name", "description", "position"),
                          anchor="#groups")


@router.post("/admin/status/groups/{public_id}/delete")
def delete_group(request: Request, public_id: str, page: SignedIn) -> Response:
    return _status_change(request, page, lambda: components.delete_group(
        page.ctx, components.get_group(page.ctx, public_id)), form="delete", anchor="#groups")


@router.post("/admin/status/settings")
def save_settings(request: Request, page: SignedIn) -> Response:
    def act() -> None:
        data = PageSettingsIn(**{name: form_value(page, name) for name in SETTINGS_FIELDS})
        settings.update_settings(page.ctx, **data.model_dump())
    return _status_change(request, page, act, form="settings", fields=SETTINGS_FIELDS, anchor="#settings")


# --- maintenance ----------------------------------------------------------------------------------

def _local_moment(page: Page, name: str) -> datetime:
    """A datetime-local field: the viewer's wall clock, made an aware time in their timezone."""
    text = form_value(page, name).strip()
    if not text:
        raise Invalid(f"{name} is required: when does it {'start' if name == 'starts_at' else 'end'}?", field=name)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(f"{name}: {text!r} is not a date and time", field=name) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=_zone(page))


def _typed_values(page: Page) -> dict:
    return {**{name: form_value(page, name) for name in MAINTENANCE_FIELDS},
            "components": form_values(page, "components")}


def _maintenance_list(request: Request, page: Page, *, refused: tuple[str, int] | None = None,
                      values: dict | None = None) -> HTMLResponse:
    require_admin(page.ctx)
    every = maintenance.list_maintenances(page.ctx)
    if values is None:  # a fresh form proposes the next full hour, for an hour
        start = (page.ctx.now() + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
        values = {"starts_at": local_input(start, _zone(page)),
                  "ends_at": local_input(start + timedelta(hours=1), _zone(page)), "components": []}
    return render(request, "admin_status_maintenance.html", page=page, active="admin", tab="maintenance",
                  status_code=refused[1] if refused else 200, error=refused[0] if refused else None,
                  upcoming=[m for m in every if m.status in ACTIVE][::-1],  # soonest first
                  past=[m for m in every if m.status not in ACTIVE],
                  components=components.list_components(page.ctx), values=values)


@router.get("/admin/maintenance", response_class=HTMLResponse)
def maintenance_list(request: Request, page: SignedIn) -> HTMLResponse:
    return _maintenance_list(request, page)


@router.post("/admin/maintenance")
def schedule(request: Request, page: SignedIn) -> Response:
    created: list[Maintenance] = []

    def act() -> None:
        data = MaintenanceIn(title=form_value(page, "title"), body=form_value(page, "body"),
                             starts_at=_local_moment(page, "starts_at"), ends_at=_local_moment(page, "ends_at"),
                             components=form_values(page, "components"))
        created.append(maintenance.schedule(page.ctx, title=data.title, body=data.body, starts_at=data.starts_at,
                                            ends_at=data.ends_at, component_refs=data.components))
    refused = _attempt(page, act)
    if refused:
        return _maintenance_list(request, page, refused=refused, values=_typed_values(page))
    return RedirectResponse(f"/admin/maintenance/{created[0].public_id}", status_code=303)


def _maintenance_page(request: Request, page: Page, public_id: str, *, refused: tuple[str, int] | None = None,
                      values: dict | None = None) -> HTMLResponse:
    require_admin(page.ctx)
    found = maintenance.get_maintenance(page.ctx, public_id)
    zone = _zone(page)
    stored = {"title": found.title, "body": found.body, "starts_at": local_input(found.starts_at, zone),
              "ends_at": local_input(found.ends_at, zone), "components": [c.name for c in found.components]}
    moves = [(status, MOVE_LABELS[(found.status, status)]) for status in maintenance.MOVES[found.status]]
    return render(request, "admin_status_maintenance_one.html", page=page, active="admin", tab="maintenance",
                  status_code=refused[1] if refused else 200, error=refused[0] if refused else None,
                  maintenance=found, moves=moves, editable=found.status in ACTIVE,
                  components=components.list_components(page.ctx), values=values or stored)


@router.get("/admin/maintenance/{public_id}", response_class=HTMLResponse)
def maintenance_one(request: Request, public_id: str, page: SignedIn) -> HTMLResponse:
    return _maintenance_page(request, page, public_id)


def _maintenance_change(request: Request, page: Page, public_id: str, action: Callable[[Maintenance], object],
                        *, edited: bool) -> Response:
    refused = _attempt(page, lambda: action(maintenance.get_maintenance(page.ctx, public_id)))
    if refused:  # a refused edit comes back as typed; a refused move leaves the edit form as stored
        return _maintenance_page(request, page, public_id, refused=refused,
                                 values=_typed_values(page) if edited else None)
    return RedirectResponse(f"/admin/maintenance/{public_id}", status_code=303)


@router.post("/admin/maintenance/{public_id}/move")
def move(request: Request, public_id: str, page: SignedIn) -> Response:
    def act(found: Maintenance) -> None:
        data = MaintenanceMove(status=form_value(page, "status"), body=form_value(page, "message"))
        maintenance.move(page.ctx, found, data.status, body=data.body)
    return _maintenance_change(request, page, public_id, act, edited=False)


def _moved_time(page: Page, name: str, stored: datetime) -> datetime | None:
    """The typed time, or None when the field still shows the stored one (to the minute it shows):
    a window nobody touched keeps its exact time, and a running one's start is not 'moved'."""
    if form_value(page, name).strip() == local_input(stored, _zone(page)):
        return None
    return _local_moment(page, name)


@router.post("/admin/maintenance/{public_id}/edit")
def edit(request: Request, public_id: str, page: SignedIn) -> Response:
    def act(found: Maintenance) -> None:
        starts_at = _moved_time(page, "starts_at", found.starts_at) if "starts_at" in page.form else None
        data = MaintenancePatch(title=form_value(page, "title"), body=form_value(page, "body"), starts_at=starts_at,
                                ends_at=_moved_time(page, "ends_at", found.ends_at),
                                components=form_values(page, "components"))
        maintenance.edit(page.ctx, found, title=data.title, body=data.body, starts_at=data.starts_at,
                         ends_at=data.ends_at, component_refs=data.components)
    return _maintenance_change(request, page, public_id, act, edited=True)
