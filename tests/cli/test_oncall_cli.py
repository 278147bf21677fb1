"""warroom oncall and warroom schedules against a real server: schedules, rotation layers with
restrictions, overrides, who is on call at a time, the final schedule with its gaps, calendar feeds."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import httpx
import pytest

from warroom.cli.oncall import _days, _every, _only
from warroom.cli.output import CliError


NEW_YORK = ZoneInfo("America/New_York")


def cells(line: str) -> list[str]:
    return [cell.strip() for cell in re.split(r"[┃│]", line)]


def monday_weeks_ago(weeks: int) -> date:
    today = date.today()
    return today - timedelta(days=today.weekday() + 7 * weeks)


@pytest.fixture
def team(responder, world):
    return world.person("sam")


def test_a_weekly_rotation_with_an_office_hours_layer_and_an_override(cli, team):
    assert cli("oncall").out.startswith("No schedules yet.")
    created = cli("schedules", "create", "primary", "--timezone", "Europe/Berlin", "--description", "Payments")
    assert created.code == 0, created.err
    assert created.out.startswith("Created schedule primary (Europe/Berlin).")
    start = monday_weeks_ago(4)
    weekly = cli("schedules", "layer-add", "primary", "--users", "rita,sam", "--every", "1w", "--handoff",
                 "mon 09:00", "--start", start.isoformat(), "--name", "Weekly")
    assert weekly.code == 0, weekly.err
    assert weekly.lines == ["Added to primary:", f"  1. Weekly (id 1): rita, sam · every 1 week, handoff mon 09:00, "
                                                  f"from {start.isoformat()}T00:00"]
    office = cli("schedules", "layer-add", "primary", "--users", "me", "--every", "1d", "--handoff", "09:00",
                 "--start", start.isoformat(), "--only", "mon-fri 09:00-17:00", "--name", "Office")
    assert office.code == 0, office.err
    assert office.lines[1].endswith("; only mon,tue,wed,thu,fri 09:00-17:00")

    # Who is on call at given times: the schedule's rules, whatever this machine's timezone.
    monday = monday_weeks_ago(1)
    at = lambda day, clock: f"{(monday + timedelta(days=day)).isoformat()}T{clock}+01:00"  # noqa: E731
    assert cli("oncall", "primary", "--at", at(0, "10:00")).out.startswith("primary: Ada (@ada) until ")
    night = cli("oncall", "primary", "--at", at(0, "20:00"))
    assert night.out.startswith("primary: ") and "· Weekly" in night.out
    assert cli("oncall", "primary", "--at", at(0, "20:00"), "--json").json()["layer_id"] == 1

    # The server's test clock stopped when it started; begin a little before.
    since = (datetime.now(timezone.utc) - timedelta(minutes=5)).isoformat()
    override = cli("schedules", "override", "primary", "--user", "sam", "--from", since, "--to", "2h")
    assert override.code == 0, override.err
    assert override.out.startswith("Override 1 on primary: Sam (@sam) from ")
    now = cli("oncall")
    assert cells(now.lines[0]) == ["Schedule", "On call", "Since", "Until", "Via"]
    assert cells(now.lines[2])[:2] == ["primary", "Sam (@sam)"] and cells(now.lines[2])[4] == "override 1"
    shown = cli("schedules", "show", "primary")
    assert shown.lines[0] == "primary · Europe/Berlin · Payments"
    assert "  1. Sam (@sam) from " in shown.out and "On call now: Sam (@sam) until " in shown.out
    assert cli("schedules", "override-remove", "primary", "1").out == "Removed override 1 (Sam (@sam)) from primary.\n"
    listed = cli("schedules")
    assert cells(listed.lines[0]) == ["Id", "Name", "Timezone", "Layers", "On call now", "Until"]
    assert cells(listed.lines[2])[:4] == ["1", "primary", "Europe/Berlin", "2"]


def test_the_final_schedule_shows_spans_and_gaps_in_the_asked_timezone(cli, team):
    cli("schedules", "create", "office", "--timezone", "America/New_York")
    start = monday_weeks_ago(1)
    cli("schedules", "layer-add", "office", "--users", "rita,sam", "--every", "1d", "--start",
        f"{start.isoformat()}T09:00", "--only", "mon-fri 09:00-17:00")
    midnight = datetime.combine(start, time()).replace(tzinfo=NEW_YORK)
    final = cli("schedules", "final", "office", "--days", "2", "--from", midnight.isoformat(),
                "--tz", "America/New_York")
    assert final.code == 0, final.err
    rows = [cells(line) for line in final.lines if "│" in line]
    day = start.strftime("%a %Y-%m-%d")
    tomorrow = (start + timedelta(days=1)).strftime("%a %Y-%m-%d")
    zone = midnight.strftime("%Z")
    assert rows[:3] == [[f"{day} 00:00 {zone}", f"{day} 09:00 {zone}", "nobody", "gap"],
                        [f"{day} 09:00 {zone}", f"{day} 17:00 {zone}", "Rita (@rita)", "layer 1"],
                        [f"{day} 17:00 {zone}", f"{tomorrow} 09:00 {zone}", "nobody", "gap"]]
    assert final.lines[-1] == "3 gap(s): 1d 08h with nobody on call."
    assert cli("schedules", "final", "office", "--tz", "Mars/Olympus").code == 2


def test_calendar_feeds_are_shown_once_listed_and_revoked(cli, team, server_url):
    cli("schedules", "create", "primary", "--timezone", "UTC")
    cli("schedules", "layer-add", "primary", "--users", "rita", "--every", "12h", "--start",
        monday_weeks_ago(1).isoformat())
    made = cli("schedules", "feed", "primary")
    assert made.code == 0, made.err
    assert made.lines[0].startswith("Calendar feed 1 of primary (shown once;")
    url = made.lines[1]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/ical/schedules/wrcal_[\w-]+\.ics", url), url
    fetched = httpx.get(server_url + "/ical/" + url.split("/ical/", 1)[1])
    assert fetched.status_code == 200 and "BEGIN:VEVENT" in fetched.text
    mine = cli("schedules", "feed", "--user", "me")
    assert mine.lines[0].startswith("Calendar feed 2 of Ada (shown once;")
    listed = cli("schedules", "feeds")
    assert [cells(line)[:2] for line in listed.lines[2:]] == [["1", "primary"], ["2", "Ada"]]
    assert url not in listed.out
    assert cli("schedules", "feed-revoke", "1").out == "Revoked calendar feed 1 (primary).\n"
    assert httpx.get(server_url + "/ical/" + url.split("/ical/", 1)[1]).status_code == 404
    assert cli("schedules", "feed").code == 2


def test_refusals_and_usage_errors_are_one_line(cli, team, responder):
    bad_zone = cli("schedules", "create", "x", "--timezone", "Europe/Atlantis")
    assert bad_zone.code == 1
    assert bad_zone.err.startswith("error (timezone): timezone must be an IANA timezone name")
    assert cli("schedules", "show", "nope").err == "error (schedule): no such schedule: nope\n"
    cli("schedules", "create", "primary", "--timezone", "UTC")
    for flag, value, field in (("--every", "fortnightly", "--every"), ("--only", "weekdays", "--only")):
        args = {"--every": "1w", "--only": "09:00-17:00", flag: value}
        bad = cli("schedules", "layer-add", "primary", "--users", "rita", "--start", "2026-12-01",
                  "--every", args["--every"], "--only", args["--only"])
        assert bad.code == 2 and bad.err.startswith(f"error ({field}): "), bad.err
    refused = cli("schedules", "layer-add", "primary", "--users", "rita", "--every", "1d", "--start", "2026-12-01",
                  "--handoff", "mon 09:00")
    assert refused.code == 1 and refused.err.startswith("error (handoff): a weekday in the handoff")
    assert cli("schedules", "delete", "primary").out == "Deleted schedule primary and its 0 layer(s).\n"


@pytest.mark.parametrize(("text", "days"), [
    ("mon-fri", ["mon", "tue", "wed", "thu", "fri"]), ("sat,sun", ["sat", "sun"]),
    ("fri-mon", ["mon", "fri", "sat", "sun"]), ("wed", ["wed"]),
])
def test_weekday_ranges(text, days):
    assert _days(text) == days


def test_shift_lengths_and_windows():
    assert [_every(text) for text in ("12h", "1d", "2w", "3 days", "1 week")] == [
        (12, "hours"), (1, "days"), (2, "weeks"), (3, "days"), (1, "weeks")]
    assert _only("22:00-6:00") == {"start": "22:00", "end": "06:00"}
    assert _only("sat,sun 10:00 - 14:00") == {"start": "10:00", "end": "14:00", "days": ["sat", "sun"]}
    for bad in ("0h", "1 month", ""):
        with pytest.raises(CliError):
            _every(bad)


def test_a_deactivated_person_in_a_layer_is_skipped_and_warned_about(cli, team, world):
    from warroom.users.models import User
    from warroom.users.service import set_active

    cli("schedules", "create", "primary", "--timezone", "UTC")
    start = monday_weeks_ago(1).isoformat()
    cli("schedules", "layer-add", "primary", "--users", "sam", "--every", "1d", "--start", start, "--name", "Solo")
    with world.runtime.db.write_session() as session:
        set_active(world.context(session, None), session.get(User, team.user.id), False)
    warning = ("Warning: primary · Solo (id 1) includes Sam (@sam), deactivated: their turns are skipped (a lower "
               "layer covers, or nobody is on call and nobody is paged). Take them out of the layer.")
    everywhere = cli("oncall")
    assert cells(everywhere.lines[2])[:2] == ["primary", "nobody (Sam's turn, deactivated: nobody is paged)"]
    assert " ".join(everywhere.out.split()).endswith(warning)
    one = cli("oncall", "primary")
    assert one.lines[0] == "primary: nobody (a gap) (Sam's turn, deactivated: nobody is paged)"
    assert cli("oncall", "primary", "--json").json()["skipped_user"]["handle"] == "sam"
    shown = cli("schedules", "show", "primary")
    assert "  1. Solo (id 1): sam (deactivated) · every 1 day" in shown.out and warning in " ".join(shown.out.split())
    final = cli("schedules", "final", "primary", "--days", "1", "--tz", "UTC")
    assert "gap: Sam (@sam)'s turn, deactivated" in " ".join(final.out.split())
