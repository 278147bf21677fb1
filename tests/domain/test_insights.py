"""Insights figures against hand-computed values on a small fixed history (tests/insights_data.py),
through the real service on the real database. "Now" is NOW, 2026-03-02 10:00 UTC.

Percentiles: p50 is the median; p90 of n sorted values is at position (n - 1) * 0.9, interpolated
linearly between the two closest ranks (statistics.quantiles(..., method="inclusive")).
"""

from __future__ import annotations

import statistics
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from insights_data import NOW, SINCE, at, seed
from sqlalchemy import select

from warroom.core.context import Context
from warroom.core.errors import Invalid
from warroom.incidents.durations import of_incident
from warroom.incidents.models import Incident
from warroom.incidents.policy import DEFAULT_POLICY_TOML, parse_policy
from warroom.insights.measures import phase_seconds
from warroom.insights.period import parse_moment, parse_period
from warroom.insights.service import build_report, report_csv
from warroom.insights.stats import percentile
from warroom.postmortems.models import ActionItem

def spread(n, median, p90):
    return {"n": n, "median_seconds": median, "p90_seconds": p90}


NONE = spread(0, None, None)


def times(key, incidents, mtta, mttm, mttr):
    return {"key": key, "incidents": incidents, "mtta": mtta, "mttm": mttm, "mttr": mttr}


@pytest.fixture
def history(runtime, rita):
    seed(runtime, participant=rita)


@pytest.fixture
def report_for(runtime, history):
    """report_for(user, since=..., until=None, policy=None) -> the report as JSON-ready data."""

    def _report(user, since=SINCE, until=None, policy=None):
        with runtime.db.read_session() as session:
            ctx = runtime.context(session, session.get(type(user), user.id) if user else None)
            if policy is not None:
                ctx = Context(db=session, actor=ctx.actor, clock=runtime.clock, policy=policy)
            return build_report(ctx, *parse_period(ctx, since, until))

    return _report


