"""The on-call pages in Chromium: a responder adds an override through the schedule page's form at
desktop and phone widths and sees it in the calendar, removes it, and the phone gets a list of days
with no sideways scrolling. The server runs on the real clock, so times are relative to now."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from warroom.oncall import service
from warroom.oncall.schemas import LayerIn, ScheduleIn
from warroom.users import service as users

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _schedule(seed, *people) -> str:
    """A schedule in Europe/Berlin with a daily rotation of `people` from a week ago."""
    name = seed.unique("sched-")
    start = (datetime.now(timezone.utc) - timedelta(days=7)).replace(hour=9, minute=0, second=0, microsecond=0,
                                                                      tzinfo=None)
    with seed.runtime.db.write_session() as session:
        ctx = seed.runtime.system_context(session)
        ctx = type(ctx)(db=session, actor=users.find_user(session, people[0].email), clock=ctx.clock,
                        policy=ctx.policy)
        schedule = service.create_schedule(ctx, ScheduleIn(name=name, timezone="Europe/Berlin"))
        service.add_layer(ctx, schedule, LayerIn(users=[p.email for p in people], shift_length=1,
                                                 shift_unit="days", start=start, handoff="09:00", name="Daily"))
    return name


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_add_and_remove_an_override_through_the_form(seed, signed_in, device):
    rita = seed.person("responder")
    sam = seed.person("responder", name=seed.unique("Sam "))
    name = _schedule(seed, rita, sam)
    page = signed_in(rita, **(PHONE if device == "phone" else {}))
    page.goto(seed.url("/"))
    page.get_by_role("link", name="Who is on call").click()
    page.get_by_role("link", name=name, exact=True).click()
    page.wait_for_url(seed.url(f"/schedules/{name}"))
    assert page.locator(".oc-day").count() == 14
    if device == "phone":
        _no_sideways_scroll(page)
        # A list of days: every day as wide as the calendar.
        widths = page.eval_on_selector_all(".oc-day", "days => days.map(d => d.getBoundingClientRect().width)")
        calendar = page.eval_on_selector(".oc-calendar", "c => c.getBoundingClientRect().width")
        assert all(abs(width - calendar) < 1 for width in widths)

    # Tomorrow 18:00 to the day after 08:00 on the viewer's (UTC) clock.
    tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).date()
    page.get_by_label("Who").select_option(label=sam.name)
    page.get_by_label("From").fill(f"{tomorrow.isoformat()}T18:00")
    page.get_by_label("To").fill(f"{(tomorrow + timedelta(days=1)).isoformat()}T08:00")
    page.get_by_role("button", name="Add override").click()
    page.wait_for_url(seed.url(f"/schedules/{name}#overrides"))
    listed = page.locator(".oc-overrides li")
    assert listed.count() == 1
    assert sam.name in listed.inner_text() and f"{tomorrow.strftime('%a %d %b')} 18:00" in listed.inner_text()
    day = page.locator(".oc-day", has_text=tomorrow.strftime("%a %d %b"))
    assert "18:00–24:00" in day.locator(".oc-row", has_text="override").inner_text()
    if device == "phone":
        _no_sideways_scroll(page)

    # A refused form comes back as typed, with the reason.
    page.get_by_label("Who").select_option(label=sam.name)
    page.get_by_label("From").fill(f"{tomorrow.isoformat()}T10:00")
    page.get_by_label("To").fill(f"{tomorrow.isoformat()}T09:00")
    page.get_by_role("button", name="Add override").click()
    assert "ends_at must be after starts_at" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("From").input_value() == f"{tomorrow.isoformat()}T10:00"

    page.get_by_role("button", name=f"Remove the override of {sam.name}").click()
    page.wait_for_url(seed.url(f"/schedules/{name}#overrides"))
    assert page.locator(".oc-overrides li").count() == 0
    assert "No current or coming overrides." in page.locator("#overrides").inner_text()


def test_phone_who_is_on_call_and_schedules_fit_the_screen(seed, signed_in):
    rita = seed.person("responder")
    name = _schedule(seed, rita)
    page = signed_in(rita, **PHONE)
    for path in ("/oncall", "/schedules", f"/schedules/{name}?weeks=6"):
        page.goto(seed.url(path))
        _no_sideways_scroll(page)
    page.goto(seed.url("/oncall"))
    row = page.locator(".incident", has_text=name)
    assert rita.name in row.inner_text()


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_add_edit_and_move_a_layer_through_the_form(seed, signed_in, device):
    """The layer form in Chromium: turns chosen in order, hour shifts with a nightly window, a refusal
    that keeps what was typed, an edit, a move to the top, and no sideways scrolling on a phone."""
    rita = seed.person("responder")
    sam = seed.person("responder", name=seed.unique("Sam "))
    name = _schedule(seed, rita, sam)
    page = signed_in(rita, **(PHONE if device == "phone" else {}))
    page.goto(seed.url(f"/schedules/{name}"))
    page.get_by_role("link", name="Add a layer").click()
    page.wait_for_url(seed.url(f"/schedules/{name}/layers/new"))
    if device == "phone":
        _no_sideways_scroll(page)
    page.get_by_label("Name").fill("Nights")
    page.get_by_label("Turn 1", exact=True).select_option(label=sam.name)
    page.get_by_label("Turn 2", exact=True).select_option(label=rita.name)
    page.get_by_label("Each shift lasts").fill("12")
    page.get_by_label("Unit").select_option("hours")
    page.get_by_label("Handoff day").select_option("mon")  # refused: a weekday only fits weekly shifts
    page.get_by_label("Handoff time").fill("20:00")
    window = page.get_by_role("group", name="Window 1")
    for day in ("sat", "sun"):
        window.get_by_label(day).uncheck()
    window.get_by_label("From").fill("20:00")
    window.get_by_label("To").fill("08:00")
    page.get_by_role("button", name="Add layer").click()
    assert "a weekday in the handoff only fits weekly shifts" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Name").input_value() == "Nights"
    assert page.get_by_label("Turn 2", exact=True).input_value() == str(rita.id)
    assert page.get_by_role("group", name="Window 1").get_by_label("To").input_value() == "08:00"
    page.get_by_label("Handoff day").select_option("")
    page.get_by_role("button", name="Add layer").click()
    page.wait_for_url(seed.url(f"/schedules/{name}#layers"))
    layers = page.locator(".oc-layers > li")
    assert layers.count() == 2
    assert f"Nights: {sam.name}, {rita.name}" in layers.nth(1).inner_text()
    assert "every 12 hours, handoff 20:00" in layers.nth(1).inner_text()
    assert "only mon,tue,wed,thu,fri 20:00–08:00" in layers.nth(1).inner_text()
    if device == "phone":
        _no_sideways_scroll(page)

    # Edit the daily layer: the form shows its rules; then move it to the top.
    page.get_by_role("link", name="Edit Daily").click()
    assert page.get_by_label("Name").input_value() == "Daily"
    assert page.get_by_label("Unit").input_value() == "days"
    page.get_by_label("Handoff time").fill("10:00")
    page.get_by_role("button", name="Save layer").click()
    page.wait_for_url(seed.url(f"/schedules/{name}#layers"))
    assert "handoff 10:00" in layers.nth(0).inner_text()
    page.get_by_role("button", name="Move down Daily").click()
    page.wait_for_url(seed.url(f"/schedules/{name}#layers"))
    assert layers.nth(1).inner_text().startswith("Daily")


def test_make_and_revoke_calendar_feeds(seed, signed_in):
    """A schedule's feed and your own: the address shown once in a box to copy, listed afterwards by
    its prefix only, and gone from the list (and from the server) once revoked."""
    rita = seed.person("responder")
    name = _schedule(seed, rita)
    page = signed_in(rita, **PHONE)
    page.goto(seed.url(f"/schedules/{name}"))
    page.get_by_role("button", name="Create a calendar feed").click()
    address = page.get_by_label("Calendar feed address").input_value()
    assert "/ical/schedules/wrcal_" in address
    _no_sideways_scroll(page)
    # The address names the configured public URL; ask this test server for the same path.
    served = lambda url: page.request.get(seed.url("/" + url.split("/", 3)[3]))  # noqa: E731
    assert served(address).status == 200
    page.goto(seed.url(f"/schedules/{name}"))
    assert page.get_by_label("Calendar feed address").count() == 0
    feeds = page.locator("#feeds .oc-feeds li")
    assert feeds.count() == 1 and address.rsplit("/", 1)[1][:12] in feeds.inner_text()
    page.get_by_role("button", name="Revoke the feed").click()
    page.wait_for_url(seed.url(f"/schedules/{name}#feeds"))
    assert page.locator("#feeds .oc-feeds li").count() == 0
    assert served(address).status == 404

    page.goto(seed.url("/oncall"))
    page.get_by_role("button", name="Create my calendar feed").click()
    mine = page.get_by_label("Calendar feed address").input_value()
    assert "/ical/users/wrcal_" in mine and rita.name in served(mine).text()
    page.goto(seed.url("/oncall"))
    page.locator("#my-feeds").get_by_role("button", name="Revoke the feed").click()
    page.wait_for_url(seed.url("/oncall#my-feeds"))
    assert "You have no calendar feed yet." in page.locator("#my-feeds").inner_text()
    assert served(mine).status == 404
