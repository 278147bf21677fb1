"""Components and their groups: what customers see the status of, and how that status is derived.

A component's status is, in this order:
1. its `override`, when an admin has pinned one;
2. otherwise the worst of: each open public incident of its service (by the incident's public
   impact: critical -> major_outage, major -> partial_outage, minor -> degraded_performance; an
   incident that is mitigated, `monitoring` on the page, counts as degraded_performance at worst),
   and `under_maintenance` while a maintenance that names it is in progress;
3. otherwise operational.

`refresh(ctx)` recomputes every component (there are tens, not thousands), stores the status and,
when it changed, a history row (the uptime bars are drawn from those) and bumps the page version.
"""

from __future__ import annotations

from sqlalchemy import select

from warroom.catalog.models import Service
from warroom.core.context import Context
from warroom.core.errors import Conflict, Invalid, NotFound
from warroom.incidents.lifecycle import OPEN_STATUSES
from warroom.incidents.models import Incident, incident_services
from warroom.statuspage import publishing
from warroom.statuspage.models import (
    COMPONENT_STATUSES, Component, ComponentGroup, ComponentStatusChange, Maintenance, maintenance_components,
)
from warroom.statuspage.public_terms import component_status_for
from warroom.users.service import require_admin

# Worst last; under_maintenance is planned, so any real impact outranks it.
RANK = {"operational": 0, "under_maintenance": 1, "degraded_performance": 2, "partial_outage": 3,
        "major_outage": 4}
RUNNING = ("in_progress", "verifying")
FIELDS = ("name", "description", "service", "group", "position", "override")


def list_components(ctx: Context) -> list[Component]:
    return list(ctx.db.scalars(select(Component).order_by(Component.position, Component.name)))


def service_names(ctx: Context) -> dict[int, str]:
    """service id -> name, for showing which service each component follows."""
    return dict(ctx.db.execute(select(Service.id, Service.name).where(
        Service.id.in_(select(Component.service_id).where(Component.service_id.is_not(None))))).all())


def list_groups(ctx: Context) -> list[ComponentGroup]:
    return list(ctx.db.scalars(select(ComponentGroup).order_by(ComponentGroup.position, ComponentGroup.name)))


def get_component(ctx: Context, ref: str) -> Component:
    """By public id or by name (the CLI's and the admin's handle)."""
    component = ctx.db.scalar(select(Component).where((Component.public_id == ref) | (Component.name == ref)))
    if component is None:
        raise NotFound(f"no component {ref!r}", field="component")
    return component


def get_group(ctx: Context, ref: str) -> ComponentGroup:
    group = ctx.db.scalar(select(ComponentGroup).where((ComponentGroup.public_id == ref)
                                                       | (ComponentGroup.name == ref)))
    if group is None:
        raise NotFound(f"no component group {ref!r}", field="group")
    return group


def _name(value: object, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"{field} must be a non-empty text", field=field)
    if len(value.strip()) > 100:
        raise Invalid(f"{field} must be at most 100 characters", field=field)
    return value.strip()


def create_group(ctx: Context, name: str, *, description: str = "", position: int = 0) -> ComponentGroup:
    require_admin(ctx)
    name = _name(name, "name")
    if ctx.db.scalar(select(ComponentGroup.id).where(ComponentGroup.name == name)) is not None:
        raise Conflict(f"a component group named {name!r} exists", field="name")
    group = ComponentGroup(public_id=publishing.new_public_id(), name=name, description=description,
                           position=position, created_at=ctx.now(), updated_at=ctx.now())
    ctx.db.add(group)
    ctx.db.flush()
    publishing.changed(ctx)
    return group


def delete_group(ctx: Context, group: ComponentGroup) -> None:
    """Its components stay, ungrouped."""
    require_admin(ctx)
    for component in ctx.db.scalars(select(Component).where(Component.group_id == group.id)):
        component.group_id = None
    ctx.db.delete(group)
    ctx.db.flush()
    publishing.changed(ctx)


def create_component(ctx: Context, name: str, **fields: object) -> Component:
    require_admin(ctx)
    component = Component(public_id=publishing.new_public_id(), name="", description="", position=0,
                          status="operational", created_at=ctx.now(), updated_at=ctx.now())
    ctx.db.add(component)
    _apply(ctx, component, {"name": name, **fields})
    ctx.db.flush()
    ctx.db.add(ComponentStatusChange(component_id=component.id, status="operational", at=ctx.now()))
    refresh(ctx, force=True)
    return component