def test_every_figure_for_someone_who_sees_everything(report_for, ada):
    report = report_for(ada)
    # In scope: INC-1..6 and INC-8 (7). Not INC-7 (canceled) nor INC-9 (declared before since).
    assert report.model_dump(mode="json", include={"since", "until", "generated_at", "timezone", "incidents"}) == {
        "since": "2026-01-01T00:00:00Z", "until": "2026-03-02T10:00:00Z", "generated_at": "2026-03-02T10:00:00Z",
        "timezone": "UTC", "incidents": 7}
    data = report.model_dump(mode="json")
    # acknowledge: INC-1 0, INC-2 300, INC-3 600, INC-4 1200, INC-8 0 -> [0, 0, 300, 600, 1200]:
    #   median 300; p90 at 4 * 0.9 = 3.6: 600 + 0.6 * (1200 - 600) = 960.
    # mitigate: 3600, 7200, 3600, 3600, 5400 -> [3600, 3600, 3600, 5400, 7200]: median 3600;
    #   p90 at 3.6: 5400 + 0.6 * 1800 = 6480.
    # resolve: 9000, 14400, 7200, 7200 -> [7200, 7200, 9000, 14400]: median (7200 + 9000) / 2 = 8100;
    #   p90 at 3 * 0.9 = 2.7: 9000 + 0.7 * 5400 = 12780.
    assert data["overall"] == times("all", 7, spread(5, 300, 960), spread(5, 3600, 6480), spread(4, 8100, 12780))
    assert data["by_severity"] == [
        # SEV1: INC-1, INC-2, INC-8. ack [0, 0, 300]: median 0, p90 at 1.8: 0 + 0.8 * 300 = 240.
        # mitigate [3600, 5400, 7200]: 5400, 5400 + 0.8 * 1800 = 6840.
        # resolve [7200, 9000, 14400]: 9000, 9000 + 0.8 * 5400 = 13320.
        times("SEV1", 3, spread(3, 0, 240), spread(3, 5400, 6840), spread(3, 9000, 13320)),
        # SEV2: INC-3, INC-4. ack [600, 1200]: (600 + 1200) / 2 = 900, p90 at 0.9: 600 + 0.9 * 600 = 1140.
        # mitigate [3600, 3600]; resolve [7200] alone: one value is both its median and its p90.
        times("SEV2", 2, spread(2, 900, 1140), spread(2, 3600, 3600), spread(1, 7200, 7200)),
        # SEV3: INC-5 and INC-6, neither acknowledged: no durations at all.
        times("SEV3", 2, NONE, NONE, NONE),
        times("SEV4", 0, NONE, NONE, NONE),
    ]
    assert data["by_service"] == [
        # checkout: INC-1, INC-2, INC-4 (INC-7 is canceled). ack [0, 300, 1200]: 300, 300 + 0.8 * 900 = 1020.
        # mitigate [3600, 3600, 7200]: 3600, 3600 + 0.8 * 3600 = 6480. resolve [9000, 14400]:
        # 11700, 9000 + 0.9 * 5400 = 13860.
        times("checkout", 3, spread(3, 300, 1020), spread(3, 3600, 6480), spread(2, 11700, 13860)),
        # payments: INC-1, INC-5, INC-8. ack [0, 0]; mitigate [3600, 5400]: 4500, 3600 + 0.9 * 1800 = 5220;
        # resolve [7200, 9000]: 8100, 7200 + 0.9 * 1800 = 8820.
        times("payments", 3, spread(2, 0, 0), spread(2, 4500, 5220), spread(2, 8100, 8820)),
        # search: INC-3, INC-4 (INC-9 is before the period); the same durations as SEV2.
        times("search", 2, spread(2, 900, 1140), spread(2, 3600, 3600), spread(1, 7200, 7200)),
    ]
    assert data["by_month"] == [
        # January: INC-1, INC-2. ack [0, 300]: 150, 270. mitigate [3600, 7200]: 5400, 6840.
        # resolve [9000, 14400]: 11700, 13860.
        times("2026-01", 2, spread(2, 150, 270), spread(2, 5400, 6840), spread(2, 11700, 13860)),
        # February: INC-3, INC-4, INC-5, INC-8. ack [0, 600, 1200]: 600, 600 + 0.8 * 600 = 1080.
        # mitigate [3600, 3600, 5400]: 3600, 3600 + 0.8 * 1800 = 5040. resolve [7200, 7200].
        times("2026-02", 4, spread(3, 600, 1080), spread(3, 3600, 5040), spread(2, 7200, 7200)),
        # March (up to now): INC-6, in triage.
        times("2026-03", 1, NONE, NONE, NONE),
    ]
    assert data["response_targets"] == [
        # SEV1: INC-1 and INC-8 acknowledged at declaring (target "immediate"), INC-2 5 min late.
        {"severity": "SEV1", "met": 2, "missed": 1, "pending": 0, "share_met": 0.6667},
        # SEV2 (15 min): INC-3 after 10 min, INC-4 after 20.
        {"severity": "SEV2", "met": 1, "missed": 1, "pending": 0, "share_met": 0.5},
        # SEV3 (60 min): INC-5 never acknowledged and due on 02-25 17:00; INC-6 due at 10:30, after now.
        {"severity": "SEV3", "met": 0, "missed": 1, "pending": 1, "share_met": 0.0},
        {"severity": "SEV4", "met": 0, "missed": 0, "pending": 0, "share_met": None},
        # 3 met, 3 missed: 3 / 6.
        {"severity": "all", "met": 3, "missed": 3, "pending": 1, "share_met": 0.5},
    ]
    assert data["incidents_by_month"] == [
        {"month": "2026-01", "total": 2, "by_severity": {"SEV1": 2, "SEV2": 0, "SEV3": 0, "SEV4": 0}},
        {"month": "2026-02", "total": 4, "by_severity": {"SEV1": 1, "SEV2": 2, "SEV3": 1, "SEV4": 0}},
        {"month": "2026-03", "total": 1, "by_severity": {"SEV1": 0, "SEV2": 0, "SEV3": 1, "SEV4": 0}},
    ]
    # Required: INC-1 (on time), INC-2 (late), INC-3 (overdue since 02-10), INC-4 (pending: no due
    # date yet), INC-8 (on time). INC-5's is not required; INC-7 is canceled. 2 / (2 + 1 + 1).
    assert data["postmortems"] == {"required": 5, "on_time": 2, "late": 1, "overdue": 1, "pending": 1,
                                   "share_on_time": 0.5}
    # A and G on time; B (a day late) and F (completed at 00:00 after its due day: late); C won't
    # do; D open since its due day 02-01; E due today. 2 / (2 + 2 + 1).
    assert data["action_items"] == {"total": 7, "done_on_time": 2, "done_late": 2, "wont_do": 1,
                                    "open_overdue": 1, "open": 1, "share_closed_on_time": 0.4}


