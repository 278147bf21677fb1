"""Users administration and invite links (web), and `warroom user invite`."""

from __future__ import annotations

import re

from conftest import csrf_of

NEW_PASSWORD = "a long enough new password"


def test_non_admins_get_403_on_every_admin_page_and_post(web, responder, admin):
    browser = web.browser(responder)
    token = browser.csrf()
    assert browser.get("/admin/users").status_code == 403
    assert browser.get(f"/admin/users/{admin.user.id}").status_code == 403
    for path in ("/admin/users", f"/admin/users/{admin.user.id}/role", f"/admin/users/{admin.user.id}/invite"):
        assert browser.post(path, {"csrf_token": token, "role": "viewer", "email": "x@example.com",
                                   "name": "X"}).status_code == 403, path
    assert ">Admin<" not in browser.get("/").text


def test_create_a_user_invite_them_and_they_set_a_password_and_are_signed_in(world, web, admin):
    boss = web.browser(admin)
    token = csrf_of(boss.get("/admin/users").text)
    bad = boss.post("/admin/users", {"csrf_token": token, "email": "not-an-email", "name": "Nia"})
    assert bad.status_code == 422 and "not an email address" in bad.text and 'value="Nia"' in bad.text
    r = boss.post("/admin/users", {"csrf_token": token, "email": "nia@example.com", "name": "Nia Park",
                                   "role": "responder", "timezone": "Europe/Berlin"})
    assert r.status_code == 303
    detail = r.headers["location"]
    assert "No password yet" in boss.get(detail).text
    created = boss.post(f"{detail}/invite", {"csrf_token": token})
    assert created.status_code == 201
    link = re.search(r'value="(http://testserver/invite/[^"]+)"', created.text).group(1)
    path = link.removeprefix("http://testserver")
    assert link not in boss.get(detail).text  # shown once

    nia = web.anonymous(address="192.0.2.30")
    form = nia.get(path)
    assert form.status_code == 200 and "Welcome, Nia Park" in form.text
    differ = nia.post(path, {"csrf_token": csrf_of(form.text), "password": NEW_PASSWORD, "repeat_password": "other"})
    assert differ.status_code == 422 and "differ" in differ.text
    done = nia.post(path, {"csrf_token": csrf_of(form.text), "password": NEW_PASSWORD,
                           "repeat_password": NEW_PASSWORD})
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert nia.get("/").status_code == 200  # signed in
    again = web.anonymous().get(path)
    assert again.status_code == 410 and "already used" in again.text
    assert web.anonymous(address="192.0.2.31").sign_in("nia@example.com", NEW_PASSWORD).status_code == 303


def test_invites_expire_and_a_new_one_replaces_the_old(world, web, admin, responder):
    boss = web.browser(admin)
    token = boss.csrf()
    first = boss.post(f"/admin/users/{responder.user.id}/invite", {"csrf_token": token}).text
    second = boss.post(f"/admin/users/{responder.user.id}/invite", {"csrf_token": token}).text
    old, new = (re.search(r'/invite/([^"]+)"', html).group(1) for html in (first, second))
    stranger = web.anonymous()
    assert stranger.get(f"/invite/{old}").status_code == 410
    assert stranger.get(f"/invite/{new}").status_code == 200
    world.runtime.clock.advance(hours=72)
    expired = stranger.get(f"/invite/{new}")
    assert expired.status_code == 410 and "expired" in expired.text
    assert stranger.get("/invite/made-up").status_code == 410
    form = web.anonymous().get(f"/invite/{new}")
    assert form.status_code == 410


def test_roles_deactivation_and_the_last_admin(world, web, admin, responder):
    boss = web.browser(admin)
    token = boss.csrf()
    last = boss.post(f"/admin/users/{admin.user.id}/role", {"csrf_token": token, "role": "responder"})
    assert last.status_code == 409 and "last admin" in last.text
    last = boss.post(f"/admin/users/{admin.user.id}/active", {"csrf_token": token, "active": "0"})
    assert last.status_code == 409
    rita = web.browser(responder)
    assert boss.post(f"/admin/users/{responder.user.id}/role", {"csrf_token": token, "role": "viewer"}).status_code == 303
    assert responder.client.get("/api/v1/users/me").json()["role"] == "viewer"
    assert boss.post(f"/admin/users/{responder.user.id}/active", {"csrf_token": token, "active": "0"}).status_code == 303
    assert rita.get("/").status_code == 303  # signed out
    assert responder.client.get("/api/v1/users/me").status_code == 401
    assert "deactivated" in boss.get("/admin/users").text
    assert boss.post(f"/admin/users/{responder.user.id}/active", {"csrf_token": token, "active": "1"}).status_code == 303
    assert responder.client.get("/api/v1/users/me").status_code == 200


def test_admins_revoke_someone_elses_token(world, web, admin, responder):
    boss = web.browser(admin)
    token_id = responder.client.get("/api/v1/tokens").json()[0]["id"]
    page = boss.get(f"/admin/users/{responder.user.id}").text
    assert f"/tokens/{token_id}/revoke" in page
    r = boss.post(f"/admin/users/{responder.user.id}/tokens/{token_id}/revoke", {"csrf_token": csrf_of(page)})
    assert r.status_code == 303
    assert responder.client.get("/api/v1/users/me").status_code == 401


def test_the_users_list_shows_role_timezone_last_seen_and_tokens(world, web, admin, responder, viewer):
    world.runtime.clock.advance(minutes=30)
    responder.client.get("/api/v1/users/me")  # Rita's token is used now: she was seen 30 min after T0
    world.runtime.clock.advance(minutes=30)
    boss = web.browser(admin)
    html = boss.get("/admin/users").text
    rows = {name: row for name, row in re.findall(r'href="/admin/users/\d+">([^<]+)</a>(.*?)</li>', html, re.S)}
    assert set(rows) == {"Ada", "Rita", "Victor"}
    assert "responder" in rows["Rita"] and "UTC" in rows["Rita"]
    assert "30 min ago" in rows["Rita"] and "just now" in rows["Ada"]
    assert "unknown" in rows["Victor"]  # never signed in, token never used
    assert re.search(r"<dt>Tokens</dt><dd>1</dd>", rows["Rita"])
    token_id = responder.client.get("/api/v1/tokens").json()[0]["id"]
    boss.post(f"/admin/users/{responder.user.id}/tokens/{token_id}/revoke", {"csrf_token": csrf_of(html)})
    html = boss.get("/admin/users").text
    rita = re.search(r'>Rita</a>(.*?)</li>', html, re.S).group(1)
    assert re.search(r"<dt>Tokens</dt><dd>0</dd>", rita)
