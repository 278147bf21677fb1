"""PagerDuty Events API v2 compatibility of /v2/enqueue and /v2/change/enqueue: PagerDuty's dedup
semantics, its answers and its validation, through the real app and database."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from warroom.alerts import integrations
from warroom.alerts.models import Alert, ChangeEvent
from warroom.catalog.service import create_service
from warroom.incidents.models import Incident, TimelineEvent


@pytest.fixture
def pd_key(runtime, admin) -> str:
    with runtime.db.write_session() as session:
        ctx = runtime.context(session, None)
        create_service(ctx, name="checkout")
        _, key = integrations.create_integration(ctx, service="checkout", kind="pagerduty")
    return key


def trigger(key: str, dedup_key: str | None = "disk-1", severity: str = "critical", **extra) -> dict:
    body = {"routing_key": key, "event_action": "trigger",
            "payload": {"summary": "Disk full on db-1", "source": "db-1", "severity": severity}, **extra}
    if dedup_key is not None:
        body["dedup_key"] = dedup_key
    return body


def alerts(runtime) -> list[SimpleNamespace]:
    with runtime.db.read_session() as session:
        return [SimpleNamespace(**{c.key: getattr(a, c.key) for c in Alert.__table__.columns})
                for a in session.scalars(select(Alert).order_by(Alert.id))]


def test_trigger_opens_an_alert_and_answers_like_pagerduty(world, runtime, pd_key):
    response = world.anonymous.post("/v2/enqueue", json=trigger(pd_key))
    assert response.status_code == 202
    assert response.json() == {"status": "success", "message": "Event processed", "dedup_key": "disk-1"}
    [alert] = alerts(runtime)
    assert (alert.status, alert.severity, alert.summary, alert.origin, alert.occurrences) == (
        "triggered", "critical", "Disk full on db-1", "db-1", 1)


def test_dedup_open_retrigger_resolve_and_trigger_after_resolve(world, runtime, pd_key, clock):
    client = world.anonymous
    assert client.post("/v2/enqueue", json=trigger(pd_key)).status_code == 202
    assert client.post("/v2/enqueue", json=trigger(pd_key)).status_code == 202
    [alert] = alerts(runtime)
    assert alert.occurrences == 2 and alert.status == "triggered"
    ack = client.post("/v2/enqueue", json={"routing_key": pd_key, "event_action": "acknowledge", "dedup_key": "disk-1"})
    assert ack.json()["dedup_key"] == "disk-1"
    assert alerts(runtime)[0].status == "acknowledged"
    client.post("/v2/enqueue", json={"routing_key": pd_key, "event_action": "resolve", "dedup_key": "disk-1"})
    assert [a.status for a in alerts(runtime)] == ["resolved"]
    # After it resolved, the same key opens a new alert.
    assert client.post("/v2/enqueue", json=trigger(pd_key)).status_code == 202
    assert [(a.status, a.occurrences) for a in alerts(runtime)] == [("resolved", 2), ("triggered", 1)]


def test_acknowledge_and_resolve_of_an_unknown_key_are_accepted_and_dropped(world, runtime, pd_key):
    for action in ("acknowledge", "resolve"):
        response = world.anonymous.post("/v2/enqueue", json={"routing_key": pd_key, "event_action": action,
                                                             "dedup_key": "never-seen"})
        assert response.status_code == 202
        assert response.json()["dedup_key"] == "never-seen"
    assert alerts(runtime) == []


def test_trigger_without_dedup_key_gets_a_new_key_each_time(world, runtime, pd_key):
    keys = {world.anonymous.post("/v2/enqueue", json=trigger(pd_key, dedup_key=None)).json()["dedup_key"]
            for _ in range(2)}
    assert len(keys) == 2 and all(len(k) == 32 for k in keys)
    assert len(alerts(runtime)) == 2


@pytest.mark.parametrize("body, error", [
    ({"event_action": "trigger"}, "'routing_key' is invalid"),
    ({"event_action": "bogus"}, "'event_action' is invalid (must be one of: trigger, acknowledge, resolve)"),
    ({}, "'event_action' is missing or blank"),
    ({"event_action": "resolve"}, "'dedup_key' is missing or blank"),
    ({"event_action": "acknowledge", "dedup_key": ""}, "'dedup_key' is missing or blank"),
    ({"event_action": "trigger", "dedup_key": "x" * 256}, "Length of 'dedup_key' is too long"),
    ({"event_action": "trigger"}, "'payload' is missing or blank"),
    ({"event_action": "trigger", "payload": "x"}, "'payload' is invalid (must be an object)"),
    ({"event_action": "trigger", "payload": {"source": "a", "severity": "info"}}, "'payload.summary' is missing or blank"),
    ({"event_action": "trigger", "payload": {"summary": "a", "severity": "info"}}, "'payload.source' is missing or blank"),
    ({"event_action": "trigger", "payload": {"summary": "a", "source": "b"}}, "'payload.severity' is missing or blank"),
    ({"event_action": "trigger", "payload": {"summary": "a", "source": "b", "severity": "high"}},
     "'payload.severity' is invalid (must be one of: critical, error, warning, info)"),
    ({"event_action": "trigger", "payload": {"summary": "a", "source": "b", "severity": "info", "timestamp": "soon"}},
     "'payload.timestamp' is invalid"),
    ({"event_action": "trigger", "payload": {"summary": 5, "source": "b", "severity": "info"}},
     "'payload.summary' is invalid (must be a string)"),
    ({"event_action": "trigger", "links": [{"text": "x"}],
      "payload": {"summary": "a", "source": "b", "severity": "info"}}, "'links[0].href' is missing or blank"),
])
def test_bad_events_answer_400_with_pagerdutys_shape_and_change_nothing(world, runtime, pd_key, body, error):
    if "routing_key" not in body and error != "'routing_key' is invalid":
        body = {**body, "routing_key": pd_key}
    response = world.anonymous.post("/v2/enqueue", json=body)
    assert response.status_code == 400, response.text
    answer = response.json()
    assert answer["status"] == "invalid event" and answer["message"] == "Event object is invalid"
    assert any(e.startswith(error) for e in answer["errors"]), answer["errors"]
    assert alerts(runtime) == []


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b'"text"'])
def test_a_body_that_is_not_an_event_object_is_400(world, raw):
    response = world.anonymous.post("/v2/enqueue", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["status"] == "invalid event"


def test_unknown_revoked_and_malformed_keys_get_one_answer(world, runtime, pd_key):
    with runtime.db.write_session() as session:
        ctx = runtime.context(session, None)
        revoked, revoked_key = integrations.create_integration(ctx, service="checkout", kind="pagerduty")
        integrations.revoke(ctx, revoked)
        _, other_kind_key = integrations.create_integration(ctx, service="checkout", kind="alertmanager")
    answers = {key: world.anonymous.post("/v2/enqueue", json=trigger(key)) for key in
               ("short", "0" * 32, revoked_key, other_kind_key, 12345)}
    assert {r.status_code for r in answers.values()} == {400}
    assert len({r.text for r in answers.values()}) == 1
    assert alerts(runtime) == []


def test_a_rotated_key_stops_working_at_once(world, runtime, pd_key):
    with runtime.db.write_session() as session:
        ctx = runtime.context(session, None)
        [integration] = integrations.list_integrations(ctx)
        _, new_key = integrations.rotate_key(ctx, integration)
    assert world.anonymous.post("/v2/enqueue", json=trigger(pd_key)).status_code == 400
    assert world.anonymous.post("/v2/enqueue", json=trigger(new_key)).status_code == 202


def test_rate_limit_answers_429_with_retry_after_naming_the_integration(world, runtime, pd_key):
    with runtime.db.write_session() as session:
        ctx = runtime.context(session, None)
        [integration] = integrations.list_integrations(ctx)
        integrations.update_integration(ctx, integration, rate_limit_per_minute=3)
    statuses = [world.anonymous.post("/v2/enqueue", json=trigger(pd_key, dedup_key=f"k{i}")).status_code
                for i in range(4)]
    assert statuses == [202, 202, 202, 429]
    response = world.anonymous.post("/v2/enqueue", json=trigger(pd_key, dedup_key="k9"))
    assert response.status_code == 429 and int(response.headers["retry-after"]) == 20
    answer = response.json()
    assert answer["status"] == "throttle event"
    assert "'checkout pagerduty'" in answer["errors"][0] and "3 events a minute" in answer["errors"][0]
    assert len(alerts(runtime)) == 3


def test_change_events_are_kept_per_service(world, runtime, pd_key):
    response = world.anonymous.post("/v2/change/enqueue", json={
        "routing_key": pd_key, "links": [{"href": "https://ci.example.com/builds/2", "text": "Build 2"}],
        "payload": {"summary": "Deploy checkout v2.3", "source": "ci", "timestamp": "2026-03-02T09:00:00Z",
                    "custom_details": {"build": 2}}})
    assert response.status_code == 202
    assert response.json() == {"status": "success", "message": "Change event processed"}
    with runtime.db.read_session() as session:
        [change] = session.scalars(select(ChangeEvent))
        assert change.summary == "Deploy checkout v2.3" and change.details == {"custom_details": {"build": 2}}
    bad = world.anonymous.post("/v2/change/enqueue", json={"routing_key": pd_key, "payload": {"source": "ci"}})
    assert bad.status_code == 400 and bad.json()["errors"] == ["'payload.summary' is missing or blank"]


def test_a_critical_alert_declares_an_incident_and_repeats_attach_nothing_new(world, runtime, pd_key):
    for _ in range(3):
        world.anonymous.post("/v2/enqueue", json=trigger(pd_key))
    with runtime.db.read_session() as session:
        [incident] = session.scalars(select(Incident))
        assert (incident.severity, incident.title) == ("SEV2", "Disk full on db-1")
        kinds = list(session.scalars(select(TimelineEvent.kind).where(TimelineEvent.incident_id == incident.id)))
        assert kinds.count("declared") == 1 and kinds.count("alert_attached") == 1
