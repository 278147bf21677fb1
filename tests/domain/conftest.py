"""Helpers for domain tests: call the service layer directly, one write transaction per operation,
the way the API does, against the real test database (SQLite or PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select

from warroom.catalog.service import create_service
from warroom.core.context import Context
from warroom.core.runtime import Runtime
from warroom.core.timers import Timer
from warroom.core.timers import pending as pending_timers
from warroom.incidents import roles, service, timeline
from warroom.incidents.deadlines import RESPONSE_DUE, UPDATE_DUE
from warroom.incidents.models import Counter, Incident, Participant, RoleAssignment, TimelineEvent
from warroom.incidents.schemas import IncidentCreate, StatusChange
from warroom.users.models import User
from warroom.users.service import find_user

TIMESTAMPS = ("started_at", "detected_at", "declared_at", "acknowledged_at", "mitigated_at",
              "resolved_at", "closed_at", "canceled_at", "response_due_at", "updated_at")


def plain(row: Any) -> SimpleNamespace:
    """A row's column values, readable after its session has gone."""
    return SimpleNamespace(**{c.key: getattr(row, c.key) for c in row.__table__.columns})


class Desk:
    """Runs service operations as a given user, each in its own write transaction."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    @contextmanager
    def ctx(self, actor: User | None) -> Iterator[Context]:
        with self.runtime.db.write_session() as session:
            me = session.get(User, actor.id) if actor is not None else None
            yield self.runtime.context(session, me)

    @contextmanager
    def reading(self) -> Iterator[Context]:
        with self.runtime.db.read_session() as session:
            yield self.runtime.system_context(session)

    # --- operations -----------------------------------------------------------------------------

    def service(self, actor: User, name: str) -> None:
        with self.ctx(actor) as ctx:
            create_service(ctx, name=name)

    def declare(self, actor: User, title: str = "Checkout is failing", severity: str = "SEV2",
                **fields: Any) -> str:
        with self.ctx(actor) as ctx:
            return service.declare(ctx, IncidentCreate(title=title, severity=severity, **fields)).ref

    def status(self, actor: User, ref: str, status: str, **fields: Any) -> None:
        with self.ctx(actor) as ctx:
            service.change_status(ctx, service.get_incident(ctx, ref), StatusChange(status=status, **fields))

    def severity(self, actor: User, ref: str, severity: str) -> None:
        with self.ctx(actor) as ctx:
            service.change_severity(ctx, service.get_incident(ctx, ref), severity)

    def assign(self, actor: User, ref: str, role: str, who: User) -> None:
        with self.ctx(actor) as ctx:
            roles.assign_role(ctx, service.get_incident(ctx, ref), role, find_user(ctx.db, who.id))

    def unassign(self, actor: User, ref: str, role: str, who: User) -> None:
        with self.ctx(actor) as ctx:
            roles.remove_role(ctx, service.get_incident(ctx, ref), role, find_user(ctx.db, who.id))

    def note(self, actor: User, ref: str, body: str, **fields: Any) -> int:
        with self.ctx(actor) as ctx:
            return timeline.add_note(ctx, service.get_incident(ctx, ref), body, **fields).id

    # --- reading back ---------------------------------------------------------------------------

    def row(self, ref: str) -> dict[str, Any]:
        """Everything about an incident that a change could touch, as plain values: its columns,
        roles, services, participants, the kinds of its timeline events and its pending
        response-due and update-due timers."""
        with self.reading() as ctx:
            incident = service.get_incident(ctx, ref)
            values = {c.key: getattr(incident, c.key) for c in Incident.__table__.columns}
            values["roles"] = sorted((a.role, a.user_id) for a in incident.roles)
            values["services"] = [s.name for s in incident.services]
            values["participants"] = sorted(ctx.db.scalars(
                select(Participant.user_id).where(Participant.incident_id == incident.id)))
            values["event_kinds"] = list(ctx.db.scalars(select(TimelineEvent.kind).where(
                TimelineEvent.incident_id == incident.id).order_by(TimelineEvent.id)))
            values["waiting"] = [t.due_at for t in pending_timers(ctx.db, RESPONSE_DUE, incident.id)]
            values["update_waiting"] = [t.due_at for t in pending_timers(ctx.db, UPDATE_DUE, incident.id)]
            return values

    def events(self, ref: str) -> list[SimpleNamespace]:
        """The incident's events in the order they were written, as plain values."""
        with self.reading() as ctx:
            incident = service.get_incident(ctx, ref)
            return [plain(e) for e in ctx.db.scalars(select(TimelineEvent).where(
                TimelineEvent.incident_id == incident.id).order_by(TimelineEvent.id))]

    def kinds(self, ref: str) -> list[str]:
        return [e.kind for e in self.events(ref)]

    def timers(self, kind: str | None = None) -> list[SimpleNamespace]:
        with self.reading() as ctx:
            query = select(Timer).order_by(Timer.id)
            if kind is not None:
                query = query.where(Timer.kind == kind)
            return [plain(t) for t in ctx.db.scalars(query)]

    def table_counts(self) -> dict[str, int]:
        with self.reading() as ctx:
            counts = {model.__tablename__: ctx.db.scalar(select(func.count()).select_from(model))
                      for model in (Incident, TimelineEvent, Participant, RoleAssignment, Timer)}
            counts["counter"] = ctx.db.scalar(select(Counter.value).where(Counter.name == "incident"))
            return counts


@pytest.fixture
def desk(runtime: Runtime) -> Desk:
    return Desk(runtime)


@pytest.fixture
def ada(admin) -> User:
    return admin.user


@pytest.fixture
def rita(responder) -> User:
    return responder.user


@pytest.fixture
def victor(viewer) -> User:
    return viewer.user


@pytest.fixture
def sam(world) -> User:
    return world.person("sam").user
