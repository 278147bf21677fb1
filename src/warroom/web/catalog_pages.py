"""The service catalog page: every service with its owners and open incidents; responders add."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from warroom.catalog.service import create_service, list_services
from warroom.core.errors import WarroomError
from warroom.incidents.service import open_counts_by_service
from warroom.web.auth import Page, SignedIn
from warroom.web.rendering import form_value, render

router = APIRouter(include_in_schema=False)


def _page(request: Request, page: Page, *, values: dict | None = None, error: str | None = None,
          status_code: int = 200) -> HTMLResponse:
    return render(request, "services.html", page=page, status_code=status_code, active="services",
                  services=list_services(page.ctx.db), open_counts=open_counts_by_service(page.ctx),
                  values=values or {}, error=error)


@router.get("/services", response_class=HTMLResponse)
def services_page(request: Request, page: SignedIn) -> HTMLResponse:
    return _page(request, page)


@router.post("/services")
def add_service(request: Request, page: SignedIn) -> Response:
    values = {name: form_value(page, name) for name in ("name", "description", "owning_team")}
    try:
        create_service(page.ctx, name=values["name"], description=values["description"],
                       owning_team=values["owning_team"])
    except WarroomError as exc:
        page.discard()
        return _page(request, page, values=values, error=exc.message, status_code=exc.http_status)
    return RedirectResponse("/services", status_code=303)
