"""Postmortems and action items through the REST API: shapes, validation, versions, workflow,
exports, and action items across incidents with their filters."""

from __future__ import annotations

from datetime import timedelta

from apihelpers import assert_error

INC = "/api/v1/incidents/INC-1"
WHY = {"question": "Why did checkout fail?", "answer": "The gateway config lost the EU merchant id."}


def resolved_incident(responder, declare, clock, **fields):
    declare(responder, "Checkout is down", "SEV1", commander="rita", impact="EU card payments fail.", **fields)
    clock.advance(minutes=30)
    r = responder.client.post(f"{INC}/status", json={"status": "resolved", "resolution": "Restored the id"})
    assert r.status_code == 200, r.text


def test_resolving_starts_the_postmortem_and_put_replaces_sections(world, responder, declare, clock):
    assert_error(responder.client.get(f"{INC}/postmortem"), 404, "not_found", "incident")
    resolved_incident(responder, declare, clock)
    draft = responder.client.get(f"{INC}/postmortem").json()
    assert draft["status"] == "draft" and draft["required"] and draft["version"] == 1
    assert draft["durations"] == {"detect": 0, "acknowledge": 0, "mitigate": 1800, "resolve": 1800}
    assert [e["text"] for e in draft["timeline"]][:1] == ["Declared SEV1: Checkout is down"]
    assert draft["warnings"] == [] and draft["action_items"] == []

    saved = responder.client.put(f"{INC}/postmortem", json={
        "version": 1, "whys": [WHY], "went_poorly": ["Someone should have noticed sooner."]})
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["version"] == 2 and body["whys"] == [WHY]
    assert [(w["section"], w["phrase"]) for w in body["warnings"]] == [("went_poorly[1]", "should have")]
    assert_error(responder.client.put(f"{INC}/postmortem", json={"version": 1, "summary": "x"}),
                 409, "conflict", "version")
    assert_error(responder.client.put(f"{INC}/postmortem", json={"whys": [{"question": "Why?"}]}),
                 422, "invalid", "whys.0.answer")
    assert_error(responder.client.put(f"{INC}/postmortem", json={"sumary": "typo"}), 422, "invalid", "sumary")
    history = responder.client.get(f"{INC}/postmortem/history").json()
    assert [(r["version"], sorted(r["changes"])) for r in history] == [(1, ["created"]), (2, ["went_poorly", "whys"])]
    assert history[1]["changes"]["whys"] == {"before": [], "after": [WHY]}


def test_publishing_needs_confirmation_with_warnings_then_closing_works(world, responder, declare, clock):
    declare(responder, "Checkout is down", "SEV1")
    assert_error(responder.client.get(f"{INC}/postmortem"), 404, "not_found", "postmortem")
    assert responder.client.post(f"{INC}/postmortem").status_code == 201  # started before resolving
    assert_error(responder.client.post(f"{INC}/postmortem"), 409, "conflict", "postmortem")
    responder.client.post(f"{INC}/roles", json={"role": "commander", "user": "rita"})
    clock.advance(minutes=30)
    responder.client.post(f"{INC}/status", json={"status": "resolved", "resolution": "Restored the id"})
    c = responder.client
    c.put(f"{INC}/postmortem", json={"whys": [WHY], "summary": "It was human error."})
    assert c.post(f"{INC}/postmortem/status", json={"status": "in_review"}).status_code == 200
    refused = c.post(f"{INC}/postmortem/status", json={"status": "published"})
    assert_error(refused, 409, "conflict", "confirm_warnings")
    published = c.post(f"{INC}/postmortem/status", json={"status": "published", "confirm_warnings": True})
    assert published.status_code == 200 and published.json()["published_by"]["handle"] == "rita"
    assert c.post(f"{INC}/status", json={"status": "closed"}).json()["status"] == "closed"


