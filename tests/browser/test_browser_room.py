"""The incident room in Chromium: run a seeded incident, notes with Enter, stars in place, viewers, phones."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def _navigations(page) -> int:
    return page.evaluate("performance.getEntriesByType('navigation').length")


def test_command_mitigate_resolve_note_and_star_a_seeded_incident(seed, signed_in):
    rita = seed.person("responder")
    ref = seed.incident(rita, title=seed.unique("Login timeouts "), severity="SEV2")
    page = signed_in(rita)
    page.goto(f"/incidents/{ref}")
    expect(page.locator(".room-facts")).to_contain_text("nobody yet")
    # triage: only the moves the lifecycle allows, as buttons
    expect(page.get_by_role("button", name="Close")).to_have_count(0)

    page.get_by_role("button", name="Take command").click()
    expect(page.locator(".room-facts")).to_contain_text(rita.name)
    expect(page.get_by_role("button", name="Take command")).to_have_count(0)
    page.get_by_role("button", name="Mitigated").click()
    expect(page.locator(".room-ref .status")).to_have_text("mitigated")
    page.get_by_label("Resolution (what fixed it)").fill("Raised the auth pool size")
    page.get_by_role("button", name="Resolve").click()
    expect(page.locator(".room-ref .status")).to_have_text("resolved")
    expect(page.locator(".room-facts")).to_contain_text("Raised the auth pool size")
    expect(page.locator("#timeline li").first).to_contain_text("Status mitigated → resolved")

    loads = _navigations(page)
    box = page.get_by_label(re.compile("^Add a note"))
    box.fill("Pool size goes into the runbook")
    box.press("Enter")
    note = page.locator("#timeline li.event-note", has_text="Pool size goes into the runbook")
    expect(note).to_be_visible()
    expect(page.locator("#timeline li").first).to_have_attribute("id", note.get_attribute("id"))
    expect(box).to_have_value("")
    expect(box).to_be_focused()

    star = note.locator("button.star")
    expect(star).to_have_attribute("aria-pressed", "false")
    star.click()
    starred = page.locator(f"#{note.get_attribute('id')}")
    expect(starred).to_have_class(re.compile(r"\bis-starred\b"))
    expect(starred.locator("button.star")).to_have_attribute("aria-pressed", "true")
    assert _navigations(page) == loads  # the note and the star came without a reload
    page.get_by_role("link", name="Key events only").click()
    expect(page.locator("#timeline li.event-note")).to_contain_text("Pool size goes into the runbook")
    expect(page.locator("#timeline li.event-commander_changed")).to_have_count(0)
    expect(page.locator("#timeline li:not(.is-starred)")).to_have_count(0)


def test_a_viewer_sees_the_room_and_key_events_but_no_actions(seed, signed_in):
    rita = seed.person("responder")
    ref = seed.incident(rita, title=seed.unique("Search slow "))
    page = signed_in(rita)
    page.goto(f"/incidents/{ref}")
    box = page.get_by_label(re.compile("^Add a note"))
    box.fill("Index rebuild started")
    box.press("Enter")
    page.locator("#timeline li.event-note button.star").click()
    expect(page.locator("#timeline li.event-note")).to_have_class(re.compile(r"\bis-starred\b"))

    viewer = signed_in(seed.person("viewer"))
    viewer.goto(f"/incidents/{ref}")
    expect(viewer.locator("h1")).to_contain_text("Search slow")
    expect(viewer.locator("#timeline li.event-note .star")).to_have_attribute("title", "key event")
    expect(viewer.locator("#timeline li.event-note")).to_contain_text("Index rebuild started")
    expect(viewer.locator("main form")).to_have_count(0)
    expect(viewer.locator("main button")).to_have_count(0)
    expect(viewer.locator("main textarea, main select")).to_have_count(0)


def test_a_busy_room_fits_a_phone(seed, signed_in):
    rita = seed.person("responder")
    ref = seed.incident(rita, title=seed.unique("Payments provider returns errors for every card "),
                        impact="Nobody can pay by card; " * 8)
    page = signed_in(rita, viewport={"width": 375, "height": 800})
    page.goto(f"/incidents/{ref}")
    box = page.get_by_label(re.compile("^Add a note"))
    box.fill("https://status.example.com/incidents/" + "x" * 80)
    box.press("Enter")
    expect(page.locator("#timeline li.event-note")).to_have_count(1)
    for view in (f"/incidents/{ref}", f"/incidents/{ref}?order=oldest"):
        page.goto(view)
        expect(page.locator("#timeline li.event-note")).to_have_count(1)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, (view, width)
        target = page.locator("#timeline li.event-note button.star").bounding_box()
        assert target["width"] >= 44 and target["height"] >= 44
