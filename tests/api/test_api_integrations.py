"""/api/v1/integrations: routing keys shown once, rotation and revocation taking effect at once on
the inbound endpoints, strict validation that names the field and writes nothing, admins only, and
testing a generic webhook's mapping against a sample. Through the real app and database."""

from __future__ import annotations

import pytest
from apihelpers import assert_error, ts

BASE = "http://127.0.0.1:8000"  # the test runtime's WARROOM_URL
MAPPING = {"title": "check.name", "dedup_key": "{{ payload.host }}:{{ payload.check.name }}",
           "severity": "level", "severity_values": {"P1": "critical"},
           "resolve": {"value": "state", "equals": ["ok"]}, "origin": "host"}
SAMPLE = {"host": "db-1", "check": {"name": "Disk full"}, "level": "P1", "state": "alerting"}


@pytest.fixture
def catalog(services):
    services("checkout", "search")


def create(person, **body):
    response = person.client.post("/api/v1/integrations", json={"service": "checkout", "type": "pagerduty", **body})
    assert response.status_code == 201, response.text
    return response.json()


def trigger(world, key: str, dedup_key: str = "disk-1", severity: str = "critical"):
    return world.anonymous.post("/v2/enqueue", json={
        "routing_key": key, "event_action": "trigger", "dedup_key": dedup_key,
        "payload": {"summary": f"{dedup_key} on db-1", "source": "db-1", "severity": severity}})


def test_create_shows_the_key_once_with_where_to_send_events(world, catalog, admin, clock):
    response = admin.client.post("/api/v1/integrations", json={"service": "checkout", "type": "pagerduty"})
    assert response.status_code == 201 and response.headers["location"] == "/api/v1/integrations/1"
    created = response.json()
    key = created.pop("routing_key")
    assert len(key) == 32 and created["key_hint"] == key[-4:]
    assert created == {"id": 1, "service": "checkout", "name": "checkout pagerduty", "type": "pagerduty",
                       "key_hint": key[-4:], "url": f"{BASE}/v2/enqueue", "rate_limit_per_minute": 600,
                       "default_severity": "error", "mapping": {}, "created_at": created["created_at"],
                       "key_rotated_at": None, "revoked_at": None}
    assert ts(created["created_at"]) == clock.now()
    # Never again: neither the list nor the detail carries the key.
    for answer in (admin.client.get("/api/v1/integrations"), admin.client.get("/api/v1/integrations/1")):
        assert answer.status_code == 200 and key not in answer.text and "routing_key\"" not in answer.text
    assert trigger(world, key).status_code == 202

    hook = create(admin, type="alertmanager", name="Prometheus", rate_limit_per_minute=60,
                  default_severity="warning")
    assert hook["url"] == f"{BASE}/hooks/alertmanager/{hook['routing_key']}"
    assert admin.client.get(f"/api/v1/integrations/{hook['id']}").json()["url"] == \
        f"{BASE}/hooks/alertmanager/{{routing_key}}"
    answer = world.anonymous.post(hook["url"], json={"version": "4", "alerts": [
        {"status": "firing", "fingerprint": "f1", "labels": {"alertname": "HighLatency"}}]})
    assert answer.status_code == 202, answer.text
    assert [a["severity"] for a in admin.client.get("/api/v1/alerts").json()["items"]] == ["warning", "critical"]
    listed = admin.client.get("/api/v1/integrations", params={"service": "checkout"}).json()
    assert [(i["name"], i["rate_limit_per_minute"]) for i in listed] == [("checkout pagerduty", 600),
                                                                         ("Prometheus", 60)]
    assert admin.client.get("/api/v1/integrations", params={"service": "search"}).json() == []


