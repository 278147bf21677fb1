"""Authentication and access over HTTP: every /api/v1 route wants a valid bearer token, viewers only
read, only admins create users, and API tokens are shown once, stored hashed, tracked and revocable.

Routes are enumerated from app.routes, so a new route is covered here (or must be classified).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from types import SimpleNamespace

import pytest
from test_api_paging import sent_code
from apihelpers import WRITE_METHODS, api_routes, assert_error, fill_path, ts
from fastapi.testclient import TestClient
from sqlalchemy import select

from warroom.core.db import Base

# A floor for the enumeration, so that it cannot silently find nothing.
KNOWN_ROUTES = {
    ("POST", "/api/v1/incidents"), ("GET", "/api/v1/incidents"),
    ("GET", "/api/v1/incidents/{incident}"), ("PATCH", "/api/v1/incidents/{incident}"),
    ("POST", "/api/v1/incidents/{incident}/status"), ("POST", "/api/v1/incidents/{incident}/roles"),
    ("DELETE", "/api/v1/incidents/{incident}/roles/{role}/{user}"),
    ("GET", "/api/v1/incidents/{incident}/timeline"), ("POST", "/api/v1/incidents/{incident}/timeline"),
    ("PUT", "/api/v1/incidents/{incident}/timeline/{event_id}/star"),
    ("GET", "/api/v1/services"), ("POST", "/api/v1/services"),
    ("GET", "/api/v1/users/me"), ("GET", "/api/v1/users"), ("POST", "/api/v1/users"),
    ("GET", "/api/v1/tokens"), ("POST", "/api/v1/tokens"), ("DELETE", "/api/v1/tokens/{token_id}"),
    ("GET", "/api/v1/severities"), ("POST", "/api/v1/triage"),
}

LAYER = {"users": ["rita"], "shift_length": 1, "shift_unit": "weeks", "start": "2026-03-02T09:00"}
# The status page's admin routes (statuspage admin and subscribers).
STATUS_WRITE_BODIES: dict[tuple[str, str], dict | None] = {
    ("POST", "/api/v1/status/components"): {"name": "Search"},
    ("PATCH", "/api/v1/status/components/{component}"): {"override": "major_outage"},
    ("DELETE", "/api/v1/status/components/{component}"): None,
    ("POST", "/api/v1/status/component-groups"): {"name": "Edge"},
    ("DELETE", "/api/v1/status/component-groups/{group}"): None,
    ("POST", "/api/v1/status/maintenances"): {"title": "DB upgrade", "starts_at": "2099-01-01T00:00:00Z",
                                              "ends_at": "2099-01-01T01:00:00Z"},
    ("PATCH", "/api/v1/status/maintenances/{maintenance}"): {"title": "DB upgrade to v16"},
    ("POST", "/api/v1/status/maintenances/{maintenance}/status"): {"status": "canceled"},
    ("PUT", "/api/v1/status/settings"): {"name": "Acme", "url": "", "logo_url": "", "brand_color": "#000000",
                                         "timezone": "UTC"},
    ("POST", "/api/v1/status/subscribers"): {"kind": "email", "target": "new@example.com"},
    ("DELETE", "/api/v1/status/subscribers/{subscriber_id}"): None,
}
ONCALL_WRITE_BODIES: dict[tuple[str, str], dict | None] = {
    ("POST", "/api/v1/schedules"): {"name": "secondary", "timezone": "UTC"},
    ("PATCH", "/api/v1/schedules/{schedule}"): {"description": "Payments"},
    ("DELETE", "/api/v1/schedules/{schedule}"): None,
    ("POST", "/api/v1/schedules/{schedule}/layers"): LAYER,
    ("PUT", "/api/v1/schedules/{schedule}/layers/{layer_id}"): LAYER,
    ("DELETE", "/api/v1/schedules/{schedule}/layers/{layer_id}"): None,
    ("POST", "/api/v1/schedules/{schedule}/overrides"): {"user": "rita", "starts_at": "2099-01-01T00:00:00Z",
                                                         "ends_at": "2099-01-02T00:00:00Z"},
    ("DELETE", "/api/v1/schedules/{schedule}/overrides/{override_id}"): None,
    ("POST", "/api/v1/calendar-feeds"): {"schedule": "primary"},
    ("DELETE", "/api/v1/calendar-feeds/{feed_id}"): None,
}
POLICY = {"name": "checkout-oncall", "repeat": 1,
          "levels": [{"delay_minutes": 5, "targets": [{"type": "user", "ref": "rita"}]}]}
PAGING_WRITE_BODIES: dict[tuple[str, str], dict | None] = {
    ("POST", "/api/v1/users/me/contact-methods"): {"kind": "email", "address": "pager@example.com"},
    ("DELETE", "/api/v1/users/me/contact-methods/{method_id}"): None,
    ("POST", "/api/v1/users/me/contact-methods/{method_id}/test"): None,
    ("POST", "/api/v1/users/me/contact-methods/{method_id}/verify"): {"code": "123456"},
    ("POST", "/api/v1/users/me/notification-rules"): {"contact_method": 1, "urgency": "low", "delay_minutes": 5},
    ("DELETE", "/api/v1/users/me/notification-rules/{rule_id}"): None,
    ("POST", "/api/v1/escalation-policies"): {**POLICY, "name": "search-oncall"},
    ("PUT", "/api/v1/escalation-policies/{policy}"): POLICY,
    ("DELETE", "/api/v1/escalation-policies/{policy}"): None,
    ("PUT", "/api/v1/services/{service}/escalation-policy"): {"escalation_policy": None},
    ("POST", "/api/v1/incidents/{incident}/ack"): None,
    ("POST", "/api/v1/incidents/{incident}/escalate"): None,
    ("POST", "/api/v1/incidents/{incident}/repage"): None,
}
ALERTS_WRITE_BODIES: dict[tuple[str, str], dict | None] = {
    ("POST", "/api/v1/integrations"): {"service": "checkout", "type": "pagerduty"},
    ("PATCH", "/api/v1/integrations/{integration_id}"): {"name": "renamed"},
    ("POST", "/api/v1/integrations/{integration_id}/rotate-key"): None,
    ("POST", "/api/v1/integrations/{integration_id}/revoke"): None,
    ("POST", "/api/v1/integrations/{integration_id}/test-mapping"): {"sample": {"check": "disk"}},
    ("POST", "/api/v1/alerts/{alert_id}/acknowledge"): None,
    ("POST", "/api/v1/alerts/{alert_id}/resolve"): None,
    ("PUT", "/api/v1/services/{service}/alert-rules"): {"auto_declare": False},
    ("DELETE", "/api/v1/services/{service}/alert-rules"): None,
}
UPDATE = {"whats_happening": "Checkout fails.", "who_is_affected": "Everyone.",
          "what_we_are_doing": "Rolling back.", "next_update_at": "2099-01-01T00:00:00Z"}
# A valid body for every write route (None: no body). A new write route must be added here, which
# makes its author decide whether viewers may call it.
WRITE_BODIES: dict[tuple[str, str], dict | None] = {
    ("POST", "/api/v1/incidents"): {"title": "Search is slow", "severity": "SEV3"},
    ("PATCH", "/api/v1/incidents/{incident}"): {"title": "Checkout is really down"},
    ("POST", "/api/v1/incidents/{incident}/status"): {"status": "canceled", "note": "false alarm"},
    ("POST", "/api/v1/incidents/{incident}/roles"): {"role": "scribe", "user": "victor"},
    ("DELETE", "/api/v1/incidents/{incident}/roles/{role}/{user}"): None,
    ("POST", "/api/v1/incidents/{incident}/timeline"): {"body": "looking at the load balancer"},
    ("PUT", "/api/v1/incidents/{incident}/timeline/{event_id}/star"): {"starred": False},
    ("POST", "/api/v1/services"): {"name": "search"},
    ("POST", "/api/v1/users"): {"email": "new@example.com", "name": "New Person"},
    ("POST", "/api/v1/tokens"): {"name": "laptop"},
    ("DELETE", "/api/v1/tokens/{token_id}"): None,
    ("POST", "/api/v1/triage"): {"service_down": True, "users": "all", "feature": "core"},
    ("POST", "/api/v1/incidents/{incident}/updates"): UPDATE,
    ("POST", "/api/v1/incidents/{incident}/updates/preview"): UPDATE,
    ("POST", "/api/v1/channels"): {"name": "hooks", "kind": "webhook", "settings": {"url": "http://127.0.0.1:9/x"}},
    ("PATCH", "/api/v1/channels/{channel}"): {"enabled": False},
    ("DELETE", "/api/v1/channels/{channel}"): None,
    ("POST", "/api/v1/channels/{channel}/test"): None,
    ("PUT", "/api/v1/templates/{audience}/{kind}"): {"subject": "x", "body": "y"},
    ("DELETE", "/api/v1/templates/{audience}/{kind}"): None,
    ("POST", "/api/v1/outbox/{message_id}/retry"): None,
    ("POST", "/api/v1/incidents/{incident}/postmortem"): None,
    ("PUT", "/api/v1/incidents/{incident}/postmortem"): {"summary": "Checkout failed for an hour."},
    ("POST", "/api/v1/incidents/{incident}/postmortem/status"): {"status": "in_review"},
    ("POST", "/api/v1/incidents/{incident}/postmortem/reviewers"): {"user": "victor"},
    ("DELETE", "/api/v1/incidents/{incident}/postmortem/reviewers/{user}"): None,
    ("POST", "/api/v1/incidents/{incident}/postmortem/approve"): None,
    ("POST", "/api/v1/incidents/{incident}/action-items"): {"title": "Alert on 403s", "owner": "rita",
                                                            "due_on": "2099-01-01"},
    ("PATCH", "/api/v1/action-items/{item_id}"): {"status": "done"},
    **ONCALL_WRITE_BODIES,
    **STATUS_WRITE_BODIES,
    **PAGING_WRITE_BODIES,
    **ALERTS_WRITE_BODIES,
}
# Writes a viewer may make: its own API tokens (how a viewer reads through the API at all) and the
# triage helper, which only computes a proposal and stores nothing.
VIEWER_MAY = {("POST", "/api/v1/tokens"), ("DELETE", "/api/v1/tokens/{token_id}"),
              ("POST", "/api/v1/triage")}


@pytest.fixture
def scene(world, admin, responder, viewer, services, declare):
    """INC-1 with a service, a responder role and a timeline; every path parameter has a real value."""
    services("checkout")
    paging = paging_scene(world, responder)
    alerting = alerts_scene(world, admin)
    channel = admin.client.post("/api/v1/channels", json={  # so declaring queues a message
        "name": "ops", "kind": "webhook", "settings": {"url": "http://127.0.0.1:9/hook"}}).json()
    incident = declare(responder, "Checkout is down", "SEV2", services=["checkout"])
    r = responder.client.post("/api/v1/incidents/INC-1/roles", json={"role": "responder", "user": "rita"})
    assert r.status_code == 200, r.text
    event = responder.client.get("/api/v1/incidents/INC-1/timeline").json()["items"][0]
    token = viewer.client.get("/api/v1/tokens").json()[0]
    message = admin.client.get("/api/v1/outbox").json()[0]
    assert responder.client.post("/api/v1/incidents/INC-1/postmortem").status_code == 201
    item = responder.client.post("/api/v1/incidents/INC-1/action-items", json={
        "title": "Alert on gateway 403s", "owner": "rita", "due_on": "2099-01-01"}).json()
    params = {"incident": incident["ref"], "role": "responder", "user": "rita",
              "event_id": event["id"], "token_id": token["id"], "channel": channel["id"],
              "audience": "public", "kind": "update", "message_id": message["id"], "item_id": item["id"],
              **oncall_scene(responder), **status_scene(admin), **paging,
              **alerting}
    return SimpleNamespace(incident=incident, params=params)


def oncall_scene(responder) -> dict:
    """A schedule with a layer, an override and a calendar feed: the on-call path parameters."""
    c = responder.client
    assert c.post("/api/v1/schedules", json={"name": "primary", "timezone": "Europe/Berlin"}).status_code == 201
    layer = c.post("/api/v1/schedules/primary/layers", json=LAYER).json()
    override = c.post("/api/v1/schedules/primary/overrides", json=ONCALL_WRITE_BODIES[
        ("POST", "/api/v1/schedules/{schedule}/overrides")]).json()
    feed = c.post("/api/v1/calendar-feeds", json={"schedule": "primary"}).json()
    return {"schedule": "primary", "layer_id": layer["id"], "override_id": override["id"], "feed_id": feed["id"]}


def paging_scene(world, responder) -> dict:
    """An escalation policy on checkout, and rita's verified contact method with a rule."""
    c = responder.client
    assert c.post("/api/v1/escalation-policies", json=POLICY).status_code == 201
    assert c.put("/api/v1/services/checkout/escalation-policy",
                 json={"escalation_policy": "checkout-oncall"}).status_code == 200
    method = c.post("/api/v1/users/me/contact-methods", json={"kind": "email", "address": "rita@pager.example"}).json()
    sent = c.post(f"/api/v1/users/me/contact-methods/{method['id']}/test").json()
    code = sent_code(world.runtime, sent["message_id"])
    assert c.post(f"/api/v1/users/me/contact-methods/{method['id']}/verify", json={"code": code}).status_code == 200
    rule = c.post("/api/v1/users/me/notification-rules", json={"contact_method": method["id"], "urgency": "high"})
    assert rule.status_code == 201, rule.text
    return {"method_id": method["id"], "rule_id": rule.json()["id"], "policy": "checkout-oncall",
            "service": "checkout"}


