"""Declaring from the browser: the form, the severity helper (with and without JavaScript), errors."""

from __future__ import annotations

from conftest import csrf_of


def _form(browser) -> tuple[str, str]:
    page = browser.get("/declare")
    assert page.status_code == 200, page.text
    return page.text, csrf_of(page.text)


def test_the_form_shows_the_helper_and_the_severity_table(web, responder):
    html, _ = _form(web.browser(responder))
    for text in ("Severity helper", "Is the service down for its users?", "Severity levels",
                 "Service down, all users affected", "within 15m", "next business day", "every 30m"):
        assert text in html, text
    assert 'name="severity" value="SEV1"' in html and 'name="take_command" value="yes" checked' in html


def test_declaring_lands_on_the_incident_page(world, web, admin, responder):
    admin.client.post("/api/v1/services", json={"name": "checkout"})
    browser = web.browser(responder)
    _, token = _form(browser)
    r = browser.post("/declare", {"csrf_token": token, "title": "Checkout is down", "severity": "SEV1",
                                  "impact": "All EU customers", "services": "checkout", "visibility": "restricted",
                                  "take_command": "yes", "action": "declare"})
    assert r.status_code == 303 and r.headers["location"] == "/incidents/INC-1"
    incident = responder.client.get("/api/v1/incidents/INC-1").json()
    assert incident["severity"] == "SEV1" and incident["impact"] == "All EU customers"
    assert incident["visibility"] == "restricted" and [s["name"] for s in incident["services"]] == ["checkout"]
    assert incident["commander"]["handle"] == "rita" and incident["response_target_met"] is True


def test_the_helper_suggests_without_javascript_and_keeps_the_input(web, responder):
    browser = web.browser(responder)
    _, token = _form(browser)
    r = browser.post("/declare", {"csrf_token": token, "title": "Search is slow", "service_down": "false",
                                  "users": "some", "feature": "minor", "action": "suggest"})
    assert r.status_code == 200
    assert "Proposed: SEV3" in r.text and "criterion:" in r.text
    assert 'value="Search is slow"' in r.text
    assert 'name="severity" value="SEV3" checked' in r.text
    assert responder.client.get("/api/v1/incidents").json()["total"] == 0


def test_the_helper_answers_javascript_with_the_policy_proposal(web, responder):
    browser = web.browser(responder)
    r = browser.get("/declare/triage?service_down=true&users=all&feature=core")
    assert r.status_code == 200 and r.json()["proposal"]["severity"] == "SEV1"
    assert r.json()["proposal"]["criteria"] == "Service down, all users affected"
    assert browser.get("/declare/triage?service_down=true").json() == {"proposal": None}
    assert browser.get("/declare/triage?service_down=true&users=lots&feature=core").json() == {"proposal": None}


def test_bad_input_names_the_field_keeps_the_input_and_creates_nothing(world, web, responder):
    browser = web.browser(responder)
    _, token = _form(browser)
    cases = [({"title": "", "severity": "SEV2"}, "title must not be empty"),
             ({"title": "Checkout is down"}, "severity: choose a level"),
             ({"title": "Checkout is down", "severity": "SEV9"}, "SEV9"),
             ({"title": "x" * 201, "severity": "SEV2"}, "title must be at most 200 characters"),
             ({"title": "Checkout", "severity": "SEV2", "services": "nope"}, "nope")]
    for fields, message in cases:
        r = browser.post("/declare", {"csrf_token": token, "action": "declare", "summary": "kept text", **fields})
        assert r.status_code == 422, (fields, r.status_code)
        assert message in r.text and 'role="alert"' in r.text and "kept text" in r.text, fields
    assert responder.client.get("/api/v1/incidents").json()["total"] == 0


def test_viewers_cannot_declare_and_a_post_without_csrf_changes_nothing(web, responder, viewer):
    watcher = web.browser(viewer)
    assert watcher.get("/declare").status_code == 403
    assert watcher.post("/declare", {"csrf_token": watcher.csrf(), "title": "x", "severity": "SEV1",
                                     "action": "declare"}).status_code == 403
    browser = web.browser(responder)
    r = browser.post("/declare", {"title": "Checkout is down", "severity": "SEV1", "action": "declare"})
    assert r.status_code == 403 and "Nothing was changed" in r.text
    assert responder.client.get("/api/v1/incidents").json()["total"] == 0
