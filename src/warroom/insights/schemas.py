"""API shapes of the insights report (GET /api/v1/insights). Definitions: warroom.insights.service."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class Spread(BaseModel):
    """How long one phase took over a group of incidents: the median and the 90th percentile."""

    n: int = Field(description="Incidents in the group where the phase happened")
    median_seconds: float | None = Field(description="null when n is 0")
    p90_seconds: float | None = Field(description="90th percentile, linear interpolation; null when n is 0")


class ResponseTimes(BaseModel):
    """MTTA, MTTM and MTTR of one group (all incidents, a severity, a service or a month)."""

    key: str = Field(description="'all', a severity, a service name or a month (YYYY-MM)")
    incidents: int = Field(description="Incidents in scope in this group")
    mtta: Spread = Field(description="Time to acknowledge: declared_at -> acknowledged_at")
    mttm: Spread = Field(description="Time to mitigate: started_at -> mitigated_at")
    mttr: Spread = Field(description="Time to resolve: started_at -> resolved_at")


class TargetCompliance(BaseModel):
    """Response targets of one severity: acknowledged by response_due_at or not."""

    severity: str = Field(description="A severity, or 'all'")
    met: int
    missed: int = Field(description="Acknowledged late, or not acknowledged and already past due")
    pending: int = Field(description="Not acknowledged and not yet due: in neither share")
    share_met: float | None = Field(description="met / (met + missed); null when both are 0")


class MonthCount(BaseModel):
    month: str = Field(description="YYYY-MM in the policy's timezone")
    total: int
    by_severity: dict[str, int] = Field(description="Every severity of the policy, in its order")


class PostmortemFigures(BaseModel):
    """Required postmortems of the incidents in scope, by when they were published."""

    required: int
    on_time: int = Field(description="Published by due_at")
    late: int = Field(description="Published after due_at")
    overdue: int = Field(description="Not published, and due_at has passed")
    pending: int = Field(description="Not published, not yet due (or no due date yet)")
    share_on_time: float | None = Field(description="on_time / (on_time + late + overdue)")


class ActionItemFigures(BaseModel):
    """Action items of the incidents in scope; due means by the end of due_on in the policy's timezone."""

    total: int
    done_on_time: int
    done_late: int
    wont_do: int = Field(description="Dropped with a reason: in neither share")
    open_overdue: int
    open: int = Field(description="Open and not yet due")
    share_closed_on_time: float | None = Field(
        description="done_on_time / (done_on_time + done_late + open_overdue)")


class InsightsReport(BaseModel):
    since: datetime = Field(description="Incidents declared at or after this moment")
    until: datetime = Field(description="... and before this one")
    generated_at: datetime = Field(description="'Now' for overdue and missed")
    timezone: str = Field(description="The policy's timezone: months and due days are counted in it")
    incidents: int = Field(description="Incidents in scope: declared in the period, not canceled, visible to you")
    overall: ResponseTimes
    by_severity: list[ResponseTimes] = Field(description="Every severity of the policy, most severe first")
    by_service: list[ResponseTimes] = Field(
        description="Services named by incidents in scope, by name; an incident counts for each of its services")
    by_month: list[ResponseTimes] = Field(description="Every month of the period, oldest first")
    response_targets: list[TargetCompliance] = Field(description="Per severity, then 'all'")
    incidents_by_month: list[MonthCount]
    postmortems: PostmortemFigures
    action_items: ActionItemFigures