def alerts_scene(world, admin) -> dict:
    """A generic webhook integration on checkout and a warning it sent (which declares nothing)."""
    created = admin.client.post("/api/v1/integrations", json={"service": "checkout", "type": "generic",
                                                              "mapping": {"title": "check"},
                                                              "default_severity": "warning"})
    assert created.status_code == 201, created.text
    assert world.anonymous.post(created.json()["url"], json={"check": "disk"}).status_code == 202
    alert = admin.client.get("/api/v1/alerts").json()["items"][0]
    return {"integration_id": created.json()["id"], "alert_id": alert["id"]}


def status_scene(admin) -> dict:
    """A component in a group, a maintenance and a subscriber: the status page's path parameters."""
    c = admin.client
    assert c.post("/api/v1/status/component-groups", json={"name": "Core"}).status_code == 201
    assert c.post("/api/v1/status/components", json={"name": "Checkout", "group": "Core"}).status_code == 201
    planned = c.post("/api/v1/status/maintenances", json={
        "title": "Network work", "starts_at": "2099-02-01T00:00:00Z", "ends_at": "2099-02-01T02:00:00Z"}).json()
    subscriber = c.post("/api/v1/status/subscribers", json={"kind": "email", "target": "reader@example.com",
                                                            "confirmed": True}).json()
    return {"component": "Checkout", "group": "Core", "maintenance": planned["public_id"],
            "subscriber_id": subscriber["id"]}


