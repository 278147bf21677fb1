"""The incident page: what it shows, each action (one timeline event each), refusals, viewers."""

from __future__ import annotations

import re
from datetime import timedelta

from conftest import csrf_of


def _declare(person, title="Checkout is down", severity="SEV2", **fields) -> str:
    r = person.client.post("/api/v1/incidents", json={"title": title, "severity": severity, **fields})
    assert r.status_code == 201, r.text
    return r.json()["ref"]


def _kinds(person, ref) -> list[str]:
    return [e["kind"] for e in person.client.get(f"/api/v1/incidents/{ref}/timeline", params={"limit": 500}).json()["items"]]


def _event_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-event-id="(\d+)"', html)]


def test_the_room_shows_the_incident_and_only_allowed_moves(world, web, admin, responder):
    admin.client.post("/api/v1/services", json={"name": "checkout"})
    ref = _declare(responder, services=["checkout"], impact="EU customers cannot pay", summary="502s from the gateway")
    browser = web.browser(responder)
    page = browser.get(f"/incidents/{ref}")
    assert page.status_code == 200
    html = page.text
    for text in (ref, "Checkout is down", "SEV2", "triage", "nobody yet", "checkout", "EU customers cannot pay",
                 "502s from the gateway", "due in 15 min", "Take command", "Declared SEV2"):
        assert text in html, text
    moves = re.findall(r'name="status" value="(\w+)"', html)
    assert moves == ["investigating", "identified", "mitigated", "canceled", "resolved"]
    assert 'id="timeline"' in html and 'data-live-url="/incidents/' in html


def test_actions_each_write_one_event_and_come_back(world, web, responder, admin):
    ref = _declare(responder)
    browser = web.browser(responder)
    token = csrf_of(browser.get(f"/incidents/{ref}").text)
    steps = [
        (f"/incidents/{ref}/roles", {"role": "commander", "user": "me"}, "commander_changed"),
        (f"/incidents/{ref}/status", {"status": "investigating"}, "status_changed"),
        (f"/incidents/{ref}/severity", {"severity": "SEV1"}, "severity_changed"),
        (f"/incidents/{ref}/roles", {"role": "scribe", "user": str(admin.user.id)}, "role_assigned"),
        (f"/incidents/{ref}/roles/remove", {"role": "scribe", "user": str(admin.user.id)}, "role_removed"),
        (f"/incidents/{ref}/notes", {"body": "Rolled back the deploy"}, "note"),
        (f"/incidents/{ref}/status", {"status": "mitigated"}, "status_changed"),
        (f"/incidents/{ref}/status", {"status": "resolved", "resolution": "Rollback"}, "status_changed"),
    ]
    for path, data, kind in steps:
        before = _kinds(responder, ref)
        r = browser.post(path, {"csrf_token": token, "back": f"/incidents/{ref}?order=oldest", **data})
        assert r.status_code == 303, (path, r.status_code, r.text[:300])
        assert r.headers["location"] == f"/incidents/{ref}?order=oldest"
        assert _kinds(responder, ref)[len(before):] == [kind], path
    incident = responder.client.get(f"/api/v1/incidents/{ref}").json()
    assert incident["status"] == "resolved" and incident["severity"] == "SEV1"
    assert incident["resolution"] == "Rollback" and incident["commander"]["handle"] == "rita"
    html = browser.get(f"/incidents/{ref}").text
    assert re.findall(r'name="status" value="(\w+)"', html) == ["closed", "investigating"]


