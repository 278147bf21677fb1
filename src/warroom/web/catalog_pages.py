"""The service catalog page: every service with its owners and open incidents; responders add
services, admins edit what a service is and who owns it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from warroom.catalog.service import create_service, get_service, list_services, update_service
from warroom.core.errors import WarroomError
from warroom.incidents.service import open_counts_by_service
from warroom.web.auth import Page, SignedIn
from warroom.web.rendering import form_value, render

router = APIRouter(include_in_schema=False)
FIELDS = ("name", "description", "owning_team")


def _page(request: Request, page: Page, *, values: dict | None = None, error: str | None = None,
          editing: int | None = None, edit_values: dict | None = None, status_code: int = 200) -> HTMLResponse:
    return render(request, "services.html", page=page, status_code=status_code, active="services",
                  services=list_services(page.ctx.db), open_counts=open_counts_by_service(page.ctx),
                  values=values or {}, error=error, editing=editing, edit_values=edit_values or {})


@router.get("/services", response_class=HTMLResponse)
def services_page(request: Request, page: SignedIn) -> HTMLResponse:
    return _page(request, page)


@router.post("/services")
def add_service(request: Request, page: SignedIn) -> Response:
    values = {name: form_value(page, name) for name in FIELDS}
    try:
        create_service(page.ctx, name=values["name"], description=values["description"],
                       owning_team=values["owning_team"])
    except WarroomError as exc:
        page.discard()
        return _page(request, page, values=values, error=exc.message, status_code=exc.http_status)
    return RedirectResponse("/services", status_code=303)


@router.post("/services/{service_id}")
def edit_service(request: Request, service_id: int, page: SignedIn) -> Response:
    service = get_service(page.ctx.db, service_id)
    try:
        update_service(page.ctx, service, description=form_value(page, "description"),
                       owning_team=form_value(page, "owning_team"))
    except WarroomError as exc:
        page.discard()
        page.ctx.db.expire_all()
        # The refused edit stays open with the person's input, so nothing typed is lost.
        typed = {"description": form_value(page, "description"), "owning_team": form_value(page, "owning_team")}
        return _page(request, page, edit_values=typed, error=exc.message, editing=service_id,
                     status_code=exc.http_status)
    return RedirectResponse(f"/services#service-{service_id}", status_code=303)