def test_rotate_and_revoke_take_effect_at_once(world, catalog, admin, clock):
    first = create(admin)
    clock.advance(minutes=5)
    rotated = admin.client.post("/api/v1/integrations/1/rotate-key")
    assert rotated.status_code == 200, rotated.text
    new_key = rotated.json()["routing_key"]
    assert new_key != first["routing_key"] and ts(rotated.json()["key_rotated_at"]) == clock.now()
    assert trigger(world, first["routing_key"]).status_code == 400
    assert trigger(world, new_key).status_code == 202

    revoked = admin.client.post("/api/v1/integrations/1/revoke")
    assert revoked.status_code == 200 and ts(revoked.json()["revoked_at"]) == clock.now()
    assert trigger(world, new_key, "disk-2").status_code == 400
    clock.advance(minutes=1)
    again = admin.client.post("/api/v1/integrations/1/revoke").json()
    assert again["revoked_at"] == revoked.json()["revoked_at"]  # revoking twice changes nothing
    assert admin.client.get("/api/v1/integrations").json() == []
    assert [i["id"] for i in admin.client.get("/api/v1/integrations", params={"include_revoked": True}).json()] == [1]
    for method, path, body in (("POST", "/api/v1/integrations/1/rotate-key", None),
                               ("PATCH", "/api/v1/integrations/1", {"name": "back"})):
        assert_error(admin.client.request(method, path, json=body), 409, "conflict", "integration")
    # Its alerts stay.
    assert len(admin.client.get("/api/v1/alerts").json()["items"]) == 1
    assert_error(admin.client.get("/api/v1/integrations/99"), 404, "not_found", "integration")
    assert_error(admin.client.get(f"/api/v1/integrations/{2**31}"), 422, "invalid", "integration_id")


@pytest.mark.parametrize("body, field", [
    ({"type": "nagios"}, "type"),
    ({"service": "nowhere"}, "service"),
    ({"service": 5}, "service"),
    ({"rate_limit_per_minute": 0}, "rate_limit_per_minute"),
    ({"rate_limit_per_minute": "60"}, "rate_limit_per_minute"),
    ({"default_severity": "fatal"}, "default_severity"),
    ({"name": "  "}, "name"),
    ({"name": "x" * 101}, "name"),
    ({"mapping": {"title": "a"}}, "mapping"),
    ({"type": "generic"}, "mapping.title"),
    ({"type": "generic", "mapping": {}}, "mapping.title"),
    ({"type": "generic", "mapping": {"title": "not a path"}}, "mapping.title"),
    ({"type": "generic", "mapping": {"title": "a", "colour": "b"}}, "mapping.colour"),
    ({"type": "generic", "mapping": {"title": "a", "severity_values": {"P1": "urgent"}}},
     "mapping.severity_values.P1"),
    ({"type": "generic", "mapping": {"title": "{{ payload.x "}}, "mapping.title"),
    ({"routing_key": "0" * 32}, "routing_key"),
])
def test_invalid_integrations_are_refused_naming_the_field_and_nothing_is_created(catalog, admin, body, field):
    response = admin.client.post("/api/v1/integrations", json={"service": "checkout", "type": "pagerduty", **body})
    assert_error(response, 422, "invalid", field)
    assert admin.client.get("/api/v1/integrations", params={"include_revoked": True}).json() == []


def test_edit_changes_only_what_is_sent_and_a_refused_edit_changes_nothing(catalog, admin):
    generic = create(admin, type="generic", mapping=MAPPING)
    assert generic["url"].startswith(f"{BASE}/hooks/generic/")
    path = f"/api/v1/integrations/{generic['id']}"
    edited = admin.client.patch(path, json={"name": "Uptime checks", "rate_limit_per_minute": 30})
    assert edited.status_code == 200, edited.text
    assert (edited.json()["name"], edited.json()["rate_limit_per_minute"], edited.json()["mapping"]) == (
        "Uptime checks", 30, MAPPING)
    before = admin.client.get(path).json()
    for body, field in (({"mapping": {}}, "mapping.title"), ({"mapping": {"title": "a b"}}, "mapping.title"),
                        ({"default_severity": "loud"}, "default_severity"), ({"type": "grafana"}, "type"),
                        ({"rate_limit_per_minute": 2_000_000}, "rate_limit_per_minute")):
        assert_error(admin.client.patch(path, json=body), 422, "invalid", field)
    assert admin.client.get(path).json() == before
    pd = create(admin)
    assert_error(admin.client.patch(f"/api/v1/integrations/{pd['id']}", json={"mapping": {"title": "a"}}),
                 422, "invalid", "mapping")


