"""Insights: how the team responds, measured from the incidents' own timestamps.

Scope: the incidents declared in [since, until) (until defaults to now), except canceled ones
(false alarms), and only those the asker may see: restricted incidents count for their
participants and admins alone (warroom.incidents.access.visible_clause). Every figure below is
about the incidents in scope, and "now" is the injectable clock's (ctx.now()).

- MTTA, MTTM, MTTR: the median and the 90th percentile (warroom.insights.stats) of the time to
  acknowledge (declared_at -> acknowledged_at), to mitigate (started_at -> mitigated_at) and to
  resolve (started_at -> resolved_at) as warroom.incidents.durations defines them (worked out by
  the database: warroom.insights.measures), in seconds, over the incidents where that phase
  happened; `n` says how many. Overall, per severity (in the policy's order), per service (an
  incident counts for each of its services) and per month of declared_at in the policy's
  timezone ("YYYY-MM").
- Response targets, per severity: met = acknowledged_at <= response_due_at; missed = acknowledged
  later, or not acknowledged and response_due_at < now; pending = neither (still within target),
  left out of the share. share_met = met / (met + missed), null when both are 0.
- Incidents per severity per month (of declared_at, in the policy's timezone).
- Postmortems, the required ones: on_time = published_at <= due_at; late = published after
  due_at; overdue = not published and due_at < now; pending = not published and not yet due (or
  no due date yet: it is set when the incident is resolved). share_on_time = on_time / (on_time +
  late + overdue).
- Action items: done_on_time = done with completed_at by the end of due_on (midnight after it, in
  the policy's timezone); done_late; wont_do (in no share); open_overdue = open and the end of
  due_on < now; open = not due yet. share_closed_on_time = done_on_time / (done_on_time +
  done_late + open_overdue).

Four queries of only the values needed (incidents, their services, postmortems, action items;
and the names of the few services met), each read once and aggregated in Python, where the
percentiles are exact: from each group's durations, sorted. warroom.insights.reading says what
keeps reading 100,000 incidents fast; bench/insights.py measures it.
"""

from __future__ import annotations

import csv
import io
from bisect import bisect_right
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta, timezone
from functools import partial
from operator import itemgetter

from sqlalchemy import select

from warroom.catalog.models import Service
from warroom.core.context import Context
from warroom.incidents.access import visible_clause
from warroom.incidents.models import Incident, incident_services
from warroom.insights.measures import MET, MISSED, PENDING, phase_seconds, target_state
from warroom.insights.period import checked_period
from warroom.insights.reading import Scope, batches, raw, read_in_utc, row_form
from warroom.insights.schemas import (
    ActionItemFigures, InsightsReport, MonthCount, PostmortemFigures, ResponseTimes, TargetCompliance,
)
from warroom.insights.stats import month_starts, share, spread
from warroom.postmortems.models import ActionItem, Postmortem

ALL = "all"
PHASES = ("acknowledge", "mitigate", "resolve")


class _Durations:
    """The phase durations of a group of incidents, in seconds, each list ascending and ending with
    a NOT_YET for each incident where that phase has not happened."""

    __slots__ = ("incidents", "acknowledge", "mitigate", "resolve")

    def __init__(self, incidents: int, acknowledge: list[float], mitigate: list[float],
                 resolve: list[float]) -> None:
        self.incidents = incidents
        self.acknowledge, self.mitigate, self.resolve = acknowledge, mitigate, resolve

    @classmethod
    def merged(cls, parts: list[_Durations]) -> _Durations:
        return cls(sum(part.incidents for part in parts), *(_joined([getattr(part, phase) for part in parts])
                                                            for phase in PHASES))

    def times(self, key: str) -> ResponseTimes:
        return ResponseTimes(key=key, incidents=self.incidents, mtta=spread(self.acknowledge),
                             mttm=spread(self.mitigate), mttr=spread(self.resolve))


def _joined(runs: list[list[float]]) -> list[float]:
    """Ascending runs, end to end, sorted: timsort merges runs instead of sorting anew."""
    joined: list[float] = []
    for run in runs:
        joined += run
    joined.sort()
    return joined


def _picked(values: list[float], positions: list[int]) -> list[float]:
    """The values at these positions, ascending. itemgetter fetches them all in one call (a
    third faster than one lookup each, for the 150,000 of the services); with one position it
    returns that value alone."""
    if len(positions) < 2:
        return [values[i] for i in positions]
    return sorted(itemgetter(*positions)(values))


