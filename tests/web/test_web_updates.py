"""Status updates from the room: preview, post, pre-filled form, cadence shown, deliveries."""

from __future__ import annotations

import re

from conftest import csrf_of

PARTS = {"whats_happening": "Card payments fail.", "who_is_affected": "EU customers.",
         "what_we_are_doing": "Rolling back."}


def test_preview_then_post_then_the_form_starts_from_the_last_update(world, web, admin, responder):
    r = responder.client.post("/api/v1/incidents", json={"title": "Checkout is down", "severity": "SEV1",
                                                         "commander": "rita"})
    ref = r.json()["ref"]
    browser = web.browser(responder)
    room = browser.get(f"/incidents/{ref}").text
    assert "No update yet" in room and "due in 30 min" in room  # SEV1: an update every 30 min
    token = csrf_of(room)
    preview = browser.post(f"/incidents/{ref}/updates", {"csrf_token": token, "action": "preview",
                                                        "audience": "public", "next_in": "15", **PARTS})
    assert preview.status_code == 200
    assert "Preview (initial); nothing was sent yet." in preview.text and "Investigating: Checkout is down" in preview.text
    assert responder.client.get(f"/api/v1/incidents/{ref}/updates").json() == []
    posted = browser.post(f"/incidents/{ref}/updates", {"csrf_token": token, "action": "post", "next_in": "15",
                                                       **PARTS})
    assert posted.status_code == 303
    [update] = responder.client.get(f"/api/v1/incidents/{ref}/updates").json()
    assert update["kind"] == "initial" and update["whats_happening"] == "Card payments fail."
    room = browser.get(f"/incidents/{ref}").text
    assert "due in 15 min" in room  # the promise is sooner than the cadence
    assert re.search(r'id="u-happening"[^>]*>Card payments fail\.</textarea>', room)
    assert "Internal update posted" in room
    dashboard = browser.get("/").text
    assert "due in 15 min" in dashboard


def test_bad_updates_show_the_reason_keep_the_words_and_post_nothing(world, web, responder):
    ref = responder.client.post("/api/v1/incidents", json={"title": "Checkout is down", "severity": "SEV2"}).json()["ref"]
    browser = web.browser(responder)
    token = csrf_of(browser.get(f"/incidents/{ref}").text)
    missing = browser.post(f"/incidents/{ref}/updates", {"csrf_token": token, "action": "post", "next_in": "30",
                                                        **{**PARTS, "who_is_affected": ""}})
    assert missing.status_code == 422 and "who_is_affected must not be empty" in missing.text
    assert "Card payments fail." in missing.text
    no_next = browser.post(f"/incidents/{ref}/updates", {"csrf_token": token, "action": "post", **PARTS})
    assert no_next.status_code == 422 and "next_update_at is required" in no_next.text
    assert responder.client.get(f"/api/v1/incidents/{ref}/updates").json() == []


def test_the_room_asks_for_the_first_update_after_declaring_and_the_final_one_after_resolving(world, web, responder,
                                                                                               viewer):
    browser = web.browser(responder)
    ref = responder.client.post("/api/v1/incidents", json={
        "title": "Checkout is down", "severity": "SEV2", "summary": "Card payments fail.",
        "impact": "EU customers.", "commander": "rita"}).json()["ref"]
    room = browser.get(f"/incidents/{ref}").text
    assert "Nobody has been told about this incident yet" in room and "is-prompted" in room
    # The form starts from what the declaration said.
    assert re.search(r'id="u-happening"[^>]*>Card payments fail\.</textarea>', room)
    assert re.search(r'id="u-affected"[^>]*>EU customers\.</textarea>', room)
    assert "Nobody has been told" not in web.browser(viewer).get(f"/incidents/{ref}").text  # viewers cannot post
    token = csrf_of(room)
    browser.post(f"/incidents/{ref}/updates", {"csrf_token": token, "action": "post", "next_in": "30", **PARTS})
    assert "Nobody has been told" not in browser.get(f"/incidents/{ref}").text
    resolved = responder.client.post(f"/api/v1/incidents/{ref}/status",
                                     json={"status": "resolved", "resolution": "Rolled back the gateway."})
    assert resolved.status_code == 200
    room = browser.get(f"/incidents/{ref}").text
    assert "Resolved: post the final update." in room
    assert re.search(r'id="u-doing"[^>]*>Rolled back the gateway\.</textarea>', room)
    browser.post(f"/incidents/{ref}/updates", {"csrf_token": token, "action": "post", **PARTS})
    assert [u["kind"] for u in responder.client.get(f"/api/v1/incidents/{ref}/updates").json()] == ["initial", "resolved"]
    assert "post the final update" not in browser.get(f"/incidents/{ref}").text
