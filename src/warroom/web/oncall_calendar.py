"""The schedule page's calendar: the final schedule and its gaps cut into the VIEWER's days.

Days are the viewer's local calendar days, so a day when their clocks change lasts 23 or 25 hours
and says so; the rows inside are the final schedule's spans (and gaps) clipped to the day, with
wall-clock times in the viewer's zone and, where a span begins, how long it lasts in real hours.
Pure functions over spans: the page handler fetches them through the on-call service.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from warroom.oncall import rotation
from warroom.web.templating import localtime

MAX_WEEKS = 6
DEFAULT_WEEKS = 2
PALETTE_SIZE = 8  # person-0 .. person-7 in oncall.css; the name is always written beside the colour
HOUR = 3600
MARGIN = timedelta(days=7)


@dataclass(frozen=True)
class Row:
    """A span of the final schedule (or a gap, `user_id` None) as seen within one day."""

    label: str  # "09:00–24:00" on the viewer's wall clock
    user_id: int | None
    source: str | None  # layer | override; in a gap, where the skipped person's turn comes from
    source_id: int | None
    starts_here: bool  # the span begins on this day (not carried over from the day before)
    length: str  # the whole span's real length, e.g. "23 h"; "" when it reaches beyond what was fetched
    until: datetime  # the whole span's end
    skipped: int | None = None  # a gap that is a deactivated person's turn: who


@dataclass
class Day:
    day: date
    start: datetime
    end: datetime
    rows: list[Row] = field(default_factory=list)

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / HOUR

    @property
    def has_gap(self) -> bool:
        return any(row.user_id is None for row in self.rows)


@dataclass(frozen=True)
class Calendar:
    first: date
    weeks: int
    start: datetime
    end: datetime
    days: list[Day]
    gaps: list[rotation.Gap]
    colour_of: dict[int, int]  # user id -> palette index, in order of first appearance

    @property
    def people(self) -> set[int]:
        """Everyone the calendar names: on call, or skipped (deactivated) in a gap."""
        return set(self.colour_of) | {gap.user_id for gap in self.gaps if gap.user_id is not None}

    @property
    def previous(self) -> date:
        return self.first - timedelta(weeks=self.weeks)

    @property
    def following(self) -> date:
        return self.first + timedelta(weeks=self.weeks)

    @property
    def gap_total(self) -> str:
        return duration_text(sum((gap.end - gap.start).total_seconds() for gap in self.gaps))


def duration_text(seconds: float) -> str:
    """A real length for people: "45 min", "23 h", "1 d 1 h", "7 d"."""
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24) if hours >= 48 else (0, hours)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{minutes} min" if minutes else ""]
    return " ".join(part for part in parts if part)


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The viewer's local day as UTC instants (a skipped midnight counts from the jump)."""
    return (rotation.to_utc(datetime.combine(day, time()), zone),
            rotation.to_utc(datetime.combine(day + timedelta(days=1), time()), zone))


def range_of(first: date, weeks: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
    return day_bounds(first, zone)[0], day_bounds(first + timedelta(weeks=weeks), zone)[0]


def _clock(moment: datetime, zone: ZoneInfo, day_end: datetime) -> str:
    # A span running past midnight ends the day at "24:00", not at the next day's "00:00".
    return "24:00" if moment >= day_end else localtime(moment, zone.key, "%H:%M")


def fetch_window(first: date, weeks: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """What to ask the service for: the shown days and a week either side, so that a shift running
    into or out of the calendar still has its real length (the service cuts spans at the range)."""
    start, end = range_of(first, weeks, zone)
    return start - MARGIN, end + MARGIN


def build(spans: Sequence[rotation.Span], gaps: Sequence[rotation.Gap], first: date, weeks: int,
          zone: ZoneInfo) -> Calendar:
    """The days from `first` for `weeks` weeks, each with the spans and gaps (fetched over
    `fetch_window`) that fall in it."""
    start, end = range_of(first, weeks, zone)
    known_from, known_to = start - MARGIN, end + MARGIN
    pieces = sorted([(s.start, s.end, s.user_id, s.source, s.source_id, None) for s in spans]
                    + [(g.start, g.end, None, g.source, g.source_id, g.user_id) for g in gaps], key=lambda p: p[0])
    colour_of: dict[int, int] = {}
    for span in spans:
        colour_of.setdefault(span.user_id, len(colour_of) % PALETTE_SIZE)
    days = []
    for number in range(weeks * 7):
        day = first + timedelta(days=number)
        day_start, day_end = day_bounds(day, zone)
        rows = [Row(label=f"{_clock(max(p_start, day_start), zone, day_end)}–{_clock(min(p_end, day_end), zone, day_end)}",
                    user_id=user_id, source=source, source_id=source_id, starts_here=p_start >= day_start,
                    length=duration_text((p_end - p_start).total_seconds())
                    if known_from < p_start and p_end < known_to else "", until=p_end, skipped=skipped)
                for p_start, p_end, user_id, source, source_id, skipped in pieces
                if p_start < day_end and p_end > day_start]
        days.append(Day(day, day_start, day_end, rows))
    shown_gaps = [gap._replace(start=max(gap.start, start), end=min(gap.end, end))
                  for gap in gaps if gap.start < end and gap.end > start]
    return Calendar(first, weeks, start, end, days, shown_gaps, colour_of)
