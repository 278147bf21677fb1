"""Alerts on the web: the list (open by default, filters, newest first, pages, times in the viewer's
timezone), one alert (details as key/value rows, links, history) with Acknowledge and Resolve
(refusals change nothing; viewers cannot act), alerts of restricted incidents hidden from outsiders,
and the room's Alerts and "Changes before this incident" panels. Events arrive through the real
inbound endpoints."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from conftest import csrf_of
from warroom.alerts import integrations
from warroom.alerts.models import Alert


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def main_of(html: str) -> str:
    return text_of(re.search(r"<main.*?</main>", html, re.S).group(0))


def service(admin, name: str) -> None:
    assert admin.client.post("/api/v1/services", json={"name": name}).status_code == 201


def integration(world, service_name: str, kind: str = "pagerduty", **fields) -> tuple[int, str]:
    with world.runtime.db.write_session() as session:
        created, key = integrations.create_integration(world.context(session, None), service=service_name,
                                                       kind=kind, **fields)
        return created.id, key


def trigger(world, key: str, summary: str, severity: str = "critical", dedup: str | None = None, **body) -> str:
    event = {"routing_key": key, "event_action": "trigger",
             "payload": {"summary": summary, "source": "web-1", "severity": severity,
                         **body.pop("payload", {})}, **body}
    if dedup:
        event["dedup_key"] = dedup
    r = world.anonymous.post("/v2/enqueue", json=event)
    assert r.status_code == 202, r.text
    return r.json()["dedup_key"]


def alert_id(world, dedup: str) -> int:
    with world.runtime.db.read_session() as session:
        return session.scalar(select(Alert.id).where(Alert.dedup_key == dedup).order_by(Alert.id.desc()))


def alert_row(world, ident: int) -> Alert:
    with world.runtime.db.read_session() as session:
        row = session.get(Alert, ident)
        session.expunge(row)
        return row


def rows(html: str) -> list[str]:
    return [text_of(m) for m in re.findall(r'<li class="incident alert-row.*?</li>', html, re.S)]


def set_timezone(world, person, tz: str) -> None:
    with world.runtime.db.write_session() as session:
        session.get(type(person.user), person.user.id).timezone = tz


def test_the_list_shows_open_alerts_newest_first_and_filters(world, web, admin, responder, clock):
    service(admin, "checkout")
    service(admin, "search")
    _, checkout_key = integration(world, "checkout", name="Prometheus prod")
    _, search_key = integration(world, "search")
    trigger(world, checkout_key, "Checkout 5xx above 5%", "critical", dedup="co-5xx")
    clock.advance(timedelta(minutes=3))
    trigger(world, checkout_key, "Checkout latency p99 2s", "warning", dedup="co-lat")
    clock.advance(timedelta(minutes=3))
    trigger(world, search_key, "Search index lagging", "info", dedup="se-lag")
    trigger(world, search_key, "Search disk 80%", "info", dedup="se-disk")
    world.anonymous.post("/v2/enqueue", json={"routing_key": search_key, "event_action": "resolve",
                                              "dedup_key": "se-disk"})
    browser = web.browser(responder)
    set_timezone(world, responder, "Europe/Berlin")  # after signing in, which saves the person as they were

    page = browser.get("/alerts")
    assert page.status_code == 200
    listed = rows(page.text)
    assert [r.split(" ")[1:4] for r in listed] == [["Search", "index", "lagging"], ["Checkout", "latency", "p99"],
                                                   ["Checkout", "5xx", "above"]]
    first = listed[2]
    for expected in ("critical", "triggered", "checkout", "web-1", "Prometheus prod", "Occurrences 1",
                     "First seen Mar 02 11:00 CET", "Last seen Mar 02 11:00 CET", "INC-1"):
        assert expected in first, (expected, first)
    assert "Incident none" in listed[0]  # info never declares by default
    assert 'href="/incidents/INC-1"' in page.text and f'href="/alerts/{alert_id(world, "co-5xx")}"' in page.text
    assert "times in Europe/Berlin" in main_of(page.text)
    assert 'aria-current="page">Alerts</a>' in page.text

    assert [r.split(" ")[1] for r in rows(browser.get("/alerts?status=resolved").text)] == ["Search"]
    assert len(rows(browser.get("/alerts?status=all").text)) == 4
    assert len(rows(browser.get("/alerts?service=checkout").text)) == 2
    assert [r.split(" ")[2] for r in rows(browser.get("/alerts?severity=warning").text)] == ["latency"]
    assert len(rows(browser.get("/alerts?service=checkout&severity=info").text)) == 0
    assert len(rows(browser.get("/alerts?incident=INC-1").text)) == 2
    bad = browser.get("/alerts?severity=fatal")
    assert bad.status_code == 422 and "unknown alert severity &#39;fatal&#39;" in bad.text
    assert browser.get("/alerts?service=nope").status_code == 422


def test_the_list_comes_in_pages(world, web, admin, responder):
    service(admin, "checkout")
    _, key = integration(world, "checkout", kind="alertmanager")
    body = {"version": "4", "status": "firing", "receiver": "warroom", "groupKey": "g", "alerts": [
        {"status": "firing", "fingerprint": f"fp{n:03}", "labels": {"alertname": f"Alert{n:03}", "severity": "info"},
         "annotations": {}, "startsAt": "2026-03-02T09:00:00Z"} for n in range(55)]}
    assert world.anonymous.post(f"/hooks/alertmanager/{key}", json=body).status_code == 202
    browser = web.browser(responder)
    first = browser.get("/alerts?service=checkout")
    assert len(rows(first.text)) == 50 and "Alert054" in rows(first.text)[0]
    next_url = re.search(r'href="([^"]+)" rel="next"', first.text).group(1).replace("&amp;", "&")
    assert "service=checkout" in next_url
    second = browser.get(next_url)
    assert [r.split(" ")[1] for r in rows(second.text)] == [f"Alert{n:03}" for n in range(4, -1, -1)]
    assert 'rel="next"' not in second.text and "First page" in second.text


def test_an_alert_shows_its_details_links_and_history(world, web, admin, responder, clock):
    service(admin, "checkout")
    _, key = integration(world, "checkout")
    links = [{"href": "https://grafana.example.com/d/checkout", "text": "Dashboard"},
             {"href": "javascript:alert(document.cookie)", "text": "Sneaky"}]
    trigger(world, key, "Checkout 5xx above 5%", dedup="co-5xx", links=links,
            payload={"component": "api", "custom_details": {"region": "eu-west-1", "pods": ["a", "b"],
                                                            "labels": {"team": "payments"}}})
    clock.advance(timedelta(minutes=2))
    trigger(world, key, "Checkout 5xx above 5%", dedup="co-5xx", links=links,
            payload={"component": "api", "custom_details": {"region": "eu-west-1", "pods": ["a", "b"],
                                                            "labels": {"team": "payments"}}})
    ident = alert_id(world, "co-5xx")
    page = web.browser(responder).get(f"/alerts/{ident}")
    assert page.status_code == 200
    text = main_of(page.text)
    for expected in ("critical", "triggered", "Checkout 5xx above 5%", "on web-1", "First seen", "Joined INC-1",
                     "Occurrences 2", "Dedup key co-5xx", "2026-03-02 10:00 UTC First seen",
                     "Last seen 2026-03-02 10:02 UTC"):
        assert expected in text, (expected, text)
    for key_, value in (("component", "api"), ("custom_details.region", "eu-west-1"),
                        ("custom_details.pods", "a, b"), ("custom_details.labels.team", "payments")):
        assert re.search(rf'<th scope="row" class="mono">{re.escape(key_)}</th><td>{re.escape(value)}</td>', page.text), key_
    assert '<a href="https://grafana.example.com/d/checkout" rel="noopener noreferrer nofollow">Dashboard</a>' in page.text
    assert 'href="javascript:' not in page.text and "not a web link" in text
    assert re.findall(r'action="/alerts/\d+/(\w+)"', page.text) == ["acknowledge", "resolve"]


def test_acknowledge_and_resolve_and_what_is_refused(world, web, admin, responder):
    service(admin, "checkout")
    _, key = integration(world, "checkout")
    ident = alert_id(world, trigger(world, key, "Checkout 5xx", dedup="co-5xx"))
    browser = web.browser(responder)
    token = csrf_of(browser.get(f"/alerts/{ident}").text)

    r = browser.post(f"/alerts/{ident}/acknowledge", {"csrf_token": token})
    assert r.status_code == 303 and r.headers["location"] == f"/alerts/{ident}"
    row = alert_row(world, ident)
    assert (row.status, row.acknowledged_by) == ("acknowledged", responder.user.handle)
    page = browser.get(f"/alerts/{ident}")
    assert f"Acknowledged by {responder.user.name}" in main_of(page.text)
    assert re.findall(r'action="/alerts/\d+/(\w+)"', page.text) == ["resolve"]

    again = browser.post(f"/alerts/{ident}/acknowledge", {"csrf_token": token})
    assert again.status_code == 409
    assert f"alert {ident} is acknowledged; only a triggered alert can be acknowledged" in again.text
    assert alert_row(world, ident).acknowledged_at == row.acknowledged_at

    assert browser.post(f"/alerts/{ident}/resolve", {"csrf_token": token}).status_code == 303
    row = alert_row(world, ident)
    assert (row.status, row.resolved_by) == ("resolved", responder.user.handle)
    page = browser.get(f"/alerts/{ident}")
    assert f"Resolved by {responder.user.name}" in main_of(page.text)
    assert not re.findall(r'action="/alerts/\d+/(\w+)"', page.text)
    kinds = [e["kind"] for e in admin.client.get("/api/v1/incidents/INC-1/timeline").json()["items"]]
    assert "alert_resolved" in kinds and "alerts_all_resolved" in kinds

    refused = browser.post(f"/alerts/{ident}/resolve", {"csrf_token": token})
    assert refused.status_code == 409 and f"alert {ident} is already resolved" in refused.text
    assert alert_row(world, ident).resolved_at == row.resolved_at
    # Without the form's token nothing happens either.
    assert browser.post(f"/alerts/{ident}/resolve", {}).status_code == 403


def test_viewers_read_alerts_but_cannot_act(world, web, admin, viewer):
    service(admin, "checkout")
    _, key = integration(world, "checkout")
    ident = alert_id(world, trigger(world, key, "Checkout 5xx", dedup="co-5xx"))
    browser = web.browser(viewer)
    page = browser.get(f"/alerts/{ident}")
    assert page.status_code == 200 and "Checkout 5xx" in page.text
    assert 'action="/alerts/' not in page.text
    for action in ("acknowledge", "resolve"):
        r = browser.post(f"/alerts/{ident}/{action}", {"csrf_token": csrf_of(page.text)})
        assert r.status_code == 403 and "viewers can read but not change anything" in r.text
    assert alert_row(world, ident).status == "triggered"


def test_alerts_of_a_restricted_incident_are_hidden_from_outsiders(world, web, admin, responder):
    service(admin, "vault")
    r = admin.client.post("/api/v1/incidents", json={"title": "Secrets leak", "severity": "SEV2",
                                                      "services": ["vault"], "visibility": "restricted"})
    assert r.status_code == 201
    _, key = integration(world, "vault")
    ident = alert_id(world, trigger(world, key, "Vault audit log anomaly", dedup="vault-1"))
    assert alert_row(world, ident).incident_id is not None  # grouped into the restricted incident
    outsider = web.browser(responder)
    assert "Vault audit log anomaly" not in outsider.get("/alerts?status=all").text
    hidden = outsider.get(f"/alerts/{ident}")
    assert hidden.status_code == 404 and "Vault audit" not in hidden.text
    assert outsider.post(f"/alerts/{ident}/resolve", {"csrf_token": outsider.csrf()}).status_code == 404
    assert outsider.get("/alerts?incident=INC-1").status_code == 404
    assert alert_row(world, ident).status == "triggered"
    insider = web.browser(admin)
    assert "Vault audit log anomaly" in insider.get("/alerts").text
    assert insider.get(f"/alerts/{ident}").status_code == 200


def test_the_room_shows_the_incidents_alerts_and_the_changes_before_it(world, web, admin, responder, clock):
    service(admin, "checkout")
    _, key = integration(world, "checkout")
    change = {"routing_key": key, "links": [{"href": "https://git.example.com/pr/42", "text": "PR 42"}],
              "payload": {"summary": "Deploy checkout v2.3.1", "source": "argo",
                          "timestamp": "2026-03-02T09:20:00Z"}}
    assert world.anonymous.post("/v2/change/enqueue", json=change).status_code == 202
    old = {**change, "payload": {**change["payload"], "summary": "Deploy checkout v2.2", "timestamp": "2026-03-01T20:00:00Z"}}
    assert world.anonymous.post("/v2/change/enqueue", json=old).status_code == 202
    ident = alert_id(world, trigger(world, key, "Checkout 5xx above 5%", dedup="co-5xx"))
    clock.advance(timedelta(minutes=1))
    other = alert_id(world, trigger(world, key, "Checkout latency p99 2s", "warning", dedup="co-lat"))
    world.anonymous.post("/v2/enqueue", json={"routing_key": key, "event_action": "resolve", "dedup_key": "co-lat"})
    browser = web.browser(responder)
    set_timezone(world, responder, "America/New_York")
    html = browser.get("/incidents/INC-1").text

    panel = re.search(r'<section class="card room-alerts".*?</section>', html, re.S).group(0)
    text = text_of(panel)
    assert "2 alerts · 1 open" in text
    assert text.index("Checkout 5xx above 5%") < text.index("Checkout latency p99 2s")  # open ones first
    assert "triggered · 1× · checkout pagerduty · web-1" in text and "resolved" in text
    assert f'href="/alerts/{ident}"' in panel and f'href="/alerts/{other}"' in panel

    changes = re.search(r'<section class="card room-changes".*?</section>', html, re.S).group(0)
    text = text_of(changes)
    assert "Deploy checkout v2.3.1" in text and "Mar 02 04:20" in text and "argo" in text
    assert "v2.2" not in text  # 14 hours before: not a suspect
    assert '<a href="https://git.example.com/pr/42" rel="noopener noreferrer nofollow">PR 42</a>' in changes
    assert '{% include "_paging.html" %}' not in html and "room-paging" in html  # the paging panel is still there


def test_a_room_without_alerts_has_no_alert_panels(world, web, admin, responder):
    r = admin.client.post("/api/v1/incidents", json={"title": "Manual", "severity": "SEV3"})
    assert r.status_code == 201
    html = web.browser(responder).get("/incidents/INC-1").text
    assert "room-alerts" not in html and "room-changes" not in html


def test_the_room_lists_the_first_alerts_and_changes_of_a_storm(world, web, admin, responder):
    service(admin, "checkout")
    _, key = integration(world, "checkout")
    for n in range(12):
        change = {"routing_key": key, "payload": {"summary": f"Flag flip {n:02}", "timestamp": f"2026-03-02T09:{n:02}:00Z"}}
        assert world.anonymous.post("/v2/change/enqueue", json=change).status_code == 202
    _, hook_key = integration(world, "checkout", kind="alertmanager")
    storm = {"version": "4", "status": "firing", "alerts": [
        {"status": "firing", "fingerprint": f"fp{n:02}", "labels": {"alertname": f"Pod{n:02}Down", "severity": "critical"},
         "annotations": {}} for n in range(25)]}
    assert world.anonymous.post(f"/hooks/alertmanager/{hook_key}", json=storm).status_code == 202
    html = web.browser(responder).get("/incidents/INC-1").text
    panel = re.search(r'<section class="card room-alerts".*?</section>', html, re.S).group(0)
    assert "25 alerts · 25 open" in text_of(panel)
    assert len(re.findall(r'href="/alerts/\d+"', panel)) == 20
    assert 'href="/alerts?incident=INC-1&amp;status=all">All 25 alerts of INC-1</a>' in panel
    changes = re.search(r'<section class="card room-changes".*?</section>', html, re.S).group(0)
    text = text_of(changes)
    assert "12 in the 4 h before it started" in text and "2 earlier changes" in text
    assert text.index("Flag flip 11") < text.index("Flag flip 02") < text.index("2 earlier changes") < text.index("Flag flip 01")
