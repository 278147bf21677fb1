"""The whole story of an incident over HTTP, from declaring to closing, as a team would live it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from apihelpers import assert_error, ts

INC = "/api/v1/incidents/INC-1"


@pytest.fixture
def team(world, admin, responder):
    """rita (responder) declares; carl, dana, sam, cora and rick help."""
    return {name: world.person(name) for name in ("carl", "dana", "sam", "cora", "rick")}


def _timeline(client, ref: str = "INC-1") -> list[dict]:
    r = client.get(f"/api/v1/incidents/{ref}/timeline", params={"limit": 500})
    assert r.status_code == 200, r.text
    return r.json()["items"]


def _roles(incident: dict) -> list[tuple[str, str]]:
    return [(r["role"], r["user"]["handle"]) for r in incident["roles"]]


def test_checkout_is_down_from_declaration_to_close(admin, responder, team, clock):
    t0 = clock.now()
    c = responder.client
    for name, team_name in (("checkout", "payments-team"), ("payments", "payments-team")):
        r = admin.client.post("/api/v1/services", json={"name": name, "owning_team": team_name})
        assert r.status_code == 201 and r.json()["name"] == name
    assert [s["name"] for s in c.get("/api/v1/services").json()] == ["checkout", "payments"]

    # Declare.
    r = c.post("/api/v1/incidents", json={
        "title": "Checkout is down", "severity": "SEV1", "services": ["checkout"],
        "summary": "HTTP 500 on /checkout", "impact": "All customers cannot pay",
        "labels": ["payments", "payments", " web "],
        "links": [{"title": "Grafana", "url": "https://g.example/d/1"}],
        "started_at": (t0 - timedelta(minutes=10)).isoformat(),
        "detected_at": (t0 - timedelta(minutes=5)).isoformat()})
    assert r.status_code == 201, r.text
    assert r.headers["location"] == "/api/v1/incidents/INC-1"
    inc = r.json()
    assert (inc["ref"], inc["status"], inc["severity"], inc["visibility"]) == \
        ("INC-1", "triage", "SEV1", "internal")
    assert [s["name"] for s in inc["services"]] == ["checkout"] and inc["labels"] == ["payments", "web"]
    assert ts(inc["started_at"]) == t0 - timedelta(minutes=10) and ts(inc["declared_at"]) == t0
    assert ts(inc["response_due_at"]) == t0  # SEV1: immediate
    assert inc["commander"] is None and inc["acknowledged_at"] is None and inc["response_target_met"] is None
    assert inc["allowed_transitions"] == ["investigating", "identified", "mitigated", "resolved", "canceled"]

    # Take command three minutes later: acknowledged, but after the immediate target.
    clock.advance(minutes=3)
    inc = c.post(f"{INC}/roles", json={"role": "commander", "user": "rita"}).json()
    assert inc["commander"]["handle"] == "rita"
    assert ts(inc["acknowledged_at"]) == t0 + timedelta(minutes=3) and inc["response_target_met"] is False

    # Supporting roles; a second scribe replaces the first, responders accumulate.
    for role, handle in (("deputy", "carl"), ("scribe", "sam"), ("comms_lead", "cora"),
                         ("responder", "rick"), ("responder", "dana"), ("scribe", "dana")):
        clock.advance(seconds=30)
        r = c.post(f"{INC}/roles", json={"role": role, "user": handle})
        assert r.status_code == 200, r.text
    assert _roles(r.json()) == [("deputy", "carl"), ("comms_lead", "cora"), ("responder", "rick"),
                                ("responder", "dana"), ("scribe", "dana")]
    r = c.delete(f"{INC}/roles/responder/rick")
    assert r.status_code == 200 and ("responder", "rick") not in _roles(r.json())
    assert_error(c.delete(f"{INC}/roles/commander/rita"), 409, "conflict", "role")

    # Hand command over to the deputy: recorded with the previous commander.
    clock.advance(minutes=1)
    inc = c.post(f"{INC}/roles", json={"role": "commander", "user": "carl"}).json()
    assert inc["commander"]["handle"] == "carl"
    assert ts(inc["acknowledged_at"]) == t0 + timedelta(minutes=3)  # the first answer stands
    handover = _timeline(c)[-1]
    assert handover["kind"] == "commander_changed" and handover["actor"]["handle"] == "rita"
    assert handover["data"]["previous"]["handle"] == "rita" and handover["data"]["user"]["handle"] == "carl"

    # A backdated, starred note lands where it happened; stars can be changed afterwards.
    note = c.post(f"{INC}/timeline", json={"body": "First 500s in the logs", "starred": True,
                                           "occurred_at": (t0 - timedelta(minutes=8)).isoformat()})
    assert note.status_code == 201 and note.json()["starred"] is True
    assert _timeline(c)[0]["id"] == note.json()["id"]
    unstar = c.put(f"{INC}/timeline/{note.json()['id']}/star", json={"starred": False})
    assert unstar.json()["starred"] is False
    declared = _timeline(c)[1]
    assert declared["kind"] == "declared" and declared["starred"] is True
    assert [e["id"] for e in c.get(f"{INC}/timeline", params={"starred": "true"}).json()["items"]][0] == \
        declared["id"]

    # Through the lifecycle, with a reopen when the fix does not hold.
    carl = team["carl"].client
    steps = [("investigating", {}), ("identified", {}), ("mitigated", {}),
             ("resolved", {"resolution": "Rolled back release 2026.3.1"}),
             ("investigating", {"note": "500s are back"}),
             ("mitigated", {}), ("resolved", {"resolution": "Rolled back the config too"}), ("closed", {})]
    for status, extra in steps:
        clock.advance(minutes=10)
        if status == "closed":  # SEV1: closing needs the postmortem published
            refused = carl.post(f"{INC}/status", json={"status": "closed"})
            assert refused.status_code == 409 and "needs a published postmortem" in refused.text
            why = {"question": "Why did checkout fail?", "answer": "The release had no canary stage."}
            assert carl.put(f"{INC}/postmortem", json={"whys": [why]}).status_code == 200
            assert carl.post(f"{INC}/postmortem/status", json={"status": "in_review"}).status_code == 200
            assert carl.post(f"{INC}/postmortem/status", json={"status": "published"}).status_code == 200
        r = carl.post(f"{INC}/status", json={"status": status, **extra})
        assert r.status_code == 200, r.text
        inc = r.json()
        assert inc["status"] == status
        now = clock.now()
        if status == "mitigated":
            assert ts(inc["mitigated_at"]) == now and inc["resolved_at"] is None
        if status == "resolved":
            assert ts(inc["resolved_at"]) == now and inc["resolution"] == extra["resolution"]
            assert inc["allowed_transitions"] == ["closed", "investigating"]
        if status == "investigating" and extra:
            assert inc["mitigated_at"] is None and inc["resolved_at"] is None  # reopened
    assert ts(inc["closed_at"]) == clock.now() and inc["allowed_transitions"] == []
    assert ts(inc["mitigated_at"]) == clock.now() - timedelta(minutes=20)

    events = _timeline(admin.client)
    moves = [(e["data"]["old"], e["data"]["new"]) for e in events if e["kind"] == "status_changed"]
    assert moves == [("triage", "investigating"), ("investigating", "identified"),
                     ("identified", "mitigated"), ("mitigated", "resolved"), ("resolved", "investigating"),
                     ("investigating", "mitigated"), ("mitigated", "resolved"), ("resolved", "closed")]
    reopen = [e for e in events if e["kind"] == "status_changed"][4]
    assert reopen["body"] == "500s are back"
    assert set(reopen["data"]["timestamps"]) == {"mitigated_at", "resolved_at"}
    assert [e["kind"] for e in events] == (
        ["note", "declared", "commander_changed"] + ["role_assigned"] * 6
        + ["role_removed", "commander_changed"] + ["status_changed"] * 8)
    times = [ts(e["occurred_at"]) for e in events]
    assert times == sorted(times)
    assert all(e["actor"]["handle"] == "carl" for e in events if e["kind"] == "status_changed")
    scribe = [e for e in events if e["kind"] == "role_assigned"][-1]
    assert scribe["data"]["replaced"]["handle"] == "sam" and scribe["data"]["user"]["handle"] == "dana"
    assert c.get("/api/v1/incidents", params={"status": "open"}).json()["total"] == 0


PATCHES = [
    ("title", "Checkout is down in the EU", "Checkout is down in the EU"),
    ("summary", "Only card payments fail", "Only card payments fail"),
    ("impact", "EU customers", "EU customers"),
    ("services", ["payments", "checkout"], ["checkout", "payments"]),
    ("visibility", "public", "public"),
    ("labels", ["eu", "cards"], ["eu", "cards"]),
    ("links", [{"title": "Runbook", "url": "https://wiki.example/run"}],
     [{"title": "Runbook", "url": "https://wiki.example/run"}]),
    ("started_at", "2026-03-02T09:30:00+01:00", "2026-03-02T08:30:00+00:00"),
    ("detected_at", "2026-03-02T09:45:00Z", "2026-03-02T09:45:00+00:00"),
]


@pytest.mark.parametrize(("field", "value", "stored"), PATCHES, ids=[p[0] for p in PATCHES])
def test_each_edited_field_writes_one_field_edited_event(admin, services, declare, clock, field, value,
                                                         stored):
    services("checkout", "payments")
    before = declare(admin, "Checkout is down", "SEV2", services=["checkout"], labels=["web"])
    clock.advance(minutes=5)
    r = admin.client.patch(INC, json={field: value})
    assert r.status_code == 200, r.text
    after = r.json()
    shown = [s["name"] for s in after["services"]] if field == "services" else after[field]
    assert (ts(shown) == ts(stored)) if field.endswith("_at") else (shown == stored)
    assert ts(after["updated_at"]) == clock.now()
    unchanged = {k for k in before if before[k] == after[k]}
    assert field not in unchanged and {"severity", "status", "response_due_at"} <= unchanged
    events = _timeline(admin.client)
    edits = [e for e in events if e["kind"] == "field_edited"]
    assert len(edits) == 1 and edits[0]["data"]["field"] == field and edits[0]["actor"]["handle"] == "ada"
    if field == "services":
        assert edits[0]["data"] == {"field": "services", "old": ["checkout"], "new": ["checkout", "payments"]}
    # The same value again changes nothing and writes nothing.
    assert admin.client.patch(INC, json={field: value}).status_code == 200
    assert len(_timeline(admin.client)) == len(events)


def test_severity_change_recomputes_the_response_target_until_acknowledged(admin, declare, clock):
    t0 = clock.now()
    inc = declare(admin, "Search is slow", "SEV3")
    assert ts(inc["response_due_at"]) == t0 + timedelta(minutes=60)
    clock.advance(minutes=10)
    r = admin.client.patch(INC, json={"severity": "SEV2"})
    assert r.status_code == 200 and r.json()["severity"] == "SEV2"
    assert ts(r.json()["response_due_at"]) == t0 + timedelta(minutes=25)  # 15 minutes from the change
    event = _timeline(admin.client)[-1]
    assert (event["kind"], event["data"], event["starred"]) == \
        ("severity_changed", {"old": "SEV3", "new": "SEV2"}, True)
    # SEV4 counts business time: close of the next business day (T0 is a Monday, 10:00 UTC).
    r = admin.client.patch(INC, json={"severity": "SEV4"})
    assert ts(r.json()["response_due_at"]) == datetime(2026, 3, 3, 17, 0, tzinfo=timezone.utc)
    assert admin.client.patch(INC, json={"severity": "SEV2"}).status_code == 200
    clock.advance(minutes=5)
    inc = admin.client.post(f"{INC}/roles", json={"role": "commander", "user": "ada"}).json()
    assert inc["response_target_met"] is True and ts(inc["response_due_at"]) == t0 + timedelta(minutes=25)
    clock.advance(minutes=5)
    inc = admin.client.patch(INC, json={"severity": "SEV1"}).json()
    assert ts(inc["response_due_at"]) == t0 + timedelta(minutes=25)  # acknowledged: history now
    assert inc["response_target_met"] is True
    kinds = [e["kind"] for e in _timeline(admin.client)]
    assert kinds == ["declared"] + ["severity_changed"] * 3 + ["commander_changed", "severity_changed"]


def test_commander_at_declaration_acknowledges_at_once(admin, declare):
    inc = declare(admin, "Checkout is down", "SEV1", commander=admin.email)
    assert inc["commander"]["email"] == admin.email
    assert inc["acknowledged_at"] == inc["declared_at"] and inc["response_target_met"] is True


def test_a_false_alarm_is_canceled(admin, declare, clock):
    declare(admin, "Pager fired for nothing", "SEV3")
    clock.advance(minutes=2)
    r = admin.client.post(f"{INC}/status", json={"status": "canceled", "note": "flapping check"})
    assert r.status_code == 200 and ts(r.json()["canceled_at"]) == clock.now()
    assert r.json()["allowed_transitions"] == []
    assert _timeline(admin.client)[-1]["body"] == "flapping check"


def test_openapi_lists_the_routes_and_docs_are_served(world):
    spec = world.anonymous.get("/openapi.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    assert {"post", "get"} <= set(paths["/api/v1/incidents"])
    assert {"get", "patch"} <= set(paths["/api/v1/incidents/{incident}"])
    assert "post" in paths["/api/v1/incidents/{incident}/status"]
    assert "put" in paths["/api/v1/incidents/{incident}/timeline/{event_id}/star"]
    for path in ("/api/v1/services", "/api/v1/users", "/api/v1/tokens", "/api/v1/severities",
                 "/api/v1/triage"):
        assert path in paths, path
    schemas = spec.json()["components"]["schemas"]
    assert schemas["IncidentCreate"]["additionalProperties"] is False
    assert set(schemas["IncidentCreate"]["required"]) == {"title", "severity"}
    docs = world.anonymous.get("/docs")
    assert docs.status_code == 200 and "text/html" in docs.headers["content-type"]