def _call(client: TestClient, method: str, template: str, params: dict, body: dict | None = None):
    return client.request(method, fill_path(template, params), json=body)


def _state(admin) -> dict:
    """What a refused request must not have changed, read as an admin."""
    c = admin.client
    return {"incidents": c.get("/api/v1/incidents").json(),
            "timeline": c.get("/api/v1/incidents/INC-1/timeline").json(),
            "services": c.get("/api/v1/services").json(), "users": c.get("/api/v1/users").json(),
            "postmortem": c.get("/api/v1/incidents/INC-1/postmortem").json(),
            "action_items": c.get("/api/v1/action-items").json(),
            "schedules": c.get("/api/v1/schedules").json(), "feeds": c.get("/api/v1/calendar-feeds").json(),
            "escalation_policies": c.get("/api/v1/escalation-policies").json(),
            "pages": c.get("/api/v1/incidents/INC-1/pages").json(),
            "integrations": c.get("/api/v1/integrations", params={"include_revoked": True}).json(),
            "alerts": c.get("/api/v1/alerts", params={"status": "triggered,acknowledged,resolved"}).json(),
            "alert_rules": c.get("/api/v1/services/checkout/alert-rules").json(),
            **{name: c.get(f"/api/v1/status/{name}").json()
               for name in ("components", "component-groups", "maintenances", "subscribers", "settings")}}


