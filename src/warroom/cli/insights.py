"""`warroom report`: how the team responds, from GET /api/v1/insights. The server works every figure
out (definitions: docs/insights.md); this only lays them out as tables, or passes JSON or CSV on."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

import typer

from warroom.cli.client import connect
from warroom.cli.output import USAGE_ERROR, CliError, JsonFlag, local_time, print_json, say, table
from warroom.incidents.durations import format_duration
from warroom.insights.stats import format_share

PANEL = "Insights"
PERIOD_HELP = "a span back from now (30d, 12w, 1y), a date (YYYY-MM-DD) or an ISO 8601 time with an offset"


def report(
    since: Annotated[str, typer.Option("--since", help=f"Incidents declared from: {PERIOD_HELP}.")] = "90d",
    until: Annotated[str | None, typer.Option("--until", help="... and before (exclusive); default now.")] = None,
    json_out: JsonFlag = False,
    csv_out: Annotated[bool, typer.Option("--csv", help="Print CSV: one row per metric, group and key.")] = False,
) -> None:
    """Response metrics over a period: MTTA/MTTM/MTTR (median and p90) per severity, service and
    month, response targets met, incidents per month, postmortems and action items on time.

    Canceled incidents are left out; restricted ones count only if you may see them."""
    if json_out and csv_out:
        raise CliError("choose one of --json and --csv", USAGE_ERROR, field="--csv")
    params = {"since": since, **({"until": until} if until else {})}
    with connect() as api:
        if csv_out:
            print(api.request("GET", "/insights.csv", params=params, text=True), end="")
            return
        found = api.get("/insights", **params)
    if json_out:
        print_json(found)
        return
    print_report(found)


def _duration(seconds: float | None) -> str:
    return format_duration(None if seconds is None else timedelta(seconds=seconds))


def _times_rows(groups: list[dict[str, Any]]) -> list[list[Any]]:
    return [[group["key"], group["incidents"],
             *(f"{_duration(group[m]['median_seconds'])} / {_duration(group[m]['p90_seconds'])}"
               for m in ("mtta", "mttm", "mttr"))]
            for group in groups]


TIMES_COLUMNS = ["Incidents", "MTTA p50 / p90", "MTTM p50 / p90", "MTTR p50 / p90"]


def print_report(found: dict[str, Any]) -> None:
    say(f"Insights, incidents declared {local_time(found['since'])} to {local_time(found['until'])}: "
        f"{found['incidents']} (canceled left out). Months and due days in {found['timezone']}.", "bold")
    say("MTTA: declared to acknowledged. MTTM, MTTR: impact start to mitigated, to resolved.", "dim")
    table(["Severity", *TIMES_COLUMNS], _times_rows([*found["by_severity"], found["overall"]]),
          title="Time to acknowledge, mitigate, resolve")
    if found["by_service"]:
        table(["Service", *TIMES_COLUMNS], _times_rows(found["by_service"]), title="By service")
    table(["Month", *TIMES_COLUMNS], _times_rows(found["by_month"]), title="By month")
    table(["Severity", "Met", "Missed", "Pending", "Share met"],
          [[t["severity"], t["met"], t["missed"], t["pending"], format_share(t["share_met"])]
           for t in found["response_targets"]], title="Response targets")
    severities = list(found["incidents_by_month"][0]["by_severity"]) if found["incidents_by_month"] else []
    table(["Month", *severities, "Total"],
          [[m["month"], *m["by_severity"].values(), m["total"]] for m in found["incidents_by_month"]],
          title="Incidents per month")
    pm, items = found["postmortems"], found["action_items"]
    say(f"Postmortems required: {pm['required']} · on time {pm['on_time']} · late {pm['late']} · "
        f"overdue {pm['overdue']} · not yet due {pm['pending']} · {format_share(pm['share_on_time'])} on time")
    say(f"Action items: {items['total']} · done on time {items['done_on_time']} · done late {items['done_late']} · "
        f"open and overdue {items['open_overdue']} · open {items['open']} · won't do {items['wont_do']} · "
        f"{format_share(items['share_closed_on_time'])} closed on time")


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel=PANEL)(report)
