"""The services page and the profile page (name, timezone, password, own tokens)."""

from __future__ import annotations

import re

from conftest import PASSWORD, csrf_of


def test_services_list_with_open_counts_and_adding_one(world, web, admin, responder, viewer):
    admin.client.post("/api/v1/services", json={"name": "checkout", "owning_team": "Payments",
                                                "description": "Cart and orders"})
    for title in ("Checkout down", "Checkout slow"):
        responder.client.post("/api/v1/incidents", json={"title": title, "severity": "SEV2", "services": ["checkout"]})
    responder.client.post("/api/v1/incidents", json={"title": "Secret", "severity": "SEV2", "services": ["checkout"],
                                                     "visibility": "restricted"})
    browser = web.browser(responder)
    html = browser.get("/services").text
    assert "checkout" in html and "Payments" in html and "Cart and orders" in html
    assert '<a href="/incidents?service=checkout">3 open</a>' in html  # rita declared all three
    watcher = web.browser(viewer)
    html = watcher.get("/services").text
    assert ">2 open<" in html and "<form" not in html.split("<main", 1)[1]
    token = csrf_of(browser.get("/services").text)
    r = browser.post("/services", {"csrf_token": token, "name": "search", "owning_team": "Discovery"})
    assert r.status_code == 303
    refused = browser.post("/services", {"csrf_token": token, "name": "Bad Name!"})
    assert refused.status_code == 422 and "service name may use" in refused.text and 'value="Bad Name!"' in refused.text
    assert [s["name"] for s in responder.client.get("/api/v1/services").json()] == ["checkout", "search"]
    assert watcher.post("/services", {"csrf_token": watcher.csrf(), "name": "x"}).status_code == 403


def test_profile_timezone_changes_how_times_are_shown(world, web, responder):
    responder.client.post("/api/v1/incidents", json={"title": "Checkout down", "severity": "SEV2"})
    browser = web.browser(responder)
    token = csrf_of(browser.get("/profile").text)
    assert "10:00 UTC" in browser.get("/incidents/INC-1").text
    bad = browser.post("/profile", {"csrf_token": token, "name": "Rita", "timezone": "Mars/Olympus"})
    assert bad.status_code == 422 and "Mars/Olympus" in bad.text
    ok = browser.post("/profile", {"csrf_token": token, "name": "Rita R.", "timezone": "Asia/Tokyo"})
    assert ok.status_code == 200 and "times are shown in Asia/Tokyo" in ok.text
    assert "19:00 JST" in browser.get("/incidents/INC-1").text
    assert responder.client.get("/api/v1/users/me").json()["name"] == "Rita R."


def test_password_change_needs_the_current_one_and_keeps_this_browser_only(world, web, responder):
    browser = web.browser(responder)
    other = web.anonymous(address="192.0.2.20")
    assert other.sign_in(responder.email).status_code == 303
    token = csrf_of(browser.get("/profile").text)
    new = "an even better horse battery"
    wrong = browser.post("/profile/password", {"csrf_token": token, "current_password": "nope nope nope",
                                               "new_password": new, "repeat_password": new})
    assert wrong.status_code == 422 and "current password is not right" in wrong.text
    differ = browser.post("/profile/password", {"csrf_token": token, "current_password": PASSWORD,
                                                "new_password": new, "repeat_password": new + "x"})
    assert differ.status_code == 422 and "differ" in differ.text
    short = browser.post("/profile/password", {"csrf_token": token, "current_password": PASSWORD,
                                               "new_password": "short", "repeat_password": "short"})
    assert short.status_code == 422 and "at least 12" in short.text
    changed = browser.post("/profile/password", {"csrf_token": token, "current_password": PASSWORD,
                                                 "new_password": new, "repeat_password": new})
    assert changed.status_code == 303 and changed.headers["location"] == "/profile?changed=1"
    assert browser.get("/profile?changed=1").status_code == 200
    assert other.get("/").status_code == 303  # the other browser is signed out
    fresh = web.anonymous()
    assert fresh.sign_in(responder.email, new).status_code == 303


def test_own_tokens_are_shown_once_and_can_be_revoked(world, web, responder):
    browser = web.browser(responder)
    token = csrf_of(browser.get("/profile").text)
    created = browser.post("/profile/tokens", {"csrf_token": token, "name": "laptop"})
    assert created.status_code == 201
    plaintext = re.search(r'value="(wr_[^"]+)"', created.text).group(1)
    page = browser.get("/profile").text
    assert "laptop" in page and plaintext not in page
    from fastapi.testclient import TestClient
    api = TestClient(world.app, headers={"Authorization": f"Bearer {plaintext}"})
    assert api.get("/api/v1/users/me").status_code == 200
    token_id = [t for t in responder.client.get("/api/v1/tokens").json() if t["name"] == "laptop"][0]["id"]
    assert browser.post(f"/profile/tokens/{token_id}/revoke", {"csrf_token": token}).status_code == 200
    assert api.get("/api/v1/users/me").status_code == 401
    outsider = web.browser(world.person("otto"))
    assert outsider.post(f"/profile/tokens/{token_id}/revoke", {"csrf_token": outsider.csrf()}).status_code == 404