def test_routes_are_enumerated_and_match_openapi(world):
    routes = set(api_routes(world.app))
    assert KNOWN_ROUTES <= routes, KNOWN_ROUTES - routes
    spec = world.anonymous.get("/openapi.json")
    assert spec.status_code == 200
    documented = {(method.upper(), path) for path, operations in spec.json()["paths"].items()
                  if path.startswith("/api/v1") for method in operations}
    assert documented == routes


def test_every_route_rejects_missing_garbage_and_revoked_tokens(world, scene, admin):
    created = admin.client.post("/api/v1/tokens", json={"name": "soon revoked"}).json()
    revoked = TestClient(world.app, headers={"Authorization": f"Bearer {created['token']}"})
    assert revoked.get("/api/v1/users/me").status_code == 200
    assert admin.client.delete(f"/api/v1/tokens/{created['id']}").status_code == 200
    clients = {
        "no header": world.anonymous,
        "garbage": TestClient(world.app, headers={"Authorization": "Bearer wr_not-a-real-token"}),
        "revoked": revoked,
        "empty bearer": TestClient(world.app, headers={"Authorization": "Bearer "}),
        "not bearer": TestClient(world.app, headers={"Authorization": f"Basic {admin.token}"}),
        "bare token": TestClient(world.app, headers={"Authorization": admin.token}),
    }
    before = _state(admin)
    routes = api_routes(world.app)
    for method, template in routes:
        body = WRITE_BODIES.get((method, template)) if method in WRITE_METHODS else None
        for name, client in clients.items():
            r = _call(client, method, template, scene.params, body)
            assert r.status_code == 401, (name, method, template, r.status_code, r.text)
            assert_error(r, 401, "unauthorized")
            assert r.headers.get("www-authenticate") == "Bearer", (name, method, template)
    assert _state(admin) == before
    assert len(routes) >= len(KNOWN_ROUTES)


