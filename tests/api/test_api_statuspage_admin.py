"""The status page's admin API: components and groups, maintenance windows and the page settings,
through the real app and database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from apihelpers import assert_error, ts

from warroom.core.worker import Worker

BASE = "/api/v1/status"


def at(clock, **delta) -> str:
    return (clock.now() + timedelta(**delta)).isoformat().replace("+00:00", "Z")


@pytest.fixture
def checkout(admin, services) -> dict:
    """The group Core with the component Checkout, which follows the catalog service checkout."""
    services("checkout", "search")
    assert admin.client.post(f"{BASE}/component-groups", json={"name": "Core"}).status_code == 201
    created = admin.client.post(f"{BASE}/components", json={
        "name": "Checkout", "description": "Paying for an order", "service": "checkout", "group": "Core",
        "position": 1})
    assert created.status_code == 201, created.text
    return created.json()


def test_a_component_follows_its_service_until_an_override_pins_it(world, admin, viewer, declare, checkout, clock):
    assert checkout["status"] == "operational" and checkout["override"] is None
    assert (checkout["service"], checkout["group"], checkout["position"]) == ("checkout", "Core", 1)
    assert len(checkout["public_id"]) == 12 and ts(checkout["updated_at"]) == clock.now()
    # Anyone signed in reads, by public id or by name.
    assert viewer.client.get(f"{BASE}/components").json() == [checkout]
    assert viewer.client.get(f"{BASE}/components/Checkout").json() == checkout
    assert viewer.client.get(f"{BASE}/components/{checkout['public_id']}").json() == checkout

    declare(admin, "Payments fail", "SEV1", services=["checkout"], visibility="public")
    assert viewer.client.get(f"{BASE}/components/Checkout").json()["status"] == "major_outage"

    clock.advance(minutes=5)
    pinned = admin.client.patch(f"{BASE}/components/Checkout", json={"override": "degraded_performance"})
    assert pinned.status_code == 200, pinned.text
    assert pinned.json()["status"] == "degraded_performance" and ts(pinned.json()["updated_at"]) == clock.now()
    cleared = admin.client.patch(f"{BASE}/components/Checkout", json={"override": None})
    assert cleared.json()["status"] == "major_outage" and cleared.json()["override"] is None

    renamed = admin.client.patch(f"{BASE}/components/{checkout['public_id']}", json={
        "name": "Payments", "group": None, "service": None})
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["name"], renamed.json()["group"], renamed.json()["service"]) == ("Payments", None, None)
    assert renamed.json()["status"] == "operational"  # no service: no incident reaches it

    gone = admin.client.delete(f"{BASE}/components/Payments")
    assert gone.status_code == 200 and gone.json()["public_id"] == checkout["public_id"]
    assert_error(admin.client.get(f"{BASE}/components/Payments"), 404, "not_found", "component")
    assert admin.client.get(f"{BASE}/components").json() == []


@pytest.mark.parametrize(("body", "field"), [
    ({"name": ""}, "name"),
    ({"name": 7}, "name"),
    ({"name": "Search", "position": "2"}, "position"),
    ({"name": "Search", "position": -1}, "position"),
    ({"name": "Search", "override": "on_fire"}, "override"),
    ({"name": "Search", "service": "nowhere"}, "service"),
    ({"name": "Search", "group": "Nowhere"}, "group"),
    ({"name": "Search", "colour": "red"}, "colour"),
])
def test_bad_component_input_is_422_naming_the_field_and_adds_nothing(admin, checkout, body, field):
    before = admin.client.get(f"{BASE}/components").json()
    assert_error(admin.client.post(f"{BASE}/components", json=body), 422, "invalid", field)
    assert admin.client.get(f"{BASE}/components").json() == before


def test_names_and_services_are_taken_once(admin, checkout):
    assert_error(admin.client.post(f"{BASE}/components", json={"name": "Checkout"}), 409, "conflict", "name")
    assert_error(admin.client.post(f"{BASE}/components", json={"name": "Pay", "service": "checkout"}),
                 409, "conflict", "service")
    assert_error(admin.client.post(f"{BASE}/component-groups", json={"name": "Core"}), 409, "conflict", "name")
    assert_error(admin.client.patch(f"{BASE}/components/Checkout", json={"position": True}), 422, "invalid",
                 "position")
    assert admin.client.get(f"{BASE}/components/Checkout").json() == checkout


def test_only_admins_change_anything(admin, responder, viewer, checkout, clock):
    window = {"title": "DB upgrade", "starts_at": at(clock, hours=1), "ends_at": at(clock, hours=2)}
    before = {path: admin.client.get(f"{BASE}/{path}").json()
              for path in ("components", "component-groups", "maintenances", "settings")}
    for person in (responder, viewer):
        c = person.client
        for response in (c.post(f"{BASE}/components", json={"name": "Search"}),
                         c.patch(f"{BASE}/components/Checkout", json={"override": "major_outage"}),
                         c.delete(f"{BASE}/components/Checkout"),
                         c.post(f"{BASE}/component-groups", json={"name": "Edge"}),
                         c.delete(f"{BASE}/component-groups/Core"),
                         c.post(f"{BASE}/maintenances", json=window),
                         c.put(f"{BASE}/settings", json={"name": "Ours", "url": "", "logo_url": "",
                                                         "brand_color": "#000000", "timezone": "UTC"})):
            assert_error(response, 403, "forbidden")
    after = {path: admin.client.get(f"{BASE}/{path}").json() for path in before}
    assert after == before


def test_deleting_a_group_keeps_its_components_ungrouped(admin, checkout):
    [group] = admin.client.get(f"{BASE}/component-groups").json()
    assert (group["name"], group["components"]) == ("Core", ["Checkout"])
    gone = admin.client.delete(f"{BASE}/component-groups/{group['public_id']}")
    assert gone.status_code == 200 and gone.json()["components"] == ["Checkout"]
    assert admin.client.get(f"{BASE}/component-groups").json() == []
    assert admin.client.get(f"{BASE}/components/Checkout").json()["group"] is None
    assert_error(admin.client.delete(f"{BASE}/component-groups/Core"), 404, "not_found", "group")


def test_maintenance_is_scheduled_moved_by_hand_and_filtered(world, admin, viewer, checkout, clock):
    created = admin.client.post(f"{BASE}/maintenances", json={
        "title": "Database upgrade", "body": "Checkout may be slow.", "starts_at": at(clock, hours=2),
        "ends_at": at(clock, hours=3), "components": ["Checkout"]})
    assert created.status_code == 201, created.text
    m = created.json()
    assert created.headers["location"] == f"{BASE}/maintenances/{m['public_id']}"
    assert m["status"] == "scheduled" and m["allowed_moves"] == ["in_progress", "canceled"]
    assert m["components"] == [{"public_id": checkout["public_id"], "name": "Checkout"}]
    assert [(u["status"], u["body"]) for u in m["updates"]] == [("scheduled", "Checkout may be slow.")]
    path = f"{BASE}/maintenances/{m['public_id']}"

    edited = admin.client.patch(path, json={"title": "Database upgrade to v16", "ends_at": at(clock, hours=4)})
    assert edited.status_code == 200, edited.text
    assert edited.json()["title"] == "Database upgrade to v16"
    assert ts(edited.json()["ends_at"]) == ts(at(clock, hours=4))

    started = admin.client.post(f"{path}/status", json={"status": "in_progress", "body": "Starting early."})
    assert started.status_code == 200, started.text
    assert started.json()["status"] == "in_progress" and ts(started.json()["started_at"]) == clock.now()
    assert viewer.client.get(f"{BASE}/components/Checkout").json()["status"] == "under_maintenance"
    assert_error(admin.client.patch(path, json={"starts_at": at(clock, hours=1)}), 409, "conflict", "starts_at")
    assert_error(admin.client.post(f"{path}/status", json={"status": "canceled"}), 409, "conflict", "status")

    assert admin.client.post(f"{path}/status", json={"status": "verifying"}).json()["status"] == "verifying"
    done = admin.client.post(f"{path}/status", json={"status": "completed"}).json()
    assert done["status"] == "completed" and done["allowed_moves"] == []
    assert [u["status"] for u in done["updates"]] == ["scheduled", "in_progress", "verifying", "completed"]
    assert done["updates"][1]["body"] == "Starting early."
    assert done["updates"][2]["body"].startswith("Maintenance work is done")
    assert viewer.client.get(f"{BASE}/components/Checkout").json()["status"] == "operational"
    assert_error(admin.client.patch(path, json={"title": "Again"}), 409, "conflict", "status")

    later = admin.client.post(f"{BASE}/maintenances", json={
        "title": "Network work", "starts_at": at(clock, days=1), "ends_at": at(clock, days=1, hours=1)}).json()
    listed = viewer.client.get(f"{BASE}/maintenances").json()
    assert [x["public_id"] for x in listed] == [later["public_id"], m["public_id"]]  # latest start first
    assert [x["title"] for x in viewer.client.get(f"{BASE}/maintenances", params={"status": "scheduled"}).json()] \
        == ["Network work"]
    both = viewer.client.get(f"{BASE}/maintenances", params={"status": "completed,scheduled", "limit": 1}).json()
    assert [x["title"] for x in both] == ["Network work"]
    assert [x["title"] for x in viewer.client.get(f"{BASE}/maintenances", params={"offset": 1}).json()] \
        == ["Database upgrade to v16"]
    assert_error(viewer.client.get(f"{BASE}/maintenances", params={"status": "done"}), 422, "invalid", "status")
    assert_error(viewer.client.get(f"{BASE}/maintenances", params={"limit": 0}), 422, "invalid", "limit")
    assert_error(viewer.client.get(f"{BASE}/maintenances/nope"), 404, "not_found", "maintenance")


def test_a_scheduled_window_starts_and_ends_by_itself(world, admin, checkout, clock):
    m = admin.client.post(f"{BASE}/maintenances", json={
        "title": "Failover test", "starts_at": at(clock, minutes=30), "ends_at": at(clock, hours=1),
        "components": [checkout["public_id"]]}).json()
    path = f"{BASE}/maintenances/{m['public_id']}"
    clock.advance(minutes=30)
    Worker(world.runtime).run_once()
    assert admin.client.get(path).json()["status"] == "in_progress"
    assert admin.client.get(f"{BASE}/components/Checkout").json()["status"] == "under_maintenance"
    clock.advance(minutes=30)
    Worker(world.runtime).run_once()
    ended = admin.client.get(path).json()
    assert ended["status"] == "completed" and ts(ended["completed_at"]) == clock.now()
    assert admin.client.get(f"{BASE}/components/Checkout").json()["status"] == "operational"


@pytest.mark.parametrize(("change", "field"), [
    ({"ends_at": "start"}, "ends_at"),                   # not after the start
    ({"ends_at": "+31d"}, "ends_at"),                    # longer than 30 days
    ({"starts_at": "-3h", "ends_at": "-2h"}, "ends_at"),  # already over
    ({"starts_at": 1767225600}, "starts_at"),            # a number is not a time
    ({"starts_at": "2026-12-01T22:00:00"}, "starts_at"),  # no offset: whose 22:00?
    ({"title": ""}, "title"),
    ({"components": ["Nowhere"]}, "components"),
    ({"status": "in_progress"}, "status"),
])
def test_bad_maintenance_is_422_naming_the_field_and_schedules_nothing(admin, checkout, clock, change, field):
    body = {"title": "DB upgrade", "starts_at": at(clock, hours=1), "ends_at": at(clock, hours=2), **change}
    relative = {"start": body["starts_at"], "+31d": at(clock, days=32), "-3h": at(clock, hours=-3),
                "-2h": at(clock, hours=-2)}
    body = {k: relative.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    assert_error(admin.client.post(f"{BASE}/maintenances", json=body), 422, "invalid", field)
    assert admin.client.get(f"{BASE}/maintenances").json() == []


def test_page_settings_are_read_by_anyone_and_checked_field_by_field(admin, viewer):
    first = viewer.client.get(f"{BASE}/settings")
    assert first.status_code == 200, first.text
    defaults = first.json()
    assert set(defaults) == {"name", "url", "logo_url", "brand_color", "timezone", "version", "changed_at"}
    assert (defaults["name"], defaults["brand_color"], defaults["timezone"]) == ("Status", "#1f6feb", "UTC")

    wanted = {"name": "Acme status", "url": "https://status.acme.example", "logo_url": "/static/logo.png",
              "brand_color": "#AA3300", "timezone": "Europe/Berlin"}
    saved = admin.client.put(f"{BASE}/settings", json=wanted)
    assert saved.status_code == 200, saved.text
    assert saved.json()["brand_color"] == "#aa3300" and saved.json()["timezone"] == "Europe/Berlin"
    assert saved.json()["version"] > defaults["version"]
    assert viewer.client.get(f"{BASE}/settings").json() == saved.json()

    for field, bad in (("name", ""), ("name", " " * 3), ("url", "ftp://acme.example"), ("url", "acme.example"),
                       ("logo_url", "javascript:alert(1)"), ("logo_url", "//evil.example/x.png"),
                       ("logo_url", "http://cdn.example/logo.png"),
                       ("brand_color", "red"), ("brand_color", "#12345"), ("timezone", "Mars/Olympus"),
                       ("timezone", "localtime"), ("brand_color", 123)):
        assert_error(admin.client.put(f"{BASE}/settings", json={**wanted, field: bad}), 422, "invalid", field)
    assert_error(admin.client.put(f"{BASE}/settings", json={"name": "Only a name"}), 422, "invalid", "url")
    assert viewer.client.get(f"{BASE}/settings").json() == saved.json()
