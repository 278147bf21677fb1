"""GET /api/v1/insights (JSON, or CSV with ?format=csv) and /api/v1/insights.csv on the fixed history
of tests/insights_data.py; every figure is checked by hand in tests/domain/test_insights.py."""

from __future__ import annotations

import csv
import io

import pytest
from apihelpers import assert_error
from insights_data import seed


@pytest.fixture
def history(runtime, responder):
    seed(runtime, participant=responder.user)  # rita may see the restricted INC-8


def test_json_report_has_every_figure_group(history, admin):
    r = admin.client.get("/api/v1/insights", params={"since": "2026-01-01"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body) == ["since", "until", "generated_at", "timezone", "incidents", "overall", "by_severity",
                          "by_service", "by_month", "response_targets", "incidents_by_month", "postmortems",
                          "action_items"]
    assert (body["since"], body["until"], body["incidents"]) == ("2026-01-01T00:00:00Z", "2026-03-02T10:00:00Z", 7)
    assert body["overall"]["mtta"] == {"n": 5, "median_seconds": 300.0, "p90_seconds": 960.0}
    assert [g["key"] for g in body["by_severity"]] == ["SEV1", "SEV2", "SEV3", "SEV4"]
    assert [g["key"] for g in body["by_service"]] == ["checkout", "payments", "search"]
    assert [g["key"] for g in body["by_month"]] == ["2026-01", "2026-02", "2026-03"]
    assert body["response_targets"][-1] == {"severity": "all", "met": 3, "missed": 3, "pending": 1, "share_met": 0.5}
    assert body["postmortems"]["share_on_time"] == 0.5 and body["action_items"]["share_closed_on_time"] == 0.4


def test_default_period_is_the_last_90_days(history, admin):
    body = admin.client.get("/api/v1/insights").json()
    # T0 - 90 days = 2025-12-02 10:00: INC-9 (2025-12-20) counts now, as does every other but INC-7.
    assert (body["since"], body["until"], body["incidents"]) == ("2025-12-02T10:00:00Z", "2026-03-02T10:00:00Z", 8)
    assert body["by_month"][0]["key"] == "2025-12"
    last_30 = admin.client.get("/api/v1/insights", params={"since": "30d"}).json()
    assert last_30["incidents"] == 5  # since 01-31 10:00: INC-3 (02-03), INC-4, INC-5, INC-6, INC-8


@pytest.mark.parametrize("path", ["/api/v1/insights?format=csv&since=2026-01-01",
                                  "/api/v1/insights.csv?since=2026-01-01"])
def test_csv_export(history, viewer, path):
    r = viewer.client.get(path)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"] == 'attachment; filename="warroom-insights-20260101-20260302.csv"'
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert list(rows[0]) == ["metric", "group", "key", "n", "median_seconds", "p90_seconds", "value"]
    found = {(row["metric"], row["group"], row["key"]): row for row in rows}
    # The viewer is no participant of the restricted INC-8: 6 incidents, 4 acknowledged.
    assert found["incidents", "overall", "all"]["value"] == "6"
    assert (found["mtta", "overall", "all"]["n"], found["mtta", "overall", "all"]["median_seconds"]) == ("4", "450.0")


def test_restricted_incidents_only_for_those_allowed(history, world, admin, responder, viewer):
    outsider = world.person("otto")
    counts = {person.user.handle: person.client.get("/api/v1/insights", params={"since": "2026-01-01"}).json()
              for person in (admin, responder, viewer, outsider)}
    assert {handle: body["incidents"] for handle, body in counts.items()} == {
        "ada": 7, "rita": 7, "victor": 6, "otto": 6}
    assert counts["victor"]["by_severity"][0]["incidents"] == 2  # SEV1 without INC-8
    assert counts["victor"]["postmortems"]["required"] == 4


@pytest.mark.parametrize(("params", "field", "says"), [
    ({"since": "soon"}, "since", "since must be a span back from now (24h, 30d, 12w, 1y)"),
    ({"since": "2026-01-01T00:00:00"}, "since", "since needs a timezone offset"),
    ({"since": "x" * 41}, "since", "since must be at most 40 characters"),
    ({"since": "2026-02-01", "until": "2026-01-01"}, "until", "until must be later than since"),
    ({"until": "yesterday-ish"}, "until", "until must be a span back from now"),
    ({"since": "9999999d"}, "since", "since must be a span back from now"),
    ({"since": "0001-01-01"}, "since", "since may reach back at most 100 years"),
    ({"until": "9999-12-31"}, "until", "the period may span at most 100 years"),
    ({"until": "9999-12-31T23:59:59-01:00"}, "until", "until must be a span back from now"),
    ({"format": "xml"}, "format", "format must match ^(json|csv)$"),
])
def test_bad_parameters_are_422_naming_the_field(admin, params, field, says):
    error = assert_error(admin.client.get("/api/v1/insights", params=params), 422, "invalid", field)
    assert error["message"].startswith(says), error


def test_csv_route_refuses_bad_parameters_too(admin):
    assert_error(admin.client.get("/api/v1/insights.csv", params={"since": "2027-01-01"}), 422, "invalid", "since")


def test_needs_a_token(world):
    assert_error(world.anonymous.get("/api/v1/insights"), 401, "unauthorized")
