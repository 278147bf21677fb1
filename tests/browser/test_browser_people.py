"""People in Chromium: an admin invites someone who sets a password; a profile's timezone."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_an_admin_invites_a_new_person_who_sets_a_password_and_is_signed_in(seed, signed_in, new_context):
    ada = seed.person("admin")
    page = signed_in(ada)
    page.get_by_role("link", name="Admin", exact=True).click()
    email = f"{seed.unique('newbie')}@example.com"
    page.get_by_label("Email").fill(email)
    page.get_by_label("Name", exact=True).fill("Nia Newcomer")
    page.get_by_role("button", name="Add user").click()
    expect(page.locator("h1")).to_have_text("Nia Newcomer")
    page.get_by_role("button", name="Create invite link").click()
    link = page.get_by_role("textbox", name="Invite link").input_value()
    assert re.match(r"^http://127\.0\.0\.1:\d+/invite/", link)

    nia = new_context().new_page()
    nia.goto(link)
    expect(nia.locator("h1")).to_have_text("Welcome, Nia Newcomer")
    nia.get_by_label("Password", exact=True).fill("a long enough new password")
    nia.get_by_label("Password again").fill("a long enough new password")
    nia.get_by_role("button", name="Set password and sign in").click()
    expect(nia.get_by_role("heading", name="Open incidents")).to_be_visible()
    expect(nia.locator(".who-name")).to_contain_text("Nia Newcomer")


def test_changing_the_timezone_changes_the_times_shown(seed, signed_in):
    rita = seed.person("responder")
    ref = seed.incident(rita)
    page = signed_in(rita)
    page.locator(".who-name").click()
    page.get_by_label("Timezone").select_option("Asia/Kolkata")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Asia/Kolkata")
    page.goto(f"/incidents/{ref}")
    expect(page.locator(".room-facts")).to_contain_text("IST")


def test_admin_pages_fit_a_phone(seed, signed_in):
    page = signed_in(seed.person("admin"), viewport={"width": 375, "height": 800})
    for path in ("/admin/users", "/services", "/profile"):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path


def test_an_admin_edits_who_owns_a_service(seed, signed_in):
    name = seed.service()
    page = signed_in(seed.person("admin"))
    page.get_by_role("link", name="Services").click()
    row = page.locator("li.incident", has_text=name)
    row.locator("summary").click()
    row.get_by_label("Owning team").fill("Checkout squad")
    row.get_by_role("button", name=f"Save {name}").click()
    expect(page.locator("li.incident", has_text=name).locator("dl")).to_contain_text("Checkout squad")