class _Incidents:
    """One pass over the incident rows in scope. Each incident's three durations go into parallel
    lists of floats at its position (`position`: incident id -> index), and its position into its
    (severity, month) cell: every grouping of the report is then built from positions, and no
    object per incident stays alive for the garbage collector to walk again and again."""

    def __init__(self, month_begins: list[datetime]) -> None:
        # A timestamp's month (0 for the first of the period) is how many of the later months have
        # begun by then: one bisect, no timezone conversion per incident.
        self.later_months = month_begins[1:]
        self.position: dict[int, int] = {}
        self.seconds: tuple[list[float], ...] = ([], [], [])  # acknowledge, mitigate, resolve; or NOT_YET
        self.filed: dict[tuple[str, int], list[int]] = defaultdict(list)
        self.targets: Counter[tuple[str, int]] = Counter()  # (severity, MET / MISSED / PENDING) -> incidents
        self.cells: dict[tuple[str, int], _Durations] = {}  # `filed`, measured, once all is read

    def read(self, incident_batches) -> None:
        position, filed = self.position, self.filed
        month_of = partial(bisect_right, self.later_months)
        for batch in incident_batches:
            ids, severities, declared, *seconds, target_states = zip(*batch)
            for phase, values in zip(self.seconds, seconds, strict=True):
                phase.extend(values)
            here = range(len(position), len(position) + len(ids))
            position.update(zip(ids, here))
            for at, cell in zip(here, zip(severities, map(month_of, declared))):
                filed[cell].append(at)
            self.targets.update(zip(severities, target_states))
        self.cells = {key: self.at(positions) for key, positions in filed.items()}

    def at(self, positions: list[int]) -> _Durations:
        return _Durations(len(positions), *(_picked(phase, positions) for phase in self.seconds))

    def group(self, severity: str | None = None, month: int | None = None) -> _Durations:
        return _Durations.merged([cell for (s, m), cell in self.cells.items()
                                  if severity in (None, s) and month in (None, m)])

    def count(self, severity: str, month: int) -> int:
        cell = self.cells.get((severity, month))
        return cell.incidents if cell else 0


def _severity_order(ctx: Context, seen: set[str]) -> list[str]:
    """The policy's levels, most severe first; then levels since removed from it, by name, so no
    incident drops out of the report."""
    names = ctx.policy.names
    return names + sorted(seen - set(names))


def build_report(ctx: Context, since: datetime, until: datetime | None = None) -> InsightsReport:
    since, until = checked_period(ctx, since, until)
    now = ctx.now()
    months, month_begins = month_starts(since, until, ctx.policy.zone)
    read_in_utc(ctx)
    incidents = _Incidents([row_form(ctx, begin) for begin in month_begins])
    incidents.read(batches(ctx, select(
        Incident.id, Incident.severity, raw(Incident.declared_at), *phase_seconds(ctx), target_state(now),
    ).where(Incident.declared_at >= since, Incident.declared_at < until, Incident.status != "canceled",
            visible_clause(ctx.actor))))

    scope = Scope(incidents.position)
    # By service id, not name: 150,000 small integers read faster than strings.
    positions_of: dict[int, list[int]] = defaultdict(list)
    for incident_id, service_id in scope.children(ctx, incident_services.c.incident_id,
                                                  incident_services.c.service_id):
        positions_of[service_id].append(scope.position[incident_id])
    names = dict(ctx.db.execute(select(Service.id, Service.name).where(Service.id.in_(positions_of))).all())

    severities = _severity_order(ctx, {severity for severity, _ in incidents.cells})
    by_severity = [incidents.group(severity=name) for name in severities]
    by_month = [incidents.group(month=index) for index in range(len(months))]
    overall = _Durations.merged(by_severity)
    return InsightsReport(
        since=since, until=until, generated_at=now, timezone=ctx.policy.timezone, incidents=overall.incidents,
        overall=overall.times(ALL),
        by_severity=[group.times(name) for name, group in zip(severities, by_severity, strict=True)],
        by_service=sorted((incidents.at(positions).times(names[service_id])
                           for service_id, positions in positions_of.items()), key=lambda times: times.key),
        by_month=[group.times(month) for month, group in zip(months, by_month, strict=True)],
        response_targets=_compliance(severities, incidents.targets),
        incidents_by_month=[
            MonthCount(month=month, total=by_month[index].incidents,
                       by_severity={name: incidents.count(name, index) for name in severities})
            for index, month in enumerate(months)],
        postmortems=_postmortems(ctx, scope), action_items=_action_items(ctx, scope))


