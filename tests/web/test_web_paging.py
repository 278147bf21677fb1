"""Paging in the incident room: the panel (each page, who was reached when, in the viewer's timezone,
the response target) and its buttons — Acknowledge, Escalate now, Re-page — each one timeline change,
shown only when it applies; refusals change nothing; viewers read the panel and cannot act."""

from __future__ import annotations

import re
from datetime import timedelta

from conftest import csrf_of

POLICY = {"name": "checkout-oncall", "repeat": 1, "levels": [{"delay_minutes": 5, "targets": [{"type": "user", "ref": "rita"}]},
                                                {"delay_minutes": 10, "targets": [{"type": "user", "ref": "sam"}]}]}


def _paging_setup(world, admin) -> None:
    world.person("sam")
    c = admin.client
    assert c.post("/api/v1/services", json={"name": "checkout"}).status_code == 201
    assert c.post("/api/v1/escalation-policies", json=POLICY).status_code == 201
    assert c.put("/api/v1/services/checkout/escalation-policy",
                 json={"escalation_policy": "checkout-oncall"}).status_code == 200


def _declare(person, severity="SEV2", **fields) -> str:
    r = person.client.post("/api/v1/incidents", json={"title": "Checkout is down", "severity": severity, **fields})
    assert r.status_code == 201, r.text
    return r.json()["ref"]


def _kinds(person, ref) -> list[str]:
    return [e["kind"] for e in person.client.get(f"/api/v1/incidents/{ref}/timeline", params={"limit": 500}).json()["items"]]


def _panel(html: str) -> str:
    match = re.search(r'<section class="card room-paging".*?</section>', html, re.S)
    assert match, "no paging panel"
    return re.sub(r"\s+", " ", match.group(0))


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


def _buttons(html: str) -> list[str]:
    return re.findall(r'action="/incidents/INC-\d+/(ack|escalate|repage)"', html)


def test_the_panel_shows_each_page_in_the_viewers_timezone(world, web, admin, responder):
    _paging_setup(world, admin)
    ref = _declare(admin, services=["checkout"])
    browser = web.browser(responder)
    with world.runtime.db.write_session() as session:
        session.get(type(responder.user), responder.user.id).timezone = "Europe/Berlin"
    html = browser.get(f"/incidents/{ref}").text
    panel = _panel(html)
    text = _text(panel)
    for expected in ("checkout-oncall", "level by level", "active", "level 1 of 2 · round 1",
                     "Next step 2026-03-02 11:05 CET", "due in 5 min", "Level 1: Rita (email 11:00)",
                     "Not acknowledged · response due in 15 min"):
        assert expected in text, (expected, text)
    assert _buttons(panel) == ["ack", "escalate", "repage"]
    assert "Paged Rita: level 1 of checkout-oncall" in html  # the timeline, in words


def test_acknowledge_escalate_and_repage_from_the_room(world, web, admin, responder, clock):
    _paging_setup(world, admin)
    ref = _declare(admin, services=["checkout"])
    browser = web.browser(responder)
    token = csrf_of(browser.get(f"/incidents/{ref}").text)
    back = f"/incidents/{ref}?order=oldest"
    clock.advance(timedelta(minutes=1))
    for action, kinds in (("escalate", ["escalated", "paged"]), ("ack", ["acknowledged"]),
                          ("repage", ["paged"])):
        before = _kinds(admin, ref)
        r = browser.post(f"/incidents/{ref}/{action}", {"csrf_token": token, "back": back})
        assert r.status_code == 303 and r.headers["location"] == back, (action, r.status_code)
        assert _kinds(admin, ref)[len(before):] == kinds, action
        text = _text(_panel(browser.get(f"/incidents/{ref}").text))
        if action == "escalate":
            assert "level 2 of 2 · round 1" in text and "Level 2: Sam (email 10:01)" in text, text
        if action == "ack":
            assert "Acknowledged 2026-03-02 10:01 UTC · response target met" in text
            assert "acknowledged level 2 of 2" in text and "Acknowledged by Rita 2026-03-02 10:01 UTC" in text
            # nothing is paging and the incident is acknowledged: no Acknowledge button
            assert _buttons(_panel(browser.get(f"/incidents/{ref}").text)) == ["escalate", "repage"]
    [ack] = [e for e in admin.client.get(f"/api/v1/incidents/{ref}/timeline").json()["items"] if e["kind"] == "acknowledged"]
    assert ack["data"]["via"] == "web" and ack["actor"]["handle"] == "rita"
    html = browser.get(f"/incidents/{ref}").text
    assert _buttons(_panel(html)) == ["ack", "escalate", "repage"]  # the re-page is running again
    assert _text(_panel(html)).count("checkout-oncall") == 2


