"""Sign in, the dashboard, and the rules every page keeps: CSRF, viewers, restricted incidents."""

from __future__ import annotations

import httpx


def test_sign_in_lands_on_the_dashboard_with_own_incident(seed, signed_in):
    rita = seed.person("responder")
    ref = seed.incident(rita, title=seed.unique("Checkout errors "), severity="SEV2")
    page = signed_in(rita)
    assert page.get_by_role("heading", name="Open incidents").is_visible()
    row = page.locator("li.incident", has_text=ref)
    assert row.is_visible()
    assert "SEV2" in page.locator("section.sev-group", has=row).locator("h2").inner_text()
    assert page.get_by_role("link", name="Declare incident").is_visible()


def test_wrong_password_is_refused(seed, new_context):
    rita = seed.person("responder")
    page = new_context().new_page()
    page.goto("/signin")
    page.get_by_label("Email").fill(rita.email)
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text() == "Wrong email or password."
    assert page.url.endswith("/signin")


def test_a_form_post_without_the_csrf_token_is_refused(seed, signed_in, server):
    rita = seed.person("responder")
    page = signed_in(rita)
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    # The same browser session, but a form without its token (as another site would send it).
    response = httpx.post(f"{server.url}/signout", cookies=cookies, data={}, follow_redirects=False)
    assert response.status_code == 403
    assert "Nothing was changed" in response.text
    page.reload()
    assert page.url == f"{server.url}/", "the session must still be alive"


def test_a_viewer_sees_no_action_buttons(seed, signed_in):
    rita = seed.person("responder")
    seed.incident(rita)
    vera = seed.person("viewer")
    page = signed_in(vera)
    assert page.locator("li.incident").count() >= 1
    assert page.get_by_role("link", name="Declare incident").count() == 0
    assert page.locator("main form").count() == 0


def test_a_restricted_incident_is_absent_for_a_non_participant(seed, signed_in):
    rita = seed.person("responder")
    secret = seed.incident(rita, title=seed.unique("Secret breach "), visibility="restricted")
    open_one = seed.incident(rita, title=seed.unique("Public outage "))
    outsider = seed.person("responder")
    page = signed_in(outsider)
    assert page.locator("li.incident", has_text=open_one).count() == 1
    assert page.locator("li.incident", has_text=secret).count() == 0
    assert secret not in page.content()
    own = signed_in(rita)
    assert own.locator("li.incident", has_text=secret).count() == 1