def test_viewer_gets_403_on_every_write_route_and_changes_nothing(world, scene, admin, viewer):
    writes = [(m, p) for m, p in api_routes(world.app) if m in WRITE_METHODS]
    unclassified = set(writes) - set(WRITE_BODIES)
    assert not unclassified, f"add a valid body for these write routes to WRITE_BODIES: {unclassified}"
    before = _state(admin)
    refused = 0
    for method, template in writes:
        if (method, template) in VIEWER_MAY:
            continue
        r = _call(viewer.client, method, template, scene.params, WRITE_BODIES[(method, template)])
        assert_error(r, 403, "forbidden")
        refused += 1
    assert refused == len(writes) - len(VIEWER_MAY) >= 9
    assert _state(admin) == before
    # The same bodies are fine for a responder: the 403s above were about the role, not the input.
    r = _call(world.person("carl").client, "POST", "/api/v1/incidents/{incident}/timeline", scene.params,
              WRITE_BODIES[("POST", "/api/v1/incidents/{incident}/timeline")])
    assert r.status_code == 201, r.text


# Reads that hold configuration (channel settings, templates, every outgoing message): admins only.
ADMIN_READS = {"/api/v1/status/subscribers",
               "/api/v1/channels", "/api/v1/channels/{channel}", "/api/v1/templates", "/api/v1/outbox",
               "/api/v1/outbox/{message_id}"}


def test_viewer_can_read_every_read_route_but_admin_configuration(world, scene, viewer, admin):
    reads = [(m, p) for m, p in api_routes(world.app) if m == "GET"]
    assert len(reads) >= 8 and ADMIN_READS <= {p for _, p in reads}
    for method, template in reads:
        r = _call(viewer.client, method, template, scene.params)
        if template in ADMIN_READS:
            assert_error(r, 403, "forbidden")
            assert _call(admin.client, method, template, scene.params).status_code == 200, template
        else:
            assert r.status_code == 200, (template, r.text)
    assert viewer.client.get("/api/v1/incidents/INC-1").json()["title"] == "Checkout is down"
    assert viewer.client.get("/api/v1/users/me").json()["role"] == "viewer"


