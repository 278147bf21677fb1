"""`warroom report` against a real server holding the fixed history of tests/insights_data.py
(figures checked by hand in tests/domain/test_insights.py)."""

from __future__ import annotations

import csv
import io

import pytest
from insights_data import NOW, seed

from warroom.core.clock import ManualClock


@pytest.fixture
def clock() -> ManualClock:
    # The history is fixed around NOW; `report` sends --since as typed and the server reads it
    # against its own clock, so nothing here depends on the machine's.
    return ManualClock(NOW)


@pytest.fixture
def history(runtime, responder):
    seed(runtime, participant=responder.user)


def test_report_prints_readable_tables(cli, history):
    run = cli("report", "--since", "2026-01-01")
    assert run.code == 0, run.err
    out = run.out
    assert ": 7 (canceled left out). Months and due days in UTC." in out
    # SEV1: MTTA p50 0 and p90 240 s; MTTM 5400 and 6840 s; MTTR 9000 and 13320 s.
    assert _row(out, "SEV1") == ["3", "0s / 4m", "1h 30m / 1h 54m", "2h 30m / 3h 42m"]
    assert _row(out, "all") == ["7", "5m / 16m", "1h 00m / 1h 48m", "2h 15m / 3h 33m"]
    assert _row(out, "SEV4") == ["0", "— / —", "— / —", "— / —"]
    assert _row(out, "payments") == ["3", "0s / 0s", "1h 15m / 1h 27m", "2h 15m / 2h 27m"]
    assert _row(out, "2026-02") == ["4", "10m / 18m", "1h 00m / 1h 24m", "2h 00m / 2h 00m"]
    assert "Response targets" in out and "Incidents per month" in out
    assert "Postmortems required: 5 · on time 2 · late 1 · overdue 1 · not yet due 1 · 50% on time" in out
    assert ("Action items: 7 · done on time 2 · done late 2 · open and overdue 1 · open 1 · won't do 1 · "
            "40% closed on time") in out


def test_report_json_and_csv_for_scripts(cli, history, viewer):
    as_viewer = cli.as_(viewer.token)
    data = as_viewer("report", "--since", "2026-01-01", "--until", "2026-03-01", "--json").json()
    # The viewer does not see the restricted INC-8, and INC-6 (03-02) is after --until.
    assert data["incidents"] == 5 and data["until"] == "2026-03-01T00:00:00Z"
    run = as_viewer("report", "--since", "2026-01-01", "--csv")
    assert run.code == 0, run.err
    rows = list(csv.DictReader(io.StringIO(run.out)))
    found = {(r["metric"], r["group"], r["key"]): r for r in rows}
    assert found["incidents", "overall", "all"]["value"] == "6"
    assert found["response_share_met", "overall", "all"]["value"] == "0.4"


def test_default_period_is_90_days(cli, history):
    data = cli("report", "--json").json()
    assert data["since"] == "2025-12-02T10:00:00Z" and data["incidents"] == 8


def test_bad_input_names_the_option(cli):
    bad = cli("report", "--since", "last tuesday")
    assert bad.code == 1 and bad.err.startswith("error (since): since must be a span back from now")
    late = cli("report", "--since", "30d", "--until", "60d")
    assert late.code == 1 and "error (until): until must be later than since" in late.err
    both = cli("report", "--json", "--csv")
    assert both.code == 2 and "choose one of --json and --csv" in both.err


def _row(out: str, label: str) -> list[str]:
    """The cells after the first one of the table row that starts with `label`."""
    for line in out.splitlines():
        cells = [cell.strip() for cell in line.split("│")]
        if cells and cells[0] == label:
            return cells[1:]
    raise AssertionError(f"no row {label!r} in:\n{out}")
