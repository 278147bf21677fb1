"""Invite links: the form's CSRF, refused passwords, deactivated people, and the admin API endpoint."""

from __future__ import annotations

import re

from conftest import PASSWORD, csrf_of
from sqlalchemy import select

from warroom.users.models import Invite
from warroom.users.service import hash_token


def _invite_path(web, admin, person) -> str:
    boss = web.browser(admin)
    html = boss.post(f"/admin/users/{person.user.id}/invite", {"csrf_token": boss.csrf()}).text
    return re.search(r'value="http://testserver(/invite/[^"]+)"', html).group(1)


def test_a_refused_password_keeps_the_invite_usable(world, web, admin, responder):
    path = _invite_path(web, admin, responder)
    rita = web.anonymous(address="192.0.2.50")
    form = rita.get(path)
    token = csrf_of(form.text)
    short = rita.post(path, {"csrf_token": token, "password": "short", "repeat_password": "short"})
    assert short.status_code == 422 and "at least 12" in short.text and "Welcome, Rita" in short.text
    assert rita.get("/").status_code == 303  # not signed in
    assert rita.post(path, {"csrf_token": token, "password": PASSWORD,
                            "repeat_password": PASSWORD}).status_code == 303


def test_the_invite_form_needs_its_pre_session_csrf_cookie(world, web, admin, responder):
    path = _invite_path(web, admin, responder)
    form = web.anonymous().get(path)
    forged = web.anonymous()  # another site's form: it has the token but not the cookie
    r = forged.post(path, {"csrf_token": csrf_of(form.text), "password": PASSWORD, "repeat_password": PASSWORD})
    assert r.status_code == 403
    assert web.anonymous().get(path).status_code == 200  # still unused


def test_only_the_hash_of_an_invite_is_stored(world, web, admin, responder):
    path = _invite_path(web, admin, responder)
    secret = path.removeprefix("/invite/")
    with world.runtime.db.read_session() as db:
        stored = db.scalars(select(Invite.token_hash)).all()
    assert stored == [hash_token(secret)] and secret not in stored


def test_a_deactivated_persons_invite_stops_working(world, web, admin, responder):
    path = _invite_path(web, admin, responder)
    boss = web.browser(admin)
    boss.post(f"/admin/users/{responder.user.id}/active", {"csrf_token": boss.csrf(), "active": "0"})
    page = web.anonymous().get(path)
    assert page.status_code == 410 and "deactivated" in page.text
    refused = boss.post(f"/admin/users/{responder.user.id}/invite", {"csrf_token": boss.csrf()})
    assert refused.status_code == 422 and "reactivate them first" in refused.text

