"""The postmortem page and /actions: sections saved as plain forms (PRG) and by autosave (JSON, with
version conflicts and blameless-check warnings), the review workflow and its refusals, viewers,
restricted incidents, exports, and action items."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import delete

from conftest import csrf_of
from warroom.postmortems.models import Postmortem
from warroom.users.models import User

PM = "/incidents/INC-1/postmortem"
API = "/api/v1/incidents/INC-1"
JSON_SAVE = {"x-warroom-fragment": "1"}
WHY = {"question": ["Why did checkout fail?"], "answer": ["The gateway config lost the EU merchant id."]}


def _resolved(person, clock, title="Checkout is down", severity="SEV2", **fields) -> str:
    r = person.client.post("/api/v1/incidents", json={"title": title, "severity": severity,
                                                      "commander": person.user.handle, **fields})
    assert r.status_code == 201, r.text
    ref = r.json()["ref"]
    clock.advance(minutes=30)
    r = person.client.post(f"/api/v1/incidents/{ref}/status", json={"status": "resolved", "resolution": "Restored the id"})
    assert r.status_code == 200, r.text
    return ref


def _postmortem(person) -> dict:
    return person.client.get(f"{API}/postmortem").json()


def _set_timezone(world, person, zone: str) -> None:
    with world.runtime.db.write_session() as session:
        session.get(User, person.user.id).timezone = zone


def _save(browser, token, section, version, headers=None, **fields):
    return browser.post(f"{PM}/sections", {"csrf_token": token, "section": section, "version": str(version), **fields},
                        headers=headers or {})


def test_a_resolved_incident_has_a_draft_and_the_room_links_to_it(world, web, responder, viewer, clock):
    _resolved(responder, clock, severity="SEV1")
    browser = web.browser(responder)
    room = browser.get("/incidents/INC-1").text
    assert 'href="/incidents/INC-1/postmortem">Open the postmortem</a> · draft' in room and "due in 7 d" in room
    page = browser.get(PM)
    assert page.status_code == 200
    for text in ("Postmortem: Checkout is down", "SEV1", "Draft", "Required by", "due in 7 d", "Time to resolve",
                 "30m", "Declared SEV1: Checkout is down", "Request review", 'href="/incidents/INC-1/postmortem.md"',
                 "Started", ">v1<"):
        assert text in page.text, text
    # Times of the prefilled timeline as datetime-local values in the viewer's timezone (UTC here).
    assert 'name="at" value="2026-03-02T10:00"' in page.text


def test_start_the_postmortem_from_the_room_when_none_exists(world, web, responder, viewer, clock):
    _resolved(responder, clock)
    with world.runtime.db.write_session() as session:
        session.execute(delete(Postmortem))
    browser = web.browser(responder)
    room = browser.get("/incidents/INC-1").text
    assert "Start the postmortem" in room
    offered = browser.get(PM).text
    assert "No postmortem yet" in offered and "Start the postmortem" in offered
    watcher = web.browser(viewer)
    assert "Start the postmortem" not in watcher.get(PM).text
    assert "none yet" in watcher.get("/incidents/INC-1").text
    started = browser.post(PM, {"csrf_token": csrf_of(room)})
    assert started.status_code == 303 and started.headers["location"] == PM
    assert _postmortem(responder)["status"] == "draft"
    again = browser.post(PM, {"csrf_token": csrf_of(room)})
    assert again.status_code == 409 and "INC-1 already has a postmortem" in again.text


def test_sections_save_as_plain_forms_and_come_back(world, web, responder, clock):
    _resolved(responder, clock)
    browser = web.browser(responder)
    _set_timezone(world, responder, "America/New_York")  # after signing in, which stores the test's copy
    page = browser.get(PM).text
    token = csrf_of(page)
    saved = _save(browser, token, "summary", 1, summary="EU card payments failed for 30 minutes.")
    assert saved.status_code == 303
    assert saved.headers["location"] == f"{PM}?saved=summary#pm-summary"
    assert "Saved" in browser.get(saved.headers["location"]).text
    # The 5 whys: the empty row the page offers is dropped; "Remove" (no JavaScript) drops its row.
    whys = {"question": ["Why did checkout fail?", "Why was it lost?", ""],
            "answer": ["The gateway config lost the EU merchant id.", "A deploy replaced the file.", ""]}
    assert _save(browser, token, "whys", 2, remove_row="2", **whys).status_code == 303
    assert _save(browser, token, "went_well", 3, went_well="Rollback took 2 min\n\n  Paging worked  ").status_code == 303
    pm = _postmortem(responder)
    assert pm["version"] == 4 and pm["summary"] == "EU card payments failed for 30 minutes."
    assert pm["whys"] == [{"question": "Why did checkout fail?", "answer": "The gateway config lost the EU merchant id."}]
    assert pm["went_well"] == ["Rollback took 2 min", "Paging worked"]

    # The timeline in the viewer's timezone (New York, UTC-5 in March): untouched rows keep their exact
    # stored time, a new row typed at 05:05 local is stored at 10:05 UTC, and the rows come back sorted.
    page = browser.get(PM).text
    rows = page.split('data-rows="entry">')[1].split("</ol>")[0]
    at = re.findall(r'name="at" value="([^"]*)"', rows)
    at_was = re.findall(r'name="at_was" value="([^"]*)"', rows)
    text = re.findall(r'name="text" rows="1" maxlength="2000">([^<]*)</textarea>', rows)
    assert at[0] == "2026-03-02T05:00" and at[-1] == at_was[-1] == text[-1] == ""  # the offered empty row
    at[-1], text[-1] = "2026-03-02T05:05", "Gateway errors reach 40%"
    saved = _save(browser, token, "timeline", 4, at=at, at_was=at_was, text=text)
    assert saved.status_code == 303, saved.text
    timeline = _postmortem(responder)["timeline"]
    assert [e["at"] for e in timeline][:2] == ["2026-03-02T10:00:00Z", "2026-03-02T10:05:00Z"]
    assert timeline[1]["text"] == "Gateway errors reach 40%"
    history = responder.client.get(f"{API}/postmortem/history").json()
    change = history[-1]["changes"]["timeline"]
    assert [e for e in change["after"] if e not in change["before"]] == [
        {"at": "2026-03-02T10:05:00Z", "text": "Gateway errors reach 40%"}]  # nothing else moved
    assert "Timeline" in browser.get(PM).text.split('id="pm-history"')[1]


def test_autosave_answers_json_with_version_warnings_and_refuses_a_stale_version(world, web, responder, clock):
    _resolved(responder, clock)
    browser = web.browser(responder)
    token = csrf_of(browser.get(PM).text)
    saved = _save(browser, token, "went_poorly", 1, JSON_SAVE, went_poorly="It was human error.\nPaging was slow.")
    assert saved.status_code == 200 and saved.headers["content-type"] == "application/json"
    body = saved.json()
    assert body["version"] == 2 and body["section"] == "went_poorly" and body["saved_at"] == "10:30"
    [warning] = body["warnings"]
    assert warning["section"] == "went_poorly" and warning["where"] == "item 1" and warning["phrase"] == "human error"
    assert warning["excerpt"] == "It was human error." and "conditions" in warning["suggestion"]
    assert "Content-Security-Policy" in saved.headers
    # The page lists the same warning beside the section.
    page = browser.get(PM).text
    assert re.search(r'data-warnings-for="went_poorly" >\s*<h3', page) and "“human error”" in page

    stale = _save(browser, token, "summary", 1, JSON_SAVE, summary="Overwrite?")
    assert stale.status_code == 409
    assert stale.json()["error"]["field"] == "version" and "now version 2" in stale.json()["error"]["message"]
    half = _save(browser, token, "whys", 2, JSON_SAVE, question=["Why?"], answer=[""])
    assert half.status_code == 422
    assert half.json()["error"]["message"] == "why 1, answer: must not be empty"
    pm = _postmortem(responder)
    assert pm["version"] == 2 and pm["whys"] == [] and pm["summary"] != "Overwrite?"
    # Reframed: the warning goes away with the next save.
    fixed = _save(browser, token, "went_poorly", 2, JSON_SAVE, went_poorly="The deploy check did not cover config.")
    assert fixed.json()["warnings"] == [] and fixed.json()["version"] == 3


def test_a_refused_plain_save_keeps_the_typed_words_and_changes_nothing(world, web, responder, clock):
    _resolved(responder, clock)
    browser = web.browser(responder)
    token = csrf_of(browser.get(PM).text)
    _save(browser, token, "summary", 1, summary="First words.")
    conflict = _save(browser, token, "summary", 1, summary="My late words.")
    assert conflict.status_code == 409
    assert "Not saved: the postmortem changed since you loaded it" in conflict.text
    assert "Your edit of Summary (not saved):\nMy late words." in conflict.text
    assert 'name="version" value="2"' in conflict.text and ">First words.</textarea>" in conflict.text
    bad_time = _save(browser, token, "timeline", 2, at=["yesterday"], at_was=[""], text=["Deploy"])
    assert bad_time.status_code == 422
    assert "timeline entry 1: &#39;yesterday&#39; is not a date and time" in bad_time.text
    assert 'value="yesterday"' in bad_time.text and 'href="#pm-timeline"' in bad_time.text
    future = _save(browser, token, "timeline", 2, at=["2026-03-03T09:00"], at_was=[""], text=["Tomorrow"])
    assert future.status_code == 422 and "timeline[1] is in the future" in future.text
    unknown = _save(browser, token, "root_cause", 2, root_cause="x")
    assert unknown.status_code == 422 and "unknown section" in unknown.text
    assert browser.post(f"{PM}/sections", {"csrf_token": token, "section": "summary", "summary": "x"}).status_code == 422
    pm = _postmortem(responder)
    assert pm["version"] == 2 and pm["summary"] == "First words." and len(pm["timeline"]) > 0


def test_review_refusals_reviewers_and_publishing_with_warnings_needs_confirmation(world, web, responder, admin, clock):
    _resolved(responder, clock)
    browser = web.browser(responder)
    token = csrf_of(browser.get(PM).text)
    refused = browser.post(f"{PM}/status", {"csrf_token": token, "status": "in_review"})
    assert refused.status_code == 422 and "cannot move to in_review: the root cause needs at least one why" in refused.text
    assert '<p class="alert" role="alert">cannot move' in refused.text  # at the top of the page
    assert _postmortem(responder)["status"] == "draft"
    _save(browser, token, "summary", 1, summary="It was human error.")
    _save(browser, token, "whys", 2, **WHY)
    assert browser.post(f"{PM}/status", {"csrf_token": token, "status": "in_review"}).status_code == 303
    assert browser.post(f"{PM}/reviewers", {"csrf_token": token, "user": str(admin.user.id)}).status_code == 303
    page = browser.get(PM).text
    assert "Ada" in page and "waiting for approval" in page and ">Publish</button>" in page and "Back to draft" in page

    waiting = browser.post(f"{PM}/status", {"csrf_token": token, "status": "published"})
    assert waiting.status_code == 409 and "waiting for the reviewers&#39; approval: Ada" in waiting.text
    boss = web.browser(admin)
    boss_page = boss.get(PM).text
    assert ">Approve</button>" in boss_page
    assert boss.post(f"{PM}/approve", {"csrf_token": csrf_of(boss_page)}).status_code == 303
    assert "approved" in browser.get(PM).text

    asked = browser.post(f"{PM}/status", {"csrf_token": token, "status": "published"})
    assert asked.status_code == 409 and "Publish with 1 blameless-check warning?" in asked.text
    assert "“human error” in “It was human error.”" in asked.text and ">Publish anyway</button>" in asked.text
    assert _postmortem(responder)["status"] == "in_review"
    published = browser.post(f"{PM}/status", {"csrf_token": token, "status": "published", "confirm_warnings": "1"})
    assert published.status_code == 303
    pm = _postmortem(responder)
    assert pm["status"] == "published" and pm["published_by"]["handle"] == "rita"
    page = browser.get(PM).text
    assert "Published" in page and "Reopen for review" in page and "Status: in review → published" in page
    wrong = browser.post(f"{PM}/status", {"csrf_token": token, "status": "draft"})
    assert wrong.status_code == 409 and "a published postmortem can go to in_review, not draft" in wrong.text
    assert browser.post(f"{PM}/reviewers/remove", {"csrf_token": token, "user": str(admin.user.id)}).status_code == 303
    assert _postmortem(responder)["reviewers"] == []


def test_viewers_read_everything_and_change_nothing(world, web, responder, viewer, clock):
    _resolved(responder, clock)
    responder.client.put(f"{API}/postmortem", json={"summary": "Card payments failed.", "whys": [
        {"question": "Why did checkout fail?", "answer": "A config file was replaced."}], "went_well": ["Fast rollback"]})
    watcher = web.browser(viewer)
    page = watcher.get(PM)
    assert page.status_code == 200
    main = page.text.split('<main', 1)[1]
    for text in ("Card payments failed.", "Why did checkout fail?", "A config file was replaced.", "Fast rollback",
                 "Declared SEV2: Checkout is down", "History"):
        assert text in main, text
    assert "<form" not in main and "<textarea" not in main and "<button" not in main
    assert "postmortem.js" not in page.text
    token = csrf_of(page.text)
    refused = watcher.post(f"{PM}/sections", {"csrf_token": token, "section": "summary", "version": "2", "summary": "x"},
                           headers=JSON_SAVE)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert watcher.post(f"{PM}/status", {"csrf_token": token, "status": "in_review"}).status_code == 403
    assert _postmortem(responder)["summary"] == "Card payments failed."


def test_restricted_postmortems_are_404_for_outsiders_and_exports_have_their_types(world, web, responder, clock):
    _resolved(responder, clock, visibility="restricted")
    outsider = web.browser(world.person("otto"))
    for path in (PM, f"{PM}.md", f"{PM}/print", "/actions?status=any"):
        response = outsider.get(path)
        assert response.status_code == (200 if path.startswith("/actions") else 404), path
    assert "Checkout is down" not in outsider.get("/actions?status=any").text
    assert outsider.post(f"{PM}/sections", {"csrf_token": outsider.csrf(), "section": "summary", "version": "1",
                                            "summary": "x"}).status_code == 404

    browser = web.browser(responder)
    md = browser.get(f"{PM}.md")
    assert md.status_code == 200 and md.headers["content-type"] == "text/markdown; charset=utf-8"
    assert md.headers["content-disposition"] == 'attachment; filename="postmortem-INC-1.md"'
    assert md.text.startswith("# Postmortem: INC-1 Checkout is down")
    printable = browser.get(f"{PM}/print")
    assert printable.status_code == 200 and printable.headers["content-type"].startswith("text/html")
    policy = printable.headers["content-security-policy"]
    assert "style-src 'unsafe-inline'" in policy and "default-src 'none'" in policy and "script" not in policy
    assert "<style>" in printable.text and "@media print" in printable.text
    assert "unsafe-inline" not in browser.get(PM).headers["content-security-policy"]


def test_action_items_are_added_closed_dropped_with_a_reason_and_reopened(world, web, responder, admin, clock):
    _resolved(responder, clock)
    browser = web.browser(responder)
    token = csrf_of(browser.get(PM).text)
    item = {"csrf_token": token, "title": "Alert on gateway 403s", "owner": str(admin.user.id), "due_on": "2026-03-09",
            "priority": "high", "type": "detect", "ticket_url": "https://tracker.example.com/OPS-12"}
    past = browser.post("/incidents/INC-1/action-items", {**item, "due_on": "2026-03-01"})
    assert past.status_code == 422 and "due_on must be today or later" in past.text
    assert 'value="Alert on gateway 403s"' in past.text and 'href="#pm-actions"' in past.text
    bad_type = browser.post("/incidents/INC-1/action-items", {**item, "type": "blame"})
    assert bad_type.status_code == 422 and "type must be" in bad_type.text
    assert responder.client.get(f"{API}/action-items").json() == []
    added = browser.post("/incidents/INC-1/action-items", item)
    assert added.status_code == 303 and added.headers["location"] == f"{PM}#pm-actions"
    [created] = responder.client.get(f"{API}/action-items").json()
    assert created["owner"]["handle"] == "ada" and created["priority"] == "high" and created["type"] == "detect"
    page = browser.get(PM).text
    assert "Alert on gateway 403s" in page and "(Mon 09 Mar 2026)" in page and "due in 7 d" in page

    path = f"/action-items/{created['id']}/status"
    no_reason = browser.post(path, {"csrf_token": token, "status": "wont_do", "back": PM})
    assert no_reason.status_code == 422 and "wont_do_reason is required" in no_reason.text
    dropped = browser.post(path, {"csrf_token": token, "status": "wont_do", "wont_do_reason": "Covered by OPS-9",
                                  "back": PM})
    assert dropped.status_code == 303 and dropped.headers["location"] == f"{PM}#pm-actions"
    got = responder.client.get(f"/api/v1/action-items/{created['id']}").json()
    assert got["status"] == "wont_do" and got["wont_do_reason"] == "Covered by OPS-9"
    assert "Won't do: Covered by OPS-9" in browser.get(PM).text
    assert browser.post(path, {"csrf_token": token, "status": "open", "back": "https://evil.example"}).status_code == 303
    assert browser.post(path, {"csrf_token": token, "status": "done", "back": PM}).status_code == 303
    assert responder.client.get(f"/api/v1/action-items/{created['id']}").json()["status"] == "done"


def test_the_actions_page_filters_in_the_url_marks_overdue_and_has_a_quick_done(world, web, responder, admin, clock):
    admin.client.post("/api/v1/services", json={"name": "checkout"})
    _resolved(responder, clock, services=["checkout"])
    _resolved(responder, clock, title="Search is slow", severity="SEV3")
    day = clock.now().date()
    for ref, title, owner, days in (("INC-1", "Alert on 403s", "ada", 1), ("INC-1", "Runbook for config", "rita", 3),
                                    ("INC-2", "Index warmup", "rita", 10)):
        r = responder.client.post(f"/api/v1/incidents/{ref}/action-items", json={
            "title": title, "owner": owner, "due_on": (day + timedelta(days=days)).isoformat()})
        assert r.status_code == 201, r.text
    clock.advance(days=3)  # "Alert on 403s" is now overdue
    browser = web.browser(responder)

    def titles(query: str) -> list[str]:
        page = browser.get(f"/actions{query}")
        assert page.status_code == 200, page.text
        return re.findall(r"<strong>([^<]+)</strong>", page.text.split('<ul class="pm-items')[1]) if "pm-items" in page.text else []

    everything = browser.get("/actions").text
    assert 'aria-current="page">Actions</a>' in everything
    assert titles("") == ["Alert on 403s", "Runbook for config", "Index warmup"]
    assert "overdue by" in everything and "is-overdue" in everything
    assert 'href="/incidents/INC-2/postmortem#pm-actions"' in everything
    assert titles("?mine=1") == ["Runbook for config", "Index warmup"]
    assert titles(f"?owner={admin.user.id}") == ["Alert on 403s"]
    assert titles("?overdue=1") == ["Alert on 403s"]
    assert titles("?service=checkout") == ["Alert on 403s", "Runbook for config"]
    assert titles("?status=done") == []
    bad = browser.get("/actions?service=nope")
    assert bad.status_code == 422 and "no service named &#39;nope&#39;" in bad.text

    listed = browser.get("/actions?mine=1").text
    item_id = re.search(r'action="/action-items/(\d+)/status"', listed).group(1)
    assert 'name="back" value="/actions?mine=1"' in listed
    done = browser.post(f"/action-items/{item_id}/status", {"csrf_token": csrf_of(listed), "status": "done",
                                                            "back": "/actions?mine=1"})
    assert done.status_code == 303 and done.headers["location"] == "/actions?mine=1"
    assert titles("?mine=1") == ["Index warmup"] and titles("?mine=1&status=done") == ["Runbook for config"]
    refused = browser.post(f"/action-items/{item_id}/status", {"csrf_token": csrf_of(listed), "status": "finished",
                                                               "back": "/actions?mine=1"})
    assert refused.status_code == 422 and "status must be" in refused.text and "Filter action items" in refused.text
