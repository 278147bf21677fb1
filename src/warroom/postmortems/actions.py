"""Action items: what an incident teaches, with an owner and a due date, tracked across incidents.

An item is due at the end of its `due_on` day in the policy's timezone. Its owner is reminded the
day before (at the start of business hours) and when it passes (durable timers, mail through the outbox: see reminders.py).
Done and won't-do items record when they were closed; won't-do needs a reason.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from warroom.catalog.models import Service
from warroom.core import timers
from warroom.core.context import Context
from warroom.core.errors import Invalid, NotFound
from warroom.incidents import access
from warroom.incidents.models import Incident, incident_services
from warroom.postmortems.models import ACTION_STATUSES, ActionItem, Postmortem
from warroom.postmortems.schemas import ActionItemIn, ActionItemOut, ActionItemPatch
from warroom.users.models import User
from warroom.users.schemas import UserRef
from warroom.users.service import find_user, require_writer

DUE_SOON = "action_item.due_soon"
OVERDUE = "action_item.overdue"
MAX_LIST = 500


def due_end(ctx: Context, due_on: date) -> datetime:
    """The end of the due day (midnight after it) in the policy's timezone, in UTC."""
    return datetime.combine(due_on + timedelta(days=1), time(0), tzinfo=ctx.policy.zone).astimezone(timezone.utc)


def reminder_at(ctx: Context, due_on: date) -> datetime:
    """When the owner hears "due tomorrow": the start of business hours the day before."""
    start = time.fromisoformat(ctx.policy.business_hours.start)
    return datetime.combine(due_on - timedelta(days=1), start, tzinfo=ctx.policy.zone).astimezone(timezone.utc)


def is_overdue(ctx: Context, item: ActionItem) -> bool:
    return item.status == "open" and due_end(ctx, item.due_on) <= ctx.now()


def _owner(ctx: Context, ref: str) -> User:
    owner = find_user(ctx.db, ref, field="owner", missing=Invalid)
    if owner.deactivated_at is not None:
        raise Invalid(f"{owner.name} is deactivated; choose an active owner", field="owner")
    return owner


def _ticket(url: str) -> str:
    url = url.strip()
    if url and not url.lower().startswith(("http://", "https://")):
        raise Invalid("ticket_url must be an http:// or https:// link", field="ticket_url")
    return url


def _schedule(ctx: Context, item: ActionItem) -> None:
    """(Re)arm the reminders of an open item; closing it disarms them."""
    timers.cancel(ctx, DUE_SOON, item.id)
    timers.cancel(ctx, OVERDUE, item.id)
    if item.status != "open":
        return
    if reminder_at(ctx, item.due_on) > ctx.now():
        timers.schedule(ctx, DUE_SOON, item.id, reminder_at(ctx, item.due_on))
    timers.schedule(ctx, OVERDUE, item.id, max(due_end(ctx, item.due_on), ctx.now()))


def create_action_item(ctx: Context, incident: Incident, data: ActionItemIn) -> ActionItem:
    require_writer(ctx)
    if data.due_on < ctx.now().astimezone(ctx.policy.zone).date():
        raise Invalid("due_on must be today or later", field="due_on")
    postmortem_id = ctx.db.scalar(select(Postmortem.id).where(Postmortem.incident_id == incident.id))
    now = ctx.now()
    item = ActionItem(incident_id=incident.id, postmortem_id=postmortem_id, title=data.title.strip(),
                      owner=_owner(ctx, data.owner), due_on=data.due_on, priority=data.priority, type=data.type,
                      status="open", wont_do_reason="", ticket_url=_ticket(data.ticket_url), created_at=now,
                      created_by_id=ctx.actor.id if ctx.actor else None, updated_at=now)
    if not item.title:
        raise Invalid("title must not be empty", field="title")
    ctx.db.add(item)
    ctx.db.flush()
    _schedule(ctx, item)
    return item


