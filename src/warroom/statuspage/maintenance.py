"""Scheduled maintenance: a window, the components it touches, and its public updates.

    scheduled -> in_progress -> verifying -> completed      (and scheduled -> canceled)

It moves by itself at the window's start (to in_progress) and end (to completed, from in_progress
or verifying), through durable timers, so a restart across the window loses nothing; admins can
also move it by hand (start early, verify, complete early). While it is in progress or verifying,
its components show under_maintenance. Every move is a public update and is announced to
subscribers (scheduled, started, ended).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from warroom.core import timers
from warroom.core.clock import as_utc
from warroom.core.context import Context
from warroom.core.errors import Conflict, Invalid, NotFound
from warroom.core.timers import Timer
from warroom.statuspage import components, publishing
from warroom.statuspage.models import MAINTENANCE_STATUSES, Component, Maintenance, MaintenanceUpdate
from warroom.users.service import require_admin

START, END = "maintenance.start", "maintenance.end"
MOVES = {"scheduled": ("in_progress", "canceled"), "in_progress": ("verifying", "completed"),
         "verifying": ("completed", "in_progress"), "completed": (), "canceled": ()}
ACTIVE = ("in_progress", "verifying")
MAX_WINDOW = timedelta(days=30)
DEFAULT_WORDS = {
    "scheduled": "Maintenance is scheduled for this window.",
    "in_progress": "Maintenance is in progress.",
    "verifying": "Maintenance work is done; we are verifying that everything works.",
    "completed": "Maintenance has been completed.",
    "canceled": "This maintenance has been canceled.",
}
ANNOUNCED = {"scheduled": publishing.MAINTENANCE_SCHEDULED, "in_progress": publishing.MAINTENANCE_STARTED,
             "completed": publishing.MAINTENANCE_ENDED, "canceled": publishing.MAINTENANCE_ENDED}


def get_maintenance(ctx: Context, ref: str | int) -> Maintenance:
    query = select(Maintenance)
    query = query.where(Maintenance.id == ref) if isinstance(ref, int) else query.where(Maintenance.public_id == ref)
    maintenance = ctx.db.scalar(query)
    if maintenance is None:
        raise NotFound(f"no maintenance {ref!r}", field="maintenance")
    return maintenance


def list_maintenances(ctx: Context, *, statuses: tuple[str, ...] = (), limit: int = 100,
                      offset: int = 0) -> list[Maintenance]:
    query = select(Maintenance)
    if statuses:
        query = query.where(Maintenance.status.in_(statuses))
    return list(ctx.db.scalars(query.order_by(Maintenance.starts_at.desc(), Maintenance.id.desc())
                               .limit(limit).offset(offset)))


def _window(ctx: Context, starts_at: datetime, ends_at: datetime) -> tuple[datetime, datetime]:
    starts_at, ends_at = as_utc(starts_at), as_utc(ends_at)
    if ends_at <= starts_at:
        raise Invalid("ends_at must be after starts_at", field="ends_at")
    if ends_at - starts_at > MAX_WINDOW:
        raise Invalid("a maintenance window can last at most 30 days", field="ends_at")
    return starts_at, ends_at


def _components(ctx: Context, refs: list[str]) -> list[Component]:
    """The components a maintenance names; an unknown one makes the input invalid (not a 404)."""
    try:
        return [components.get_component(ctx, ref) for ref in dict.fromkeys(refs)]
    except NotFound as exc:
        raise Invalid(f"{exc.message}; components are named by name or public id", field="components") from None


def _title(title: object) -> str:
    if not isinstance(title, str) or not title.strip() or len(title.strip()) > 200:
        raise Invalid("title must be a non-empty text of at most 200 characters", field="title")
    return title.strip()


def schedule(ctx: Context, *, title: str, starts_at: datetime, ends_at: datetime, body: str = "",
             component_refs: list[str] = ()) -> Maintenance:
    require_admin(ctx)
    starts_at, ends_at = _window(ctx, starts_at, ends_at)
    if ends_at <= ctx.now():
        raise Invalid("ends_at is in the past; a maintenance is scheduled ahead", field="ends_at")
    maintenance = Maintenance(public_id=publishing.new_public_id(), title=_title(title), body=body.strip(),
                              status="scheduled", starts_at=starts_at, ends_at=ends_at,
                              created_by_id=ctx.actor.id if ctx.actor else None, created_at=ctx.now(),
                              updated_at=ctx.now())
    maintenance.components = _components(ctx, list(component_refs))
    ctx.db.add(maintenance)
    ctx.db.flush()
    _record(ctx, maintenance, "scheduled", body.strip())
    _set_timers(ctx, maintenance)
    if starts_at <= ctx.now():
        move(ctx, maintenance, "in_progress", system=True)
    return maintenance


def edit(ctx: Context, maintenance: Maintenance, *, title: str | None = None, body: str | None = None,
         starts_at: datetime | None = None, ends_at: datetime | None = None,
         component_refs: list[str] | None = None) -> Maintenance:
    require_admin(ctx)
    if maintenance.status in ("completed", "canceled"):
        raise Conflict(f"the maintenance is {maintenance.status}; it can no longer change", field="status")
    if title is not None:
        maintenance.title = _title(title)
    if body is not None:
        maintenance.body = body.strip()
    # A time sent back unchanged (a whole form submitted again) is not a move.
    if starts_at is not None and as_utc(starts_at) == as_utc(maintenance.starts_at):
        starts_at = None
    if ends_at is not None and as_utc(ends_at) == as_utc(maintenance.ends_at):
        ends_at = None
    if starts_at is not None or ends_at is not None:
        if starts_at is not None and maintenance.status != "scheduled":
            raise Conflict("the maintenance has started; only its end can move", field="starts_at")
        if ends_at is not None and as_utc(ends_at) <= ctx.now():
            raise Invalid("ends_at is in the past; to end the maintenance now, complete it", field="ends_at")
        maintenance.starts_at, maintenance.ends_at = _window(
            ctx, starts_at or maintenance.starts_at, ends_at or maintenance.ends_at)
        _set_timers(ctx, maintenance)
    if component_refs is not None:
        maintenance.components = _components(ctx, component_refs)
    maintenance.updated_at = ctx.now()
    ctx.db.flush()
    if maintenance.status == "scheduled" and as_utc(maintenance.starts_at) <= ctx.now():
        move(ctx, maintenance, "in_progress", system=True)  # as schedule() does: its window is open
    components.refresh(ctx, force=True)
    return maintenance


def move(ctx: Context, maintenance: Maintenance, status: str, *, body: str = "", system: bool = False) -> Maintenance:
    """Move to `status` (by hand, or `system` when its window starts or ends)."""
    if not system:
        require_admin(ctx)
    if status not in MAINTENANCE_STATUSES:
        raise Invalid(f"status must be one of {', '.join(MAINTENANCE_STATUSES)}", field="status")
    if status not in MOVES[maintenance.status]:
        allowed = ", ".join(MOVES[maintenance.status]) or "nothing"
        raise Conflict(f"a maintenance that is {maintenance.status} can move to {allowed}, not {status}",
                       field="status")
    now = ctx.now()
    maintenance.status = status
    maintenance.updated_at = now
    if status == "in_progress" and maintenance.started_at is None:
        maintenance.started_at = now
    if status in ("completed", "canceled"):
        maintenance.completed_at = now
        _cancel_timers(ctx, maintenance)
    _record(ctx, maintenance, status, body.strip())
    components.refresh(ctx, force=True)
    return maintenance


def _record(ctx: Context, maintenance: Maintenance, status: str, body: str) -> None:
    update = MaintenanceUpdate(public_id=publishing.new_public_id(), maintenance_id=maintenance.id, status=status,
                               body=body or DEFAULT_WORDS[status], at=ctx.now())
    ctx.db.add(update)
    ctx.db.flush()
    ctx.db.refresh(maintenance, ["updates"])
    publishing.changed(ctx)
    if status in ANNOUNCED:
        publishing.announce(ctx, publishing.Announcement(
            kind=ANNOUNCED[status], public_id=maintenance.public_id, title=maintenance.title, status=status,
            body=update.body, components=tuple(c.public_id for c in maintenance.components),
            data={"starts_at": maintenance.starts_at.isoformat(), "ends_at": maintenance.ends_at.isoformat()}))


def _cancel_timers(ctx: Context, maintenance: Maintenance) -> None:
    for timer in ctx.db.scalars(select(Timer).where(Timer.kind.in_((START, END)), Timer.subject_id == maintenance.id,
                                                    Timer.fired_at.is_(None), Timer.canceled_at.is_(None))):
        timer.canceled_at = ctx.now()


def _set_timers(ctx: Context, maintenance: Maintenance) -> None:
    _cancel_timers(ctx, maintenance)
    if maintenance.status == "scheduled":
        timers.schedule(ctx, START, maintenance.id, maintenance.starts_at)
    timers.schedule(ctx, END, maintenance.id, maintenance.ends_at)


@timers.handles(START)
def window_started(ctx: Context, timer: Timer) -> None:
    maintenance = ctx.db.get(Maintenance, timer.subject_id)
    if maintenance is not None and maintenance.status == "scheduled" and maintenance.starts_at <= ctx.now():
        move(ctx, maintenance, "in_progress", system=True)


@timers.handles(END)
def window_ended(ctx: Context, timer: Timer) -> None:
    maintenance = ctx.db.get(Maintenance, timer.subject_id)
    if maintenance is None or maintenance.ends_at > ctx.now():
        return
    if maintenance.status == "scheduled":  # the start timer has not run yet: it began and ended
        move(ctx, maintenance, "in_progress", system=True)
    if maintenance.status in ACTIVE:
        move(ctx, maintenance, "completed", system=True)