def test_a_severity_change_switches_the_page_and_the_timeline_says_so(world, web, admin, responder):
    _paging_setup(world, admin)
    ref = _declare(admin, severity="SEV3", services=["checkout"])
    browser = web.browser(responder)
    token = csrf_of(browser.get(f"/incidents/{ref}").text)
    assert browser.post(f"/incidents/{ref}/severity", {"csrf_token": token, "severity": "SEV1"}).status_code == 303
    assert _kinds(admin, ref)[-4:] == ["severity_changed", "paging_mode_changed", "paged", "paged"]
    html = browser.get(f"/incidents/{ref}").text
    assert "Paging checkout-oncall switched from level by level to all hands for SEV1: paging every level now" in html
    text = _text(_panel(html))
    assert "all hands" in text and "Level 1: Rita" in text and "Level 2: Sam" in text


def test_refused_actions_show_the_reason_and_change_nothing(world, web, admin, responder):
    ref = _declare(responder)  # no service, so no escalation policy
    browser = web.browser(responder)
    html = browser.get(f"/incidents/{ref}").text
    assert _buttons(_panel(html)) == ["ack"]
    assert "none of this incident's services has an escalation policy" in html
    token = csrf_of(html)
    before = _kinds(admin, ref)
    for action, message in (("escalate", "has no page to escalate"), ("repage", "has an escalation policy")):
        r = browser.post(f"/incidents/{ref}/{action}", {"csrf_token": token})
        assert r.status_code == 409 and message in r.text and 'role="alert"' in r.text, action
    assert _kinds(admin, ref) == before
    assert browser.post(f"/incidents/{ref}/ack", {"csrf_token": token}).status_code == 303
    html = browser.get(f"/incidents/{ref}").text  # nothing left to page or acknowledge: no panel
    assert 'class="card room-paging"' not in html and '<span class="met">met</span> · acknowledged' in html
    again = browser.post(f"/incidents/{ref}/ack", {"csrf_token": token})
    assert again.status_code == 409 and "already acknowledged" in again.text
    assert browser.post(f"/incidents/{ref}/ack", {"back": f"/incidents/{ref}"}).status_code == 403  # no CSRF token
    assert _kinds(admin, ref) == before + ["acknowledged"]
    closed = _declare(responder, title="Gone")
    assert browser.post(f"/incidents/{closed}/status", {"csrf_token": token, "status": "canceled"}).status_code == 303
    html = browser.get(f"/incidents/{closed}").text
    assert 'class="card room-paging"' not in html and not _buttons(html)
    r = browser.post(f"/incidents/{closed}/ack", {"csrf_token": token})
    assert r.status_code == 409 and "nothing to acknowledge" in r.text


def test_viewers_read_the_panel_but_see_no_buttons_and_cannot_act(world, web, admin, responder, viewer):
    _paging_setup(world, admin)
    ref = _declare(admin, services=["checkout"])
    watcher = web.browser(viewer)
    html = watcher.get(f"/incidents/{ref}").text
    panel = _panel(html)
    assert "checkout-oncall" in panel and "<form" not in panel and not _buttons(html)
    token = watcher.csrf()
    before = _kinds(admin, ref)
    for action in ("ack", "escalate", "repage"):
        r = watcher.post(f"/incidents/{ref}/{action}", {"csrf_token": token})
        assert r.status_code == 403 and "viewer" in r.text, action
    assert _kinds(admin, ref) == before
