"""The severity policy: defaults, overrides, business time and validation, and the triage helper."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from warroom.core.errors import ConfigError
from warroom.incidents.policy import (
    DEFAULT_POLICY_TOML, default_policy, format_duration, load_policy, parse_duration, parse_policy,
)

UTC = timezone.utc
NEW_YORK = ZoneInfo("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)


# --- defaults --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "target", "paging", "postmortem", "interval"), [
    ("SEV1", "immediate", "all_hands", True, timedelta(minutes=30)),
    ("SEV2", "15m", "escalate", True, timedelta(minutes=60)),
    ("SEV3", "60m", "escalate", False, timedelta(hours=4)),
    ("SEV4", "next_business_day", "low_urgency", False, timedelta(hours=24)),
])
def test_default_levels_match_the_design(name, target, paging, postmortem, interval):
    level = default_policy().level(name)
    assert level is not None
    assert level.response_target == target
    assert level.paging == paging
    assert level.postmortem_required is postmortem
    assert level.update_every == interval
    assert level.counts_business_time is (name == "SEV4")


def test_default_policy_order_timezone_and_business_hours():
    policy = default_policy()
    assert policy.names == ["SEV1", "SEV2", "SEV3", "SEV4"]
    assert [policy.rank(n) for n in policy.names] == [0, 1, 2, 3]
    assert policy.timezone == "UTC" and policy.holiday_country is None
    assert (policy.business_hours.start, policy.business_hours.end) == ("09:00", "17:00")
    assert policy.business_hours.days == ["mon", "tue", "wed", "thu", "fri"]
    assert load_policy(None) == policy
    assert policy.level("SEV5") is None


def test_timed_response_targets_count_wall_clock_time():
    policy = default_policy()
    friday_night = utc(2026, 3, 6, 23, 50)
    assert policy.response_due("SEV1", friday_night) == friday_night
    assert policy.response_due("SEV2", friday_night) == friday_night + timedelta(minutes=15)
    assert policy.response_due("SEV3", friday_night) == friday_night + timedelta(hours=1)


@pytest.mark.parametrize(("text", "seconds"), [
    ("immediate", 0), ("15m", 900), ("30 min", 1800), ("1h", 3600), ("4h", 14400), ("2d", 172800),
    (" 45s ", 45),
])
def test_durations(text, seconds):
    assert parse_duration(text) == timedelta(seconds=seconds)


def test_durations_format_back():
    assert [format_duration(timedelta(seconds=s)) for s in (0, 45, 900, 3600, 86400, 5400)] == [
        "immediate", "45s", "15m", "1h", "1d", "90m"]
    with pytest.raises(ValueError, match="'a while' is not a duration"):
        parse_duration("a while")


# --- business time ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("declared", "due"), [
    (utc(2026, 3, 6, 18, 30), utc(2026, 3, 9, 17, 0)),   # Friday evening -> Monday close
    (utc(2026, 3, 7, 12, 0), utc(2026, 3, 9, 17, 0)),    # Saturday -> Monday close
    (utc(2026, 3, 8, 23, 59), utc(2026, 3, 9, 17, 0)),   # Sunday night -> Monday close
    (utc(2026, 3, 2, 10, 0), utc(2026, 3, 3, 17, 0)),    # Monday morning -> Tuesday close
    (utc(2026, 3, 5, 16, 0), utc(2026, 3, 6, 17, 0)),    # Thursday -> Friday close
])
def test_sev4_is_due_at_the_close_of_the_next_business_day(declared, due):
    assert default_policy().response_due("SEV4", declared) == due


US_POLICY = DEFAULT_POLICY_TOML.replace('timezone = "UTC"', 'timezone = "America/New_York"\n'
                                        'holiday_country = "US"')


def test_a_holiday_monday_moves_the_target_to_tuesday():
    policy = parse_policy(US_POLICY)
    memorial_day_weekend = ny(2026, 5, 22, 18, 0)  # Friday before Memorial Day (Mon 25 May)
    assert policy.is_holiday(ny(2026, 5, 25).date())
    assert policy.response_due("SEV4", memorial_day_weekend) == ny(2026, 5, 26, 17, 0)
    # Without a holiday calendar, the same Monday is an ordinary business day.
    plain = parse_policy(DEFAULT_POLICY_TOML.replace('"UTC"', '"America/New_York"'))
    assert plain.response_due("SEV4", memorial_day_weekend) == ny(2026, 5, 25, 17, 0)


def test_holiday_subdivision_is_used():
    policy = parse_policy(DEFAULT_POLICY_TOML.replace(
        'timezone = "UTC"', 'timezone = "Europe/London"\nholiday_country = "GB"\n'
        'holiday_subdivision = "ENG"'))
    # Thursday before Easter 2026: Good Friday and Easter Monday are both holidays in England.
    due = policy.response_due("SEV4", datetime(2026, 4, 2, 12, 0, tzinfo=ZoneInfo("Europe/London")))
    assert due == datetime(2026, 4, 7, 17, 0, tzinfo=ZoneInfo("Europe/London"))
    assert due == utc(2026, 4, 7, 16, 0)  # BST


def test_close_of_business_follows_the_dst_change_in_new_york():
    policy = parse_policy(US_POLICY)
    # Clocks spring forward on Sunday 8 March 2026: Friday close is 22:00 UTC, Monday close 21:00 UTC.
    assert policy.response_due("SEV4", ny(2026, 3, 5, 12, 0)) == utc(2026, 3, 6, 22, 0)
    friday_evening = ny(2026, 3, 6, 18, 0)
    assert friday_evening == utc(2026, 3, 6, 23, 0)
    due = policy.response_due("SEV4", friday_evening)
    assert due == utc(2026, 3, 9, 21, 0)
    assert due.astimezone(NEW_YORK).hour == 17
    assert due.tzinfo is not None and due.utcoffset() == timedelta(0)
    # And back in November: the Monday after the change closes at 22:00 UTC again.
    assert policy.response_due("SEV4", ny(2026, 10, 30, 18, 0)) == utc(2026, 11, 2, 22, 0)


def test_the_business_day_is_taken_in_the_policy_timezone():
    # Thursday 22:00 in New York is already Friday 03:00 in UTC.
    thursday_night = ny(2026, 3, 12, 22, 0)
    assert parse_policy(US_POLICY).response_due("SEV4", thursday_night) == ny(2026, 3, 13, 17, 0)
    assert default_policy().response_due("SEV4", thursday_night) == utc(2026, 3, 16, 17, 0)


# --- overrides -------------------------------------------------------------------------------------

OVERRIDE = """
timezone = "Europe/Berlin"
holiday_country = "DE"