def update_component(ctx: Context, component: Component, **fields: object) -> Component:
    """Change what is given; `override=None` returns the component to its derived status."""
    require_admin(ctx)
    _apply(ctx, component, fields)
    component.updated_at = ctx.now()
    ctx.db.flush()
    refresh(ctx, force=True)
    return component


def delete_component(ctx: Context, component: Component) -> None:
    require_admin(ctx)
    ctx.db.delete(component)
    ctx.db.flush()
    publishing.changed(ctx)


def _apply(ctx: Context, component: Component, fields: dict[str, object]) -> None:
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise Invalid(f"unknown field {unknown[0]!r}; allowed: {', '.join(FIELDS)}", field=unknown[0])
    if "name" in fields:
        name = _name(fields["name"], "name")
        clash = ctx.db.scalar(select(Component.id).where(Component.name == name, Component.id != component.id))
        if clash is not None:
            raise Conflict(f"a component named {name!r} exists", field="name")
        component.name = name
    if "description" in fields:
        if not isinstance(fields["description"], str) or len(fields["description"]) > 2000:
            raise Invalid("description must be a text of at most 2000 characters", field="description")
        component.description = fields["description"]
    if "position" in fields:
        if not isinstance(fields["position"], int) or isinstance(fields["position"], bool):
            raise Invalid("position must be a whole number", field="position")
        component.position = fields["position"]
    if "service" in fields:
        component.service_id = _service_id(ctx, component, fields["service"])
    if "group" in fields:
        component.group = _group(ctx, fields["group"])  # the relationship: component.group stays true
    if "override" in fields:
        override = fields["override"]
        if override not in (None, *COMPONENT_STATUSES):
            raise Invalid(f"override must be one of {', '.join(COMPONENT_STATUSES)}, or null to derive it",
                          field="override")
        component.override = override


def _group(ctx: Context, ref: object) -> ComponentGroup | None:
    if ref in (None, ""):
        return None
    try:
        return get_group(ctx, str(ref))
    except NotFound:  # a reference in the input: the input is invalid, not the URL
        raise Invalid(f"no component group {ref!r}; create it first", field="group") from None


def _service_id(ctx: Context, component: Component, name: object) -> int | None:
    if name in (None, ""):
        return None
    service_id = ctx.db.scalar(select(Service.id).where(Service.name == name))
    if service_id is None:
        raise Invalid(f"no service {name!r} in the service catalog", field="service")
    taken = ctx.db.scalar(select(Component.name).where(Component.service_id == service_id,
                                                       Component.id != component.id))
    if taken is not None:
        raise Conflict(f"service {name!r} is already the component {taken!r}", field="service")
    return service_id


def derived_statuses(ctx: Context) -> dict[int, str]:
    """component id -> status from incidents and maintenance, before overrides."""
    worst: dict[int, str] = {}

    def consider(component_id: int, status: str) -> None:
        if RANK[status] > RANK[worst.get(component_id, "operational")]:
            worst[component_id] = status

    affected = ctx.db.execute(
        select(Component.id, Incident.severity, Incident.status)
        .join(incident_services, incident_services.c.service_id == Component.service_id)
        .join(Incident, Incident.id == incident_services.c.incident_id)
        .where(Incident.visibility == "public", Incident.status.in_(OPEN_STATUSES)))
    for component_id, severity, status in affected:
        consider(component_id, component_status_for(ctx.policy, severity, status))
    maintained = ctx.db.execute(
        select(maintenance_components.c.component_id)
        .join(Maintenance, Maintenance.id == maintenance_components.c.maintenance_id)
        .where(Maintenance.status.in_(RUNNING)))
    for (component_id,) in maintained:
        consider(component_id, "under_maintenance")
    return worst


def refresh(ctx: Context, *, force: bool = False) -> bool:
    """Store each component's current status, with a history row where it changed. Bumps the page
    version when anything changed (or always, with force: the caller changed something public)."""
    ctx.db.flush()
    derived = derived_statuses(ctx)
    moved = False
    for component in ctx.db.scalars(select(Component)):
        status = component.override or derived.get(component.id, "operational")
        if status != component.status:
            component.status = status
            component.updated_at = ctx.now()
            ctx.db.add(ComponentStatusChange(component_id=component.id, status=status, at=ctx.now()))
            moved = True
    if moved or force:
        publishing.changed(ctx)
    return moved
