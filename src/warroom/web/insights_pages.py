"""/insights: how the team responds, over a period chosen in a GET form (30 days, 90 days, a year, or
custom dates), with server-drawn SVG charts and the same report to download as JSON or CSV.

Read-only, so viewers see it too; restricted incidents count only for those who may see them
(build_report applies the same visibility rules as every list)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from warroom.core.context import Context
from warroom.core.errors import Invalid
from warroom.insights.period import LONGEST, parse_period
from warroom.insights.service import build_report, export_name, report_csv
from warroom.web.auth import SignedIn
from warroom.web.insights_charts import WIDTH, all_charts, duration, percent
from warroom.web.rendering import render

router = APIRouter(include_in_schema=False)
PRESETS = {"30d": "30 days", "90d": "90 days", "1y": "1 year"}
CUSTOM = "custom"


@dataclass
class Period:
    """What the form asked for, as typed, to show it back."""

    choice: str = "90d"
    first_day: str = ""
    last_day: str = ""

    @property
    def query(self) -> str:
        if self.choice != CUSTOM:
            return urlencode({"period": self.choice})
        return urlencode({"period": CUSTOM, "from": self.first_day, "to": self.last_day})


def _chosen(request: Request) -> Period:
    params = request.query_params
    return Period(choice=(params.get("period") or "90d").strip(), first_day=(params.get("from") or "").strip(),
                  last_day=(params.get("to") or "").strip())


def _day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(f"{field} must be a date (YYYY-MM-DD); got {text!r}", field=field) from None


def _bounds(ctx: Context, period: Period) -> tuple[datetime, datetime | None]:
    """The period as build_report takes it. Custom dates are whole days in the policy's timezone,
    both included: from its first midnight to the midnight after the last (or now)."""
    if period.choice in PRESETS:
        return parse_period(ctx, period.choice, None)
    if period.choice != CUSTOM:
        raise Invalid(f"period must be one of {', '.join(PRESETS)} or custom; got {period.choice!r}", field="period")
    if not period.first_day:
        raise Invalid("from is needed for custom dates: the first day to count", field="from")
    first = _day(period.first_day, "from")
    last = _day(period.last_day, "to") if period.last_day else None
    if last is not None and last < first:
        raise Invalid("to must be the same day as from or later", field="to")
    zone = ctx.policy.zone
    today = ctx.now().astimezone(zone).date()
    if first > today:
        raise Invalid("from must be a day that has begun", field="from")
    if first < (ctx.now() - LONGEST).astimezone(zone).date():
        raise Invalid("from may reach back at most 100 years", field="from")
    since = datetime.combine(first, time(), zone)
    # Up to today included means up to now.
    until = datetime.combine(last + timedelta(days=1), time(), zone) if last is not None and last < today else None
    return since, until


@router.get("/insights", response_class=HTMLResponse)
def insights_page(request: Request, page: SignedIn) -> HTMLResponse:
    period = _chosen(request)
    try:
        report = build_report(page.ctx, *_bounds(page.ctx, period))
    except Invalid as exc:
        return render(request, "insights.html", status_code=422, page=page, active="insights", period=period,
                      presets=PRESETS, error=exc.message, error_field=exc.field, report=None)
    rank = {level.name: min(i, 3) for i, level in enumerate(page.ctx.policy.severities)}
    return render(request, "insights.html", page=page, active="insights", period=period, presets=PRESETS,
                  error=None, error_field=None, report=report, charts=all_charts(report, rank), width=WIDTH,
                  duration=duration, percent=percent)


@router.get("/insights.json")
def insights_json(request: Request, page: SignedIn) -> Response:
    report = build_report(page.ctx, *_bounds(page.ctx, _chosen(request)))
    return Response(report.model_dump_json(indent=2), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{export_name(report, "json")}"'})


@router.get("/insights.csv")
def insights_csv(request: Request, page: SignedIn) -> Response:
    report = build_report(page.ctx, *_bounds(page.ctx, _chosen(request)))
    return Response(report_csv(report), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{export_name(report, "csv")}"'})
