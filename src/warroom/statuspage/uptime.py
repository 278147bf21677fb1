"""Uptime bars: each component's days, drawn from its status history.

A day's downtime counts a major outage in full and a partial outage at 30% (the weights
Statuspage uses); degraded performance and maintenance are shown but are not downtime. A day's
colour is the worst status it saw. Days are the page's days (its timezone); days before the
component existed have no data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = 90
DOWNTIME_WEIGHT = {"major_outage": 1.0, "partial_outage": 0.3}
RANK = {"operational": 0, "under_maintenance": 1, "degraded_performance": 2, "partial_outage": 3,
        "major_outage": 4}


@dataclass(frozen=True)
class Day:
    day: date
    worst: str | None  # None: no data (before the component existed, or the future)
    downtime_seconds: float
    measured_seconds: float

    @property
    def uptime(self) -> float | None:
        if not self.measured_seconds:
            return None
        return 1.0 - self.downtime_seconds / self.measured_seconds


def days(changes: list[tuple[datetime, str]], now: datetime, zone: ZoneInfo, count: int = DAYS) -> list[Day]:
    """`changes`: (at, status) ascending, the first one at or before the window if there is one.
    The last `count` days up to today, oldest first."""
    today = now.astimezone(zone).date()
    result = []
    for offset in range(count - 1, -1, -1):
        day = today - timedelta(days=offset)
        start = datetime.combine(day, time(0), zone)
        end = min(datetime.combine(day + timedelta(days=1), time(0), zone), now)
        result.append(_day(day, changes, start, end))
    return result


def _day(day: date, changes: list[tuple[datetime, str]], start: datetime, end: datetime) -> Day:
    worst: str | None = None
    down = measured = 0.0
    for index, (at, status) in enumerate(changes):
        until = changes[index + 1][0] if index + 1 < len(changes) else end
        span = (min(until, end) - max(at, start)).total_seconds()
        if span <= 0:
            continue
        measured += span
        down += span * DOWNTIME_WEIGHT.get(status, 0.0)
        if worst is None or RANK[status] > RANK[worst]:
            worst = status
    return Day(day=day, worst=worst, downtime_seconds=down, measured_seconds=measured)


def overall(days_: list[Day]) -> float | None:
    measured = sum(day.measured_seconds for day in days_)
    if not measured:
        return None
    return 1.0 - sum(day.downtime_seconds for day in days_) / measured