def test_a_refused_move_shows_the_reason_and_changes_nothing(world, web, responder):
    ref = _declare(responder)
    browser = web.browser(responder)
    token = csrf_of(browser.get(f"/incidents/{ref}").text)
    before = responder.client.get(f"/api/v1/incidents/{ref}").json()
    kinds = _kinds(responder, ref)
    for data, status, message in (
            ({"status": "investigating"}, 409, "assign a commander before moving"),
            ({"status": "resolved"}, 409, "assign a commander before moving"),
            ({"status": "sleeping"}, 422, "status must be"),
            ({"status": "closed"}, 409, "cannot move"),
    ):
        r = browser.post(f"/incidents/{ref}/status", {"csrf_token": token, **data})
        assert r.status_code == status, (data, r.status_code)
        assert message in r.text and 'role="alert"' in r.text, data
    for path, data, message in ((f"/incidents/{ref}/severity", {"severity": "SEV9"}, "SEV9"),
                                (f"/incidents/{ref}/roles", {"role": "boss", "user": "me"}, "unknown role"),
                                (f"/incidents/{ref}/roles", {"role": "scribe", "user": "nobody"}, "nobody"),
                                (f"/incidents/{ref}/notes", {"body": "   "}, "a note needs some text")):
        r = browser.post(path, {"csrf_token": token, **data})
        assert r.status_code == 422 and message in r.text, (path, r.status_code)
    assert responder.client.get(f"/api/v1/incidents/{ref}").json() == before
    assert _kinds(responder, ref) == kinds


def test_notes_backdated_in_the_viewers_timezone_and_the_fragment_for_javascript(world, web, responder):
    ref = _declare(responder)
    browser = web.browser(responder)
    with world.runtime.db.write_session() as session:
        session.get(type(responder.user), responder.user.id).timezone = "Europe/Berlin"
    token = csrf_of(browser.get(f"/incidents/{ref}").text)
    # T0 is 10:00 UTC = 11:00 in Berlin; 10:45 Berlin is 09:45 UTC.
    r = browser.post(f"/incidents/{ref}/notes", {"csrf_token": token, "body": "First alert fired",
                                                  "when": "2026-03-02T10:45", "starred": "1"})
    assert r.status_code == 303, re.findall(r'role="alert">([^<]*)', r.text)
    [note] = [e for e in responder.client.get(f"/api/v1/incidents/{ref}/timeline").json()["items"] if e["kind"] == "note"]
    assert note["occurred_at"] == "2026-03-02T09:45:00Z"
    assert note["starred"] is True
    future = browser.post(f"/incidents/{ref}/notes", {"csrf_token": token, "body": "later", "when": "2030-01-01T00:00"})
    assert future.status_code == 422 and "future" in future.text
    fragment = browser.client.post(f"/incidents/{ref}/notes", data={"csrf_token": token, "body": "Typed and Enter"},
                                   headers={"X-Warroom-Fragment": "1"})
    assert fragment.status_code == 201
    assert fragment.text.strip().startswith('<li class="event event-note"') and "Typed and Enter" in fragment.text
    refused = browser.client.post(f"/incidents/{ref}/notes", data={"csrf_token": token, "body": ""},
                                  headers={"X-Warroom-Fragment": "1"})
    assert refused.status_code == 422 and refused.text == "a note needs some text"


def test_timeline_order_starred_filter_and_pages(world, web, responder):
    ref = _declare(responder)
    clock = world.runtime.clock
    for n in range(205):
        clock.advance(seconds=10)
        r = responder.client.post(f"/api/v1/incidents/{ref}/timeline", json={"body": f"note {n}", "starred": n == 3})
        assert r.status_code == 201
    browser = web.browser(responder)
    newest = browser.get(f"/incidents/{ref}").text
    ids = _event_ids(newest)
    assert len(ids) == 200 and ids == sorted(ids, reverse=True)
    older = re.search(r'href="(/incidents/INC-1\?before=\d+)"', newest).group(1)
    rest = _event_ids(browser.get(older).text)
    assert len(rest) == 6 and max(rest) < min(ids)  # 205 notes + the declared event
    oldest = _event_ids(browser.get(f"/incidents/{ref}?order=oldest").text)
    assert oldest == sorted(oldest) and oldest[0] == min(rest)
    starred = browser.get(f"/incidents/{ref}?starred=1").text
    assert "note 3" in starred and "note 4" not in starred and "All events" in starred


def _starred(person, ref, event_id) -> bool:
    items = person.client.get(f"/api/v1/incidents/{ref}/timeline").json()["items"]
    return next(e["starred"] for e in items if e["id"] == event_id)


