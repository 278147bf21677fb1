"""Sign in and out, the session cookie, expiry, the throttle on failures, and CSRF."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from conftest import PASSWORD, csrf_of
from sqlalchemy import func, select

from warroom.users import websessions
from warroom.users.models import SignInFailure, WebSession


def _sessions(world) -> list[tuple[str, object]]:
    """(token_hash, expires_at) of every stored session."""
    with world.runtime.db.read_session() as db:
        return [tuple(row) for row in db.execute(select(WebSession.token_hash, WebSession.expires_at))]


def _cookie_header(response, name: str) -> str:
    headers = [h for h in response.headers.get_list("set-cookie") if h.startswith(name + "=")]
    assert len(headers) == 1, response.headers.get_list("set-cookie")
    return headers[0]


def test_sign_in_lands_on_next_with_a_hardened_cookie(world, web, responder):
    web.set_password(responder)
    browser = web.anonymous()
    response = browser.sign_in(responder.email, next_path="/?from=mail")
    assert response.status_code == 303
    assert response.headers["location"] == "/?from=mail"
    cookie = _cookie_header(response, "warroom_session")
    attributes = [part.strip().lower() for part in cookie.split(";")]
    assert "httponly" in attributes and "samesite=lax" in attributes and "path=/" in attributes
    assert "secure" not in attributes  # plain http: a Secure cookie would never come back
    # The database keeps only a hash of the token.
    token = browser.session_cookie
    [(token_hash, expires_at)] = _sessions(world)
    assert token_hash == hashlib.sha256(token.encode()).hexdigest() != token
    assert expires_at == world.runtime.clock.now() + websessions.ABSOLUTE_TIMEOUT
    dashboard = browser.get("/")
    assert dashboard.status_code == 200 and "Rita" in dashboard.text


def test_cookie_is_secure_over_https(web, responder):
    web.set_password(responder)
    browser = web.anonymous(base_url="https://testserver")
    response = browser.sign_in(responder.email)
    assert response.status_code == 303
    attributes = [p.strip().lower() for p in _cookie_header(response, "warroom_session").split(";")]
    assert "secure" in attributes and "httponly" in attributes and "samesite=lax" in attributes


def test_wrong_password_and_unknown_email_look_the_same(world, web, responder):
    web.set_password(responder)
    browser = web.anonymous()
    wrong = browser.sign_in(responder.email, "not the password at all")
    unknown = browser.sign_in("nobody@example.com", PASSWORD)
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "Wrong email or password." in response.text
        assert "warroom_session=" not in response.headers.get("set-cookie", "")
    assert browser.session_cookie is None and _sessions(world) == []
    assert browser.get("/").status_code == 303


def test_a_user_without_a_password_cannot_sign_in(web, responder):
    response = web.anonymous().sign_in(responder.email, "")
    assert response.status_code == 400
    assert web.anonymous().sign_in(responder.email, "anything at all 123").status_code == 401


def test_failures_are_counted_and_throttled_per_account_until_the_window_passes(world, web, responder):
    web.set_password(responder)
    clock = world.runtime.clock
    browser = web.anonymous()
    for attempt in range(websessions.MAX_FAILURES_PER_ACCOUNT):
        assert browser.sign_in(responder.email, f"wrong password {attempt}").status_code == 401
        clock.advance(seconds=10)
    with world.runtime.db.read_session() as db:
        assert websessions.failure_count(db, clock, responder.email) == 5
    # Locked now, even with the right password and from another address.
    refused = web.anonymous(address="198.51.100.7").sign_in(responder.email)
    assert refused.status_code == 429
    retry_after = int(refused.headers["Retry-After"])
    # The first failure was 50 s ago; it leaves the 15-minute window in 850 s.
    assert 840 <= retry_after <= 851
    assert "too many failed sign-ins" in refused.text
    clock.advance(seconds=retry_after - 30)
    assert browser.sign_in(responder.email).status_code == 429
    clock.advance(seconds=31)
    assert browser.sign_in(responder.email).status_code == 303
    # Success forgets the account's failures.
    with world.runtime.db.read_session() as db:
        assert websessions.failure_count(db, clock, responder.email) == 0


def test_failures_are_throttled_per_client_address(world, web, responder, viewer):
    web.set_password(responder)
    attacker = web.anonymous(address="203.0.113.66")
    for n in range(websessions.MAX_FAILURES_PER_ADDRESS):
        assert attacker.sign_in(f"guess{n}@example.com", "password guess 1").status_code == 401
    refused = attacker.sign_in(responder.email)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    # Rita, from her own address, is not locked out by someone else's guessing.
    assert web.anonymous(address="192.0.2.44").sign_in(responder.email).status_code == 303
    # Old failures are pruned as new ones come in: the table holds one window.
    world.runtime.clock.advance(minutes=16)
    assert attacker.sign_in("late@example.com", "password guess 2").status_code == 401
    with world.runtime.db.read_session() as db:
        assert db.scalar(select(func.count(SignInFailure.id))) == 1


def test_idle_expiry(world, web, responder):
    browser = web.browser(responder)
    clock = world.runtime.clock
    for _ in range(3):  # each visit counts as activity
        clock.advance(hours=11, minutes=59)
        assert browser.get("/").status_code == 200
    clock.advance(hours=12)
    response = browser.get("/")
    assert response.status_code == 303 and response.headers["location"] == "/signin?next=/"


def test_absolute_expiry_however_active(world, web, responder):
    browser = web.browser(responder)
    clock = world.runtime.clock
    elapsed = timedelta()
    while elapsed + timedelta(hours=11) < websessions.ABSOLUTE_TIMEOUT:
        clock.advance(hours=11)
        elapsed += timedelta(hours=11)
        assert browser.get("/").status_code == 200, elapsed
    clock.advance(websessions.ABSOLUTE_TIMEOUT - elapsed)
    assert browser.get("/").status_code == 303


def test_sign_out_ends_the_session(world, web, responder):
    browser = web.browser(responder)
    token = browser.session_cookie
    response = browser.post("/signout", {"csrf_token": browser.csrf()})
    assert response.status_code == 303 and response.headers["location"] == "/signin"
    assert 'warroom_session=""' in response.headers["set-cookie"] or "Max-Age=0" in response.headers["set-cookie"]
    assert _sessions(world) == []
    # The old cookie, replayed, is worth nothing.
    replay = web.anonymous()
    replay.client.cookies.set("warroom_session", token)
    assert replay.get("/").status_code == 303


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(world, web, responder, admin):
    browser = web.browser(responder)
    other = web.browser(admin)
    for data in ({}, {"csrf_token": ""}, {"csrf_token": "forged"}, {"csrf_token": other.csrf()}):
        response = browser.post("/signout", data)
        assert response.status_code == 403, data
        assert "Nothing was changed" in response.text
    assert len(_sessions(world)) == 2
    assert browser.get("/").status_code == 200


def test_sign_in_form_needs_its_csrf_token(world, web, responder):
    web.set_password(responder)
    browser = web.anonymous()
    page = browser.get("/signin")
    assert page.status_code == 200
    response = browser.post("/signin", {"email": responder.email, "password": PASSWORD})
    assert response.status_code == 403
    # A token from the page but not this browser's cookie (another site's form) is refused too.
    stranger = web.anonymous()
    stranger.get("/signin")
    response = stranger.post("/signin", {"csrf_token": csrf_of(page.text), "email": responder.email,
                                         "password": PASSWORD})
    assert response.status_code == 403
    assert _sessions(world) == []


def test_next_never_leaves_the_site(web, responder):
    web.set_password(responder)
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = web.anonymous().sign_in(responder.email, next_path=target)
        assert response.status_code == 303 and response.headers["location"] == "/", target


def test_signed_in_user_visiting_signin_goes_to_the_dashboard(web, responder):
    browser = web.browser(responder)
    response = browser.get("/signin")
    assert response.status_code == 303 and response.headers["location"] == "/"
