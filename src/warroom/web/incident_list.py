"""The incidents list: filters (status, severity, service, text) in the URL, and pages."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from warroom.catalog.service import list_services
from warroom.core.errors import Invalid
from warroom.incidents.lifecycle import OPEN_STATUSES, STATUSES
from warroom.incidents.service import IncidentFilter, list_incidents
from warroom.web.auth import SignedIn
from warroom.web.rendering import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
STATUS_CHOICES = ("open", "all", *STATUSES)


def _query(request: Request, name: str) -> str:
    return (request.query_params.get(name) or "").strip()


@router.get("/incidents", response_class=HTMLResponse)
def incidents_page(request: Request, page: SignedIn) -> HTMLResponse:
    chosen = {name: _query(request, name) for name in ("status", "severity", "service", "q")}
    chosen["status"] = chosen["status"] or "open"
    cursor = _query(request, "cursor") or None
    filters = IncidentFilter(
        statuses=None if chosen["status"] == "all" else [chosen["status"]],
        severities=[chosen["severity"]] if chosen["severity"] else None,
        service=chosen["service"] or None, text=chosen["q"] or None)
    error = None
    try:
        items, total, next_cursor = list_incidents(page.ctx, filters, limit=PAGE_SIZE, cursor=cursor,
                                                   with_roles=False)
    except Invalid as exc:
        items, total, next_cursor, error = [], 0, None, exc.message
    keep = {k: v for k, v in chosen.items() if v}
    return render(
        request, "incident_list.html", status_code=422 if error else 200, page=page, active="incidents",
        incidents=items, total=total, open_statuses=OPEN_STATUSES, error=error, chosen=chosen, statuses=STATUS_CHOICES,
        severities=[level.name for level in page.ctx.policy.severities],
        services=[s.name for s in list_services(page.ctx.db)],
        next_url=f"/incidents?{urlencode({**keep, 'cursor': next_cursor})}" if next_cursor else None,
        first_url=f"/incidents?{urlencode(keep)}" if cursor else None)
