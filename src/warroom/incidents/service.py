"""Incident operations: declare, find, list, edit, change severity and status.

Every change writes its timeline event in the same transaction as the change itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.orm import selectinload

from warroom.catalog.models import Service
from warroom.catalog.service import find_services
from warroom.core.clock import as_utc, iso_utc
from warroom.core.context import Context
from warroom.core.db import row_id
from warroom.core.errors import Conflict, Invalid
from warroom.incidents import deadlines, timeline
from warroom.incidents.access import add_participant, ensure_visible, visible_clause
from warroom.incidents.lifecycle import (
    OPEN_STATUSES, STATUSES, allowed_next, close_guards, is_open, stamp_transition,
)
from warroom.incidents.models import Counter, Incident, RoleAssignment, incident_services
from warroom.incidents.policy import SeverityLevel
from warroom.incidents.roles import assign_role
from warroom.incidents.schemas import IncidentCreate, IncidentPatch, StatusChange
from warroom.users.service import find_user, require_writer

MAX_PAGE = 200


def _level(ctx: Context, name: str, field: str = "severity") -> SeverityLevel:
    level = ctx.policy.level(name)
    if level is None:
        raise Invalid(f"unknown severity {name!r}; allowed: {', '.join(ctx.policy.names)}", field=field)
    return level


def _not_in_future(ctx: Context, moment: datetime | None, field: str) -> datetime | None:
    if moment is None:
        return None
    moment = as_utc(moment)
    if moment > ctx.now():
        raise Invalid(f"{field} is in the future", field=field)
    return moment


def _next_number(ctx: Context) -> int:
    # One UPDATE ... RETURNING: the row lock (PostgreSQL) or the write lock (SQLite) makes two
    # concurrent declarations take different numbers, and a rolled-back one gives its number back.
    # The row itself is created by the initial migration.
    return ctx.db.execute(
        update(Counter).where(Counter.name == "incident").values(value=Counter.value + 1)
        .returning(Counter.value)).scalar_one()


def declare(ctx: Context, data: IncidentCreate) -> Incident:
    require_writer(ctx)
    level = _level(ctx, data.severity)
    now = ctx.now()
    started_at = _not_in_future(ctx, data.started_at, "started_at") or now
    detected_at = _not_in_future(ctx, data.detected_at, "detected_at") or now
    services = _by_name(find_services(ctx.db, data.services))
    commander = find_user(ctx.db, data.commander, field="commander", missing=Invalid) if data.commander is not None else None
    if commander is not None and not commander.can_write:
        # Refused here so the error names the field the caller sent (assign_role would say "user").
        raise Invalid(f"{commander.handle} is a viewer; incident roles need a responder or admin",
                      field="commander")
    incident = Incident(
        number=_next_number(ctx), title=data.title.strip(), summary=data.summary, impact=data.impact,
        severity=level.name, status="triage", visibility=data.visibility,
        labels=_clean_labels(data.labels), links=[link.model_dump() for link in data.links],
        created_by_id=ctx.actor.id if ctx.actor else None, started_at=started_at,
        detected_at=detected_at, declared_at=now, updated_at=now,
        response_due_at=ctx.policy.response_due(level.name, now), next_update_due=now + level.update_every,
        services=services, roles=[])
    if not incident.title:
        raise Invalid("title must not be empty", field="title")
    ctx.db.add(incident)
    ctx.db.flush()
    timeline.record(ctx, incident, "declared", starred=True, severity=level.name, title=incident.title,
                    visibility=incident.visibility, services=[s.name for s in services])
    if ctx.actor is not None:
        add_participant(ctx, incident, ctx.actor)
    if commander is not None:
        assign_role(ctx, incident, "commander", commander)
    else:
        deadlines.schedule_response_due(ctx, incident)
    deadlines.set_next_update_due(ctx, incident, incident.next_update_due)
    ctx.db.flush()
    return incident


def _by_name(services: list[Service]) -> list[Service]:
    # The order an incident's services are read back in (Incident.services is ordered by name), so
    # a response, the timeline and a later read agree, and a reordered list is no change.
    return sorted(services, key=lambda s: s.name)


def _clean_labels(labels: list[str]) -> list[str]:
    return list(dict.fromkeys(label.strip() for label in labels if label.strip()))


def _base_query(*, with_roles: bool = True):
    options = [selectinload(Incident.services)]
    if with_roles:
        options.append(selectinload(Incident.roles).joinedload(RoleAssignment.user))
    return select(Incident).options(*options)


def get_incident(ctx: Context, ref: str | int) -> Incident:
    """By id (42) or ref (INC-42, inc-42). Invisible incidents are reported as missing."""
    text = str(ref).strip()
    query = _base_query()
    if text.upper().startswith("INC-") and text[4:].isascii() and text[4:].isdigit():
        number = row_id(text[4:])
        query = query.where(Incident.number == number) if number else None
    elif text.isascii() and text.isdigit():
        number = row_id(text)
        query = query.where(Incident.id == number) if number else None
    else:
        raise Invalid(f"{text!r} is not an incident id or ref such as INC-12", field="incident")
    return ensure_visible(ctx, ctx.db.scalar(query) if query is not None else None, text)


@dataclass
class IncidentFilter:
    statuses: list[str] | None = None  # may contain "open"
    severities: list[str] | None = None
    service: str | None = None
    text: str | None = None
    since: datetime | None = None


def _filter_clauses(ctx: Context, filters: IncidentFilter) -> list[Any]:
    clauses: list[Any] = [visible_clause(ctx.actor)]
    if filters.statuses:
        wanted: set[str] = set()
        for status in filters.statuses:
            if status == "open":
                wanted.update(OPEN_STATUSES)
            elif status in STATUSES:
                wanted.add(status)
            else:
                raise Invalid(f"unknown status {status!r}; allowed: open, {', '.join(STATUSES)}",
                              field="status")
        clauses.append(Incident.status.in_(sorted(wanted)))
    if filters.severities:
        names = [_level(ctx, name).name for name in filters.severities]
        clauses.append(Incident.severity.in_(names))
    if filters.service:
        clauses.append(exists(select(incident_services.c.incident_id).join(Service).where(
            incident_services.c.incident_id == Incident.id, Service.name == filters.service.lower())))
    if filters.text:
        # The text is literal: %, _ and the escape character itself match only themselves.
        literal = filters.text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{literal}%"
        clauses.append(or_(func.lower(Incident.title).like(pattern, escape="\\"),
                           func.lower(Incident.summary).like(pattern, escape="\\")))
    if filters.since:
        clauses.append(Incident.declared_at >= as_utc(filters.since))
    return clauses


def list_incidents(ctx: Context, filters: IncidentFilter, *, limit: int = 50, cursor: str | None = None,
                   with_roles: bool = True) -> tuple[list[Incident], int, str | None]:
    """Newest first. Returns the page, the total matching, and the cursor of the next page.
    Lists that show only the commander (the web's) skip loading the other roles."""
    if not 1 <= limit <= MAX_PAGE:
        raise Invalid(f"limit must be between 1 and {MAX_PAGE}", field="limit")
    clauses = _filter_clauses(ctx, filters)
    total = ctx.db.scalar(select(func.count(Incident.id)).where(*clauses)) or 0
    page = select(Incident.id).where(*clauses)
    if cursor:
        if row_id(cursor) is None:
            raise Invalid("cursor is not one this API returned", field="cursor")
        page = page.where(Incident.id < int(cursor))
    # Ids first (from the index), then whole rows for the page only: sorting every match as a full
    # row made the open list read ~1,500 rows to return 50 (bench/seeded.py).
    page = page.order_by(Incident.id.desc()).limit(limit + 1).correlate(None)
    query = _base_query(with_roles=with_roles).where(Incident.id.in_(page)).order_by(Incident.id.desc())
    items = list(ctx.db.scalars(query))
    next_cursor = str(items[limit - 1].id) if len(items) > limit else None
    return items[:limit], total, next_cursor


def _snapshot(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso_utc(value)
    return value


def update_incident(ctx: Context, incident: Incident, patch: IncidentPatch) -> Incident:
    """Apply the fields present in `patch`: all are checked before any is changed."""
    require_writer(ctx)
    changes = patch.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if value is None:
            raise Invalid(f"{name} cannot be null", field=name)
    severity = _level(ctx, changes.pop("severity")).name if "severity" in changes else None
    services = _by_name(find_services(ctx.db, changes.pop("services"))) if "services" in changes else None
    for name in ("started_at", "detected_at"):
        if name in changes:
            changes[name] = _not_in_future(ctx, changes[name], name)
    if "title" in changes:
        changes["title"] = changes["title"].strip()
        if not changes["title"]:
            raise Invalid("title must not be empty", field="title")
    if "labels" in changes:
        changes["labels"] = _clean_labels(changes["labels"])

    if severity is not None:
        change_severity(ctx, incident, severity)
    edited = False
    if services is not None:
        old, new = [s.name for s in incident.services], [s.name for s in services]
        if old != new:
            incident.services = services
            timeline.record(ctx, incident, "field_edited", field="services", old=old, new=new)
            edited = True
    for name, value in changes.items():
        old = getattr(incident, name)
        if old != value:
            setattr(incident, name, value)
            timeline.record(ctx, incident, "field_edited", field=name, old=_snapshot(old),
                            new=_snapshot(value))
            edited = True
    if edited:
        incident.updated_at = ctx.now()
    ctx.db.flush()
    return incident


def change_severity(ctx: Context, incident: Incident, severity: str) -> Incident:
    require_writer(ctx)
    level = _level(ctx, severity)
    if level.name == incident.severity:
        return incident
    old = incident.severity
    incident.severity = level.name
    if incident.acknowledged_at is None and is_open(incident.status):
        # Not yet answered: the new level's target runs from now. Once acknowledged, the response
        # is history and its target stays what it was.
        incident.response_due_at = ctx.policy.response_due(level.name, ctx.now())
        deadlines.schedule_response_due(ctx, incident)
    deadlines.after_severity_change(ctx, incident)
    timeline.record(ctx, incident, "severity_changed", starred=True, old=old, new=level.name)
    incident.updated_at = ctx.now()
    ctx.db.flush()
    return incident


def change_status(ctx: Context, incident: Incident, change: StatusChange) -> Incident:
    require_writer(ctx)
    new, old = change.status, incident.status
    if new == old:
        raise Conflict(f"{incident.ref} is already {old}", field="status")
    allowed = allowed_next(old)
    if new not in allowed:
        names = ", ".join(allowed) or "none, it is final"
        raise Conflict(f"cannot move {incident.ref} from {old} to {new}; allowed: {names}", field="status")
    if old == "triage" and new != "canceled" and incident.commander_id is None:
        raise Conflict(f"assign a commander before moving {incident.ref} out of triage", field="status")
    resolution = (change.resolution or "").strip()
    if resolution and new != "resolved":
        raise Invalid("a resolution goes with status resolved; use note for other moves",
                      field="resolution")
    if new == "resolved":
        if not resolution:
            raise Invalid("resolving needs a resolution: what fixed it", field="resolution")
        incident.resolution = resolution
    if new == "closed":
        for guard in close_guards:
            reason = guard(ctx, incident)
            if reason:
                raise Conflict(f"cannot close {incident.ref}: {reason}", field="status")
    if old == "resolved" and new != "closed":
        # Reopened: the old resolution no longer stands; its status_changed event keeps it.
        incident.resolution = ""
    stamped = stamp_transition(incident, new, ctx.now())
    incident.status = new
    if not is_open(new):
        deadlines.stop_response_due(ctx, incident)
    deadlines.after_status_change(ctx, incident, old)
    note = (change.note or "").strip()
    timeline.record(ctx, incident, "status_changed", body=note or resolution, starred=True,
                    old=old, new=new, timestamps=stamped)
    incident.updated_at = ctx.now()
    ctx.db.flush()
    return incident


def open_counts_by_service(ctx: Context) -> dict[str, int]:
    """Service name -> how many open incidents the viewer may see name it."""
    rows = ctx.db.execute(
        select(Service.name, func.count(Incident.id))
        .join(incident_services, incident_services.c.service_id == Service.id)
        .join(Incident, Incident.id == incident_services.c.incident_id)
        .where(Incident.status.in_(OPEN_STATUSES), visible_clause(ctx.actor))
        .group_by(Service.name))
    return {name: count for name, count in rows}
