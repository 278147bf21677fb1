"""Reading the times people type: ISO 8601 (local unless it says otherwise), HH:MM, and "10m ago"."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from warroom.cli.output import CliError, parse_when

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)


def read(text: str, now: datetime = NOW) -> datetime:
    value = datetime.fromisoformat(parse_when(text, "--at", now=now))
    assert value.tzinfo is not None, "the API takes aware times only"
    return value


@pytest.mark.parametrize("text, ago", [
    ("10m", timedelta(minutes=10)), ("2h", timedelta(hours=2)), ("-10m", timedelta(minutes=10)),
    ("10m ago", timedelta(minutes=10)), ("10 min ago", timedelta(minutes=10)), ("1h30m", timedelta(minutes=90)),
    ("45s", timedelta(seconds=45)), ("1d", timedelta(days=1)), ("2H", timedelta(hours=2)), ("now", timedelta(0)),
])
def test_relative_times_count_back_from_now(text, ago):
    assert read(text) == NOW - ago


def test_iso_times_with_an_offset_are_kept():
    assert read("2026-03-02T09:15:00+01:00") == datetime(2026, 3, 2, 8, 15, tzinfo=timezone.utc)
    assert read("2026-03-02T09:15:00Z") == datetime(2026, 3, 2, 9, 15, tzinfo=timezone.utc)


def test_naive_iso_times_are_the_viewers_local_time():
    local = datetime(2026, 3, 2, 9, 15).astimezone()  # what this machine's wall clock calls 09:15
    assert read("2026-03-02T09:15") == local
    assert read("2026-03-02 09:15:00") == local


def test_a_clock_time_is_today_or_last_night():
    now = datetime.now(timezone.utc)
    local_now = now.astimezone()
    earlier = (local_now - timedelta(minutes=5)).strftime("%H:%M")
    assert now - timedelta(minutes=6) < read(earlier, now) <= now
    later = (local_now + timedelta(minutes=5)).strftime("%H:%M")
    assert now - timedelta(days=1) < read(later, now) < now - timedelta(hours=23)


@pytest.mark.parametrize("text", ["yesterday", "10", "10 parsecs", "25:00", "2026-13-01", "in 10m", ""])
def test_unreadable_times_are_a_usage_error_naming_the_field(text):
    with pytest.raises(CliError) as caught:
        parse_when(text, "--at", now=NOW)
    assert caught.value.exit_code == 2
    assert caught.value.field == "--at"
