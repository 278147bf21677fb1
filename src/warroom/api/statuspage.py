"""/api/v1/status: the admin side of the public status page — its components and their groups,
scheduled maintenance and the page's settings. Any signed-in user may read; changing needs an
admin (the domain checks it). The public page's own JSON is elsewhere and needs no token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from warroom.api.deps import Ctx
from warroom.core.context import Context
from warroom.core.errors import Invalid
from warroom.statuspage import components, settings
from warroom.statuspage import maintenance as maintenances
from warroom.statuspage.models import MAINTENANCE_STATUSES, Component
from warroom.statuspage.schemas import (
    ComponentIn, ComponentOut, ComponentPatch, GroupIn, GroupOut, MaintenanceIn, MaintenanceMove, MaintenanceOut,
    MaintenancePatch, PageSettingsIn, PageSettingsOut,
)

router = APIRouter(prefix="/api/v1/status", tags=["status page"])
ComponentKey = Annotated[str, "a component's public id or name"]
GroupKey = Annotated[str, "a group's public id or name"]
MAX_LIST = 500


def _component_out(ctx: Context, component: Component) -> ComponentOut:
    return ComponentOut.of(component, components.service_names(ctx))


# --- components -----------------------------------------------------------------------------------

@router.get("/components", response_model=list[ComponentOut], summary="Components, in page order")
def list_components(ctx: Ctx) -> list[ComponentOut]:
    names = components.service_names(ctx)
    return [ComponentOut.of(c, names) for c in components.list_components(ctx)]


@router.post("/components", status_code=201, response_model=ComponentOut, summary="Add a component (admins)")
def create_component(ctx: Ctx, body: ComponentIn, response: Response) -> ComponentOut:
    fields = body.model_dump()
    created = components.create_component(ctx, fields.pop("name"), **fields)
    response.headers["Location"] = f"/api/v1/status/components/{created.public_id}"
    return _component_out(ctx, created)


@router.get("/components/{component}", response_model=ComponentOut)
def get_component(ctx: Ctx, component: ComponentKey) -> ComponentOut:
    return _component_out(ctx, components.get_component(ctx, component))


@router.patch("/components/{component}", response_model=ComponentOut,
              summary="Change a component; `override: null` returns it to its derived status (admins)")
def patch_component(ctx: Ctx, component: ComponentKey, body: ComponentPatch) -> ComponentOut:
    changed = components.update_component(ctx, components.get_component(ctx, component), **body.changes())
    return _component_out(ctx, changed)


@router.delete("/components/{component}", response_model=ComponentOut,
               summary="Remove a component (returned as it was) and its history (admins)")
def delete_component(ctx: Ctx, component: ComponentKey) -> ComponentOut:
    found = components.get_component(ctx, component)
    gone = _component_out(ctx, found)
    components.delete_component(ctx, found)
    return gone


# --- groups ---------------------------------------------------------------------------------------

@router.get("/component-groups", response_model=list[GroupOut], summary="Component groups, in page order")
def list_groups(ctx: Ctx) -> list[GroupOut]:
    every = components.list_components(ctx)
    return [GroupOut.of(g, every) for g in components.list_groups(ctx)]


@router.post("/component-groups", status_code=201, response_model=GroupOut, summary="Add a group (admins)")
def create_group(ctx: Ctx, body: GroupIn, response: Response) -> GroupOut:
    group = components.create_group(ctx, body.name, description=body.description, position=body.position)
    response.headers["Location"] = f"/api/v1/status/component-groups/{group.public_id}"
    return GroupOut.of(group, [])


@router.delete("/component-groups/{group}", response_model=GroupOut,
               summary="Remove a group (returned as it was); its components stay, ungrouped (admins)")
def delete_group(ctx: Ctx, group: GroupKey) -> GroupOut:
    found = components.get_group(ctx, group)
    gone = GroupOut.of(found, components.list_components(ctx))
    components.delete_group(ctx, found)
    return gone


# --- maintenance ----------------------------------------------------------------------------------

def _statuses(text: str | None) -> tuple[str, ...]:
    wanted = tuple(s.strip() for s in (text or "").split(",") if s.strip())
    unknown = [s for s in wanted if s not in MAINTENANCE_STATUSES]
    if unknown:
        raise Invalid(f"status {unknown[0]!r} is not one of {', '.join(MAINTENANCE_STATUSES)}", field="status")
    return wanted


@router.get("/maintenances", response_model=list[MaintenanceOut],
            summary="Maintenance windows, latest start first; filter by status (comma-separated)")
def list_maintenances(ctx: Ctx, status: Annotated[str | None, Query(max_length=200, examples=[
                          "scheduled,in_progress"])] = None,
                      limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 100,
                      offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> list[MaintenanceOut]:
    found = maintenances.list_maintenances(ctx, statuses=_statuses(status), limit=limit, offset=offset)
    return [MaintenanceOut.of(m) for m in found]


@router.post("/maintenances", status_code=201, response_model=MaintenanceOut,
             summary="Schedule maintenance; it starts and ends by itself at its window (admins)")
def schedule_maintenance(ctx: Ctx, body: MaintenanceIn, response: Response) -> MaintenanceOut:
    scheduled = maintenances.schedule(ctx, title=body.title, body=body.body, starts_at=body.starts_at,
                                     ends_at=body.ends_at, component_refs=body.components)
    response.headers["Location"] = f"/api/v1/status/maintenances/{scheduled.public_id}"
    return MaintenanceOut.of(scheduled)


@router.get("/maintenances/{maintenance}", response_model=MaintenanceOut)
def get_maintenance(ctx: Ctx, maintenance: str) -> MaintenanceOut:
    return MaintenanceOut.of(maintenances.get_maintenance(ctx, maintenance))


@router.patch("/maintenances/{maintenance}", response_model=MaintenanceOut,
              summary="Change its text, window or components (admins)")
def patch_maintenance(ctx: Ctx, maintenance: str, body: MaintenancePatch) -> MaintenanceOut:
    found = maintenances.get_maintenance(ctx, maintenance)
    return MaintenanceOut.of(maintenances.edit(ctx, found, title=body.title, body=body.body,
                                              starts_at=body.starts_at, ends_at=body.ends_at,
                                              component_refs=body.components))


@router.post("/maintenances/{maintenance}/status", response_model=MaintenanceOut,
             summary="Move it by hand: start early, verify, complete, cancel (admins)")
def move_maintenance(ctx: Ctx, maintenance: str, body: MaintenanceMove) -> MaintenanceOut:
    found = maintenances.get_maintenance(ctx, maintenance)
    return MaintenanceOut.of(maintenances.move(ctx, found, body.status, body=body.body))


# --- settings -------------------------------------------------------------------------------------

@router.get("/settings", response_model=PageSettingsOut, summary="The public page's name, links, colour, timezone")
def get_settings(ctx: Ctx) -> PageSettingsOut:
    return PageSettingsOut.of(settings.current(ctx))


@router.put("/settings", response_model=PageSettingsOut, summary="Replace the page's settings (admins)")
def put_settings(ctx: Ctx, body: PageSettingsIn) -> PageSettingsOut:
    return PageSettingsOut.of(settings.update_settings(ctx, **body.model_dump()))
