"""The period of an insights report: `since` and `until` as people and scripts write them.

    90d, 12w, 1y, 24h     that long before now (1y is 365 days)
    2026-01-01            midnight at the start of that day in the policy's timezone, like the months
    2026-01-01T09:00:00Z  an ISO 8601 date-time with an offset

The period is [since, until): until defaults to now, and is exclusive, so `--since 2026-01-01
--until 2026-04-01` is the first quarter.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone

from warroom.core.clock import as_utc
from warroom.core.context import Context
from warroom.core.errors import Invalid

DEFAULT_SINCE = "90d"
# A bound on both ends of the period, so that a typo such as 9000d or 0001-01-01 is refused with a
# reason instead of building thousands of empty months.
LONGEST = timedelta(days=100 * 365)
SPAN_RE = re.compile(r"^(\d{1,6})\s*([hdwy])$")
SPAN_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1),
              "y": timedelta(days=365)}
MOMENT_HELP = ("a span back from now (24h, 30d, 12w, 1y), a date (YYYY-MM-DD: midnight in the policy's "
               "timezone) or an ISO 8601 date-time with an offset (2026-01-31T09:00:00Z)")


def parse_moment(ctx: Context, text: str, field: str) -> datetime:
    """One end of the period (see the module's docstring) -> an aware UTC datetime."""
    value = text.strip()
    if match := SPAN_RE.match(value.lower()):
        back = int(match[1]) * SPAN_UNITS[match[2]]
        if back > LONGEST:
            raise Invalid(f"{field} may reach back at most 100 years (36500d); got {value!r}", field=field)
        return ctx.now() - back
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(), ctx.policy.zone).astimezone(timezone.utc)
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise Invalid(f"{field} needs a timezone offset, e.g. {value}Z or {value}+02:00", field=field)
        return as_utc(moment)
    except (ValueError, OverflowError):
        raise Invalid(f"{field} must be {MOMENT_HELP}; got {value!r}", field=field) from None


def parse_period(ctx: Context, since: str | None, until: str | None) -> tuple[datetime, datetime | None]:
    """Query parameters (API, web) -> build_report's arguments; since defaults to 90 days ago."""
    return (parse_moment(ctx, since or DEFAULT_SINCE, "since"),
            parse_moment(ctx, until, "until") if until and until.strip() else None)


def checked_period(ctx: Context, since: datetime, until: datetime | None) -> tuple[datetime, datetime]:
    """[since, until) in UTC, until defaulting to now; refused, naming the field, when empty or
    longer than 100 years."""
    now, since = ctx.now(), as_utc(since)
    if since < now - LONGEST:
        raise Invalid("since may reach back at most 100 years", field="since")
    if until is None:
        if since >= now:
            raise Invalid("since must be in the past (until is now)", field="since")
        return since, now
    until = as_utc(until)
    if until <= since:
        raise Invalid("until must be later than since", field="until")
    if until - since > LONGEST:
        raise Invalid("the period may span at most 100 years", field="until")
    return since, until