def get_action_item(ctx: Context, item_id: int) -> ActionItem:
    item = ctx.db.get(ActionItem, item_id)
    if item is None or not access.can_see(ctx, ctx.db.get(Incident, item.incident_id)):
        raise NotFound(f"no action item {item_id}", field="action_item")
    return item


def update_action_item(ctx: Context, item: ActionItem, patch: ActionItemPatch) -> ActionItem:
    require_writer(ctx)
    if patch.title is not None:
        if not patch.title.strip():
            raise Invalid("title must not be empty", field="title")
        item.title = patch.title.strip()
    if patch.owner is not None:
        item.owner = _owner(ctx, patch.owner)
    if patch.due_on is not None:
        item.due_on = patch.due_on
    for name in ("priority", "type"):
        if getattr(patch, name) is not None:
            setattr(item, name, getattr(patch, name))
    if patch.ticket_url is not None:
        item.ticket_url = _ticket(patch.ticket_url)
    if patch.status is not None and patch.status != item.status:
        if patch.status == "wont_do" and not (patch.wont_do_reason or "").strip():
            raise Invalid("wont_do_reason is required to drop an action item: say why it will not be done",
                          field="wont_do_reason")
        item.status = patch.status
        item.completed_at = None if patch.status == "open" else ctx.now()
        item.wont_do_reason = (patch.wont_do_reason or "").strip() if patch.status == "wont_do" else ""
    elif patch.wont_do_reason is not None and item.status == "wont_do":
        if not patch.wont_do_reason.strip():
            raise Invalid("wont_do_reason must not be empty", field="wont_do_reason")
        item.wont_do_reason = patch.wont_do_reason.strip()
    item.updated_at = ctx.now()
    ctx.db.flush()
    _schedule(ctx, item)
    return item


def list_action_items(ctx: Context, *, owner: str | None = None, status: str | None = None, overdue: bool = False,
                      service: str | None = None, incident: Incident | None = None,
                      limit: int = 200) -> list[ActionItem]:
    """Across incidents the viewer may see: soonest due first."""
    query = (select(ActionItem).join(Incident, Incident.id == ActionItem.incident_id)
             .where(access.visible_clause(ctx.actor)))
    if owner:
        query = query.where(ActionItem.owner_id == find_user(ctx.db, owner, field="owner", missing=Invalid).id)
    if status:
        if status not in ACTION_STATUSES:
            raise Invalid(f"unknown status {status!r}; allowed: {', '.join(ACTION_STATUSES)}", field="status")
        query = query.where(ActionItem.status == status)
    if overdue:
        today = ctx.now().astimezone(ctx.policy.zone).date()
        query = query.where(ActionItem.status == "open", ActionItem.due_on < today)
    if service:
        service_id = ctx.db.scalar(select(Service.id).where(Service.name == service.strip().lower()))
        if service_id is None:
            raise Invalid(f"no service named {service!r}", field="service")
        query = query.where(ActionItem.incident_id.in_(
            select(incident_services.c.incident_id).where(incident_services.c.service_id == service_id)))
    if incident is not None:
        query = query.where(ActionItem.incident_id == incident.id)
    query = query.order_by(ActionItem.due_on, ActionItem.id).limit(min(max(limit, 1), MAX_LIST))
    return list(ctx.db.scalars(query))


def to_out(ctx: Context, item: ActionItem, incident: Incident | None = None) -> ActionItemOut:
    incident = incident or ctx.db.get(Incident, item.incident_id)
    return ActionItemOut(id=item.id, incident=incident.ref, incident_title=incident.title, title=item.title,
                         owner=UserRef.model_validate(item.owner), due_on=item.due_on, priority=item.priority,
                         type=item.type, status=item.status, wont_do_reason=item.wont_do_reason,
                         ticket_url=item.ticket_url, overdue=is_overdue(ctx, item), created_at=item.created_at,
                         completed_at=item.completed_at)
