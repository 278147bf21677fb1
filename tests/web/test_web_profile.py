"""The profile page: timezone shown everywhere, the new-token box, signing out other browsers."""

from __future__ import annotations

import re

from conftest import csrf_of


def test_the_dashboard_shows_times_in_the_new_timezone(world, web, responder):
    responder.client.post("/api/v1/incidents", json={"title": "Checkout down", "severity": "SEV2"})
    browser = web.browser(responder)
    assert "declared 2026-03-02 10:00 UTC" in browser.get("/").text
    page = browser.get("/profile").text
    assert "times are shown in UTC" in page and '<option value="America/New_York"' in page
    r = browser.post("/profile", {"csrf_token": csrf_of(page), "name": "Rita", "timezone": "America/New_York"})
    assert r.status_code == 200 and "times are shown in America/New_York" in r.text
    assert "declared 2026-03-02 05:00 EST" in browser.get("/").text
    assert 'value="America/New_York" selected' in browser.get("/profile").text


def test_a_refused_profile_change_changes_nothing(world, web, responder):
    browser = web.browser(responder)
    token = csrf_of(browser.get("/profile").text)
    r = browser.post("/profile", {"csrf_token": token, "name": "New Name", "timezone": "Nowhere/Land"})
    assert r.status_code == 422 and "unknown timezone" in r.text
    me = responder.client.get("/api/v1/users/me").json()
    assert (me["name"], me["timezone"]) == ("Rita", "UTC")  # the valid name was not kept either
    assert browser.post("/profile", {"csrf_token": token, "name": "  ", "timezone": "UTC"}).status_code == 422


def test_a_new_token_is_shown_once_with_a_copy_hint(world, web, responder):
    browser = web.browser(responder)
    created = browser.post("/profile/tokens", {"csrf_token": csrf_of(browser.get("/profile").text),
                                               "name": "ci"})
    assert created.status_code == 201 and "shown this once" in created.text and "Ctrl+C" in created.text
    plaintext = re.search(r'value="(wr_[^"]+)"', created.text).group(1)
    again = browser.get("/profile").text
    assert plaintext not in again and plaintext[:10] in again  # the prefix identifies it from now on


def test_sign_out_everywhere_else(world, web, responder):
    browser = web.browser(responder)
    phone = web.anonymous(address="192.0.2.40")
    assert phone.sign_in(responder.email).status_code == 303
    page = browser.get("/profile").text
    assert "also signed in on 1 other browser." in page
    r = browser.post("/profile/sessions/others", {"csrf_token": csrf_of(page)})
    assert r.status_code == 200 and "Signed out everywhere else" in r.text
    assert "Only this browser is signed in" in r.text
    assert phone.get("/").status_code == 303  # sent to sign in
    assert browser.get("/").status_code == 200
    assert browser.post("/profile/sessions/others", {}).status_code == 403  # no CSRF token
