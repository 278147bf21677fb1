"""Nothing private reaches a public surface.

A secret string goes into every private place an incident has: an internal incident, a restricted
incident, a public incident's summary, impact and resolution, an internal and a customers update,
a public-audience update on a non-public incident, a note; the public incident's commander has a
name and address that must not show either. Then every public route of the app (found by walking
the app's routes, so a new one is covered without being listed here), every permalink, and every
subscriber mail and webhook event is read, and none may contain any of them.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from fastapi import routing
from sqlalchemy import select

from receivers import with_smtp
from warroom.comms import updates
from warroom.comms.schemas import UpdateIn
from warroom.core.clock import ManualClock
from warroom.core.outbox import OutboxMessage
from warroom.core.worker import Worker
from warroom.incidents import service, timeline
from warroom.incidents.schemas import IncidentCreate, StatusChange
from warroom.statuspage import components, maintenance, subscriptions
from warroom.statuspage.models import PublicIncident, Subscriber

SECRETS = {
    "internal incident": "SECRET-internal-incident-7f3a",
    "restricted incident": "SECRET-restricted-incident-91bc",
    "summary": "SECRET-summary-db01-disk",
    "impact": "SECRET-impact-acme-corp",
    "resolution": "SECRET-resolution-rotated-keys",
    "internal update": "SECRET-internal-update-ssh-bastion",
    "customers update": "SECRET-customers-update-credit",
    "public update on an internal incident": "SECRET-public-words-internal-incident",
    "note": "SECRET-note-password-in-slack",
    "commander name": "Zebedee",
    "commander address": "zebedee@example.com",
    "incident number": "INC-",
}
PUBLIC_PREFIXES = ("/status", "/api/v2/")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime.now(timezone.utc).replace(microsecond=0))


@pytest.fixture
def worker(runtime, mailbox) -> Worker:
    return Worker(with_smtp(runtime, mailbox, sender="status@example.com"))


def update(ctx, incident, happening: str, audience: str = "public", final: bool = False) -> None:
    updates.post_update(ctx, incident, UpdateIn(
        audience=audience, whats_happening=happening, who_is_affected="Customers paying by card",
        what_we_are_doing="Rolling back", next_update_at=None if final else ctx.now() + timedelta(minutes=30)))


def populate(desk, world, ada) -> dict[str, str]:
    """Every private place filled with a secret; returns the public ids to visit."""
    commander = world.person("zebedee", "responder").user
    desk.service(ada, "checkout")
    with desk.ctx(ada) as ctx:
        component = components.create_component(ctx, "Checkout", service="checkout")
        subscriptions.add_subscriber(ctx, kind="email", target="reader@example.com", confirmed=True)
        subscriptions.add_subscriber(ctx, kind="webhook", target="http://127.0.0.1:9/hook")
        planned = maintenance.schedule(ctx, title="Database upgrade", starts_at=ctx.now() + timedelta(days=1),
                                       ends_at=ctx.now() + timedelta(days=1, hours=1), component_refs=[component.public_id])
    with desk.ctx(ada) as ctx:
        public = service.declare(ctx, IncidentCreate(
            title="Card payments fail", severity="SEV1", visibility="public", services=["checkout"],
            commander=commander.id, summary=SECRETS["summary"], impact=SECRETS["impact"]))
        update(ctx, public, "Card payments fail for most customers")
        update(ctx, public, SECRETS["internal update"], audience="internal")
        update(ctx, public, SECRETS["customers update"], audience="customers")
        timeline.add_note(ctx, public, SECRETS["note"])
        for title, visibility in ((SECRETS["internal incident"], "internal"),
                                  (SECRETS["restricted incident"], "restricted")):
            hidden = service.declare(ctx, IncidentCreate(title=title, severity="SEV1", visibility=visibility,
                                                         services=["checkout"], commander=commander.id))
            update(ctx, hidden, SECRETS["public update on an internal incident"])
    with desk.ctx(ada) as ctx:
        public = service.get_incident(ctx, public.id)
        service.change_status(ctx, public, StatusChange(status="investigating"))
        service.change_status(ctx, public, StatusChange(status="resolved", resolution=SECRETS["resolution"]))
        update(ctx, public, "Payments work again", final=True)
    with desk.reading() as ctx:
        incident_id = ctx.db.scalar(select(PublicIncident.public_id))
    return {"public_id": incident_id, "maintenance": planned.public_id, "component": component.public_id}


def public_paths(app, ids: dict[str, str]) -> list[str]:
    # FastAPI >= 0.16x keeps included routers as nodes in app.routes; iter_route_contexts flattens them.
    contexts = getattr(routing, "iter_route_contexts", None)
    paths = []
    for route in (list(contexts(app.routes)) if contexts else list(app.routes)):
        template = getattr(route, "path", None) or ""
        if "GET" not in (getattr(route, "methods", None) or ()) or not template.startswith(PUBLIC_PREFIXES):
            continue
        path = template.replace("{public_id}", ids["maintenance" if "/maintenance/" in template else "public_id"])
        assert "{" not in path, f"give the public route {template} a value in this test"
        paths.append(path)
    return sorted(set(paths))


def assert_clean(where: str, text: str) -> None:
    for what, secret in SECRETS.items():
        assert secret not in text, f"{what} ({secret!r}) leaked into {where}"


def test_nothing_private_reaches_any_public_surface(desk, world, ada, worker, mailbox):
    ids = populate(desk, world, ada)
    anonymous = world.anonymous
    paths = public_paths(world.app, ids)
    assert {"/status", "/api/v2/summary.json", "/status/feed.atom", "/status/badge.svg"} <= set(paths)
    seen = 0
    for path in paths:
        response = anonymous.get(path)
        if response.status_code == 200:
            seen += 1
            assert_clean(path, response.text)
    assert seen >= 15, paths
    page = anonymous.get("/status").text
    assert "Card payments fail" in page and "Payments work again" in page  # the public part does show

    while worker.deliver_once():
        pass
    mails = mailbox.wait_for(2)
    assert any("Card payments fail" in m["Subject"] for m in mails)
    for mail in mails:
        assert_clean(f"the mail {mail['Subject']!r}", mail.as_string())
    with desk.reading() as ctx:
        events = [m for m in ctx.db.scalars(select(OutboxMessage)) if m.transport.startswith("status")]
        assert events, "subscriber messages were queued"
        for message in events:
            assert_clean(f"the {message.transport} message {message.key}", json.dumps(message.payload))
        assert ctx.db.scalar(select(Subscriber.id).where(Subscriber.kind == "webhook")) is not None
