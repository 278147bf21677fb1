"""Admin pages of the status page: components, groups and settings at /admin/status; maintenance at
/admin/maintenance, with times typed in the viewer's timezone."""

from __future__ import annotations

import re

import pytest

from conftest import csrf_of
from warroom.users.models import User

API = "/api/v1/status"


@pytest.fixture
def boss(web, admin):
    return web.browser(admin)


def post(boss, page: str, action: str, **fields):
    """Submit a form of `page` to `action`, with the page's CSRF token."""
    return boss.post(action, {"csrf_token": csrf_of(boss.get(page).text), **fields})


def test_only_admins_see_or_change_the_status_admin(web, admin, responder):
    rita = web.browser(responder)
    token = rita.csrf()
    for path in ("/admin/status", "/admin/maintenance"):
        assert rita.get(path).status_code == 403
    refused = rita.post("/admin/status/components", {"csrf_token": token, "name": "Checkout"})
    assert refused.status_code == 403
    assert rita.post("/admin/maintenance", {"csrf_token": token, "title": "x"}).status_code == 403
    assert admin.client.get(f"{API}/components").json() == []

    page = web.browser(admin).get("/admin/status").text
    tabs = re.search(r'<nav class="admin-tabs".*?</nav>', page, re.S).group(0)
    assert '<a href="/admin/status" aria-current="page">Status page</a>' in tabs
    assert '<a href="/admin/maintenance" >Maintenance</a>' in tabs
    assert '<a href="/status">/status</a>' in page


def test_components_are_added_edited_pinned_and_deleted(boss, admin):
    assert admin.client.post("/api/v1/services", json={"name": "checkout"}).status_code == 201
    assert post(boss, "/admin/status", "/admin/status/groups", name="Core", position="1").status_code == 303
    added = post(boss, "/admin/status", "/admin/status/components", name="Checkout", description="Paying",
                 service="checkout", group="Core", position="2", override="")
    assert added.status_code == 303 and added.headers["location"] == "/admin/status"
    [c] = admin.client.get(f"{API}/components").json()
    assert (c["name"], c["service"], c["group"], c["position"], c["status"]) == ("Checkout", "checkout", "Core", 2,
                                                                                 "operational")
    page = boss.get("/admin/status").text
    assert f'id="component-{c["public_id"]}"' in page and "Core" in page

    # Refused: the reason, the form as typed, and nothing added.
    bad = post(boss, "/admin/status", "/admin/status/components", name="Search", position="two", service="")
    assert bad.status_code == 422 and "position must be a whole number" in bad.text
    assert 'value="Search"' in bad.text
    taken = post(boss, "/admin/status", "/admin/status/components", name="Checkout", position="0")
    assert taken.status_code == 409 and "a component named &#39;Checkout&#39; exists" in taken.text
    assert len(admin.client.get(f"{API}/components").json()) == 1

    path = f"/admin/status/components/{c['public_id']}"
    edited = post(boss, "/admin/status", path, name="Payments", description="Paying for orders", service="checkout",
                  group="", position="3")
    assert edited.status_code == 303 and edited.headers["location"] == f"/admin/status#component-{c['public_id']}"
    after = admin.client.get(f"{API}/components/{c['public_id']}").json()
    assert (after["name"], after["group"], after["position"]) == ("Payments", None, 3)
    empty = post(boss, "/admin/status", path, name="", service="checkout", position="3")
    assert empty.status_code == 422 and "name must not be empty" in empty.text
    assert admin.client.get(f"{API}/components/{c['public_id']}").json() == after

    assert post(boss, "/admin/status", f"{path}/override", override="partial_outage").status_code == 303
    pinned = admin.client.get(f"{API}/components/Payments").json()
    assert pinned["status"] == "partial_outage" and pinned["override"] == "partial_outage"
    assert "pinned" in boss.get("/admin/status").text
    unknown = post(boss, "/admin/status", f"{path}/override", override="on_fire")
    assert unknown.status_code == 422 and "override must be" in unknown.text
    assert post(boss, "/admin/status", f"{path}/override", override="").status_code == 303
    assert admin.client.get(f"{API}/components/Payments").json()["status"] == "operational"

    [group] = admin.client.get(f"{API}/component-groups").json()
    assert post(boss, "/admin/status", f"/admin/status/groups/{group['public_id']}/delete").status_code == 303
    assert post(boss, "/admin/status", f"{path}/delete").status_code == 303
    assert admin.client.get(f"{API}/components").json() == []
    assert admin.client.get(f"{API}/component-groups").json() == []


