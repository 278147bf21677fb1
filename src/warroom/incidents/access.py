"""Who may see and change which incident.

Restricted incidents are visible only to their participants and to admins. Everything that reads
incidents goes through `visible_clause`, so lists, counts, search and timelines agree.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select, true

from warroom.core.context import Context
from warroom.core.errors import NotFound
from warroom.incidents.models import Incident, Participant
from warroom.users.models import User


def visible_clause(actor: User | None) -> ColumnElement[bool]:
    if actor is None or actor.is_admin:
        return true()
    # Not a correlated EXISTS: PostgreSQL costs that per row, and on a large table the inflated
    # estimate switched on JIT compilation for every unfiltered list (bench/seeded.py).
    is_participant = Incident.id.in_(
        select(Participant.incident_id).where(Participant.user_id == actor.id))
    return or_(Incident.visibility != "restricted", is_participant)


def can_see(ctx: Context, incident: Incident) -> bool:
    actor = ctx.actor
    if actor is None or actor.is_admin or incident.visibility != "restricted":
        return True
    return ctx.db.get(Participant, (incident.id, actor.id)) is not None


def ensure_visible(ctx: Context, incident: Incident | None, ref: str) -> Incident:
    # An invisible incident is reported as missing, so its existence does not leak.
    if incident is None or not can_see(ctx, incident):
        raise NotFound(f"no such incident: {ref}", field="incident")
    return incident


def add_participant(ctx: Context, incident: Incident, user: User) -> None:
    if ctx.db.get(Participant, (incident.id, user.id)) is None:
        ctx.db.add(Participant(incident_id=incident.id, user_id=user.id, added_at=ctx.now()))
        ctx.db.flush()
