"""Small statistics for the insights report: percentiles of durations, shares of counts, and the
months of a period in the policy's timezone.

Percentiles interpolate linearly between the closest ranks, as
`statistics.quantiles(data, n=100, method="inclusive")` does (and the median as `statistics.median`),
but from values sorted once, and also for a single value (which is then both its median and its
p90), where the standard library refuses fewer than two.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from warroom.insights.schemas import Spread

# A phase that has not happened (yet), as a duration: it sorts after every real one, so a group's
# durations sort in one C-level call and the real ones are the run before the first NOT_YET.
NOT_YET = math.inf


def percentile(ordered: list[float], p: int, n: int | None = None) -> float:
    """The p-th percentile (0..100) of the first n values (all by default) of an ascending list."""
    n = len(ordered) if n is None else n
    # Position (n - 1) * p / 100, split into a whole rank and a remainder in hundredths: the
    # standard library's own integer arithmetic, with no float error in the position.
    rank, hundredths = divmod((n - 1) * p, 100)
    if hundredths == 0:
        return ordered[rank]
    return (ordered[rank] * (100 - hundredths) + ordered[rank + 1] * hundredths) / 100


def spread(ordered: list[float]) -> Spread:
    """Median and p90 in seconds (to the millisecond) of a group's durations, given ascending;
    NOT_YET values (at the end) are not counted."""
    n = bisect_left(ordered, NOT_YET)
    if n == 0:
        return Spread(n=0, median_seconds=None, p90_seconds=None)
    return Spread(n=n, median_seconds=round(percentile(ordered, 50, n), 3),
                  p90_seconds=round(percentile(ordered, 90, n), 3))


def format_share(share: float | None) -> str:
    """'67%'; never a rounded '100%' or '0%' that is not quite so ('99.8%'); '—' for no share."""
    if share is None:
        return "—"
    text = f"{share:.0%}"
    return f"{share:.1%}" if 0 < share < 1 and text in ("0%", "100%") else text


def share(part: int, whole: int) -> float | None:
    """part / whole to four decimals; None (not 0) when there is nothing to divide."""
    return round(part / whole, 4) if whole else None


def month_starts(since: datetime, until: datetime, zone: ZoneInfo) -> tuple[list[str], list[datetime]]:
    """Every month the period [since, until) touches, as 'YYYY-MM' keys and the UTC moments they
    begin at, so a timestamp's month is one bisect away instead of a timezone conversion each."""
    local = since.astimezone(zone)
    year, month = local.year, local.month
    keys: list[str] = []
    starts: list[datetime] = []
    while True:
        start = datetime(year, month, 1, tzinfo=zone).astimezone(timezone.utc)
        if keys and start >= until:
            break
        keys.append(f"{year:04d}-{month:02d}")
        starts.append(start)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys, starts
