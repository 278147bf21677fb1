"""The incident story in Chromium: declare with the helper, command, mitigate, resolve, live notes."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_declare_with_the_helper_then_run_the_incident_to_resolved(seed, signed_in, server):
    rita = seed.person("responder")
    page = signed_in(rita)
    page.get_by_role("link", name="Declare incident").click()
    page.get_by_label("Title", exact=True).fill("Checkout errors for EU card payments")
    page.get_by_label("Impact", exact=True).fill("EU customers cannot pay by card")
    page.get_by_label("Yes, down").check()
    page.get_by_label("all", exact=True).check()
    page.get_by_label("core", exact=True).check()
    proposal = page.locator("#proposal")
    expect(proposal).to_contain_text("Proposed: SEV1")
    expect(proposal).to_contain_text("Service down, all users affected")
    expect(page.locator('input[name="severity"][value="SEV1"]')).to_be_checked()
    page.get_by_label("I take command").uncheck()
    page.get_by_role("button", name="Declare incident").click()
    page.wait_for_url(re.compile(r"/incidents/INC-\d+$"))
    ref = page.url.rsplit("/", 1)[1]
    expect(page.locator("h1")).to_have_text("Checkout errors for EU card payments")
    expect(page.locator(".room-facts")).to_contain_text("nobody yet")

    page.get_by_role("button", name="Take command").click()
    expect(page.locator(".room-facts")).to_contain_text(rita.name)
    page.get_by_role("button", name="Mitigated").click()
    expect(page.locator(".room-ref .status")).to_have_text("mitigated")
    page.get_by_label("Resolution (what fixed it)").fill("Rolled back the payment gateway config")
    page.get_by_role("button", name="Resolve").click()
    expect(page.locator(".room-ref .status")).to_have_text("resolved")
    expect(page.locator("#timeline")).to_contain_text("Status mitigated → resolved")
    expect(page.get_by_role("button", name="Mitigated")).to_have_count(0)
    page.goto("/incidents?status=all")
    expect(page.locator("li.incident", has_text=ref)).to_contain_text("resolved")


def test_a_note_typed_with_enter_appears_for_another_person_without_reload(seed, signed_in):
    rita, sam = seed.person("responder"), seed.person("responder")
    ref = seed.incident(rita, title=seed.unique("Search down "))
    mine, theirs = signed_in(rita), signed_in(sam)
    theirs.goto(f"/incidents/{ref}")
    expect(theirs.locator("#live-status")).to_have_text("● live")
    mine.goto(f"/incidents/{ref}")
    box = mine.get_by_label(re.compile("^Add a note"))
    box.fill("Error rate back under 1% after the rollback")
    box.press("Enter")
    expect(mine.locator("#timeline li.event-note").first).to_contain_text("Error rate back under 1%")
    expect(box).to_have_value("")
    expect(box).to_be_focused()
    arrived = theirs.locator("#timeline li.event-note", has_text="Error rate back under 1%")
    expect(arrived).to_be_visible(timeout=2000)  # within 2 seconds, no reload
    assert theirs.evaluate("performance.getEntriesByType('navigation').length") == 1


def test_shift_enter_makes_a_new_line_and_a_viewer_sees_no_actions(seed, signed_in):
    rita = seed.person("responder")
    ref = seed.incident(rita)
    page = signed_in(rita)
    page.goto(f"/incidents/{ref}")
    box = page.get_by_label(re.compile("^Add a note"))
    box.type("line one")
    box.press("Shift+Enter")
    box.type("line two")
    expect(box).to_have_value("line one\nline two")
    viewer = signed_in(seed.person("viewer"))
    viewer.goto(f"/incidents/{ref}")
    expect(viewer.locator("h1")).to_be_visible()
    expect(viewer.locator("main form")).to_have_count(0)
    expect(viewer.locator("main button")).to_have_count(0)


def test_the_room_fits_a_phone(seed, signed_in):
    rita = seed.person("responder")
    ref = seed.incident(rita, title=seed.unique("A rather long incident title that has to wrap on a phone "))
    page = signed_in(rita, viewport={"width": 375, "height": 800})
    for path in (f"/incidents/{ref}", "/declare", "/incidents", "/"):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, (path, width)
