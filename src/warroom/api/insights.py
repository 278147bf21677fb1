"""/api/v1/insights: how the team responds (MTTA/MTTM/MTTR, response targets, postmortems and
action items on time), as JSON or CSV. Definitions: warroom.insights.service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from warroom.api.deps import Ctx
from warroom.insights.period import DEFAULT_SINCE, MOMENT_HELP, parse_period
from warroom.insights.schemas import InsightsReport
from warroom.insights.service import build_report, export_name, report_csv

router = APIRouter(prefix="/api/v1", tags=["insights"])

Since = Annotated[str, Query(max_length=40, description=f"Incidents declared from: {MOMENT_HELP}")]
Until = Annotated[str | None, Query(max_length=40, description="... and before (exclusive); default now")]
CSV_RESPONSE = {200: {"content": {"text/csv": {}}, "description": "Header, then one row per (metric, group, key)"}}


def csv_response(report: InsightsReport) -> Response:
    return Response(report_csv(report), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{export_name(report, "csv")}"'})


@router.get("/insights", response_model=InsightsReport, responses=CSV_RESPONSE,
            summary="Response metrics over a period (restricted incidents only if you may see them)")
def get_insights(ctx: Ctx, since: Since = DEFAULT_SINCE, until: Until = None,
                 format: Annotated[str, Query(pattern="^(json|csv)$")] = "json") -> InsightsReport | Response:
    report = build_report(ctx, *parse_period(ctx, since, until))
    return csv_response(report) if format == "csv" else report


@router.get("/insights.csv", responses=CSV_RESPONSE, response_class=Response,
            summary="The same report as CSV")
def get_insights_csv(ctx: Ctx, since: Since = DEFAULT_SINCE, until: Until = None) -> Response:
    return csv_response(build_report(ctx, *parse_period(ctx, since, until)))