def test_star_toggle_keeps_the_view_and_answers_javascript_with_the_event(world, web, responder, viewer):
    ref = _declare(responder)
    event_id = responder.client.post(f"/api/v1/incidents/{ref}/timeline", json={"body": "x"}).json()["id"]
    browser = web.browser(responder)
    token = csrf_of(browser.get(f"/incidents/{ref}?order=oldest").text)
    star = f"/incidents/{ref}/events/{event_id}/star"
    r = browser.post(star, {"csrf_token": token, "starred": "1", "back": f"/incidents/{ref}?order=oldest"})
    assert r.status_code == 303 and r.headers["location"] == f"/incidents/{ref}?order=oldest"
    assert _starred(responder, ref, event_id)
    # a `back` elsewhere (another site, another incident) is not followed
    for elsewhere in ("//evil.example/x", "/incidents/INC-12", "/admin/users"):
        r = browser.post(star, {"csrf_token": token, "starred": "1", "back": elsewhere})
        assert r.headers["location"] == f"/incidents/{ref}", elsewhere
    fragment = browser.client.post(star, data={"csrf_token": token, "starred": "0", "back": f"/incidents/{ref}?order=oldest"},
                                   headers={"X-Warroom-Fragment": "1"})
    assert fragment.status_code == 200 and not _starred(responder, ref, event_id)
    item = fragment.text.strip()
    assert item.startswith(f'<li class="event event-note" id="event-{event_id}"') and 'aria-pressed="false"' in item
    assert f'name="back" value="/incidents/{ref}?order=oldest"' in item
    missing = browser.client.post(f"/incidents/{ref}/events/99999/star", data={"csrf_token": token, "starred": "1"},
                                  headers={"X-Warroom-Fragment": "1"})
    assert missing.status_code == 404 and "no event 99999" in missing.text
    # viewers: a starred marker, no toggle, and their star POST is refused
    browser.post(star, {"csrf_token": token, "starred": "1"})
    watcher = web.browser(viewer)
    html = watcher.get(f"/incidents/{ref}").text
    assert 'title="key event"' in html and "star-form" not in html
    assert watcher.post(star, {"csrf_token": watcher.csrf(), "starred": "0"}).status_code == 403
    assert _starred(responder, ref, event_id)


def test_the_room_and_the_note_fragment_render_an_event_identically(world, web, responder):
    ref = _declare(responder)
    browser = web.browser(responder)
    token = csrf_of(browser.get(f"/incidents/{ref}").text)
    fragment = browser.client.post(f"/incidents/{ref}/notes", data={"csrf_token": token, "body": "Same <b>markup</b>"},
                                   headers={"X-Warroom-Fragment": "1"}).text.strip()
    assert "&lt;b&gt;markup&lt;/b&gt;" in fragment  # escaped
    event_id = _event_ids(fragment)[0]
    room = browser.get(f"/incidents/{ref}").text
    match = re.search(rf'<li class="event[^"]*" id="event-{event_id}".*?</li>', room, re.S)
    assert match and match.group(0) == fragment


def test_viewers_see_no_forms_and_their_posts_are_refused(world, web, responder, viewer):
    ref = _declare(responder)
    watcher = web.browser(viewer)
    html = watcher.get(f"/incidents/{ref}").text
    main = html.split('<main', 1)[1]
    assert "<form" not in main and "Checkout is down" in main
    token = watcher.csrf()
    before = _kinds(responder, ref)
    for path, data in ((f"/incidents/{ref}/notes", {"body": "hi"}), (f"/incidents/{ref}/severity", {"severity": "SEV1"}),
                       (f"/incidents/{ref}/roles", {"role": "commander", "user": "me"})):
        r = watcher.post(path, {"csrf_token": token, **data})
        assert r.status_code == 403, path
    assert _kinds(responder, ref) == before


def test_restricted_rooms_are_404_for_outsiders_and_csrf_is_required(world, web, responder):
    ref = _declare(responder, visibility="restricted")
    outsider = web.browser(world.person("otto"))
    assert outsider.get(f"/incidents/{ref}").status_code == 404
    assert outsider.post(f"/incidents/{ref}/notes", {"csrf_token": outsider.csrf(), "body": "x"}).status_code == 404
    browser = web.browser(responder)
    r = browser.post(f"/incidents/{ref}/notes", {"body": "no token"})
    assert r.status_code == 403
    assert _kinds(responder, ref) == ["declared"]
    assert browser.get("/incidents/INC-999").status_code == 404