def test_restricted_incidents_count_only_for_who_may_see_them(report_for, ada, rita, victor):
    outsider = report_for(victor).model_dump(mode="json")
    # Without INC-8: 6 incidents. ack [0, 300, 600, 1200]: (300 + 600) / 2 = 450, p90 at 2.7:
    # 600 + 0.7 * 600 = 1020. mitigate [3600, 3600, 3600, 7200]: 3600, 3600 + 0.7 * 3600 = 6120.
    # resolve [7200, 9000, 14400]: 9000, 9000 + 0.8 * 5400 = 13320.
    assert outsider["overall"] == times("all", 6, spread(4, 450, 1020), spread(4, 3600, 6120),
                                        spread(3, 9000, 13320))
    # SEV1 is INC-1 and INC-2 only: ack [0, 300]: 150, 270.
    assert outsider["by_severity"][0] == times("SEV1", 2, spread(2, 150, 270), spread(2, 5400, 6840),
                                               spread(2, 11700, 13860))
    assert outsider["by_service"][1] == times("payments", 2, spread(1, 0, 0), spread(1, 3600, 3600),
                                              spread(1, 9000, 9000))
    assert outsider["incidents_by_month"][1]["by_severity"]["SEV1"] == 0
    assert outsider["response_targets"][0] == {"severity": "SEV1", "met": 1, "missed": 1, "pending": 0,
                                               "share_met": 0.5}
    assert outsider["response_targets"][-1]["share_met"] == 0.4  # 2 met / (2 + 3 missed)
    assert outsider["postmortems"] == {"required": 4, "on_time": 1, "late": 1, "overdue": 1, "pending": 1,
                                       "share_on_time": 0.3333}
    assert outsider["action_items"] == {"total": 6, "done_on_time": 1, "done_late": 2, "wont_do": 1,
                                        "open_overdue": 1, "open": 1, "share_closed_on_time": 0.25}
    # Rita takes part in INC-8: she sees what an admin sees.
    assert report_for(rita) == report_for(ada)


def test_the_period_bounds_which_incidents_count(report_for, ada):
    # [2026-01-20 08:00, 2026-02-10 09:00): INC-2 declared at the start counts, INC-4 at the end does not.
    report = report_for(ada, since="2026-01-20T08:00:00Z", until="2026-02-10T09:00:00Z")
    assert report.incidents == 2  # INC-2, INC-3
    assert [m.key for m in report.by_month] == ["2026-01", "2026-02"]
    assert report.postmortems.required == 2 and report.action_items.total == 4  # C, D, E, F
    # 2025-12-01 onward adds INC-9, and a December with it.
    earlier = report_for(ada, since="2025-12-01")
    assert earlier.incidents == 8 and earlier.by_month[0].key == "2025-12" and earlier.by_month[0].incidents == 1