def test_only_admins_manage_integrations_and_everyone_reads_them(world, catalog, admin, responder, viewer):
    created = create(admin, type="generic", mapping=MAPPING)
    body = {"service": "checkout", "type": "pagerduty"}
    for person in (responder, viewer):
        for method, path, json in (("POST", "/api/v1/integrations", body),
                                   ("PATCH", "/api/v1/integrations/1", {"name": "mine"}),
                                   ("POST", "/api/v1/integrations/1/rotate-key", None),
                                   ("POST", "/api/v1/integrations/1/revoke", None),
                                   ("POST", "/api/v1/integrations/1/test-mapping", {"sample": SAMPLE})):
            assert_error(person.client.request(method, path, json=json), 403, "forbidden")
        [seen] = person.client.get("/api/v1/integrations").json()
        assert seen["name"] == created["name"] and created["routing_key"] not in str(seen)
    assert admin.client.get("/api/v1/integrations/1").json()["revoked_at"] is None
    assert world.anonymous.post(created["url"], json=SAMPLE).status_code == 202


def test_mapping_test_reads_a_sample_with_the_saved_or_a_given_mapping_and_writes_nothing(catalog, admin):
    generic = create(admin, type="generic", mapping=MAPPING, default_severity="warning")
    path = f"/api/v1/integrations/{generic['id']}/test-mapping"
    good = admin.client.post(path, json={"sample": SAMPLE})
    assert good.status_code == 200, good.text
    assert good.json() == {"ok": True, "errors": [], "event": {
        "action": "trigger", "dedup_key": "db-1:Disk full", "summary": "Disk full", "severity": "critical",
        "origin": "db-1", "links": []}}
    resolved = admin.client.post(path, json={"sample": {**SAMPLE, "state": "ok", "level": "P9"}}).json()
    assert resolved["event"]["action"] == "resolve" and resolved["event"]["severity"] == "warning"
    bad = admin.client.post(path, json={"sample": {"host": "db-1"}})
    assert bad.status_code == 200
    assert bad.json()["ok"] is False and bad.json()["event"] is None
    assert bad.json()["errors"][0] == "title: check.name is not in the payload"
    other = admin.client.post(path, json={"sample": {"msg": "Queue stuck"}, "mapping": {"title": "msg"}}).json()
    assert other["ok"] and other["event"]["summary"] == other["event"]["dedup_key"] == "Queue stuck"
    assert_error(admin.client.post(path, json={"sample": SAMPLE, "mapping": {"title": "a b"}}),
                 422, "invalid", "mapping.title")
    assert_error(admin.client.post(path, json={"mapping": MAPPING}), 422, "invalid", "sample")
    pd = create(admin)
    assert_error(admin.client.post(f"/api/v1/integrations/{pd['id']}/test-mapping", json={"sample": SAMPLE}),
                 409, "conflict", "integration")
    assert admin.client.get(f"/api/v1/integrations/{generic['id']}").json()["mapping"] == MAPPING
    assert admin.client.get("/api/v1/alerts", params={"status": "triggered,acknowledged,resolved"}).json() == {
        "items": [], "next_cursor": None}


def test_a_lowered_rate_limit_applies_to_the_next_event(world, catalog, admin, clock):
    key = create(admin)["routing_key"]
    assert [trigger(world, key, f"k{i}").status_code for i in range(3)] == [202] * 3
    assert admin.client.patch("/api/v1/integrations/1", json={"rate_limit_per_minute": 2}).status_code == 200
    assert [trigger(world, key, f"n{i}").status_code for i in range(3)] == [202, 202, 429]
    clock.advance(seconds=30)  # 2 a minute: one more after 30 s
    assert [trigger(world, key, f"m{i}").status_code for i in range(2)] == [202, 429]
    # Raised again, it refills at the new rate (10 a minute: one every 6 s).
    assert admin.client.patch("/api/v1/integrations/1", json={"rate_limit_per_minute": 10}).status_code == 200
    clock.advance(seconds=6)
    assert [trigger(world, key, f"r{i}").status_code for i in range(2)] == [202, 429]
