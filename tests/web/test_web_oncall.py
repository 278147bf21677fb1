"""The on-call pages through real HTTP on the real database: who is on call now and at a time, the
schedule's calendar in the viewer's timezone (a DST week in Berlin and seen from UTC), gaps in words,
overrides added and removed by responders (viewers get the 403 page and change nothing), CSRF, a
refused form coming back as typed, and a calendar feed's secret URL shown once."""

from __future__ import annotations

import html as entities
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from warroom.oncall import service
from warroom.oncall.models import Override, Schedule
from warroom.oncall.schemas import LayerIn, ScheduleIn
from warroom.users.models import User

# The test clock starts on Monday 2026-03-02 10:00 UTC (11:00 in Berlin). Berlin's clocks go
# forward on Sunday 2026-03-29 at 02:00.


def text_of(html: str) -> str:
    """The page's words, as a reader (or a screen reader) gets them."""
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return " ".join(entities.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def days_of(html: str) -> dict[str, str]:
    """Each calendar day's heading -> that day's words."""
    days = re.findall(r'<li class="oc-day[^"]*"[^>]*>(.*?)</ul>\s*</li>', html, flags=re.S)
    result = {}
    for day in days:
        words = text_of(day)
        result[" ".join(words.split()[:3])] = words
    return result


@pytest.fixture
def team(world, admin, responder):
    """Schedule `primary` (Europe/Berlin): Rita and Sam on daily shifts handing off at 09:00 from
    Monday 2026-03-02 09:00, and Ada on office hours (weekdays 12:00-14:00) above them."""
    sam = world.person("sam")
    with world.runtime.db.write_session() as session:
        ctx = world.context(session, session.get(User, admin.user.id))
        schedule = service.create_schedule(ctx, ScheduleIn(name="primary", timezone="Europe/Berlin",
                                                           description="Payments, first line"))
        service.add_layer(ctx, schedule, LayerIn(users=["rita", "sam"], shift_length=1, shift_unit="days",
                                                 start=datetime(2026, 3, 2, 9), handoff="09:00", name="Daily"))
        service.add_layer(ctx, schedule, LayerIn.model_validate(
            {"users": ["ada"], "shift_length": 1, "shift_unit": "days", "start": "2026-03-02T00:00",
             "name": "Lunch", "restrictions": [{"days": ["mon", "tue", "wed", "thu", "fri"],
                                                "start": "12:00", "end": "14:00"}]}))
    return sam


def set_timezone(world, person, zone: str) -> None:
    """(After `web.browser(person)`, which writes the person as they were when made.)"""
    with world.runtime.db.write_session() as session:
        session.get(User, person.user.id).timezone = zone


def overrides_count(world) -> int:
    with world.runtime.db.read_session() as session:
        return session.scalar(select(func.count()).select_from(Override))


def test_who_is_on_call_now_until_when_and_who_is_next(web, world, team, responder, clock):
    rita = web.browser(responder)
    page = rita.get("/oncall")
    assert page.status_code == 200, page.text
    words = text_of(page.text)
    # Rita's shift 0 began Mon 09:00 Berlin time (08:00 UTC); Ada's lunch takes over at 12:00 (11:00 UTC).
    assert "primary Europe/Berlin Payments, first line" in words
    assert "On call Rita @rita Since Mon 02 Mar 08:00 Until Mon 02 Mar 11:00 Next Ada @ada" in words
    clock.advance(hours=4)
    words = text_of(rita.get("/oncall").text)
    assert "On call Rita @rita Since Mon 02 Mar 13:00 Until Tue 03 Mar 08:00 Next Sam @sam" in words
    # At a time typed in the viewer's zone; Ada's lunch window wins over the daily layer.
    set_timezone(world, responder, "Europe/Berlin")
    words = text_of(rita.get("/oncall", params={"at": "2026-03-04T12:30"}).text)
    assert "On call at Wed 04 Mar 2026 12:30" in words
    assert "On call Ada @ada Since Wed 04 Mar 12:00 Until Wed 04 Mar 14:00 Next Rita @rita" in words
    refused = rita.get("/oncall", params={"at": "soon"})
    assert refused.status_code == 422 and "at: 'soon' is not a date and time" in text_of(refused.text)
    refused = rita.get("/oncall", params={"at": "1900-01-01T00:00"})
    assert refused.status_code == 422 and "at must lie between 1970 and 2200" in text_of(refused.text)
    assert "On call now" in text_of(refused.text)  # and the answers for now below


def test_calendar_shows_the_final_schedule_and_gaps_in_words(web, world, team, responder):
    rita = web.browser(responder)
    set_timezone(world, responder, "Europe/Berlin")
    page = rita.get("/schedules/primary")
    assert page.status_code == 200, page.text
    words = text_of(page.text)
    assert "handoffs are kept in Europe/Berlin · times below are in yours, Europe/Berlin" in words
    days = days_of(page.text)
    assert len(days) == 14 and list(days)[0] == "Mon 02 Mar"
    # Before the daily layer's start on the first morning there is nobody: a gap, said in words.
    assert days["Mon 02 Mar"].startswith(
        "Mon 02 Mar today 00:00–09:00 No one on call 09:00–12:00 Rita Daily · 3 h "
        "12:00–14:00 Ada Lunch · 2 h 14:00–24:00 Rita Daily · 19 h")
    # Each row says how long that stretch lasts, from where it begins; a carried-over one says so.
    assert days["Tue 03 Mar"] == ("Tue 03 Mar 00:00–09:00 Rita Daily · continued 09:00–12:00 Sam Daily · 3 h "
                                  "12:00–14:00 Ada Lunch · 2 h 14:00–24:00 Sam Daily · 19 h")
    assert days["Sat 07 Mar"].endswith("09:00–24:00 Sam Daily · 24 h")
    assert "1 gap in cover : 9 h with nobody on call in these 2 weeks" in words
    assert 'class="oc-row oc-gap"' in page.text
    assert "Lunch : Ada · every 1 day, handoff 00:00, from 2026-03-02 00:00; only mon,tue,wed,thu,fri 12:00–14:00" in words


def test_dst_week_in_the_viewers_zone(web, world, team, responder):
    """Berlin's clocks go forward on 29 March: the shift across the change lasts 23 hours. A Berlin
    viewer sees 09:00 handoffs and a 23-hour Sunday; a UTC viewer sees the handoff move 08:00 -> 07:00."""
    rita = web.browser(responder)
    set_timezone(world, responder, "Europe/Berlin")
    page = rita.get("/schedules/primary", params={"from": "2026-03-28", "weeks": "1"})
    assert page.status_code == 200, page.text
    days = days_of(page.text)
    assert list(days) == ["Sat 28 Mar", "Sun 29 Mar", "Mon 30 Mar", "Tue 31 Mar", "Wed 01 Apr", "Thu 02 Apr",
                          "Fri 03 Apr"]
    assert days["Sat 28 Mar"] == "Sat 28 Mar 00:00–09:00 Sam Daily · continued 09:00–24:00 Rita Daily · 23 h"
    assert days["Sun 29 Mar"] == ("Sun 29 Mar 23-hour day: clocks go forward (CET → CEST) "
                                  "00:00–09:00 Rita Daily · continued 09:00–24:00 Sam Daily · 24 h")
    assert "hour day" not in days["Mon 30 Mar"]

    set_timezone(world, responder, "UTC")
    days = days_of(rita.get("/schedules/primary", params={"from": "2026-03-28", "weeks": "1"}).text)
    assert days["Sat 28 Mar"] == "Sat 28 Mar 00:00–08:00 Sam Daily · continued 08:00–24:00 Rita Daily · 23 h"
    assert days["Sun 29 Mar"] == "Sun 29 Mar 00:00–07:00 Rita Daily · continued 07:00–24:00 Sam Daily · 24 h"


def test_calendar_pages_and_refuses_bad_views(web, team, responder):
    rita = web.browser(responder)
    page = rita.get("/schedules/primary", params={"weeks": "3"})
    assert len(days_of(page.text)) == 21
    assert 'href="?from=2026-03-23&amp;weeks=3">Later' in page.text
    assert 'href="?from=2026-02-09&amp;weeks=3">← Earlier' in page.text
    earlier = rita.get("/schedules/primary", params={"from": "2026-02-09", "weeks": "3"})
    assert "3 gaps" not in text_of(earlier.text) and "21 d with nobody on call" in text_of(earlier.text)
    for query, message in (({"weeks": "9"}, "weeks must be a whole number from 1 to 6"),
                           ({"from": "yesterday"}, "from must be a date like 2026-03-02"),
                           ({"from": "1900-01-01"}, "since must lie between 1970 and 2200")):
        refused = rita.get("/schedules/primary", params=query)
        assert refused.status_code == 422 and message in text_of(refused.text), query
    assert rita.get("/schedules/nothing").status_code == 404


def _form(browser, path: str = "/schedules/primary") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', browser.get(path).text)[1]


def test_responder_adds_and_removes_an_override(web, world, team, responder):
    rita = web.browser(responder)
    set_timezone(world, responder, "Europe/Berlin")
    token = _form(rita)
    added = rita.post("/schedules/primary/overrides", {
        "csrf_token": token, "user": str(team.user.id), "starts_at": "2026-03-03T18:00",
        "ends_at": "2026-03-04T08:00", "view": "?from=2026-03-02&weeks=1"})
    assert added.status_code == 303 and added.headers["location"] == "/schedules/primary?from=2026-03-02&weeks=1#overrides"
    page = rita.get(added.headers["location"])
    days = days_of(page.text)
    assert "18:00–24:00 Sam override · 14 h" in days["Tue 03 Mar"]
    assert days["Wed 04 Mar"].startswith("Wed 04 Mar 00:00–08:00 Sam override · continued "
                                         "08:00–09:00 Sam Daily · 1 h 09:00–12:00 Rita Daily · 3 h")
    assert "Sam @sam Tue 03 Mar 18:00 to Wed 04 Mar 08:00 CET by Rita" in text_of(page.text)
    with world.runtime.db.read_session() as session:
        override = session.scalars(select(Override)).one()
        override_id = override.id
        assert (override.starts_at, override.ends_at) == (datetime(2026, 3, 3, 17, tzinfo=timezone.utc),
                                                          datetime(2026, 3, 4, 7, tzinfo=timezone.utc))
    removed = rita.post(f"/schedules/primary/overrides/{override_id}/remove", {"csrf_token": token, "view": ""})
    assert removed.status_code == 303 and removed.headers["location"] == "/schedules/primary#overrides"
    assert overrides_count(world) == 0
    assert "No current or coming overrides." in text_of(rita.get("/schedules/primary").text)


def test_a_refused_override_comes_back_as_typed_with_the_reason(web, world, team, responder, viewer):
    rita = web.browser(responder)
    typed = {"csrf_token": _form(rita), "starts_at": "2026-03-05T10:00", "ends_at": "2026-03-05T09:00"}
    for extra, status, reason in (({"user": str(team.user.id)}, 422, "ends_at must be after starts_at"),
                                  ({"user": ""}, 422, "user: choose who is on call during the override"),
                                  ({"user": str(viewer.user.id), "ends_at": "2026-03-05T12:00"}, 422,
                                   "Victor is a viewer; people on call must be able to respond"),
                                  ({"user": str(team.user.id), "ends_at": "tomorrow"}, 422,
                                   "ends_at: 'tomorrow' is not a date and time")):
        refused = rita.post("/schedules/primary/overrides", {**typed, **extra})
        assert refused.status_code == status and reason in text_of(refused.text), (extra, re.findall(r'class="alert"[^>]*>([^<]*)', refused.text))
        assert 'value="2026-03-05T10:00"' in refused.text
    assert f'<option value="{team.user.id}" selected>' in rita.post("/schedules/primary/overrides",
                                                                  {**typed, "user": str(team.user.id)}).text
    assert overrides_count(world) == 0


def test_viewer_reads_but_cannot_add_or_remove_overrides(web, world, team, responder, viewer):
    with world.runtime.db.write_session() as session:
        ctx = world.context(session, session.get(User, responder.user.id))
        schedule = service.get_schedule(ctx, "primary")
        from warroom.oncall.schemas import OverrideIn
        service.add_override(ctx, schedule, OverrideIn(user="sam", starts_at=datetime(2026, 3, 3, tzinfo=timezone.utc),
                                                       ends_at=datetime(2026, 3, 4, tzinfo=timezone.utc)))
    victor = web.browser(viewer)
    page = victor.get("/schedules/primary")
    assert page.status_code == 200
    assert "Add an override" not in page.text and "/remove" not in page.text and "Create a calendar feed" not in page.text
    token = _form(victor)
    refused = victor.post("/schedules/primary/overrides", {"csrf_token": token, "user": str(team.user.id),
                                                            "starts_at": "2026-03-05T10:00", "ends_at": "2026-03-05T12:00"})
    assert refused.status_code == 403 and "Not allowed" in refused.text and "viewers can read" in refused.text
    assert victor.post("/schedules/primary/overrides/1/remove", {"csrf_token": token}).status_code == 403
    assert victor.post("/schedules/primary/feeds", {"csrf_token": token}).status_code == 403
    assert victor.post("/schedules", {"csrf_token": token, "name": "mine", "timezone": "UTC"}).status_code == 403
    assert overrides_count(world) == 1
    with world.runtime.db.read_session() as session:
        assert session.scalar(select(func.count()).select_from(Schedule)) == 1


def test_changes_need_the_forms_csrf_token(web, world, team, responder):
    rita = web.browser(responder)
    form = {"user": str(team.user.id), "starts_at": "2026-03-05T10:00", "ends_at": "2026-03-05T12:00"}
    for data in (form, {**form, "csrf_token": "forged"}):
        refused = rita.post("/schedules/primary/overrides", data)
        assert refused.status_code == 403 and "Form expired" in refused.text
    assert rita.post("/schedules", {"name": "other", "timezone": "UTC"}).status_code == 403
    assert rita.post("/schedules/primary/feeds", {}).status_code == 403
    assert overrides_count(world) == 0


def test_create_a_schedule_from_the_list(web, world, team, responder):
    rita = web.browser(responder)
    listing = rita.get("/schedules")
    assert "primary Europe/Berlin 2 layers Payments, first line On call now Rita @rita" in text_of(listing.text)
    token = _form(rita, "/schedules")
    refused = rita.post("/schedules", {"csrf_token": token, "name": "Search Team", "timezone": "America/New_York",
                                       "description": "Search"})
    assert refused.status_code == 422 and "name must be lowercase letters" in text_of(refused.text)
    assert 'value="Search Team"' in refused.text and '<option value="America/New_York" selected>' in refused.text
    taken = rita.post("/schedules", {"csrf_token": token, "name": "primary", "timezone": "UTC"})
    assert taken.status_code == 409 and "already exists" in taken.text
    made = rita.post("/schedules", {"csrf_token": token, "name": "search", "timezone": "America/New_York"})
    assert made.status_code == 303 and made.headers["location"] == "/schedules/search"
    page = rita.get("/schedules/search")
    assert "No layers yet: nobody is on call." in text_of(page.text)
    assert "Nobody: a gap in cover" in text_of(page.text)


def test_a_calendar_feed_url_is_shown_once(web, world, team, responder):
    rita = web.browser(responder)
    made = rita.post("/schedules/primary/feeds", {"csrf_token": _form(rita), "view": "?weeks=1"})
    assert made.status_code == 201
    url = re.search(r'value="(http[^"]+/ical/schedules/wrcal_[^"]+\.ics)"', made.text)[1]
    assert len(days_of(made.text)) == 7
    feed = rita.get(url.split("127.0.0.1:8000", 1)[-1] if "127.0.0.1:8000" in url else url)
    assert feed.status_code == 200 and "On call: Rita" in feed.text
    again = rita.get("/schedules/primary")
    assert url not in again.text and f"{url.rsplit('/', 1)[1][:12]}… made" in text_of(again.text)


def test_pages_need_sign_in_and_the_dashboard_links_to_them(web, team, responder):
    anonymous = web.anonymous()
    for path in ("/oncall", "/schedules", "/schedules/primary"):
        assert anonymous.get(path).status_code == 303
    # The header has no room for another link at 1280 px: the dashboard links to who is on call.
    assert '<a href="/oncall">Who is on call</a>' in web.browser(responder).get("/").text
