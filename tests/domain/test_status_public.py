"""What the public status page shows of incidents, what subscribers are told, and how the
in-process cache learns of changes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from warroom.comms import updates
from warroom.comms.schemas import UpdateIn
from warroom.incidents import service
from warroom.incidents.schemas import IncidentPatch
from warroom.statuspage import components, publishing
from warroom.statuspage.cache import PublicCache
from warroom.statuspage.snapshot import build


@pytest.fixture
def heard():
    """Every announcement made while the test runs."""
    announcements: list[publishing.Announcement] = []

    def listen(_ctx, announcement):
        announcements.append(announcement)

    publishing.listeners.append(listen)
    yield announcements
    publishing.listeners.remove(listen)


@pytest.fixture
def checkout(desk, ada):
    desk.service(ada, "checkout")
    with desk.ctx(ada) as ctx:
        return components.create_component(ctx, "Checkout", service="checkout").public_id


def post(desk, actor, ref, happening, *, audience="public", next_in=timedelta(minutes=30)):
    with desk.ctx(actor) as ctx:
        incident = service.get_incident(ctx, ref)
        updates.post_update(ctx, incident, UpdateIn(
            audience=audience, whats_happening=happening, who_is_affected="Customers paying by card",
            what_we_are_doing="Rolling back the release",
            next_update_at=ctx.now() + next_in if next_in else None))


def snapshot(desk):
    with desk.reading() as ctx:
        return build(ctx.db, ctx.policy, ctx.now(), ctx.base_url)


def test_a_public_incident_shows_with_its_public_updates_only(desk, ada, checkout, clock):
    ref = desk.declare(ada, "Card payments fail", "SEV1", visibility="public", services=["checkout"],
                       commander=ada.id)
    post(desk, ada, ref, "Card payments fail for everyone")
    post(desk, ada, ref, "INTERNAL-ONLY root cause: db01 disk full", audience="internal")
    post(desk, ada, ref, "CUSTOMER-ONLY wording", audience="customers")
    desk.note(ada, ref, "NOTE-ONLY ssh into db01")

    page = snapshot(desk)
    [incident] = page.unresolved
    assert (incident.name, incident.status, incident.impact) == ("Card payments fail", "investigating", "critical")
    assert incident.components == (checkout,)
    assert [u.body.split("\n")[0] for u in incident.updates] == ["Card payments fail for everyone"]
    assert incident.updates[0].body.endswith("Next update by 02 Mar 2026, 10:30 UTC.")  # T0 + 30 min
    assert page.component(checkout).status == "major_outage"
    assert (page.indicator, page.description) == ("critical", "Major System Outage")
    assert "INTERNAL-ONLY" not in repr(page) and "NOTE-ONLY" not in repr(page) and "CUSTOMER-ONLY" not in repr(page)
    assert "INC-" not in repr(page) and ada.email not in repr(page) and ada.name not in repr(page)


def test_internal_and_restricted_incidents_never_show(desk, ada, checkout):
    desk.declare(ada, "Internal trouble", "SEV1", services=["checkout"])
    desk.declare(ada, "Restricted trouble", "SEV1", visibility="restricted", services=["checkout"])
    page = snapshot(desk)
    assert page.incidents == () and page.component(checkout).status == "operational"
    assert page.indicator == "none" and page.description == "All Systems Operational"


def test_public_status_follows_the_lifecycle_and_resolving_frees_the_component(desk, ada, checkout):
    ref = desk.declare(ada, "Slow checkout", "SEV2", visibility="public", services=["checkout"], commander=ada.id)
    assert snapshot(desk).component(checkout).status == "partial_outage"
    desk.status(ada, ref, "identified")
    assert snapshot(desk).unresolved[0].status == "identified"
    desk.status(ada, ref, "mitigated")
    page = snapshot(desk)
    assert page.unresolved[0].status == "monitoring" and page.component(checkout).status == "degraded_performance"
    desk.status(ada, ref, "resolved", resolution="Rolled back")
    page = snapshot(desk)
    assert page.unresolved == [] and [i.status for i in page.recent] == ["resolved"]
    assert page.component(checkout).status == "operational"


def test_making_an_incident_internal_takes_it_off_the_page(desk, ada, checkout):
    ref = desk.declare(ada, "Slow checkout", "SEV3", visibility="public", services=["checkout"])
    assert snapshot(desk).component(checkout).status == "degraded_performance"
    with desk.ctx(ada) as ctx:
        service.update_incident(ctx, service.get_incident(ctx, ref), IncidentPatch(visibility="internal"))
    page = snapshot(desk)
    assert page.incidents == () and page.component(checkout).status == "operational"


def test_subscribers_hear_each_public_update_as_created_updated_resolved(desk, ada, checkout, heard):
    ref = desk.declare(ada, "Card payments fail", "SEV1", visibility="public", services=["checkout"],
                       commander=ada.id)
    assert heard == []  # nothing written for the public yet
    post(desk, ada, ref, "Card payments fail")
    post(desk, ada, ref, "Still failing", audience="internal")
    post(desk, ada, ref, "Rolling back now")
    desk.status(ada, ref, "resolved", resolution="Rolled back")
    post(desk, ada, ref, "All payments work again", next_in=None)
    assert [a.kind for a in heard] == ["incident.created", "incident.updated", "incident.resolved"]
    assert all(a.components == (checkout,) for a in heard)
    assert heard[0].body.startswith("Card payments fail") and heard[-1].status == "resolved"


def test_public_updates_on_an_internal_incident_are_not_announced(desk, ada, checkout, heard):
    ref = desk.declare(ada, "Quiet trouble", "SEV2", services=["checkout"])
    post(desk, ada, ref, "Something")
    assert heard == [] and snapshot(desk).incidents == ()


def test_the_cache_rebuilds_on_public_changes_and_not_on_private_ones(runtime, desk, ada, checkout):
    cache = PublicCache(runtime, check_interval=3600)  # only this process's own commits invalidate
    first = cache.snapshot()
    assert cache.snapshot() is first and cache.builds == 1
    ref = desk.declare(ada, "Internal only", "SEV2", services=["checkout"])
    desk.note(ada, ref, "private")
    assert cache.snapshot() is first, "private changes must not cost a rebuild"
    public = desk.declare(ada, "Public", "SEV2", visibility="public", services=["checkout"], commander=ada.id)
    second = cache.snapshot()
    assert second is not first and second.version > first.version and cache.builds == 2
    assert [i.name for i in second.unresolved] == ["Public"]
    entry = cache.rendered(("t",), "text/plain", lambda s: f"{len(s.unresolved)} open")
    assert cache.rendered(("t",), "text/plain", lambda s: "rendered again") is entry
    desk.status(ada, public, "resolved", resolution="fixed")
    assert cache.rendered(("t",), "text/plain", lambda s: f"{len(s.unresolved)} open").body == b"0 open"
    assert entry.not_modified(entry.etag, None) and not entry.not_modified('"other"', None)
    assert entry.not_modified(None, entry.last_modified_header)


def test_another_process_change_is_seen_after_the_check_interval(runtime, desk, ada, checkout, clock):
    from warroom.statuspage import cache as cache_module

    cache = PublicCache(runtime, check_interval=3600)
    first = cache.snapshot()
    # A change committed elsewhere: the version moves in the database, this process was not told.
    desk.declare(ada, "Public", "SEV2", visibility="public", services=["checkout"])
    cache._commits_seen = cache_module._commits_here[0]
    assert cache.snapshot() is first
    cache.check_interval = 0
    assert cache.snapshot().version > first.version


def test_while_one_reader_rebuilds_the_others_are_served_the_previous_page(runtime, desk, ada, checkout):
    import threading

    cache = PublicCache(runtime, check_interval=3600)
    rendering = threading.Event()
    may_finish = threading.Event()

    def render(snap):
        if snap.unresolved:  # the new page: hold its builder until the test lets it go
            rendering.set()
            assert may_finish.wait(10)
        return f"{len(snap.unresolved)} open"

    before = cache.rendered(("front",), "text/plain", render)
    desk.declare(ada, "Public", "SEV2", visibility="public", services=["checkout"], commander=ada.id)
    builder = threading.Thread(target=cache.rendered, args=(("front",), "text/plain", render))
    builder.start()
    assert rendering.wait(10)  # the builder re-renders the page for the new snapshot...
    assert cache.rendered(("front",), "text/plain", render) is before  # ...meanwhile: the previous one
    may_finish.set()
    builder.join(10)
    after = cache.rendered(("front",), "text/plain", render)
    assert after.body == b"1 open" and after.etag != before.etag and cache.builds == 2
