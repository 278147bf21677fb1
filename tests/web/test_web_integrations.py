"""Integrations and alert rules on the web (/admin/integrations, admins only): creating shows the
routing key once and never again, the key works at once; rotating and revoking need a ticked
confirmation; the generic mapping can be tested against a sample (writing nothing) and saved; each
service's alert rules are saved, refused with the reason, and reset. Events go through the real
inbound endpoints."""

from __future__ import annotations

import json
import re

from conftest import csrf_of
from sqlalchemy import select

from warroom.alerts import integrations, rules
from warroom.alerts.models import Integration
from warroom.catalog.models import Service

from test_web_alerts import integration, main_of, service, text_of


def ping(world, key: str) -> int:
    return world.anonymous.post("/v2/enqueue", json={
        "routing_key": key, "event_action": "trigger",
        "payload": {"summary": "ping", "source": "test", "severity": "info"}}).status_code


def key_on(html: str) -> str:
    return re.search(r'<code id="routing-key">([0-9a-f]{32})</code>', html).group(1)


def stored(world, ident: int) -> Integration:
    with world.runtime.db.read_session() as session:
        row = session.get(Integration, ident)
        session.expunge(row)
        return row


def test_creating_shows_the_routing_key_once(world, web, admin):
    service(admin, "checkout")
    browser = web.browser(admin)
    page = browser.get("/admin/integrations")
    assert page.status_code == 200 and 'aria-current="page">Integrations</a>' in page.text
    created = browser.post("/admin/integrations", {
        "csrf_token": csrf_of(page.text), "service": "checkout", "kind": "alertmanager", "name": "Prometheus prod",
        "rate_limit": "120", "default_severity": "warning", "mapping": "ignored for this type"})
    assert created.status_code == 201, created.text
    key = key_on(created.text)
    text = main_of(created.text)
    assert "Copy its routing key now: it is not shown again" in text
    assert f'<code id="endpoint-url">http://127.0.0.1:8000/hooks/alertmanager/{key}</code>' in created.text
    assert f'- url: "http://127.0.0.1:8000/hooks/alertmanager/{key}"' in created.text  # the alertmanager.yml snippet
    with world.runtime.db.read_session() as session:
        row = session.scalar(select(Integration))
        assert (row.name, row.kind, row.rate_limit_per_minute, row.default_severity, row.mapping) == \
            ("Prometheus prod", "alertmanager", 120, "warning", {})
        ident = row.id
    hook = world.anonymous.post(f"/hooks/alertmanager/{key}", json={"version": "4", "status": "firing", "alerts": [
        {"status": "firing", "fingerprint": "fp1", "labels": {"alertname": "HighErrorRate"}, "annotations": {}}]})
    assert hook.status_code == 202, hook.text

    for path in ("/admin/integrations", f"/admin/integrations/{ident}"):
        again = browser.get(path)
        assert again.status_code == 200 and key not in again.text, path
        assert f"…{key[-4:]}" in again.text and "/hooks/alertmanager/{routing_key}" in again.text
    listed = text_of(browser.get("/admin/integrations").text)
    assert "Prometheus prod Prometheus Alertmanager …" in listed and "120/min active" in listed
    assert "YOUR_ROUTING_KEY" in browser.get(f"/admin/integrations/{ident}").text


def test_a_refused_create_form_keeps_what_was_typed(world, web, admin):
    service(admin, "checkout")
    browser = web.browser(admin)
    token = browser.csrf()
    for form, message in (({"rate_limit": "lots"}, "rate limit: &#39;lots&#39; is not a whole number"),
                          ({"rate_limit": "0"}, "rate_limit_per_minute must be 1 to 1000000"),
                          ({"service": "nope"}, "unknown service(s): nope"),
                          ({"kind": "generic", "mapping": "{title: x}"}, "the mapping is not valid JSON"),
                          ({"kind": "generic", "mapping": '{"severity": "level"}'}, "mapping.title is required")):
        r = browser.post("/admin/integrations", {"csrf_token": token, "service": "checkout", "kind": "pagerduty",
                                                 "name": "Typed name", **form})
        assert r.status_code == 422 and message in r.text, (form, r.status_code)
        assert 'value="Typed name"' in r.text
    with world.runtime.db.read_session() as session:
        assert session.scalar(select(Integration)) is None


def test_rotating_needs_confirmation_and_replaces_the_key(world, web, admin):
    service(admin, "checkout")
    ident, old = integration(world, "checkout")
    browser = web.browser(admin)
    token = browser.csrf()
    refused = browser.post(f"/admin/integrations/{ident}/rotate", {"csrf_token": token})
    assert refused.status_code == 422 and "tick the box to confirm" in refused.text
    assert ping(world, old) == 202

    rotated = browser.post(f"/admin/integrations/{ident}/rotate", {"csrf_token": token, "confirm": "1"})
    assert rotated.status_code == 200
    new = key_on(rotated.text)
    assert new != old and "the old one stopped working just now" in rotated.text
    assert ping(world, old) == 400 and ping(world, new) == 202
    assert stored(world, ident).key_rotated_at is not None
    again = browser.get(f"/admin/integrations/{ident}").text
    assert new not in again and f"…{new[-4:]}" in again and "rotated" in again