def test_months_and_due_days_are_counted_in_the_policys_timezone(runtime, report_for, ada, rita):
    # 2026-02-01 03:00 UTC is still January 31 in New York (22:00). Its action item, due on Feb 1,
    # done at 2026-02-02 03:00 UTC (Feb 1 22:00 in New York): on time there, late in UTC.
    with runtime.db.write_session() as db:
        moment = at("2026-02-01 03:00")
        incident = Incident(number=10, title="Late night", severity="SEV4", status="resolved", visibility="internal",
                            started_at=moment, detected_at=moment, declared_at=moment, acknowledged_at=moment,
                            resolved_at=moment + timedelta(hours=1), mitigated_at=moment + timedelta(hours=1),
                            response_due_at=moment + timedelta(days=1), updated_at=moment, labels=[], links=[])
        db.add(incident)
        db.flush()
        db.add(ActionItem(incident_id=incident.id, title="Night shift handover", owner_id=rita.id,
                          due_on=at("2026-02-01 00:00").date(), status="done", completed_at=at("2026-02-02 03:00"),
                          created_at=moment, updated_at=moment))
    new_york = parse_policy(DEFAULT_POLICY_TOML.replace('timezone = "UTC"', 'timezone = "America/New_York"'))
    utc = report_for(ada, since="2026-01-01T00:00:00Z")
    there = report_for(ada, since="2026-01-01T00:00:00Z", policy=new_york)
    assert [m.model_dump() for m in utc.incidents_by_month][:2] == [
        {"month": "2026-01", "total": 2, "by_severity": {"SEV1": 2, "SEV2": 0, "SEV3": 0, "SEV4": 0}},
        {"month": "2026-02", "total": 5, "by_severity": {"SEV1": 1, "SEV2": 2, "SEV3": 1, "SEV4": 1}}]
    # In New York the period starts 2025-12-31 19:00 local: December is a month of it, empty.
    assert [(m.month, m.total) for m in there.incidents_by_month] == [
        ("2025-12", 0), ("2026-01", 3), ("2026-02", 4), ("2026-03", 1)]
    # UTC: A and G on time; B, F and the new one late. New York: F (done 2026-02-21 00:00 UTC, still
    # Feb 20 there) and the new one are on time too; only B is late.
    assert (utc.action_items.done_on_time, utc.action_items.done_late) == (2, 3)
    assert (there.action_items.done_on_time, there.action_items.done_late) == (4, 1)
    assert there.timezone == "America/New_York"


def test_an_empty_period_has_zeros_and_nulls_not_errors(report_for, victor):
    report = report_for(victor, since="2025-06-01", until="2025-08-01")
    assert report.incidents == 0 and [m.key for m in report.by_month] == ["2025-06", "2025-07"]
    assert report.overall.mtta.model_dump() == NONE and report.by_service == []
    assert report.response_targets[-1].share_met is None
    assert report.postmortems.share_on_time is None and report.action_items.share_closed_on_time is None
    assert report_csv(report).count("\n") > 1  # the header and the zero counts


def test_the_database_measures_durations_as_durations_py_does(runtime, history):
    with runtime.db.write_session() as db:
        # Edge cases: started after mitigation was recorded (an edited start) is 0, not negative;
        # sub-second precision (SQLite's date functions count milliseconds).
        moment = at("2026-02-20 10:00")
        db.add(Incident(number=11, title="Edited start", severity="SEV2", status="resolved", visibility="internal",
                        started_at=moment + timedelta(minutes=30), detected_at=moment, declared_at=moment,
                        acknowledged_at=moment + timedelta(seconds=61, microseconds=250000),
                        mitigated_at=moment + timedelta(minutes=10), resolved_at=moment + timedelta(hours=2),
                        response_due_at=moment + timedelta(minutes=15), updated_at=moment, labels=[], links=[]))
    with runtime.db.read_session() as db:
        ctx = runtime.system_context(db)
        incidents = db.scalars(select(Incident).order_by(Incident.number)).all()
        measured = db.execute(select(Incident.number, *phase_seconds(ctx)).order_by(Incident.number)).all()
        assert len(measured) == len(incidents) == 10
        for incident, (number, *seconds) in zip(incidents, measured, strict=True):
            expected = of_incident(incident)
            for phase, value in zip(("acknowledge", "mitigate", "resolve"), seconds, strict=True):
                want = getattr(expected, phase)
                if want is None:
                    assert value == float("inf"), (number, phase)  # NOT_YET
                else:
                    assert value == pytest.approx(want.total_seconds(), abs=0.001), (number, phase)
        assert measured[-1][1:] == pytest.approx([61.25, 0.0, 5400.0], abs=0.001)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1e7, allow_nan=False), min_size=2, max_size=60))