def _compliance(severities: list[str], targets: Counter[tuple[str, int]]) -> list[TargetCompliance]:
    def counted(name: str, state: int) -> int:
        return sum(n for (severity, s), n in targets.items() if s == state and name in (ALL, severity))

    result = []
    for name in [*severities, ALL]:
        met, missed, pending = (counted(name, state) for state in (MET, MISSED, PENDING))
        result.append(TargetCompliance(severity=name, met=met, missed=missed, pending=pending,
                                       share_met=share(met, met + missed)))
    return result


def _postmortems(ctx: Context, scope: Scope) -> PostmortemFigures:
    now = row_form(ctx, ctx.now())
    on_time = late = overdue = pending = 0
    for _, due, published in scope.children(ctx, Postmortem.incident_id, raw(Postmortem.due_at),
                                            raw(Postmortem.published_at), where=(Postmortem.required.is_(True),)):
        if published is not None:
            # Published with no due date (before the incident was resolved) missed nothing.
            if due is None or published <= due:
                on_time += 1
            else:
                late += 1
        elif due is not None and due < now:
            overdue += 1
        else:
            pending += 1
    return PostmortemFigures(required=on_time + late + overdue + pending, on_time=on_time, late=late,
                             overdue=overdue, pending=pending,
                             share_on_time=share(on_time, on_time + late + overdue))


def _action_items(ctx: Context, scope: Scope) -> ActionItemFigures:
    now, zone = row_form(ctx, ctx.now()), ctx.policy.zone
    day_ends: dict[date, datetime] = {}  # due_on -> the midnight after it; few distinct days
    counts = dict.fromkeys(("done_on_time", "done_late", "wont_do", "open_overdue", "open"), 0)
    for _, status, due_on, completed in scope.children(ctx, ActionItem.incident_id, ActionItem.status,
                                                       ActionItem.due_on, raw(ActionItem.completed_at)):
        if status == "wont_do":
            counts["wont_do"] += 1
            continue
        end = day_ends.get(due_on)
        if end is None:
            end = day_ends[due_on] = row_form(ctx, datetime.combine(
                due_on + timedelta(days=1), time(), zone).astimezone(timezone.utc))
        if status == "done":
            # Done without a completion time cannot be shown late; the service always stamps it.
            counts["done_on_time" if completed is None or completed < end else "done_late"] += 1
        else:
            counts["open_overdue" if end < now else "open"] += 1
    closing = counts["done_on_time"] + counts["done_late"] + counts["open_overdue"]
    return ActionItemFigures(total=sum(counts.values()), **counts,
                             share_closed_on_time=share(counts["done_on_time"], closing))


# --- export -------------------------------------------------------------------------------------

CSV_COLUMNS = ("metric", "group", "key", "n", "median_seconds", "p90_seconds", "value")


def export_name(report: InsightsReport, extension: str) -> str:
    """The file name a download of the report gets: warroom-insights-20260101-20260302.csv"""
    return f"warroom-insights-{report.since:%Y%m%d}-{report.until:%Y%m%d}.{extension}"


def report_csv(report: InsightsReport) -> str:
    """The report as CSV: a header, then one row per (metric, group, key). Durations (mtta, mttm,
    mttr) fill n, median_seconds and p90_seconds; counts and shares fill value."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)

    def figure(metric: str, group: str, key: str, value: float | int | None) -> None:
        writer.writerow((metric, group, key, "", "", "", "" if value is None else value))

    for group, rows in (("overall", [report.overall]), ("severity", report.by_severity),
                        ("service", report.by_service), ("month", report.by_month)):
        for times in rows:
            figure("incidents", group, times.key, times.incidents)
            for metric in ("mtta", "mttm", "mttr"):
                stat = getattr(times, metric)
                writer.writerow((metric, group, times.key, stat.n, _blank(stat.median_seconds),
                                 _blank(stat.p90_seconds), ""))
    for month in report.incidents_by_month:
        for severity, count in month.by_severity.items():
            figure("incidents", "month_severity", f"{month.month} {severity}", count)
    for target in report.response_targets:
        group = "overall" if target.severity == ALL else "severity"
        for name in ("met", "missed", "pending", "share_met"):
            figure(f"response_{name}", group, target.severity, getattr(target, name))
    for prefix, figures in (("postmortems", report.postmortems), ("action_items", report.action_items)):
        for name, value in figures.model_dump().items():
            figure(f"{prefix}_{name}", "overall", ALL, value)
    return out.getvalue()


def _blank(value: float | None) -> float | str:
    return "" if value is None else value
