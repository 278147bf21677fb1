"""Incident roles: one commander at a time (handover is recorded), a deputy, a scribe, a comms lead,
and any number of responders. Holding a role makes a person a participant."""

from __future__ import annotations

from sqlalchemy import select

from warroom.core.context import Context
from warroom.core.errors import Conflict, Invalid, NotFound
from warroom.incidents import deadlines, timeline
from warroom.incidents.access import add_participant
from warroom.incidents.models import Incident, RoleAssignment
from warroom.users.models import User
from warroom.users.service import require_writer

ROLES = ("commander", "deputy", "scribe", "comms_lead", "responder")
SINGLE_HOLDER_ROLES = ("deputy", "scribe", "comms_lead")


def user_snapshot(user: User | None) -> dict | None:
    """How a person is written into timeline data: enough to read it even if they leave later."""
    return None if user is None else {"id": user.id, "handle": user.handle, "name": user.name}


def assign_role(ctx: Context, incident: Incident, role: str, user: User) -> Incident:
    require_writer(ctx)
    if role not in ROLES:
        raise Invalid(f"unknown role {role!r}; allowed: {', '.join(ROLES)}", field="role")
    if not user.can_write:
        raise Invalid(f"{user.handle} is a viewer; incident roles need a responder or admin",
                      field="user")
    if role == "commander":
        changed = _hand_over_command(ctx, incident, user)
    else:
        changed = _assign_supporting_role(ctx, incident, role, user)
    add_participant(ctx, incident, user)
    if changed:
        incident.updated_at = ctx.now()
    ctx.db.flush()
    return incident


def _hand_over_command(ctx: Context, incident: Incident, user: User) -> bool:
    previous = incident.commander
    if previous is not None and previous.id == user.id:
        return False
    incident.commander_id = user.id
    incident.commander = user
    deadlines.acknowledge(ctx, incident)
    timeline.record(ctx, incident, "commander_changed",
                    previous=user_snapshot(previous), user=user_snapshot(user))
    return True


def _assign_supporting_role(ctx: Context, incident: Incident, role: str, user: User) -> bool:
    holders = [a for a in incident.roles if a.role == role]
    if any(a.user_id == user.id for a in holders):
        return False
    replaced = None
    if role in SINGLE_HOLDER_ROLES and holders:
        replaced = holders[0].user
        incident.roles.remove(holders[0])
        ctx.db.flush()
    incident.roles.append(RoleAssignment(role=role, user=user, user_id=user.id, assigned_at=ctx.now()))
    timeline.record(ctx, incident, "role_assigned", role=role, user=user_snapshot(user),
                    replaced=user_snapshot(replaced))
    return True


def remove_role(ctx: Context, incident: Incident, role: str, user: User) -> Incident:
    require_writer(ctx)
    if role not in ROLES:
        raise Invalid(f"unknown role {role!r}; allowed: {', '.join(ROLES)}", field="role")
    if role == "commander":
        raise Conflict("an incident always keeps a commander; hand command over to someone else",
                       field="role")
    assignment = ctx.db.scalar(select(RoleAssignment).where(
        RoleAssignment.incident_id == incident.id, RoleAssignment.role == role,
        RoleAssignment.user_id == user.id))
    if assignment is None:
        raise NotFound(f"{user.handle} is not {role} of {incident.ref}", field="user")
    incident.roles.remove(assignment)
    timeline.record(ctx, incident, "role_removed", role=role, user=user_snapshot(user))
    incident.updated_at = ctx.now()
    ctx.db.flush()
    return incident
