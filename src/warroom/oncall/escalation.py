"""Escalation policies: ordered levels of people and schedules to page, each waiting some minutes
for an acknowledgement before the next; services name the policy that pages for them.

Writers (responders and admins) create and change policies, as teams run their own on-call;
deleting one is for admins. Schedules in a level are resolved to people only when the level fires
(`people_at`), so a page reaches whoever is on call then.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from warroom.catalog.models import Service
from warroom.catalog.service import find_services
from warroom.core.context import Context
from warroom.core.errors import Conflict, Invalid, NotFound
from warroom.oncall import service as schedules
from warroom.oncall.models import EscalationLevel, EscalationPolicy, Schedule
from warroom.oncall.paging_schemas import EscalationPolicyIn
from warroom.users.models import User
from warroom.users.service import find_user, require_admin, require_writer


def list_policies(ctx: Context) -> list[EscalationPolicy]:
    return list(ctx.db.scalars(select(EscalationPolicy).order_by(EscalationPolicy.name)))


def get_policy(ctx: Context, ref: str | int, *, field: str = "policy",
               missing: type[Invalid] | type[NotFound] = NotFound) -> EscalationPolicy:
    text = str(ref).strip().lower()
    found = (ctx.db.get(EscalationPolicy, int(text)) if text.isdigit()
             else ctx.db.scalar(select(EscalationPolicy).where(EscalationPolicy.name == text)))
    if found is None:
        raise missing(f"no such escalation policy: {ref}", field=field)
    return found


def _targets(ctx: Context, body: EscalationPolicyIn) -> list[list[dict]]:
    """Every level's targets as stored, checked before anything is written."""
    levels = []
    for number, level in enumerate(body.levels):
        targets: list[dict] = []
        for index, target in enumerate(level.targets):
            field = f"levels.{number}.targets.{index}.ref"
            if target.type == "user":
                user = find_user(ctx.db, target.ref, field=field, missing=Invalid)
                if not user.can_write:
                    raise Invalid(f"{user.handle} is a viewer; people paged must be able to respond", field=field)
                item = {"type": "user", "id": user.id}
            else:
                item = {"type": "schedule", "id": schedules.get_schedule(ctx, target.ref, field=field,
                                                                          missing=Invalid).id}
            if item in targets:
                raise Invalid(f"{target.type} {target.ref} is named twice in level {number + 1}", field=field)
            targets.append(item)
        levels.append(targets)
    return levels


def _check_name_free(ctx: Context, name: str, policy: EscalationPolicy | None) -> None:
    if not name:
        raise Invalid("name must not be empty", field="name")
    taken = ctx.db.scalar(select(EscalationPolicy.id).where(EscalationPolicy.name == name))
    if taken is not None and (policy is None or taken != policy.id):
        raise Conflict(f"an escalation policy named {name!r} already exists", field="name")


def save_policy(ctx: Context, body: EscalationPolicyIn, policy: EscalationPolicy | None = None) -> EscalationPolicy:
    """Create a policy, or replace one's name, repeat and levels whole. Pages already running keep
    their place (level and round) and read the new levels from their next step on."""
    require_writer(ctx)
    _check_name_free(ctx, body.name, policy)
    targets = _targets(ctx, body)
    if policy is None:
        policy = EscalationPolicy(created_at=ctx.now())
        ctx.db.add(policy)
    policy.name, policy.description, policy.repeat = body.name, body.description.strip(), body.repeat
    policy.updated_at = ctx.now()
    policy.levels = [EscalationLevel(position=n + 1, delay_minutes=level.delay_minutes, targets=targets[n])
                     for n, level in enumerate(body.levels)]
    ctx.db.flush()
    return policy


def delete_policy(ctx: Context, policy: EscalationPolicy) -> None:
    """Services that used it page nobody until given another; running pages end at their next step."""
    require_admin(ctx)
    ctx.db.delete(policy)
    ctx.db.flush()


def services_of(ctx: Context, policy: EscalationPolicy) -> list[Service]:
    return list(ctx.db.scalars(select(Service).where(Service.escalation_policy_id == policy.id)
                               .order_by(Service.name)))


def set_service_policy(ctx: Context, service_name: str, policy_ref: str | int | None) -> Service:
    require_writer(ctx)
    service = find_services(ctx.db, [service_name], field="service")[0]
    policy = None if policy_ref is None else get_policy(ctx, policy_ref, field="escalation_policy",
                                                        missing=Invalid)
    service.escalation_policy_id = policy.id if policy else None
    ctx.db.flush()
    return service


def policies_for(ctx: Context, services: list[Service]) -> list[EscalationPolicy]:
    """The distinct policies of an incident's services, in service order."""
    ids = list(dict.fromkeys(s.escalation_policy_id for s in services if s.escalation_policy_id))
    found = {p.id: p for p in ctx.db.scalars(select(EscalationPolicy).where(EscalationPolicy.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def target_names(ctx: Context, level: EscalationLevel) -> list[tuple[str, int, str]]:
    """(type, id, name) of a level's targets; removed ones show as '(removed)'."""
    named = []
    for target in level.targets:
        model = User if target["type"] == "user" else Schedule
        found = ctx.db.get(model, target["id"])
        name = (found.handle if isinstance(found, User) else found.name) if found else "(removed)"
        named.append((target["type"], target["id"], name))
    return named


def people_at(ctx: Context, level: EscalationLevel, at: datetime) -> tuple[list[User], list[str]]:
    """Who a level pages at `at`: its users, and whoever is on call then on its schedules, each
    person once; and notes on targets that reached nobody (removed, deactivated, nobody on call)."""
    people: dict[int, User] = {}
    notes: list[str] = []
    for target in level.targets:
        if target["type"] == "user":
            user = ctx.db.get(User, target["id"])
            if user is None or user.deactivated_at is not None:
                notes.append(f"user {target['id']} no longer exists or was deactivated")
            else:
                people.setdefault(user.id, user)
            continue
        schedule = ctx.db.get(Schedule, target["id"])
        if schedule is None:
            notes.append(f"schedule {target['id']} was deleted")
            continue
        answer = schedules.on_call_at(ctx, schedule, at)  # a deactivated person is never the answer
        if answer.skipped is not None:
            instead = f"{answer.user.handle} covers" if answer.user else "nobody covers"
            notes.append(f"schedule {schedule.name}: it is {answer.skipped.handle}'s turn, but they are "
                         f"deactivated; {instead}")
        if answer.user is None or answer.user.deactivated_at is not None:
            notes.append(f"nobody is on call on schedule {schedule.name}")
        else:
            people.setdefault(answer.user.id, answer.user)
    return list(people.values()), notes

