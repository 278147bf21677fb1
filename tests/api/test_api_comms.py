"""Status updates, channels, templates and the outbox through the REST API."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from apihelpers import assert_error
from standardwebhooks.webhooks import Webhook

from warroom.core.clock import ManualClock
from warroom.core.worker import Worker


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime.now(timezone.utc).replace(microsecond=0))


def later(clock, minutes: int) -> str:
    return (clock.now() + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def test_post_an_update_and_follow_its_delivery(world, admin, responder, declare, clock, receiver):
    created = admin.client.post("/api/v1/channels", json={
        "name": "status-hook", "kind": "webhook", "settings": {"url": receiver.url},
        "routes": [{"events": ["update_posted"], "audiences": ["public"]}]})
    assert created.status_code == 201, created.text
    secret = created.json()["signing_secret"]
    assert secret.startswith("whsec_") and created.json()["secrets_set"] == ["signing_secret"]
    assert "secrets" not in admin.client.get("/api/v1/channels/status-hook").json()
    assert secret not in admin.client.get("/api/v1/channels").text

    incident = declare(responder, "Checkout is down", "SEV1")
    body = {"audience": "public", "whats_happening": "Checkout fails for everyone.",
            "who_is_affected": "All customers.", "what_we_are_doing": "Rolling back.",
            "next_update_at": later(clock, 20)}
    preview = responder.client.post("/api/v1/incidents/INC-1/updates/preview", json=body)
    assert preview.status_code == 200 and preview.json()["subject"] == "Investigating: Checkout is down"
    assert responder.client.get("/api/v1/incidents/INC-1/updates").json() == []

    posted = responder.client.post("/api/v1/incidents/INC-1/updates", json=body)
    assert posted.status_code == 201, posted.text
    assert posted.json()["kind"] == "initial" and posted.json()["author"]["handle"] == "rita"
    after = responder.client.get("/api/v1/incidents/INC-1").json()
    assert after["next_update_due"] == body["next_update_at"]
    assert incident["next_update_due"] != after["next_update_due"]
    [delivery] = responder.client.get("/api/v1/incidents/INC-1/deliveries").json()
    assert delivery["status"] == "pending" and delivery["channel"] == "status-hook"
    assert delivery["event"] == "update_posted"

    Worker(world.runtime).deliver_once()
    [request] = receiver.wait_for(1)
    event = Webhook(secret).verify(request.body, request.headers)
    assert event["type"] == "incident.update_posted" and event["data"]["update"]["audience"] == "public"
    assert "Checkout fails for everyone." in event["data"]["text"]
    [delivery] = responder.client.get("/api/v1/incidents/INC-1/deliveries").json()
    assert delivery["status"] == "delivered" and delivery["attempts"] == 1


@pytest.mark.parametrize(("change", "field"), [
    ({"next_update_at": None}, "next_update_at"),
    ({"next_update_at": "2001-01-01T00:00:00Z"}, "next_update_at"),
    ({"next_update_at": 1700000000}, "next_update_at"),
    ({"audience": "everyone"}, "audience"),
    ({"whats_happening": ""}, "whats_happening"),
    ({"colour": "red"}, "colour"),
])
def test_bad_updates_are_422_naming_the_field_and_change_nothing(responder, declare, clock, change, field):
    declare(responder)
    body = {"whats_happening": "x", "who_is_affected": "y", "what_we_are_doing": "z",
            "next_update_at": later(clock, 10), **change}
    body = {k: v for k, v in body.items() if not (k == "next_update_at" and v is None)}
    assert_error(responder.client.post("/api/v1/incidents/INC-1/updates", json=body), 422, "invalid", field)
    assert responder.client.get("/api/v1/incidents/INC-1/updates").json() == []


def test_templates_are_listed_replaced_refused_with_the_line_and_reset(admin, responder):
    listed = admin.client.get("/api/v1/templates").json()
    assert len(listed) == 12 and not any(t["customized"] for t in listed)
    bad = admin.client.put("/api/v1/templates/public/update",
                           json={"subject": "Update", "body": "ok\n{% for x in %}"})
    error = assert_error(bad, 422, "invalid", "body")
    assert "line 2" in error["message"]
    attack = admin.client.put("/api/v1/templates/public/update",
                              json={"subject": "{{ ''.__class__.__mro__ }}", "body": "x"})
    assert_error(attack, 422, "invalid", "subject")
    good = admin.client.put("/api/v1/templates/public/update",
                            json={"subject": "Update on {{ incident.title }}", "body": "{{ update.whats_happening }}"})
    assert good.status_code == 200 and good.json()["customized"]
    assert_error(responder.client.put("/api/v1/templates/public/update", json={"subject": "a", "body": "b"}),
                 403, "forbidden")
    reset = admin.client.delete("/api/v1/templates/public/update")
    assert reset.status_code == 200 and not reset.json()["customized"]


def test_dead_messages_are_listed_and_retried_by_admins(world, admin, responder, declare, receiver):
    admin.client.post("/api/v1/channels", json={"name": "gone", "kind": "webhook",
                                                "settings": {"url": receiver.url}})
    receiver.default = (404, "no such hook")
    declare(responder)
    Worker(world.runtime).deliver_once()
    [dead] = admin.client.get("/api/v1/outbox", params={"status": "dead"}).json()
    assert "HTTP 404" in dead["last_error"]
    assert_error(responder.client.post(f"/api/v1/outbox/{dead['id']}/retry"), 403, "forbidden")
    retried = admin.client.post(f"/api/v1/outbox/{dead['id']}/retry")
    assert retried.status_code == 200 and retried.json()["status"] == "pending"
    assert_error(admin.client.post(f"/api/v1/outbox/{dead['id']}/retry"), 409, "conflict")
    receiver.default = (200, "ok")
    Worker(world.runtime).deliver_once()
    assert admin.client.get("/api/v1/outbox", params={"status": "delivered"}).json()[0]["key"] == dead["key"]
    detail = admin.client.get(f"/api/v1/outbox/{dead['id']}").json()
    assert detail["status"] == "delivered" and detail["attempts"] == 2
    assert [(a["number"], a["ok"]) for a in detail["attempts_made"]] == [(1, False), (2, True)]
    assert "HTTP 404" in detail["attempts_made"][0]["detail"]
    assert_error(responder.client.get(f"/api/v1/outbox/{dead['id']}"), 403, "forbidden")
    assert_error(admin.client.get("/api/v1/outbox/999999"), 404, "not_found", "message")


def test_channel_test_message(world, admin, receiver):
    channel = admin.client.post("/api/v1/channels", json={
        "name": "teams", "kind": "teams", "secrets": {"webhook_url": receiver.url}}).json()
    queued = admin.client.post(f"/api/v1/channels/{channel['id']}/test")
    assert queued.status_code == 202 and queued.json()["event"] == "test"
    Worker(world.runtime).deliver_once()
    [request] = receiver.wait_for(1)
    assert "Test message from Warroom" in request.body.decode()