def test_exports_in_markdown_html_and_json(world, responder, declare, clock):
    resolved_incident(responder, declare, clock)
    c = responder.client
    c.put(f"{INC}/postmortem", json={"whys": [WHY], "went_well": ["Rollback took <2 min>"]})
    c.post(f"{INC}/action-items", json={"title": "Alert on gateway 403s", "owner": "rita",
                                        "due_on": (clock.now() + timedelta(days=7)).date().isoformat(),
                                        "ticket_url": "https://tracker.example.com/OPS-12"})
    md = c.get(f"{INC}/postmortem/export", params={"format": "md"})
    assert md.headers["content-type"].startswith("text/markdown")
    assert md.text.startswith("# Postmortem: INC-1 Checkout is down\n")
    assert "1. **Why did checkout fail?**" in md.text and "- Rollback took <2 min>" in md.text
    assert "| Alert on gateway 403s ([ticket](https://tracker.example.com/OPS-12)) | Rita |" in md.text
    html = c.get(f"{INC}/postmortem/export", params={"format": "html"})
    assert html.headers["content-type"].startswith("text/html")
    assert "Rollback took &lt;2 min&gt;" in html.text and "<script" not in html.text and "@media print" in html.text
    as_json = c.get(f"{INC}/postmortem/export", params={"format": "json"}).json()
    assert as_json["action_items"][0]["title"] == "Alert on gateway 403s"
    assert_error(c.get(f"{INC}/postmortem/export", params={"format": "pdf"}), 422, "invalid", "format")


def test_action_items_across_incidents_with_filters(world, admin, responder, declare, clock, services):
    services("checkout", "search")
    declare(responder, "Checkout is down", "SEV2", services=["checkout"])
    declare(responder, "Search is slow", "SEV3", services=["search"])
    c = responder.client
    today = clock.now().date()

    def add(ref, title, owner, days, **extra):
        r = c.post(f"/api/v1/incidents/{ref}/action-items", json={
            "title": title, "owner": owner, "due_on": (today + timedelta(days=days)).isoformat(), **extra})
        assert r.status_code == 201, r.text
        return r.json()

    alert = add("INC-1", "Alert on 403s", "rita", 2, type="detect", priority="high")
    add("INC-1", "Canary stage for config", "ada", 10)
    add("INC-2", "Warm the search cache", "rita", 5, type="mitigate")
    assert alert["status"] == "open" and alert["overdue"] is False and alert["incident"] == "INC-1"
    assert_error(c.post(f"{INC}/action-items", json={"title": "x", "owner": "nobody", "due_on": today.isoformat()}),
                 422, "invalid", "owner")
    assert_error(c.post(f"{INC}/action-items", json={"title": "x", "owner": "rita",
                                                    "due_on": (today - timedelta(days=1)).isoformat()}),
                 422, "invalid", "due_on")
    assert_error(c.post(f"{INC}/action-items", json={"title": "x", "owner": "rita", "due_on": today.isoformat(),
                                                    "type": "blame"}), 422, "invalid", "type")

    titles = lambda **q: [i["title"] for i in c.get("/api/v1/action-items", params=q).json()]  # noqa: E731
    assert titles() == ["Alert on 403s", "Warm the search cache", "Canary stage for config"]
    assert titles(owner="me") == ["Alert on 403s", "Warm the search cache"]
    assert titles(service="search") == ["Warm the search cache"]
    clock.advance(days=3)
    assert titles(overdue="true") == ["Alert on 403s"]
    assert c.get(f"/api/v1/action-items/{alert['id']}").json()["overdue"] is True

    assert_error(c.patch(f"/api/v1/action-items/{alert['id']}", json={"status": "wont_do"}),
                 422, "invalid", "wont_do_reason")
    done = c.patch(f"/api/v1/action-items/{alert['id']}", json={"status": "done"}).json()
    assert done["status"] == "done" and done["completed_at"] is not None and not done["overdue"]
    assert titles(status="done") == ["Alert on 403s"]
    assert_error(c.get("/api/v1/action-items", params={"service": "nope"}), 422, "invalid", "service")


def test_restricted_incidents_action_items_are_hidden_from_outsiders(world, admin, responder, declare, clock):
    declare(responder, "Payroll leak", "SEV1", visibility="restricted", commander="rita")
    item = responder.client.post(f"{INC}/action-items", json={
        "title": "Rotate export links", "owner": "rita", "due_on": clock.now().date().isoformat()}).json()
    otto = world.person("otto")
    assert otto.client.get("/api/v1/action-items").json() == []
    assert_error(otto.client.get(f"/api/v1/action-items/{item['id']}"), 404, "not_found", "action_item")
    assert_error(otto.client.patch(f"/api/v1/action-items/{item['id']}", json={"status": "done"}),
                 404, "not_found", "action_item")
    assert [i["title"] for i in admin.client.get("/api/v1/action-items").json()] == ["Rotate export links"]
