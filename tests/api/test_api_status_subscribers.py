"""The status page's subscribers over the REST API: admins only, secrets shown once, filters and
cursor paging, and refusals that name the field and change nothing."""

from __future__ import annotations

import pytest
from apihelpers import assert_error

from warroom.statuspage import components

BASE = "/api/v1/status/subscribers"


@pytest.fixture
def checkout(world, admin) -> str:
    with world.runtime.db.write_session() as session:
        return components.create_component(world.runtime.system_context(session), "Checkout").public_id


def add(person, **body):
    return person.client.post(BASE, json={"kind": "email", **body})


def test_admin_adds_lists_and_removes(admin, checkout):
    pending = add(admin, target="Pat@Example.com")
    assert pending.status_code == 201, pending.text
    assert pending.headers["location"] == f"{BASE}/{pending.json()['id']}"
    assert pending.json() | {"id": 0, "created_at": ""} == {
        "id": 0, "kind": "email", "target": "pat@example.com", "components": [], "component_names": [],
        "status": "pending",
        "created_at": "", "confirmed_at": None, "unsubscribed_at": None, "secret": None}
    active = add(admin, target="sam@example.com", components=["Checkout"], confirmed=True).json()
    assert active["status"] == "active" and active["confirmed_at"]
    assert (active["components"], active["component_names"]) == ([checkout], ["Checkout"])
    hook = add(admin, kind="webhook", target="http://127.0.0.1:9/hook").json()
    assert hook["status"] == "active" and hook["secret"].startswith("whsec_")

    listed = admin.client.get(BASE).json()
    assert listed["total"] == 3 and [s["id"] for s in listed["items"]] == [hook["id"], active["id"],
                                                                           pending.json()["id"]]
    assert all("secret" not in s for s in listed["items"])  # shown once, at creation only
    assert [s["target"] for s in admin.client.get(BASE, params={"status": "pending"}).json()["items"]] == [
        "pat@example.com"]
    assert admin.client.get(BASE, params={"kind": "webhook"}).json()["total"] == 1
    first = admin.client.get(BASE, params={"limit": 2}).json()
    rest = admin.client.get(BASE, params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert len(first["items"]) == 2 and [s["id"] for s in rest["items"]] == [pending.json()["id"]]
    assert rest["next_cursor"] is None

    gone = admin.client.delete(f"{BASE}/{active['id']}")
    assert gone.status_code == 200 and gone.json()["target"] == "sam@example.com" and "secret" not in gone.json()
    assert admin.client.get(BASE).json()["total"] == 2
    assert_error(admin.client.delete(f"{BASE}/{active['id']}"), 404, "not_found", "subscriber")


def test_only_admins(world, admin, responder, viewer):
    subscriber = add(admin, target="pat@example.com").json()
    for person in (responder, viewer):
        assert_error(person.client.get(BASE), 403, "forbidden")
        assert_error(add(person, target="other@example.com"), 403, "forbidden")
        assert_error(person.client.delete(f"{BASE}/{subscriber['id']}"), 403, "forbidden")
    assert_error(world.anonymous.get(BASE), 401, "unauthorized")
    assert admin.client.get(BASE).json()["total"] == 1


@pytest.mark.parametrize(("body", "field"), [
    ({"kind": "sms", "target": "x@example.com"}, "kind"),
    ({"target": "not an address"}, "target"),
    ({"kind": "webhook", "target": "ftp://example.com/x"}, "target"),
    ({"target": "pat@example.com", "components": ["Billing"]}, "components"),
    ({"target": "pat@example.com", "confirmed": "yes"}, "confirmed"),
    ({"target": "pat@example.com", "secret": "whsec_mine"}, "secret"),
    ({"target": 42}, "target"),
])
def test_bad_input_names_the_field_and_changes_nothing(admin, checkout, body, field):
    assert_error(admin.client.post(BASE, json={"kind": "email", **body}), 422, "invalid", field)
    assert admin.client.get(BASE).json()["total"] == 0


def test_conflicts_and_bad_queries(admin):
    add(admin, target="pat@example.com")
    error = assert_error(add(admin, target="PAT@example.com"), 409, "conflict", "target")
    assert "already a subscriber (pending" in error["message"]
    for params, field in (({"status": "gone"}, "status"), ({"kind": "sms"}, "kind"), ({"limit": 0}, "limit"),
                          ({"limit": 201}, "limit"), ({"cursor": "abc"}, "cursor")):
        assert_error(admin.client.get(BASE, params=params), 422, "invalid", field)
    assert_error(admin.client.delete(f"{BASE}/0"), 422, "invalid", "subscriber_id")