[business_hours]
start = "08:00"
end = "16:30"
days = ["mon", "tue", "wed", "thu"]

[[severities]]
name = "P0"
label = "Outage"
criteria = "Everything is down"
response_target = "5m"
paging = "all_hands"
postmortem_required = true
update_interval = "15m"
triage = [{ service_down = true }]

[[severities]]
name = "P1"
criteria = "Something important is broken"
response_target = "30m"
paging = "escalate"
update_interval = "1h"
triage = [{ feature = ["core", "major"] }]

[[severities]]
name = "P2"
criteria = "Minor"
response_target = "4h"
paging = "escalate"
update_interval = "1d"
triage = [{ feature = ["minor"] }]

[[severities]]
name = "P3"
criteria = "Cosmetic"
response_target = "next_business_day"
paging = "low_urgency"
update_interval = "2d"

[[severities]]
name = "P4"
criteria = "Tracking only"
response_target = "next_business_day"
paging = "low_urgency"
update_interval = "7d"
"""


def test_a_policy_file_renames_and_adds_levels(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text(OVERRIDE, encoding="utf-8")
    policy = load_policy(path)
    assert policy.names == ["P0", "P1", "P2", "P3", "P4"]
    assert policy.level("SEV1") is None
    assert policy.level("P0").response_target == "5m" and policy.level("P0").postmortem_required
    assert policy.level("P1").postmortem_required is False and policy.level("P1").label == ""
    assert policy.level("P4").update_every == timedelta(days=7)
    assert policy.timezone == "Europe/Berlin" and policy.holiday_country == "DE"
    assert policy.business_hours.days == ["mon", "tue", "wed", "thu"]
    declared = utc(2026, 3, 2, 9, 0)
    assert policy.response_due("P0", declared) == declared + timedelta(minutes=5)


def test_an_override_counts_its_own_business_days_hours_and_holidays():
    policy = parse_policy(OVERRIDE)
    berlin = ZoneInfo("Europe/Berlin")
    # Wednesday -> Thursday 16:30 Berlin (CET, UTC+1).
    assert policy.response_due("P3", datetime(2026, 3, 4, 12, 0, tzinfo=berlin)) == utc(2026, 3, 5, 15, 30)
    # Thursday -> Friday is not a business day here, so the following Monday.
    assert policy.response_due("P3", datetime(2026, 3, 5, 12, 0, tzinfo=berlin)) == datetime(
        2026, 3, 9, 16, 30, tzinfo=berlin)
    # Wednesday 13 May -> Ascension Thursday is a German holiday and Friday is not a business day
    # here, so Monday 18 May (CEST).
    assert policy.response_due("P3", datetime(2026, 5, 13, 10, 0, tzinfo=berlin)) == datetime(
        2026, 5, 18, 16, 30, tzinfo=berlin)


# --- validation ------------------------------------------------------------------------------------

def broken(old: str, new: str) -> str:
    assert old in DEFAULT_POLICY_TOML, old
    return DEFAULT_POLICY_TOML.replace(old, new, 1)


@pytest.mark.parametrize(("text", "expected"), [
    (broken('response_target = "15m"', 'response_target = "15 minutes"'),
     "severities[SEV2].response_target: '15 minutes' is not a duration"),
    (broken('update_interval = "4h"', 'update_interval = "0m"'),
     "severities[SEV3].update_interval: update_interval must be longer than zero"),
    (broken('timezone = "UTC"', 'timezone = "Mars/Olympus_Mons"'),
     "timezone: unknown timezone 'Mars/Olympus_Mons'"),
    (broken('timezone = "UTC"', 'timezone = "UTC"\nholiday_country = "XX"'),
     "holiday_country 'XX' is not a supported ISO 3166 code"),
    (broken('timezone = "UTC"', 'timezone = "UTC"\nholiday_country = "US"\nholiday_subdivision = "ZZ"'),
     "holiday_subdivision 'ZZ' is not one of US's"),
    (broken('timezone = "UTC"', 'timezone = "UTC"\nholiday_subdivision = "BY"'),
     "holiday_subdivision needs holiday_country"),
    (broken('name = "SEV3"', 'name = "SEV2"'), "policy: severity names must be unique; repeated: SEV2"),
    (broken('name = "SEV3"', 'name = "sev2"'), "severity names must be unique; repeated: SEV2, sev2"),
    (broken('start = "09:00"', 'start = "17:00"'),
     "business_hours: business_hours.start must be before business_hours.end"),
    (broken('start = "09:00"', 'start = "18:00"'),
     "business_hours: business_hours.start must be before business_hours.end"),
    (broken('end = "17:00"', 'end = "5pm"'), "business_hours.end: '5pm' is not a time of day"),
    (broken('days = ["mon", "tue", "wed", "thu", "fri"]', 'days = ["mon", "funday"]'),
     "business_hours.days.1"),
    (broken('paging = "all_hands"', 'paging = "everyone"'), "severities[SEV1].paging"),
    (broken('postmortem_required = true', 'postmortem_required = "yes"'),
     "severities[SEV1].postmortem_required"),
    (broken('label = "Minor"', 'label = "Minor"\nescalate_after = "5m"'),
     "severities[SEV3].escalate_after: Extra inputs are not permitted"),
    (broken('triage = [{ feature = ["cosmetic"] }]', 'triage = [{ feature = ["ugly"] }]'),
     "severities[SEV4].triage.0.feature.0"),
    ('timezone = "UTC"\nseverities = []\n', "at least one severity level is needed"),
    ('timezone = "UTC"\n', "severities: Field required"),
    ("severities = [", "is not valid TOML"),
])
def test_policy_errors_name_their_place(text, expected):
    with pytest.raises(ConfigError) as caught:
        parse_policy(text, "/etc/warroom/policy.toml")
    assert caught.value.setting == "WARROOM_POLICY"
    message = str(caught.value)
    assert message.startswith("WARROOM_POLICY: /etc/warroom/policy.toml")
    assert expected in message


def test_every_error_is_reported_at_once():
    text = broken('response_target = "15m"', 'response_target = "soon"').replace(
        'update_interval = "24h"', 'update_interval = "daily"')
    message = str(pytest.raises(ConfigError, parse_policy, text).value)
    assert "severities[SEV2].response_target" in message
    assert "severities[SEV4].update_interval" in message


# --- triage ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("down", "users", "feature", "level", "why"), [
    (True, "few", "cosmetic", "SEV1", "the service is down"),
    (True, "all", "core", "SEV1", "the service is down"),
    (False, "all", "core", "SEV1", "all users are affected and a core feature is impacted"),
    (False, "many", "major", "SEV2", "many users are affected and a major feature is impacted"),
    (False, "many", "core", "SEV2", "many users are affected and a core feature is impacted"),
    (False, "all", "major", "SEV2", "all users are affected and a major feature is impacted"),
    (False, "some", "minor", "SEV3", "a minor feature is impacted"),
    (False, "some", "core", "SEV3", "a core feature is impacted"),
    (False, "few", "major", "SEV3", "a major feature is impacted"),
    (False, "all", "minor", "SEV3", "a minor feature is impacted"),
    (False, "some", "cosmetic", "SEV4", "a cosmetic feature is impacted"),
    (False, "all", "cosmetic", "SEV4", "a cosmetic feature is impacted"),
])
def test_triage_proposals(down, users, feature, level, why):
    policy = default_policy()
    proposal = policy.propose(service_down=down, users=users, feature=feature)
    assert proposal.level.name == level
    assert proposal.reason.startswith(f"{level}: {why}")
    assert f"criterion: {policy.level(level).criteria}" in proposal.reason


def test_triage_falls_back_to_the_least_severe_level_of_an_override():
    policy = parse_policy(OVERRIDE)
    assert policy.propose(service_down=True, users="few", feature="minor").level.name == "P0"
    assert policy.propose(service_down=False, users="all", feature="core").level.name == "P1"
    fallback = policy.propose(service_down=False, users="few", feature="cosmetic")
    assert fallback.level.name == "P4"
    assert fallback.reason == "P4: no more severe level matched; criterion: Tracking only"