def test_revoking_needs_confirmation_and_stops_the_key(world, web, admin):
    service(admin, "checkout")
    ident, key = integration(world, "checkout")
    browser = web.browser(admin)
    token = browser.csrf()
    assert browser.post(f"/admin/integrations/{ident}/revoke", {"csrf_token": token}).status_code == 422
    assert ping(world, key) == 202
    r = browser.post(f"/admin/integrations/{ident}/revoke", {"csrf_token": token, "confirm": "1"})
    assert r.status_code == 303 and r.headers["location"] == f"/admin/integrations/{ident}?saved=revoked"
    assert ping(world, key) == 400
    page = browser.get(r.headers["location"])
    assert "events with its key are refused from now on" in page.text
    assert f'action="/admin/integrations/{ident}/rotate"' not in page.text
    rotate = browser.post(f"/admin/integrations/{ident}/rotate", {"csrf_token": token, "confirm": "1"})
    assert rotate.status_code == 409 and "is revoked; create a new one" in rotate.text
    assert "revoked" in text_of(browser.get("/admin/integrations").text)


def test_settings_are_saved_and_refused_with_the_reason(world, web, admin):
    service(admin, "checkout")
    ident, _ = integration(world, "checkout")
    browser = web.browser(admin)
    token = browser.csrf()
    r = browser.post(f"/admin/integrations/{ident}/settings", {"csrf_token": token, "name": "Renamed",
                                                               "rate_limit": "30", "default_severity": "info"})
    assert r.status_code == 303 and "Settings saved." in browser.get(r.headers["location"]).text
    row = stored(world, ident)
    assert (row.name, row.rate_limit_per_minute, row.default_severity) == ("Renamed", 30, "info")
    bad = browser.post(f"/admin/integrations/{ident}/settings", {"csrf_token": token, "name": " ",
                                                                 "rate_limit": "30", "default_severity": "info"})
    assert bad.status_code == 422 and "name must be 1 to 100 characters" in bad.text
    assert stored(world, ident).name == "Renamed"


MAPPING = {"title": "check.name", "dedup_key": "{{ payload.host }}:{{ payload.check.name }}",
           "severity": "level", "severity_values": {"P1": "critical"}, "resolve": {"value": "state", "equals": ["ok"]},
           "link": "url"}


def test_a_mapping_is_tested_against_a_sample_without_writing_then_saved(world, web, admin):
    service(admin, "checkout")
    ident, key = integration(world, "checkout", kind="generic", mapping={"title": "title"})
    browser = web.browser(admin)
    page = browser.get(f"/admin/integrations/{ident}")
    assert 'id="m-mapping"' in page.text and "Test this mapping against the sample" in page.text
    token = csrf_of(page.text)
    sample = {"check": {"name": "Disk full"}, "host": "db-1", "level": "P1", "state": "alerting",
              "url": "https://mon.example.com/db-1"}

    def test(mapping_text: str, sample_value) -> tuple[int, str]:
        r = browser.post(f"/admin/integrations/{ident}/mapping", {
            "csrf_token": token, "action": "test", "mapping": mapping_text, "sample": json.dumps(sample_value)})
        result = re.search(r'<div class="mapping-result.*?</section>', r.text, re.S)
        return r.status_code, text_of(result.group(0)) if result else ""

    status, result = test(json.dumps(MAPPING), sample)
    assert status == 200, result
    for expected in ("reads this alert", "Action trigger", "Summary Disk full", "Dedup key db-1:Disk full",
                     "Severity critical", "Links https://mon.example.com/db-1"):
        assert expected in result, (expected, result)
    status, result = test(json.dumps(MAPPING), {**sample, "state": "ok"})
    assert "Action resolve" in result
    status, result = test(json.dumps(MAPPING), {"host": "db-1", "state": "x"})
    assert status == 200 and "cannot read an alert" in result and "title: check.name is not in the payload" in result
    status, result = test('{"title": ', sample)
    assert status == 422 and "the mapping is not valid JSON" in result
    status, result = test('{"title": "a..b"}', sample)
    assert status == 422 and "is not a path" in result
    status, result = test(json.dumps(MAPPING), "")
    assert stored(world, ident).mapping == {"title": "title"}  # tests write nothing

    typed = json.dumps(MAPPING, indent=1)
    bad = browser.post(f"/admin/integrations/{ident}/mapping", {"csrf_token": token, "action": "save",
                                                                "mapping": '{"titel": "x"}', "sample": "{}"})
    assert bad.status_code == 422 and "mapping has no field &#39;titel&#39;" in bad.text
    assert "{&#34;titel&#34;: &#34;x&#34;}" in bad.text  # what was typed comes back
    saved = browser.post(f"/admin/integrations/{ident}/mapping", {"csrf_token": token, "action": "save",
                                                                  "mapping": typed, "sample": "{}"})
    assert saved.status_code == 303
    assert stored(world, ident).mapping == MAPPING
    assert world.anonymous.post(f"/hooks/generic/{key}", json=sample).status_code == 202
    assert "Disk full" in browser.get("/alerts").text


