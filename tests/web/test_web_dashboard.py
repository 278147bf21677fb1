"""The dashboard: sign-in required, open incidents grouped by severity, visibility rules, timezones."""

from __future__ import annotations

import re

from conftest import PASSWORD

from warroom.users import passwords
from warroom.users import service as users


def _declare(person, title: str, severity: str, **fields) -> str:
    response = person.client.post("/api/v1/incidents", json={"title": title, "severity": severity, **fields})
    assert response.status_code == 201, response.text
    return response.json()["ref"]


def _sections(html: str) -> dict[str, str]:
    """Severity name -> the HTML of its section, in page order."""
    parts = re.split(r'<section class="sev-group" aria-labelledby="sev-([^"]+)">', html)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


def test_dashboard_needs_sign_in(web):
    response = web.anonymous().get("/")
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=/"


def test_open_incidents_grouped_by_severity(world, web, responder, admin):
    clock = world.runtime.clock
    minor = _declare(responder, "Search suggestions are slow", "SEV3")
    clock.advance(minutes=5)
    outage = _declare(responder, "Checkout is down", "SEV1", commander="ada")
    cosmetic = _declare(responder, "Footer logo is blurry", "SEV3")
    gone = _declare(responder, "False alarm on the queue", "SEV2")
    r = responder.client.post(f"/api/v1/incidents/{gone}/status", json={"status": "canceled"})
    assert r.status_code == 200, r.text
    clock.advance(minutes=12)

    page = web.browser(responder).get("/")
    assert page.status_code == 200
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    sections = _sections(html)
    assert list(sections) == ["SEV1", "SEV3"]  # most severe first; no empty groups
    assert outage in sections["SEV1"] and "Checkout is down" in sections["SEV1"]
    assert "Ada" in sections["SEV1"]  # the commander
    assert "12 min ago" in sections["SEV1"]
    assert minor in sections["SEV3"] and cosmetic in sections["SEV3"]
    assert sections["SEV3"].index(cosmetic) < sections["SEV3"].index(minor)  # newest first
    assert "17 min ago" in sections["SEV3"] and "none yet" in sections["SEV3"]
    assert gone not in html and "False alarm" not in html  # canceled is not open
    assert "triage" in sections["SEV1"]
    assert "3 open" in html
    # The header: product, navigation, who is signed in, and a sign-out form with its token.
    for text in ("Warroom", ">Dashboard<", "Rita", 'action="/signout"',
                 'name="csrf_token"'):
        assert text in html, text


def test_a_restricted_incident_is_invisible_to_non_participants(world, web, responder, admin, viewer):
    secret = _declare(responder, "Payroll export leaked salaries", "SEV1", visibility="restricted")
    public = _declare(responder, "Payroll page is slow", "SEV2")
    outsider = world.person("otto")
    for person in (outsider, viewer):
        html = web.browser(person).get("/").text
        assert public in html and secret not in html and "leaked salaries" not in html
        assert "1 open" in html  # counts do not leak it either
    for person in (responder, admin):  # a participant, and an admin
        html = web.browser(person).get("/").text
        assert secret in html and "leaked salaries" in html and "restricted" in html


def test_times_are_shown_in_the_viewer_timezone(world, web, responder):
    _declare(responder, "Checkout is down", "SEV1")  # declared at T0, 10:00 UTC
    with world.runtime.db.write_session() as session:
        ctx = world.runtime.system_context(session)
        nina = users.create_user(ctx, email="nina@example.com", name="Nina", timezone="America/New_York")
        passwords.set_password(ctx, nina, PASSWORD)
    browser = web.anonymous()
    assert browser.sign_in("nina@example.com").status_code == 303
    html = browser.get("/").text
    assert "declared 2026-03-02 05:00 EST" in html and "times in America/New_York" in html


def test_titles_are_escaped(web, responder):
    _declare(responder, "<script>alert(1)</script> & friends", "SEV2")
    html = web.browser(responder).get("/").text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; friends" in html


def test_static_css_is_served(web):
    response = web.anonymous().get("/static/warroom.css")
    assert response.status_code == 200 and "text/css" in response.headers["content-type"]
    assert ":focus-visible" in response.text


def test_response_target_counts_down_then_shows_overdue_then_met(world, web, responder):
    clock = world.runtime.clock
    waiting = _declare(responder, "Login page errors", "SEV2")  # 15 min target
    browser = web.browser(responder)
    clock.advance(minutes=10)
    section = _sections(browser.get("/").text)["SEV2"]
    assert "due in 5 min" in section and 'class="overdue"' not in section
    assert f'href="/incidents/{waiting}"' in section
    clock.advance(minutes=8)
    section = _sections(browser.get("/").text)["SEV2"]
    assert 'class="overdue">overdue by 3 min<' in section
    r = responder.client.post(f"/api/v1/incidents/{waiting}/roles", json={"role": "commander", "user": "rita"})
    assert r.status_code in (200, 201), r.text
    section = _sections(browser.get("/").text)["SEV2"]
    assert "missed" in section and "overdue by" not in section
    quick = _declare(responder, "Search is slow", "SEV3", commander="rita")
    section = _sections(browser.get("/").text)["SEV3"]
    assert quick in section and ">met<" in section
