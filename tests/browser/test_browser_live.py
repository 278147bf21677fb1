"""The live timeline in Chromium: two people in the same room, one acts, the other sees it without a reload."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def _no_reload(page) -> None:
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    assert page.evaluate("window.__sameDocument") is True


def _open_room(page, ref: str, query: str = "") -> None:
    page.goto(f"/incidents/{ref}{query}")
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads
    expect(page.locator("#live-status")).to_have_text("● live")


def test_a_viewer_sees_a_note_from_a_responder_within_two_seconds_in_oldest_first_order(seed, signed_in):
    rita, vera = seed.person("responder"), seed.person("viewer")
    ref = seed.incident(rita, title=seed.unique("Queue backlog "))
    theirs = signed_in(vera)
    _open_room(theirs, ref, "?order=oldest")
    mine = signed_in(rita)
    mine.goto(f"/incidents/{ref}")
    box = mine.get_by_label(re.compile("^Add a note"))
    box.fill("Consumers scaled from 4 to 12")
    box.press("Enter")
    expect(mine.locator("#timeline li.event-note").first).to_contain_text("Consumers scaled")
    arrived = theirs.locator("#timeline > li").last
    expect(arrived).to_contain_text("Consumers scaled from 4 to 12", timeout=2000)
    expect(arrived.locator("form")).to_have_count(0)  # rendered for the viewer: no star button
    expect(theirs.locator("#timeline li.event-note", has_text="Consumers scaled")).to_have_count(1)
    _no_reload(theirs)


def test_a_star_set_by_one_person_shows_for_the_other_without_reload(seed, signed_in):
    rita, sam = seed.person("responder"), seed.person("responder")
    ref = seed.incident(rita, title=seed.unique("Login errors "))
    mine = signed_in(rita)
    mine.goto(f"/incidents/{ref}")
    box = mine.get_by_label(re.compile("^Add a note"))
    box.fill("Root cause: expired signing key")
    box.press("Enter")
    note = mine.locator("#timeline li.event-note", has_text="expired signing key")
    expect(note).to_be_visible()
    theirs = signed_in(sam)
    _open_room(theirs, ref)
    their_note = theirs.locator("#timeline li.event-note", has_text="expired signing key")
    expect(their_note).not_to_have_class(re.compile("is-starred"))
    note.get_by_role("button", name=re.compile("Star as a key event|star as key event")).click()
    expect(mine.locator("#timeline li.event-note", has_text="expired signing key")).to_have_class(
        re.compile("is-starred"))
    # SQLite streams check every 0.5 s; PostgreSQL ones learn of a star on their 5 s check.
    expect(their_note).to_have_class(re.compile("is-starred"), timeout=7000)
    expect(their_note.get_by_role("button")).to_have_attribute("aria-pressed", "true")
    _no_reload(theirs)