def test_only_admins_manage_integrations_and_rules(world, web, admin, responder):
    service(admin, "checkout")
    ident, key = integration(world, "checkout")
    browser = web.browser(responder)
    token = browser.csrf()
    assert browser.get("/admin/integrations").status_code == 403
    assert browser.get(f"/admin/integrations/{ident}").status_code == 403
    for path, form in (("/admin/integrations", {"service": "checkout", "kind": "grafana"}),
                       (f"/admin/integrations/{ident}/rotate", {"confirm": "1"}),
                       (f"/admin/integrations/{ident}/revoke", {"confirm": "1"}),
                       (f"/admin/integrations/{ident}/mapping", {"action": "test", "mapping": "{}", "sample": "{}"}),
                       ("/admin/integrations/rules/1", {"group_window_minutes": "5", "declare_at": "info"}),
                       ("/admin/integrations/rules/1/reset", {})):
        r = browser.post(path, {"csrf_token": token, **form})
        assert r.status_code == 403 and "only admins can do this" in r.text, path
    assert ping(world, key) == 202
    with world.runtime.db.read_session() as session:
        assert len(session.scalars(select(Integration)).all()) == 1
    assert "/admin/integrations" not in browser.get("/").text


def rules_of(world, name: str):
    with world.runtime.db.read_session() as session:
        target = session.scalar(select(Service).where(Service.name == name))
        return rules.rules_for(world.context(session, None), target.id), target.id


def test_alert_rules_are_saved_refused_and_reset(world, web, admin):
    service(admin, "checkout")
    _, service_id = rules_of(world, "checkout")
    browser = web.browser(admin)
    page = browser.get("/admin/integrations")
    assert "critical → SEV2 · error → SEV3 · warning → SEV4 · info → never · declares from error · groups for 60 min" \
        in text_of(page.text)
    token = csrf_of(page.text)
    form = {"csrf_token": token, "sev_critical": "SEV1", "sev_error": "SEV2", "sev_warning": "never",
            "sev_info": "SEV4", "declare_at": "warning", "group_window_minutes": "30"}
    r = browser.post(f"/admin/integrations/rules/{service_id}", form)
    assert r.status_code == 303 and r.headers["location"].endswith(f"#rules-{service_id}")
    saved, _ = rules_of(world, "checkout")
    assert (saved.severity_map, saved.auto_declare, saved.declare_at, saved.group_window_minutes, saved.customized) == \
        ({"critical": "SEV1", "error": "SEV2", "warning": None, "info": "SEV4"}, False, "warning", 30, True)
    shown = browser.get(r.headers["location"])
    assert "Alert rules of checkout saved." in shown.text and "never declares · groups for 30 min" in text_of(shown.text)

    for change, message in (({"group_window_minutes": "soon"}, "grouping window: &#39;soon&#39; is not a whole number"),
                            ({"group_window_minutes": "99999"}, "group_window_minutes must be 0 to 10080"),
                            ({"sev_error": "SEV9"}, "unknown incident severity &#39;SEV9&#39;"),
                            ({"declare_at": "fatal"}, "unknown alert severity &#39;fatal&#39;")):
        bad = browser.post(f"/admin/integrations/rules/{service_id}", {**form, "auto_declare": "1", **change})
        assert bad.status_code == 422 and message in bad.text, change
        assert f'<details class="rules" id="rules-{service_id}" open>' in bad.text  # the form stays open, as typed
        assert re.search(r'name="auto_declare" value="1"\s+checked', bad.text)
        assert rules_of(world, "checkout")[0] == saved

    reset = browser.post(f"/admin/integrations/rules/{service_id}/reset", {"csrf_token": token})
    assert reset.status_code == 303
    assert not rules_of(world, "checkout")[0].customized
    assert "Reset to defaults" not in browser.get("/admin/integrations").text


def test_the_rules_decide_what_declares(world, web, admin):
    service(admin, "checkout")
    _, service_id = rules_of(world, "checkout")
    _, key = integration(world, "checkout")
    browser = web.browser(admin)
    r = browser.post(f"/admin/integrations/rules/{service_id}", {
        "csrf_token": browser.csrf(), "sev_critical": "SEV1", "sev_error": "SEV3", "sev_warning": "SEV4",
        "sev_info": "never", "auto_declare": "1", "declare_at": "critical", "group_window_minutes": "0"})
    assert r.status_code == 303
    assert ping(world, key) == 202  # info: no incident
    world.anonymous.post("/v2/enqueue", json={"routing_key": key, "event_action": "trigger", "payload": {
        "summary": "Checkout down", "source": "lb", "severity": "critical"}})
    incidents = admin.client.get("/api/v1/incidents").json()["items"]
    assert [(i["title"], i["severity"]) for i in incidents] == [("Checkout down", "SEV1")]
    assert "Incident none" in text_of(browser.get("/alerts?severity=info").text)