def test_page_settings_are_saved_or_refused_whole(boss, admin):
    fields = {"name": "Acme status", "url": "https://status.acme.example", "logo_url": "/static/logo.png",
              "brand_color": "#AA3300", "timezone": "Europe/Berlin"}
    saved = post(boss, "/admin/status", "/admin/status/settings", **fields)
    assert saved.status_code == 303 and saved.headers["location"] == "/admin/status#settings"
    stored = admin.client.get(f"{API}/settings").json()
    assert (stored["name"], stored["brand_color"], stored["timezone"]) == ("Acme status", "#aa3300", "Europe/Berlin")
    page = boss.get("/admin/status").text
    assert 'value="Acme status"' in page and '<option value="Europe/Berlin" selected>' in page

    bad = post(boss, "/admin/status", "/admin/status/settings", **{**fields, "name": "Renamed", "brand_color": "red"})
    assert bad.status_code == 422 and "brand_color must be a colour as #rrggbb" in bad.text
    assert 'value="Renamed"' in bad.text  # the form as typed
    assert admin.client.get(f"{API}/settings").json() == stored


def _set_timezone(world, person, zone: str) -> None:
    with world.runtime.db.write_session() as session:
        session.get(User, person.user.id).timezone = zone


def test_maintenance_is_scheduled_in_the_viewers_timezone_and_moved(world, web, admin):
    admin.client.post(f"{API}/components", json={"name": "Checkout"})
    boss = web.browser(admin)
    _set_timezone(world, admin, "Europe/Berlin")  # UTC+1 in March; the clock says 10:00 UTC, 11:00 there
    form = boss.get("/admin/maintenance").text
    assert 'value="2026-03-02T12:00"' in form and 'value="2026-03-02T13:00"' in form  # next full hour, local

    scheduled = post(boss, "/admin/maintenance", "/admin/maintenance", title="Database upgrade",
                     starts_at="2026-03-02T22:00", ends_at="2026-03-02T23:30", body="Checkout may be slow.",
                     components=["Checkout"])
    assert scheduled.status_code == 303, scheduled.text
    [m] = admin.client.get(f"{API}/maintenances").json()
    assert scheduled.headers["location"] == f"/admin/maintenance/{m['public_id']}"
    assert (m["starts_at"], m["ends_at"]) == ("2026-03-02T21:00:00Z", "2026-03-02T22:30:00Z")
    assert [c["name"] for c in m["components"]] == ["Checkout"]
    path = scheduled.headers["location"]
    page = boss.get(path).text
    assert "2026-03-02 22:00 CET" in page and 'value="2026-03-02T22:00"' in page
    assert ">Start now</button>" in page and ">Cancel maintenance</button>" in page

    # Saving the form as shown moves nothing; a new end is read in the viewer's timezone.
    same = post(boss, path, f"{path}/edit", title="Database upgrade to v16", starts_at="2026-03-02T22:00",
                ends_at="2026-03-03T00:15", body="Checkout may be slow.", components=["Checkout"])
    assert same.status_code == 303, same.text
    edited = admin.client.get(f"{API}/maintenances/{m['public_id']}").json()
    assert edited["title"] == "Database upgrade to v16" and edited["starts_at"] == m["starts_at"]
    assert edited["ends_at"] == "2026-03-02T23:15:00Z"

    started = post(boss, path, f"{path}/move", status="in_progress", message="Starting early.")
    assert started.status_code == 303
    assert admin.client.get(f"{API}/components/Checkout").json()["status"] == "under_maintenance"
    page = boss.get(path).text
    assert 'name="starts_at"' not in page  # it has started: only its end can move
    assert "Starting early." in page and ">Work done: verify</button>" in page
    wrong = post(boss, path, f"{path}/move", status="canceled")
    assert wrong.status_code == 409 and "can move to verifying, completed, not canceled" in wrong.text
    assert post(boss, path, f"{path}/move", status="completed").status_code == 303
    done = admin.client.get(f"{API}/maintenances/{m['public_id']}").json()
    assert done["status"] == "completed" and [u["status"] for u in done["updates"]] == [
        "scheduled", "in_progress", "completed"]
    assert admin.client.get(f"{API}/components/Checkout").json()["status"] == "operational"
    listed = boss.get("/admin/maintenance").text
    assert "Nothing scheduled." in listed and "Database upgrade to v16" in listed.split('id="past-h"')[1]


@pytest.mark.parametrize(("fields", "status", "reason"), [
    ({"starts_at": "2026-03-02T14:00", "ends_at": "2026-03-02T13:00"}, 422, "ends_at must be after starts_at"),
    ({"starts_at": "", "ends_at": "2026-03-02T13:00"}, 422, "starts_at is required"),
    ({"starts_at": "tomorrow", "ends_at": "2026-03-02T13:00"}, 422, "starts_at: &#39;tomorrow&#39; is not a date"),
    ({"title": ""}, 422, "title must not be empty"),
    ({"components": ["Nowhere"]}, 422, "no component &#39;Nowhere&#39;"),
])
def test_a_refused_schedule_comes_back_as_typed_and_schedules_nothing(boss, admin, fields, status, reason):
    typed = {"title": "Failover drill", "starts_at": "2026-03-02T12:00", "ends_at": "2026-03-02T13:00",
             "body": "Short blips.", **fields}
    refused = post(boss, "/admin/maintenance", "/admin/maintenance", **typed)
    assert refused.status_code == status and reason in refused.text
    assert "Short blips.</textarea>" in refused.text
    assert admin.client.get(f"{API}/maintenances").json() == []
