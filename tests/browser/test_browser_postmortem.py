"""The postmortem in Chromium: resolve an incident, write its postmortem with autosave, review and
publish it (confirming the blameless-check warning), a version conflict between two browsers, phones."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

SAVED = re.compile(r"^Saved \d\d:\d\d$")


def _navigations(page) -> int:
    return page.evaluate("performance.getEntriesByType('navigation').length")


def _resolve_in_the_room(page, ref: str) -> None:
    page.goto(f"/incidents/{ref}")
    page.get_by_role("button", name="Take command").click()
    page.get_by_label("Resolution (what fixed it)").fill("Restored the EU merchant id")
    page.get_by_role("button", name="Resolve").click()
    expect(page.locator(".room-ref .status")).to_have_text("resolved")


def test_write_review_and_publish_a_postmortem_with_autosave(seed, signed_in):
    rita = seed.person("responder", timezone="Europe/Berlin")
    ref = seed.incident(rita, title=seed.unique("Checkout fails in the EU "), severity="SEV2")
    page = signed_in(rita)
    _resolve_in_the_room(page, ref)
    page.get_by_role("link", name="Open the postmortem").click()
    expect(page.locator("h1")).to_contain_text("Postmortem: Checkout fails in the EU")
    expect(page.locator(".pm-status")).to_have_text("Draft")
    loads = _navigations(page)

    summary = page.locator("#pm-summary")
    summary.get_by_role("textbox").fill("EU card payments failed for 30 minutes after a config deploy.")
    expect(summary.locator(".pm-save-status")).to_have_text(SAVED)

    whys = page.locator("#pm-whys")
    whys.get_by_label("Question").fill("Why did EU payments fail?")
    expect(whys.locator(".pm-save-status")).to_have_text("Not saved yet: why 1 needs both fields")
    whys.get_by_label("Answer").fill("The deploy's config had no per-region check.")
    expect(whys.locator(".pm-save-status")).to_have_text(SAVED)
    whys.get_by_role("button", name="Add a why").click()
    expect(whys.locator("legend")).to_have_text(["Why 1", "Why 2"])
    expect(page.locator("#why-2-q")).to_be_focused()

    # A backdated timeline entry, typed in the viewer's timezone (Berlin).
    timeline = page.locator("#pm-timeline")
    earlier = (datetime.now(ZoneInfo("Europe/Berlin")) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    timeline.get_by_role("button", name="Add an entry").click()
    rows = timeline.locator(".pm-row")
    last = rows.last
    last.locator("input[type=datetime-local]").fill(earlier)
    last.locator("textarea").fill("Config deploy to the EU region")
    expect(timeline.locator(".pm-save-status")).to_have_text(SAVED)

    # Blame-oriented words get a warning beside their section, with the suggestion.
    poorly = page.locator("#pm-went_poorly")
    poorly.get_by_role("textbox").fill("Someone should have checked the config.")
    expect(poorly.locator(".pm-save-status")).to_have_text(SAVED)
    expect(poorly.locator(".pm-warnings")).to_be_visible()
    expect(poorly.locator(".pm-warnings")).to_contain_text("“should have”")
    expect(poorly.locator(".pm-warnings")).to_contain_text("Hindsight")
    assert _navigations(page) == loads  # everything above saved without a reload
    version = page.locator("#pm-version").inner_text()
    assert int(version) >= 5

    page.get_by_role("button", name="Request review").click()
    expect(page.locator(".pm-status")).to_have_text("In review")
    expect(page.locator("#pm-timeline")).to_contain_text("Config deploy to the EU region")
    expect(page.locator(f'#pm-timeline input[type=datetime-local][value="{earlier}"]')).to_have_count(1)
    page.get_by_role("button", name="Publish", exact=True).click()
    confirm = page.locator(".pm-confirm")
    expect(confirm).to_contain_text("Publish with 1 blameless-check warning?")
    expect(confirm).to_contain_text("“should have” in “Someone should have checked the config.”")
    expect(page.locator(".pm-status")).to_have_text("In review")
    page.get_by_role("button", name="Publish anyway").click()
    expect(page.locator(".pm-status")).to_have_text("Published")
    expect(page.locator("#pm-history")).to_contain_text("Status: in review → published")
    page.goto(f"/incidents/{ref}")
    expect(page.locator(".room-facts")).to_contain_text("published")


def test_a_section_saved_elsewhere_stops_autosave_here_instead_of_overwriting(seed, signed_in):
    rita = seed.person("responder")
    ref = seed.incident(rita, title=seed.unique("Search slow "))
    first = signed_in(rita)
    _resolve_in_the_room(first, ref)
    first.goto(f"/incidents/{ref}/postmortem")
    second = signed_in(seed.person("responder"))
    second.goto(f"/incidents/{ref}/postmortem")

    second.locator("#pm-impact").get_by_role("textbox").fill("Search p95 at 4 s for everyone.")
    expect(second.locator("#pm-impact .pm-save-status")).to_have_text(SAVED)
    detection = first.locator("#pm-detection")
    detection.get_by_role("textbox").fill("A customer told support.")
    status = detection.locator(".pm-save-status")
    expect(status).to_have_text("Someone else saved a newer version — reload to see it")
    expect(status.get_by_role("link", name="reload to see it")).to_be_visible()
    detection.get_by_role("textbox").fill("A customer told support, 20 minutes in.")
    first.wait_for_timeout(1500)
    expect(status).to_contain_text("Someone else saved a newer version")  # and nothing was sent
    second.reload()
    expect(second.locator("#pm-detection textarea")).not_to_have_value(re.compile("customer"))
    expect(second.locator("#pm-impact textarea")).to_have_value("Search p95 at 4 s for everyone.")


def test_the_postmortem_and_the_actions_list_fit_a_phone(seed, signed_in):
    rita = seed.person("responder")
    ref = seed.incident(rita, title=seed.unique("Payments provider returns errors for every card "), severity="SEV1")
    page = signed_in(rita, viewport={"width": 375, "height": 800})
    _resolve_in_the_room(page, ref)
    page.goto(f"/incidents/{ref}/postmortem")
    page.get_by_label("Title").fill("Alert on the provider's error rate per card scheme " + "x" * 60)
    page.get_by_label("Due", exact=True).fill((datetime.now(ZoneInfo("UTC")) + timedelta(days=7)).date().isoformat())
    page.get_by_role("button", name="Add action item").click()
    expect(page.locator(".pm-item")).to_have_count(1)
    for path in (f"/incidents/{ref}/postmortem", "/actions"):
        page.goto(path)
        expect(page.locator(".pm-item").first).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, (path, width)
        done = page.locator(".pm-item").first.get_by_role("button", name=re.compile("^Done")).bounding_box()
        assert done["width"] >= 44 and done["height"] >= 44
    page.goto(f"/incidents/{ref}/postmortem")
    for button in page.locator("#pm-whys button, #pm-summary button").all():
        box = button.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, button.inner_text()
