"""Alerts on the web: the list (/alerts: open ones by default, filtered by status, service, severity
and incident in the URL, newest first, in pages) and one alert (/alerts/{id}: its details, links,
occurrences and history) with Acknowledge and Resolve for responders.

Both actions are thin calls of warroom.alerts.service; a refusal (already resolved, a viewer)
re-renders the alert with the service's message and changes nothing. An alert of a restricted
incident does not exist for those who may not see the incident.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from warroom.alerts import service as alerts
from warroom.alerts.models import SEVERITIES, STATUSES, Alert
from warroom.catalog.service import list_services
from warroom.core.context import Context
from warroom.core.errors import WarroomError
from warroom.users.models import User
from warroom.web.alerts_view import KIND_LABELS, detail_rows, names_of
from warroom.web.auth import Page, SignedIn
from warroom.web.rendering import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
STATUS_CHOICES = (("open", "open (triggered or acknowledged)"), *((s, s) for s in STATUSES), ("all", "all"))
FILTERS = ("status", "service", "severity", "incident")


def _query(request: Request, name: str) -> str:
    return (request.query_params.get(name) or "").strip()


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(request: Request, page: SignedIn) -> HTMLResponse:
    chosen = {name: _query(request, name) for name in FILTERS}
    chosen["status"] = chosen["status"] or "open"
    before = _query(request, "before")
    statuses = None if chosen["status"] == "open" else list(STATUSES) if chosen["status"] == "all" \
        else [chosen["status"]]
    filters = alerts.AlertFilter(status=statuses, service=chosen["service"] or None,
                                 severity=chosen["severity"] or None, incident=chosen["incident"] or None)
    error, status_code = None, 200
    try:
        found = alerts.list_alerts(page.ctx, filters, limit=PAGE_SIZE + 1,
                                   before_id=int(before) if before.isdigit() else None)
    except WarroomError as exc:
        found, error, status_code = [], exc.message, exc.http_status
    shown = found[:PAGE_SIZE]
    keep = {k: v for k, v in chosen.items() if v and not (k == "status" and v == "open")}
    rest = {k: v for k, v in keep.items() if k != "incident"}
    return render(
        request, "alerts.html", page=page, status_code=status_code, active="alerts", alerts=shown,
        names=names_of(page.ctx, shown), chosen=chosen, error=error, statuses=STATUS_CHOICES,
        severities=[(s, s) for s in SEVERITIES],
        services=[(s.name, s.name) for s in list_services(page.ctx.db)],
        without_incident="/alerts" + (f"?{urlencode(rest)}" if rest else ""),
        next_url=f"/alerts?{urlencode({**keep, 'before': shown[-1].id})}" if len(found) > PAGE_SIZE else None,
        first_url=("/alerts" + (f"?{urlencode(keep)}" if keep else "")) if before else None)


def who(ctx: Context, by: str) -> str:
    """Who acknowledged or resolved an alert, in words: the source, a person's name (from their
    handle), or the incident that resolved it."""
    if by == "source":
        return "the source"
    if by.startswith("incident "):
        return f"the incident ({by.removeprefix('incident ')})"
    user = ctx.db.scalar(select(User).where(User.handle == by)) if by else None
    return user.name if user else by or "someone"


def render_alert(request: Request, page: Page, alert: Alert, *, error: str | None = None,
                 status_code: int = 200) -> HTMLResponse:
    names = names_of(page.ctx, [alert])
    return render(request, "alert.html", page=page, status_code=status_code, active="alerts", alert=alert,
                  error=error, service=names.services.get(alert.service_id, ""),
                  integration=names.integrations.get(alert.integration_id),
                  incident=names.incidents.get(alert.incident_id) if alert.incident_id else None,
                  rows=detail_rows(alert.details), kind_labels=KIND_LABELS,
                  acknowledged_by=who(page.ctx, alert.acknowledged_by), resolved_by=who(page.ctx, alert.resolved_by))


@router.get("/alerts/{alert_id}", response_class=HTMLResponse)
def alert_page(request: Request, alert_id: int, page: SignedIn) -> HTMLResponse:
    return render_alert(request, page, alerts.get_alert(page.ctx, alert_id))


def _act(request: Request, page: Page, alert_id: int, action) -> Response:
    """One change of the alert; a refusal re-renders it with the service's reason, unchanged."""
    alert = alerts.get_alert(page.ctx, alert_id)
    try:
        action(page.ctx, alert)
    except WarroomError as exc:
        page.discard()
        page.ctx.db.expire_all()
        return render_alert(request, page, alerts.get_alert(page.ctx, alert_id), error=exc.message,
                            status_code=exc.http_status)
    return RedirectResponse(f"/alerts/{alert_id}", status_code=303)


@router.post("/alerts/{alert_id}/acknowledge")
def acknowledge(request: Request, alert_id: int, page: SignedIn) -> Response:
    return _act(request, page, alert_id, alerts.acknowledge_alert)


@router.post("/alerts/{alert_id}/resolve")
def resolve(request: Request, alert_id: int, page: SignedIn) -> Response:
    return _act(request, page, alert_id, alerts.resolve_alert)