def test_percentiles_match_the_standard_librarys(values):
    ordered = sorted(values)
    assert percentile(ordered, 50) == pytest.approx(statistics.median(values), rel=1e-12, abs=1e-9)
    assert percentile(ordered, 90) == pytest.approx(statistics.quantiles(values, n=100, method="inclusive")[89],
                                                    rel=1e-12, abs=1e-9)


def test_one_value_is_its_own_median_and_p90():
    assert percentile([42.0], 50) == percentile([42.0], 90) == 42.0


def test_csv_has_a_header_and_one_row_per_metric_group_and_key(report_for, ada):
    report = report_for(ada)
    lines = report_csv(report).splitlines()
    assert lines[0] == "metric,group,key,n,median_seconds,p90_seconds,value"
    rows = [line.split(",") for line in lines[1:]]
    assert all(len(row) == 7 for row in rows)
    keys = [(m, g, k) for m, g, k, *_ in rows]
    assert len(keys) == len(set(keys))
    by_key = {(m, g, k): rest for m, g, k, *rest in rows}
    assert by_key["mtta", "overall", "all"] == ["5", "300.0", "960.0", ""]
    assert by_key["mttr", "severity", "SEV4"] == ["0", "", "", ""]
    assert by_key["mttm", "service", "payments"] == ["2", "4500.0", "5220.0", ""]
    assert by_key["incidents", "month", "2026-02"] == ["", "", "", "4"]
    assert by_key["incidents", "month_severity", "2026-02 SEV2"] == ["", "", "", "2"]
    assert by_key["response_share_met", "severity", "SEV1"] == ["", "", "", "0.6667"]
    assert by_key["response_share_met", "severity", "SEV4"] == ["", "", "", ""]
    assert by_key["postmortems_overdue", "overall", "all"] == ["", "", "", "1"]
    assert by_key["action_items_share_closed_on_time", "overall", "all"] == ["", "", "", "0.4"]


@pytest.mark.parametrize(("since", "until", "field", "says"), [
    ("soon", None, "since", "must be a span back from now"),
    ("2026-02-30", None, "since", "must be a span back from now"),
    ("2026-01-01T00:00:00", None, "since", "needs a timezone offset"),
    ("36501d", None, "since", "at most 100 years"),
    ("2027-01-01", None, "since", "must be in the past"),
    ("30d", "60d", "until", "later than since"),
    ("2026-01-01", "2026-01-01", "until", "later than since"),
    ("30d", "tomorrow", "until", "must be a span back from now"),
])
def test_bad_periods_are_refused_naming_the_field(report_for, ada, since, until, field, says):
    with pytest.raises(Invalid) as refused:
        report_for(ada, since=since, until=until)
    assert refused.value.field == field and says in refused.value.message


def test_periods_as_people_write_them(runtime):
    with runtime.db.read_session() as db:
        ctx = runtime.system_context(db)
        assert parse_moment(ctx, "90d", "since") == NOW - timedelta(days=90)
        assert parse_moment(ctx, " 12W ", "since") == NOW - timedelta(weeks=12)
        assert parse_moment(ctx, "1y", "since") == NOW - timedelta(days=365)
        assert parse_moment(ctx, "24h", "since") == NOW - timedelta(hours=24)
        assert parse_moment(ctx, "2026-01-31", "since") == at("2026-01-31 00:00")
        assert parse_moment(ctx, "2026-01-31T09:00:00+02:00", "until") == at("2026-01-31 07:00")
        assert parse_period(ctx, None, "") == (NOW - timedelta(days=90), None)
