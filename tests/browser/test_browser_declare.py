"""Declaring in Chromium: the severity helper proposes a level live (and without JavaScript via
"Suggest severity"), the form keeps to a phone's width, and the new incident is listed."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_declare_with_the_proposed_level_and_find_it_in_the_list(seed, signed_in, server):
    rita = seed.person("responder")
    service = seed.service()
    title = seed.unique("Search results slow ")
    page = signed_in(rita)
    page.get_by_role("link", name="Declare incident").click()
    expect(page).to_have_url(f"{server.url}/declare")
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Impact", exact=True).fill("Many users wait 10 s for search results")
    page.get_by_label(service, exact=True).check()
    page.get_by_label("No, degraded").check()
    page.get_by_label("many", exact=True).check()
    page.get_by_label("major", exact=True).check()
    proposal = page.locator("#proposal")
    expect(proposal).to_contain_text("Proposed: SEV2")
    expect(proposal).to_contain_text("criterion: Major feature degraded, many users affected")
    # The helper picks the proposed level; the person confirms it by submitting.
    sev2 = page.locator('input[name="severity"][value="SEV2"]')
    expect(sev2).to_be_checked()
    sev2.check()
    page.get_by_role("button", name="Declare incident").click()
    page.wait_for_url(re.compile(r"/incidents/INC-\d+$"))
    ref = page.url.rsplit("/", 1)[1]

    page.goto(f"/incidents?service={service}")
    row = page.locator("li.incident", has_text=ref)
    expect(row).to_contain_text(title)
    expect(row).to_contain_text("SEV2")
    expect(row).to_contain_text(rita.name)  # "I take command" was checked by default
    expect(page.locator("li.incident")).to_have_count(1)


def test_without_javascript_suggest_severity_reloads_with_the_proposal(seed, signed_in):
    rita = seed.person("responder")
    page = signed_in(rita, java_script_enabled=False)
    page.goto("/declare")
    page.get_by_label("Title", exact=True).fill("Avatars missing")
    page.get_by_label("No, degraded").check()
    page.get_by_label("few", exact=True).check()
    page.get_by_label("cosmetic", exact=True).check()
    page.get_by_role("button", name="Suggest severity").click()
    expect(page.locator("#proposal")).to_contain_text("Proposed: SEV4")
    expect(page.locator('input[name="severity"][value="SEV4"]')).to_be_checked()
    expect(page.get_by_label("Title", exact=True)).to_have_value("Avatars missing")


def test_the_declare_form_fits_a_phone(seed, signed_in):
    rita = seed.person("responder")
    page = signed_in(rita, viewport={"width": 375, "height": 800})
    page.goto("/declare")
    expect(page.get_by_role("button", name="Declare incident").last).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # The severity table scrolls inside its own box rather than widening the page.
    page.locator("details.severity-table").scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
