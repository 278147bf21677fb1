"""The webhooks of Alertmanager (payload version 4), Grafana (unified and legacy alerting) and the
generic JSON webhook with a mapping, from payloads as those tools send them, through the real app."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from warroom.alerts import integrations
from warroom.alerts.models import Alert
from warroom.catalog.service import create_service
from warroom.incidents.models import Incident, TimelineEvent

AM_NOTIFICATION = {
    "version": "4", "groupKey": "{}:{alertname=\"HighErrorRate\"}", "truncatedAlerts": 0, "status": "firing",
    "receiver": "warroom", "groupLabels": {"alertname": "HighErrorRate"},
    "commonLabels": {"alertname": "HighErrorRate", "job": "checkout", "severity": "critical"},
    "commonAnnotations": {}, "externalURL": "http://alertmanager.example.com:9093",
    "alerts": [
        {"status": "firing", "labels": {"alertname": "HighErrorRate", "instance": "web-1", "job": "checkout",
                                        "severity": "critical"},
         "annotations": {"summary": "5xx above 5% on web-1", "runbook_url": "https://runbooks.example.com/5xx"},
         "startsAt": "2026-03-02T09:55:00.000Z", "endsAt": "0001-01-01T00:00:00Z",
         "generatorURL": "http://prometheus.example.com/graph?g0.expr=rate", "fingerprint": "a1b2c3d4e5f60718"},
        {"status": "firing", "labels": {"alertname": "HighErrorRate", "instance": "web-2", "job": "checkout",
                                        "severity": "critical"},
         "annotations": {"summary": "5xx above 5% on web-1"},  # the same summary: still another alert
         "startsAt": "2026-03-02T09:56:00.000Z", "endsAt": "0001-01-01T00:00:00Z",
         "generatorURL": "http://prometheus.example.com/graph?g0.expr=rate", "fingerprint": "0718a1b2c3d4e5f6"},
    ],
}

GRAFANA_UNIFIED = {
    "receiver": "warroom", "status": "firing", "orgId": 1, "groupKey": "{}:{alertname=\"Latency\"}",
    "groupLabels": {"alertname": "Latency"}, "commonLabels": {"alertname": "Latency"}, "commonAnnotations": {},
    "externalURL": "http://grafana.example.com/", "version": "1", "truncatedAlerts": 0,
    "title": "[FIRING:1] Latency", "state": "alerting", "message": "**Firing**",
    "alerts": [{"status": "firing", "labels": {"alertname": "Latency", "severity": "warning", "instance": "api-1"},
                "annotations": {"description": "p99 latency over 2 s"}, "startsAt": "2026-03-02T09:50:00Z",
                "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://grafana.example.com/alerting/grafana/x/view",
                "fingerprint": "c0ffee0123456789", "silenceURL": "http://grafana.example.com/alerting/silence/new",
                "dashboardURL": "", "panelURL": "", "values": {"B": 2.4}, "valueString": "[ var='B' value=2.4 ]"}],
}

GRAFANA_LEGACY = {"dashboardId": 1, "evalMatches": [{"value": 100, "metric": "High value", "tags": None}],
                  "message": "Notification Message", "orgId": 1, "panelId": 2, "ruleId": 7,
                  "ruleName": "Panel Title alert", "ruleUrl": "http://grafana.example.com/d/x?panelId=2",
                  "state": "alerting", "tags": {"tag name": "tag value"}, "title": "[Alerting] Panel Title alert"}


@pytest.fixture
def key_of(runtime, admin):
    with runtime.db.write_session() as session:
        create_service(runtime.context(session, None), name="checkout")

    def make(kind: str, **options) -> str:
        with runtime.db.write_session() as session:
            return integrations.create_integration(runtime.context(session, None), service="checkout", kind=kind,
                                                   **options)[1]
    return make


def alerts(runtime) -> list[SimpleNamespace]:
    with runtime.db.read_session() as session:
        return [SimpleNamespace(**{c.key: getattr(a, c.key) for c in Alert.__table__.columns})
                for a in session.scalars(select(Alert).order_by(Alert.id))]


def counts(runtime) -> tuple[int, int, int]:
    with runtime.db.read_session() as session:
        return tuple(session.scalar(select(func.count()).select_from(t)) for t in (Alert, Incident, TimelineEvent))


def test_alertmanager_alerts_are_keyed_by_fingerprint_and_a_resent_group_changes_nothing(world, runtime, key_of):
    key = key_of("alertmanager")
    url = f"/hooks/alertmanager/{key}"
    response = world.anonymous.post(url, json=AM_NOTIFICATION)
    assert response.status_code == 202, response.text
    assert [r["result"] for r in response.json()["results"]] == ["opened", "opened"]
    first = alerts(runtime)
    assert [(a.dedup_key, a.severity, a.origin) for a in first] == [
        ("a1b2c3d4e5f60718", "critical", "web-1"), ("0718a1b2c3d4e5f6", "critical", "web-2")]
    assert {link["text"] for link in first[0].links} == {"Source", "Runbook"}
    before = counts(runtime)
    for _ in range(10):  # group_interval re-sends
        assert [r["result"] for r in world.anonymous.post(url, json=AM_NOTIFICATION).json()["results"]] == [
            "unchanged", "unchanged"]
    assert counts(runtime) == before
    assert [(a.occurrences, a.last_seen_at) for a in alerts(runtime)] == [(a.occurrences, a.last_seen_at) for a in first]


def test_alertmanager_resolved_resolves_and_a_new_firing_opens_again(world, runtime, key_of):
    key = key_of("alertmanager")
    url = f"/hooks/alertmanager/{key}"
    world.anonymous.post(url, json=AM_NOTIFICATION)
    resolved = copy.deepcopy(AM_NOTIFICATION)
    resolved["status"] = "resolved"
    resolved["alerts"][0].update(status="resolved", endsAt="2026-03-02T10:05:00Z")
    resolved["alerts"] = resolved["alerts"][:1]
    assert world.anonymous.post(url, json=resolved).json()["results"][0]["result"] == "resolved"
    assert world.anonymous.post(url, json=resolved).json()["results"][0]["result"] == "dropped"
    assert [a.status for a in alerts(runtime)] == ["resolved", "triggered"]
    again = copy.deepcopy(AM_NOTIFICATION)
    again["alerts"][0]["startsAt"] = "2026-03-02T10:20:00Z"
    assert world.anonymous.post(url, json=again).json()["results"][0]["result"] == "opened"


def test_alertmanager_without_severity_uses_the_integrations_default(world, runtime, key_of):
    key = key_of("alertmanager", default_severity="warning")
    body = copy.deepcopy(AM_NOTIFICATION)
    for alert in body["alerts"]:
        del alert["labels"]["severity"]
    world.anonymous.post(f"/hooks/alertmanager/{key}", json=body)
    assert {a.severity for a in alerts(runtime)} == {"warning"}
    assert counts(runtime)[1] == 0  # warnings do not declare by default


@pytest.mark.parametrize("mutate, message", [
    (lambda b: b.update(version="3"), 'version must be "4"'),
    (lambda b: b.pop("alerts"), "alerts is missing"),
    (lambda b: b.update(alerts={"a": 1}), "alerts must be an array"),
    (lambda b: b["alerts"][1].pop("fingerprint"), "alerts[1].fingerprint is missing or blank"),
    (lambda b: b["alerts"][0].update(status="pending"), "alerts[0].status must be 'firing' or 'resolved'"),
    (lambda b: b["alerts"][0].update(labels=["x"]), "alerts[0].labels must be an object"),
    (lambda b: b["alerts"].append(5), "alerts[2] must be an object"),
])
def test_bad_alertmanager_payloads_are_400_and_change_nothing(world, runtime, key_of, mutate, message):
    key = key_of("alertmanager")
    body = copy.deepcopy(AM_NOTIFICATION)
    mutate(body)
    response = world.anonymous.post(f"/hooks/alertmanager/{key}", json=body)
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]
    assert counts(runtime) == (0, 0, 0)


def test_grafana_unified_alerting(world, runtime, key_of):
    key = key_of("grafana")
    response = world.anonymous.post(f"/hooks/grafana/{key}", json=GRAFANA_UNIFIED)
    assert response.status_code == 202
    [alert] = alerts(runtime)
    assert (alert.dedup_key, alert.severity, alert.summary, alert.source) == (
        "c0ffee0123456789", "warning", "p99 latency over 2 s", "grafana")
    assert alert.details["valueString"] == "[ var='B' value=2.4 ]"
    resolved = copy.deepcopy(GRAFANA_UNIFIED)
    resolved["alerts"][0]["status"] = "resolved"
    world.anonymous.post(f"/hooks/grafana/{key}", json=resolved)
    assert alerts(runtime)[0].status == "resolved"


def test_grafana_legacy_alerting_is_one_alert_per_rule(world, runtime, key_of):
    key = key_of("grafana")
    url = f"/hooks/grafana/{key}"
    world.anonymous.post(url, json=GRAFANA_LEGACY)
    world.anonymous.post(url, json=GRAFANA_LEGACY)
    [alert] = alerts(runtime)
    assert (alert.dedup_key, alert.summary, alert.occurrences) == ("rule-7", "[Alerting] Panel Title alert", 2)
    assert world.anonymous.post(url, json={**GRAFANA_LEGACY, "state": "pending"}).json()["received"] == 0
    world.anonymous.post(url, json={**GRAFANA_LEGACY, "state": "ok"})
    assert alerts(runtime)[0].status == "resolved"
    bad = world.anonymous.post(url, json={**GRAFANA_LEGACY, "state": "exploded"})
    assert bad.status_code == 400 and "state must be one of" in bad.json()["error"]["message"]


MAPPING = {"title": "check.name", "dedup_key": "{{ payload.host }}/{{ payload.check.name }}", "severity": "level",
           "severity_values": {"red": "critical", "amber": "warning"}, "origin": "host", "link": "url",
           "resolve": {"value": "state", "equals": ["ok", "green"]}}


def test_generic_webhook_reads_the_payload_through_its_mapping(world, runtime, key_of):
    key = key_of("generic", mapping=MAPPING)
    url = f"/hooks/generic/{key}"
    event = {"host": "db-1", "check": {"name": "Replication lag"}, "level": "red", "state": "bad",
             "url": "https://checks.example.com/1"}
    assert world.anonymous.post(url, json=event).status_code == 202
    [alert] = alerts(runtime)
    assert (alert.dedup_key, alert.summary, alert.severity, alert.origin, alert.links) == (
        "db-1/Replication lag", "Replication lag", "critical", "db-1", [{"href": "https://checks.example.com/1",
                                                                          "text": "Link"}])
    world.anonymous.post(url, json={**event, "state": "ok"})
    assert alerts(runtime)[0].status == "resolved"
    missing = world.anonymous.post(url, json={"host": "db-1"})
    assert missing.status_code == 400
    assert "title: check.name is not in the payload" in missing.json()["error"]["message"]
    assert len(alerts(runtime)) == 1


def test_a_mapping_is_checked_when_saved(runtime, key_of):
    from warroom.core.errors import Invalid

    for mapping, field in (({"dedup_key": "a"}, "mapping.title"), ({"title": "a..b"}, "mapping.title"),
                           ({"title": "{{ payload.x "}, "mapping.title"), ({"title": "a", "colour": "b"}, "mapping.colour"),
                           ({"title": "a", "severity_values": {"x": "huge"}}, "mapping.severity_values.x"),
                           ({"title": "a", "resolve": {"value": "s"}}, "mapping.resolve")):
        with pytest.raises(Invalid) as refused:
            key_of("generic", mapping=mapping)
        assert refused.value.field == field, mapping


def test_webhook_keys_unknown_revoked_or_of_another_type_get_one_answer(world, runtime, key_of):
    am_key, pd_key = key_of("alertmanager"), key_of("pagerduty")
    with runtime.db.write_session() as session:
        ctx = runtime.context(session, None)
        revoked = integrations.list_integrations(ctx)[0]
        integrations.revoke(ctx, revoked)
    answers = [world.anonymous.post(f"/hooks/alertmanager/{key}", json=AM_NOTIFICATION)
               for key in (am_key, pd_key, "0" * 32, "short")]
    answers.append(world.anonymous.post(f"/hooks/alertmanager/{am_key}", content=b"{not json"))
    assert {r.status_code for r in answers} == {400}
    assert len({r.text for r in answers}) == 1
    assert counts(runtime) == (0, 0, 0)


def test_a_webhook_with_a_good_key_and_bad_json_says_so(world, key_of):
    key = key_of("alertmanager")
    response = world.anonymous.post(f"/hooks/alertmanager/{key}", content=b"{not json")
    assert response.status_code == 400 and "not valid JSON" in response.json()["error"]["message"]


def test_webhook_rate_limit_counts_every_alert_of_a_notification(world, runtime, key_of):
    key = key_of("alertmanager", rate_limit_per_minute=3)
    url = f"/hooks/alertmanager/{key}"
    assert world.anonymous.post(url, json=AM_NOTIFICATION).status_code == 202  # 2 of 3
    refused = world.anonymous.post(url, json=AM_NOTIFICATION)
    assert refused.status_code == 429 and refused.headers["retry-after"] == "20"
    error = refused.json()["error"]
    assert error["code"] == "rate_limited" and "3 events a minute" in error["message"]
    assert "'checkout alertmanager'" in error["message"]
