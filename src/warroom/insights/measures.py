"""What the insights report asks the database to work out for each incident: the durations of
warroom.incidents.durations, and where the response target stands.

The durations are the same as durations.py's, by the same rules (tests/domain/test_insights.py
checks them against it on every incident of its data set):

    time to acknowledge  declared_at -> acknowledged_at
    time to mitigate     started_at  -> mitigated_at
    time to resolve      started_at  -> resolved_at
    none while the phase has not happened (NOT_YET here), never negative.

Why in SQL and not durations(...) on each row in Python: at 100,000 incidents, turning six
timestamps a row into Python datetimes and calling durations() took over a second by itself on
the benchmark machine (bench/insights.py), against 0.3-0.4 s for fetching these few numbers.
SQLite's date functions count in milliseconds, so there a duration is exact to the millisecond;
the report rounds to milliseconds anyway.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Float, case, cast, func, literal, literal_column

from warroom.core.context import Context
from warroom.incidents.models import Incident
from warroom.insights.reading import is_sqlite
from warroom.insights.stats import NOT_YET

# Where the response target stands: acknowledged by response_due_at, acknowledged later or not
# at all and past due, or still within target.
MET, MISSED, PENDING = 0, 1, 2


def _seconds(ctx: Context, start, end) -> ColumnElement[float]:
    if is_sqlite(ctx):
        difference = (func.julianday(end) - func.julianday(start)) * 86400.0
    else:
        difference = func.date_part(literal_column("'epoch'"), end - start)
    return case((end >= start, cast(difference, Float)), (end.is_not(None), 0.0), else_=None)


def phase_seconds(ctx: Context) -> tuple[ColumnElement[float], ...]:
    """Seconds to acknowledge, to mitigate and to resolve; NOT_YET (infinity) where the phase has
    not happened, so a group's durations sort with the missing ones last (warroom.insights.stats)."""
    return tuple(func.coalesce(_seconds(ctx, start, end), literal(NOT_YET, Float))
                 for start, end in ((Incident.declared_at, Incident.acknowledged_at),
                                    (Incident.started_at, Incident.mitigated_at),
                                    (Incident.started_at, Incident.resolved_at)))


def target_state(now: datetime) -> ColumnElement[int]:
    """MET, MISSED or PENDING as of `now`."""
    return case((Incident.acknowledged_at <= Incident.response_due_at, MET),
                (Incident.acknowledged_at.is_not(None) | (Incident.response_due_at < now), MISSED),
                else_=PENDING)
