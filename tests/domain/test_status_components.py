"""How a component's status is derived from public incidents of its service, pinned by an override,
and recorded in its history (the uptime bars are drawn from it)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from warroom.core.errors import Forbidden, Invalid
from warroom.incidents import service
from warroom.incidents.schemas import IncidentPatch
from warroom.statuspage import components
from warroom.statuspage.models import Component, ComponentStatusChange
from warroom.statuspage.publishing import current_version

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)  # the test clock's start (tests/conftest.py)

@pytest.fixture
def shop(desk, ada):
    """Services checkout and search, each the service of a component of the same name."""
    for name in ("checkout", "search"):
        desk.service(ada, name)
        with desk.ctx(ada) as ctx:
            components.create_component(ctx, name.title(), service=name)


def status(desk, name: str) -> str:
    with desk.reading() as ctx:
        return components.get_component(ctx, name).status


def history(desk, name: str) -> list[tuple[str, object]]:
    with desk.reading() as ctx:
        component = components.get_component(ctx, name)
        return [(row.status, row.at) for row in ctx.db.scalars(
            select(ComponentStatusChange).where(ComponentStatusChange.component_id == component.id)
            .order_by(ComponentStatusChange.id))]


def public(desk, actor, severity: str, service_name: str = "checkout", **fields) -> str:
    return desk.declare(actor, f"{service_name} {severity}", severity, services=[service_name],
                        visibility="public", commander=actor.id, **fields)


@pytest.mark.parametrize(("severity", "expected"), [
    ("SEV1", "major_outage"), ("SEV2", "partial_outage"), ("SEV3", "degraded_performance"), ("SEV4", "operational"),
])
def test_a_public_incident_sets_its_services_component_by_severity(desk, rita, shop, severity, expected):
    public(desk, rita, severity)
    assert status(desk, "Checkout") == expected
    assert status(desk, "Search") == "operational"


def test_mitigated_counts_as_degraded_at_worst_and_resolved_as_nothing(desk, rita, shop, clock):
    ref = public(desk, rita, "SEV1")
    clock.advance(minutes=10)
    desk.status(rita, ref, "mitigated")
    assert status(desk, "Checkout") == "degraded_performance"
    clock.advance(minutes=10)
    desk.status(rita, ref, "resolved", resolution="Rolled back")
    assert status(desk, "Checkout") == "operational"
    assert history(desk, "Checkout") == [("operational", T0), ("major_outage", T0),
                                         ("degraded_performance", T0 + timedelta(minutes=10)),
                                         ("operational", T0 + timedelta(minutes=20))]


def test_the_worst_open_incident_wins(desk, rita, shop, clock):
    minor = public(desk, rita, "SEV3")
    clock.advance(minutes=1)
    major = public(desk, rita, "SEV2")
    assert status(desk, "Checkout") == "partial_outage"
    clock.advance(minutes=1)
    desk.status(rita, major, "resolved", resolution="Fixed")
    assert status(desk, "Checkout") == "degraded_performance"  # the SEV3 is still open
    desk.status(rita, minor, "resolved", resolution="Fixed too")
    assert status(desk, "Checkout") == "operational"
    assert [s for s, _ in history(desk, "Checkout")] == ["operational", "degraded_performance", "partial_outage",
                                                         "degraded_performance", "operational"]


@pytest.mark.parametrize("visibility", ["internal", "restricted"])
def test_internal_and_restricted_incidents_change_nothing(desk, runtime, rita, shop, visibility):
    with runtime.db.engine.connect() as conn:
        before = current_version(conn)
    ref = desk.declare(rita, "Checkout is down", "SEV1", services=["checkout"], visibility=visibility,
                       commander=rita.id)
    desk.status(rita, ref, "investigating")
    assert status(desk, "Checkout") == "operational"
    assert history(desk, "Checkout") == [("operational", T0)]
    with runtime.db.engine.connect() as conn:
        assert current_version(conn) == before  # the public page is not even rebuilt
    # Made public, it shows at once; made internal again, it is gone.
    with desk.ctx(rita) as ctx:
        service.update_incident(ctx, service.get_incident(ctx, ref), IncidentPatch(visibility="public"))
    assert status(desk, "Checkout") == "major_outage"
    with desk.ctx(rita) as ctx:
        service.update_incident(ctx, service.get_incident(ctx, ref), IncidentPatch(visibility="internal"))
    assert status(desk, "Checkout") == "operational"


def test_an_override_wins_and_clearing_it_returns_to_the_derived_status(desk, ada, rita, shop, clock):
    public(desk, rita, "SEV2")
    clock.advance(minutes=5)
    with desk.ctx(ada) as ctx:
        components.update_component(ctx, components.get_component(ctx, "Checkout"), override="operational")
    assert status(desk, "Checkout") == "operational"
    clock.advance(minutes=5)
    public(desk, rita, "SEV1")  # worse news does not move a pinned component
    assert status(desk, "Checkout") == "operational"
    clock.advance(minutes=5)
    with desk.ctx(ada) as ctx:
        components.update_component(ctx, components.get_component(ctx, "Checkout"), override=None)
    assert status(desk, "Checkout") == "major_outage"
    assert history(desk, "Checkout") == [
        ("operational", T0), ("partial_outage", T0), ("operational", T0 + timedelta(minutes=5)),
        ("major_outage", T0 + timedelta(minutes=15))]


def test_only_admins_change_components_and_bad_fields_change_nothing(desk, ada, rita, shop):
    with pytest.raises(Forbidden), desk.ctx(rita) as ctx:
        components.update_component(ctx, components.get_component(ctx, "Checkout"), override="major_outage")
    for fields, field in (({"override": "on_fire"}, "override"), ({"position": "1"}, "position"),
                          ({"service": "nowhere"}, "service"), ({"group": "Nowhere"}, "group"),
                          ({"name": " "}, "name"), ({"colour": "red"}, "colour")):
        with pytest.raises(Invalid) as refused, desk.ctx(ada) as ctx:
            components.update_component(ctx, components.get_component(ctx, "Checkout"), **fields)
        assert refused.value.field == field
    with desk.reading() as ctx:
        checkout = ctx.db.scalar(select(Component).where(Component.name == "Checkout"))
        assert (checkout.override, checkout.position, checkout.group_id) == (None, 0, None)
    assert history(desk, "Checkout") == [("operational", T0)]
