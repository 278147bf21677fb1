"""/api/v1/alerts, a service's alert rules and change events: lists with filters and cursors,
acknowledging and resolving (and what is refused), alerts of restricted incidents hidden from
outsiders, rules read, changed in part and reset, and the changes before an incident. Through the
real app and database; alerts arrive at /v2/enqueue as a monitoring tool would send them."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from apihelpers import assert_error, ts

ALL = {"status": "all"}


def enqueue(world, key: str, dedup_key: str, severity: str = "critical", action: str = "trigger", **payload):
    body = {"routing_key": key, "event_action": action, "dedup_key": dedup_key,
            "payload": {"summary": f"{dedup_key} on db-1", "source": "db-1", "severity": severity, **payload}}
    response = world.anonymous.post("/v2/enqueue", json=body)
    assert response.status_code == 202, response.text


def change(world, key: str, summary: str, **payload) -> None:
    response = world.anonymous.post("/v2/change/enqueue", json={
        "routing_key": key, "payload": {"summary": summary, "source": "ci", **payload}})
    assert response.status_code == 202, response.text


def key_for(admin, service: str) -> str:
    response = admin.client.post("/api/v1/integrations", json={"service": service, "type": "pagerduty"})
    assert response.status_code == 201, response.text
    return response.json()["routing_key"]


@pytest.fixture
def keys(services, admin) -> SimpleNamespace:
    services("checkout", "search")
    return SimpleNamespace(checkout=key_for(admin, "checkout"), search=key_for(admin, "search"))


def summaries(person, **params) -> list[str]:
    response = person.client.get("/api/v1/alerts", params=params)
    assert response.status_code == 200, response.text
    return [a["summary"] for a in response.json()["items"]]


def test_list_filters_and_pages_newest_first(world, keys, admin, viewer, clock):
    enqueue(world, keys.checkout, "disk")  # critical: declares INC-1 (SEV2)
    clock.advance(minutes=1)
    enqueue(world, keys.checkout, "cpu", "warning")  # joins INC-1
    enqueue(world, keys.search, "latency", "warning")  # a warning declares nothing
    enqueue(world, keys.search, "slowlog", "info", action="resolve")  # dropped: nothing open
    assert summaries(viewer) == ["latency on db-1", "cpu on db-1", "disk on db-1"]
    assert summaries(viewer, service="search") == ["latency on db-1"]
    assert summaries(viewer, severity="critical") == ["disk on db-1"]
    assert summaries(viewer, incident="INC-1") == ["cpu on db-1", "disk on db-1"]
    assert summaries(viewer, integration=2) == ["latency on db-1"]
    assert summaries(viewer, status="resolved") == []
    assert summaries(viewer, status="open,resolved") == summaries(viewer, status="all") == summaries(viewer)

    first = viewer.client.get("/api/v1/alerts", params={"limit": 2}).json()
    assert [a["id"] for a in first["items"]] == [3, 2] and first["next_cursor"] == "2"
    last = viewer.client.get("/api/v1/alerts", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [a["id"] for a in last["items"]] == [1] and last["next_cursor"] is None
    assert viewer.client.get("/api/v1/alerts", params={"limit": 3}).json()["next_cursor"] is None

    for params, field in (({"status": "firing"}, "status"), ({"severity": "high"}, "severity"),
                          ({"service": "nowhere"}, "service"), ({"cursor": "abc"}, "cursor"),
                          ({"limit": 0}, "limit"), ({"limit": 201}, "limit"), ({"integration": "x"}, "integration"),
                          ({"cursor": "9" * 20}, "cursor"), ({"integration": 2**31}, "integration")):
        assert_error(viewer.client.get("/api/v1/alerts", params=params), 422, "invalid", field)
    assert_error(viewer.client.get("/api/v1/alerts", params={"incident": "INC-9"}), 404, "not_found", "incident")

    detail = viewer.client.get("/api/v1/alerts/1").json()
    assert {k: detail[k] for k in ("id", "service", "integration", "incident", "source", "dedup_key", "status",
                                   "severity", "origin", "occurrences", "acknowledged_by", "resolved_by")} == {
        "id": 1, "service": "checkout", "integration": "checkout pagerduty", "incident": "INC-1",
        "source": "pagerduty", "dedup_key": "disk", "status": "triggered", "severity": "critical",
        "origin": "db-1", "occurrences": 1, "acknowledged_by": "", "resolved_by": ""}
    assert ts(detail["first_seen_at"]) == ts(detail["last_seen_at"]) == clock.now() - timedelta(minutes=1)
    assert_error(viewer.client.get("/api/v1/alerts/99"), 404, "not_found", "alert")
    assert_error(viewer.client.get(f"/api/v1/alerts/{2**31}"), 422, "invalid", "alert_id")
    incident_alerts = viewer.client.get("/api/v1/incidents/INC-1/alerts").json()
    assert [a["dedup_key"] for a in incident_alerts] == ["cpu", "disk"]  # open ones first, newest first


def test_acknowledge_and_resolve_and_what_is_refused(world, keys, admin, responder, viewer, clock):
    enqueue(world, keys.search, "latency", "warning")
    assert_error(viewer.client.post("/api/v1/alerts/1/acknowledge"), 403, "forbidden")
    clock.advance(minutes=2)
    acked = responder.client.post("/api/v1/alerts/1/acknowledge")
    assert acked.status_code == 200, acked.text
    assert (acked.json()["status"], acked.json()["acknowledged_by"]) == ("acknowledged", "rita")
    assert ts(acked.json()["acknowledged_at"]) == clock.now()
    error = assert_error(responder.client.post("/api/v1/alerts/1/acknowledge"), 409, "conflict", "alert")
    assert "acknowledged" in error["message"]
    resolved = responder.client.post("/api/v1/alerts/1/resolve").json()
    assert (resolved["status"], resolved["resolved_by"]) == ("resolved", "rita")
    assert_error(responder.client.post("/api/v1/alerts/1/resolve"), 409, "conflict", "alert")
    assert_error(responder.client.post("/api/v1/alerts/1/acknowledge"), 409, "conflict", "alert")
    assert_error(responder.client.post("/api/v1/alerts/9/resolve"), 404, "not_found", "alert")
    assert summaries(viewer) == [] and summaries(viewer, status="resolved") == ["latency on db-1"]
    # The source still firing opens a new alert: the resolved one is history.
    enqueue(world, keys.search, "latency", "warning")
    assert [(a["id"], a["status"]) for a in viewer.client.get("/api/v1/alerts", params=ALL).json()["items"]] == [
        (2, "triggered"), (1, "resolved")]


def test_resolving_the_last_alert_of_an_incident_says_so_on_its_timeline(world, keys, responder):
    enqueue(world, keys.checkout, "disk")
    enqueue(world, keys.checkout, "cpu", "error")
    for alert_id in (1, 2):
        assert responder.client.post(f"/api/v1/alerts/{alert_id}/resolve").status_code == 200
    kinds = [e["kind"] for e in responder.client.get("/api/v1/incidents/INC-1/timeline").json()["items"]]
    assert kinds.count("alert_attached") == 2 and kinds.count("alert_resolved") == 2
    assert kinds[-1] == "alerts_all_resolved"
    assert responder.client.get("/api/v1/incidents/INC-1").json()["status"] == "triage"  # never closed by alerts


def test_alerts_of_a_restricted_incident_are_hidden_from_outsiders(world, keys, admin, responder, declare):
    outsider = world.person("otto")
    declare(responder, "Card data in logs", "SEV1", visibility="restricted", services=["checkout"])
    enqueue(world, keys.checkout, "pan-in-logs")  # joins the restricted incident of checkout
    enqueue(world, keys.search, "latency", "warning")
    assert admin.client.get("/api/v1/alerts/1").json()["incident"] == "INC-1"
    assert summaries(responder) == ["latency on db-1", "pan-in-logs on db-1"]
    assert summaries(outsider) == ["latency on db-1"]
    assert summaries(outsider, service="checkout") == [] and summaries(outsider, severity="critical") == []
    for method, path in (("GET", "/api/v1/alerts/1"), ("POST", "/api/v1/alerts/1/acknowledge"),
                         ("POST", "/api/v1/alerts/1/resolve")):
        assert_error(outsider.client.request(method, path), 404, "not_found", "alert")
    assert_error(outsider.client.get("/api/v1/alerts", params={"incident": "INC-1"}), 404, "not_found", "incident")
    assert_error(outsider.client.get("/api/v1/incidents/INC-1/alerts"), 404, "not_found", "incident")
    assert admin.client.get("/api/v1/alerts/1").json()["status"] == "triggered"


def test_rules_read_changed_in_part_and_reset(world, keys, admin, responder):
    path = "/api/v1/services/checkout/alert-rules"
    defaults = {"service": "checkout", "severity_map": {"critical": "SEV2", "error": "SEV3", "warning": "SEV4",
                                                        "info": None},
                "auto_declare": True, "declare_at": "error", "group_window_minutes": 60, "customized": False}
    assert responder.client.get(path).json() == defaults
    changed = admin.client.put(path, json={"severity_map": {"critical": "sev1"}, "group_window_minutes": 15})
    assert changed.status_code == 200, changed.text
    assert changed.json() == {**defaults, "severity_map": {**defaults["severity_map"], "critical": "SEV1"},
                              "group_window_minutes": 15, "customized": True}
    after = admin.client.put(path, json={"declare_at": "critical", "severity_map": {"info": "SEV4"}}).json()
    assert after["severity_map"] == {"critical": "SEV1", "error": "SEV3", "warning": "SEV4", "info": "SEV4"}
    assert (after["declare_at"], after["group_window_minutes"]) == ("critical", 15)

    for body, field in (({"severity_map": {"critical": "SEV9"}}, "severity_map.critical"),
                        ({"severity_map": {"fatal": "SEV1"}}, "severity_map.fatal"),
                        ({"severity_map": {"error": 2}}, "severity_map.error"),
                        ({"declare_at": "fatal"}, "declare_at"), ({"auto_declare": "no"}, "auto_declare"),
                        ({"group_window_minutes": -1}, "group_window_minutes"),
                        ({"group_window_minutes": 7 * 24 * 60 + 1}, "group_window_minutes"),
                        ({"window": 5}, "window")):
        assert_error(admin.client.put(path, json=body), 422, "invalid", field)
    assert admin.client.get(path).json() == after
    assert_error(responder.client.put(path, json={"auto_declare": False}), 403, "forbidden")
    assert_error(responder.client.delete(path), 403, "forbidden")
    assert_error(admin.client.get("/api/v1/services/nowhere/alert-rules"), 404, "not_found", "service")

    # The rules are what the next alert meets: an error no longer declares ...
    enqueue(world, keys.checkout, "cpu", "error")
    assert admin.client.get("/api/v1/alerts/1").json()["incident"] is None
    # ... and back to the defaults it does.
    reset = admin.client.delete(path)
    assert reset.status_code == 200 and reset.json() == defaults
    assert admin.client.get(path).json() == defaults
    enqueue(world, keys.checkout, "disk", "error")
    assert admin.client.get("/api/v1/alerts/2").json()["incident"] == "INC-1"
    assert admin.client.get("/api/v1/incidents/INC-1").json()["severity"] == "SEV3"


def test_changes_list_filters_and_the_changes_before_an_incident(world, keys, responder, declare, clock):
    t0 = clock.now()
    change(world, keys.checkout, "Deploy checkout v1")
    clock.advance(hours=2)
    change(world, keys.checkout, "Deploy checkout v2")
    change(world, keys.search, "Deploy search v7")
    change(world, keys.checkout, "Flag flip, reported late", timestamp=(t0 - timedelta(hours=1)).isoformat())
    clock.advance(hours=3)
    declare(responder, "Checkout errors", "SEV2", services=["checkout"],
            started_at=(t0 + timedelta(hours=4)).isoformat())
    clock.advance(hours=1)
    change(world, keys.checkout, "Rollback to v1")

    def listed(**params) -> list[str]:
        response = responder.client.get("/api/v1/changes", params=params)
        assert response.status_code == 200, response.text
        return [c["summary"] for c in response.json()]

    assert listed() == ["Rollback to v1", "Deploy search v7", "Deploy checkout v2", "Deploy checkout v1",
                        "Flag flip, reported late"]
    assert listed(service="search") == ["Deploy search v7"]
    assert listed(since=t0.isoformat(), until=(t0 + timedelta(hours=2)).isoformat(), service="checkout") == [
        "Deploy checkout v2", "Deploy checkout v1"]
    assert listed(limit=1) == ["Rollback to v1"]
    first = responder.client.get("/api/v1/changes", params={"limit": 1}).json()[0]
    assert (first["service"], first["origin"], ts(first["happened_at"])) == ("checkout", "ci", clock.now())
    for params, field in (({"since": "2026-03-02T10:00:00"}, "since"), ({"limit": 0}, "limit"),
                          ({"service": "nowhere"}, "service")):
        assert_error(responder.client.get("/api/v1/changes", params=params), 422, "invalid", field)
    # Started at t0+4h: the 4 hours before it, until it was declared (t0+5h); checkout's only.
    before = responder.client.get("/api/v1/incidents/INC-1/changes").json()
    assert [c["summary"] for c in before] == ["Deploy checkout v2", "Deploy checkout v1"]
    assert_error(responder.client.get("/api/v1/incidents/INC-7/changes"), 404, "not_found", "incident")