def test_viewer_may_manage_own_tokens_and_ask_triage(world, viewer, admin):
    created = viewer.client.post("/api/v1/tokens", json={"name": "dashboard"})
    assert created.status_code == 201, created.text
    dashboard = TestClient(world.app, headers={"Authorization": f"Bearer {created.json()['token']}"})
    assert dashboard.get("/api/v1/incidents").status_code == 200
    assert viewer.client.delete(f"/api/v1/tokens/{created.json()['id']}").status_code == 200
    assert_error(dashboard.get("/api/v1/incidents"), 401, "unauthorized")
    proposal = viewer.client.post("/api/v1/triage", json={"service_down": True, "users": "all",
                                                           "feature": "core"})
    assert proposal.status_code == 200 and proposal.json()["severity"] == "SEV1"
    # Someone else's token is reported as missing, and keeps working.
    admin_token_id = admin.client.get("/api/v1/tokens").json()[0]["id"]
    assert_error(viewer.client.delete(f"/api/v1/tokens/{admin_token_id}"), 404, "not_found")
    assert admin.client.get("/api/v1/users/me").status_code == 200


@pytest.mark.parametrize("role", ["responder", "viewer"])
def test_only_admins_create_users(world, admin, role):
    person = world.person("nora", role)
    body = {"email": "mallory@example.com", "name": "Mallory", "role": "admin"}
    assert_error(person.client.post("/api/v1/users", json=body), 403, "forbidden")
    emails = [u["email"] for u in admin.client.get("/api/v1/users").json()]
    assert "mallory@example.com" not in emails
    r = admin.client.post("/api/v1/users", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["role"] == "admin" and r.json()["handle"] == "mallory"


def test_token_is_shown_once_stored_hashed_tracked_and_revocable(world, admin, responder, clock):
    t0 = clock.now()
    r = admin.client.post("/api/v1/tokens", json={"name": "ci"})
    assert r.status_code == 201, r.text
    created = r.json()
    secret = created["token"]
    assert secret.startswith("wr_") and len(secret) >= 40
    assert created["prefix"] == secret[:10] and created["name"] == "ci"
    assert created["last_used_at"] is None and created["revoked_at"] is None
    assert ts(created["created_at"]) == t0

    listed = admin.client.get("/api/v1/tokens").json()
    assert [t["name"] for t in listed] == ["test", "ci"]
    assert all("token" not in t and secret not in t.values() for t in listed)
    assert [t["name"] for t in responder.client.get("/api/v1/tokens").json()] == ["test"]

    # Nowhere in the database is the secret stored; its SHA-256 is.
    with world.runtime.db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(select(table)):
                assert secret not in repr(tuple(row)), f"plaintext token in table {table.name}"
        hashes = conn.execute(select(Base.metadata.tables["api_tokens"].c.token_hash)).scalars().all()
    assert hashlib.sha256(secret.encode()).hexdigest() in hashes

    def last_used() -> object:
        tokens = {t["id"]: t for t in admin.client.get("/api/v1/tokens").json()}
        return ts(tokens[created["id"]]["last_used_at"])

    ci = TestClient(world.app, headers={"Authorization": f"Bearer {secret}"})
    assert ci.get("/api/v1/users/me").json()["email"] == admin.email
    assert last_used() == t0
    clock.advance(minutes=5)
    assert ci.get("/api/v1/incidents").status_code == 200  # a read updates it too
    assert last_used() == t0 + timedelta(minutes=5)
    clock.advance(minutes=5)
    assert ci.post("/api/v1/services", json={"name": "search"}).status_code == 201
    assert last_used() == t0 + timedelta(minutes=10)

    # A responder cannot revoke someone else's token: it is reported as missing.
    assert_error(responder.client.delete(f"/api/v1/tokens/{created['id']}"), 404, "not_found")
    assert ci.get("/api/v1/users/me").status_code == 200

    r = admin.client.delete(f"/api/v1/tokens/{created['id']}")
    assert r.status_code == 200 and ts(r.json()["revoked_at"]) == t0 + timedelta(minutes=10)
    assert "token" not in r.json()
    for response in (ci.get("/api/v1/users/me"), ci.post("/api/v1/services", json={"name": "x"})):
        assert_error(response, 401, "unauthorized")
    assert admin.client.get("/api/v1/users/me").status_code == 200  # the other token still works
    assert [s["name"] for s in admin.client.get("/api/v1/services").json()] == ["search"]


def test_healthz_needs_no_auth(world):
    r = world.anonymous.get("/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"
    assert r.json()["database"] == world.runtime.db.dialect
