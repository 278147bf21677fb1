"""Making what the public status page shows, through the real services, for the page's web and
browser tests: components, public (and private) incidents with their updates and notes,
maintenance, and the page's own settings. Each operation is one write transaction as `actor`.

    seed = StatusSeed(runtime, admin_user)
    checkout = seed.component("Checkout")          # a service and a component following it
    ref = seed.declare("Card payments fail", "SEV1", services=["checkout"])
    seed.update(ref, "Card payments fail for everyone")
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from warroom.catalog.service import create_service
from warroom.comms import updates
from warroom.comms.schemas import UpdateIn
from warroom.core.context import Context
from warroom.core.runtime import Runtime
from warroom.incidents import service, timeline
from warroom.incidents.schemas import IncidentCreate, StatusChange
from warroom.statuspage import components, maintenance, publishing
from warroom.statuspage.models import PublicIncident
from warroom.users.models import User


class StatusSeed:
    def __init__(self, runtime: Runtime, actor: User) -> None:
        self.runtime = runtime
        self.actor = actor

    @contextmanager
    def ctx(self) -> Iterator[Context]:
        with self.runtime.db.write_session() as session:
            yield self.runtime.context(session, session.get(User, self.actor.id))

    def component(self, name: str, *, group: str | None = None, description: str = "", position: int = 0) -> str:
        """A service named like the component (lower case) and the component following it."""
        with self.ctx() as ctx:
            create_service(ctx, name=name.lower().replace(" ", "-"))
            if group and not any(g.name == group for g in components.list_groups(ctx)):
                components.create_group(ctx, group)
            fields = {"group": group} if group else {}
            return components.create_component(ctx, name, service=name.lower().replace(" ", "-"),
                                               description=description, position=position, **fields).public_id

    def declare(self, title: str, severity: str = "SEV2", *, services: list[str] = (),
                visibility: str = "public") -> str:
        """Declared with the actor in command, so it can move out of triage at once."""
        with self.ctx() as ctx:
            return service.declare(ctx, IncidentCreate(title=title, severity=severity, visibility=visibility,
                                                       services=list(services), commander=self.actor.id)).ref

    def past(self, title: str, severity: str = "SEV3", *, services: list[str] = ()) -> str:
        """An incident declared and resolved at once, in one transaction (for long histories)."""
        with self.ctx() as ctx:
            incident = service.declare(ctx, IncidentCreate(title=title, severity=severity, visibility="public",
                                                           services=list(services), commander=self.actor.id))
            service.change_status(ctx, incident, StatusChange(status="resolved", resolution="Rolled back"))
            return incident.ref

    def update(self, ref: str, happening: str, *, audience: str = "public", doing: str = "Rolling back the release",
               next_in: timedelta | None = timedelta(minutes=30)) -> None:
        with self.ctx() as ctx:
            updates.post_update(ctx, service.get_incident(ctx, ref), UpdateIn(
                audience=audience, whats_happening=happening, who_is_affected="Customers paying by card",
                what_we_are_doing=doing, next_update_at=ctx.now() + next_in if next_in else None))

    def note(self, ref: str, body: str) -> None:
        with self.ctx() as ctx:
            timeline.add_note(ctx, service.get_incident(ctx, ref), body)

    def status(self, ref: str, status: str, **fields) -> None:
        with self.ctx() as ctx:
            service.change_status(ctx, service.get_incident(ctx, ref), StatusChange(status=status, **fields))

    def resolve(self, ref: str) -> None:
        self.status(ref, "resolved", resolution="Rolled back")

    def public_id(self, ref: str) -> str:
        with self.ctx() as ctx:
            return ctx.db.get(PublicIncident, service.get_incident(ctx, ref).id).public_id

    def maintenance(self, title: str, starts_at: datetime, ends_at: datetime, *, components: list[str] = (),
                    body: str = "") -> str:
        with self.ctx() as ctx:
            return maintenance.schedule(ctx, title=title, starts_at=starts_at, ends_at=ends_at, body=body,
                                        component_refs=list(components)).public_id

    def move_maintenance(self, public_id: str, status: str, body: str = "") -> None:
        with self.ctx() as ctx:
            maintenance.move(ctx, maintenance.get_maintenance(ctx, public_id), status, body=body)

    def page(self, **fields: str) -> None:
        """The page's name, logo, colour or timezone, stored as the admin settings would."""
        with self.ctx() as ctx:
            row = publishing.page(ctx)
            for name, value in fields.items():
                setattr(row, name, value)
            publishing.changed(ctx)
