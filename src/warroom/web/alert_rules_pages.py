"""A service's alert rules, edited on /admin/integrations (admins): which incident severity each alert
severity declares (or never), whether alerts declare incidents by themselves and from which
severity, and the grouping window. Save and reset are thin calls of warroom.alerts.rules; a refused
form comes back with what was typed and the reason, and changes nothing."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from warroom.alerts import rules
from warroom.alerts.models import SEVERITIES
from warroom.catalog.service import get_service
from warroom.core.errors import Invalid, WarroomError
from warroom.users.service import require_admin
from warroom.web.auth import Page, SignedIn
from warroom.web.integrations_pages import render_list
from warroom.web.rendering import form_value

router = APIRouter(include_in_schema=False)
NEVER = "never"


def _typed(page: Page) -> dict:
    values = {f"sev_{s}": form_value(page, f"sev_{s}") for s in SEVERITIES}
    values.update(auto_declare=form_value(page, "auto_declare") == "1", declare_at=form_value(page, "declare_at"),
                  group_window_minutes=form_value(page, "group_window_minutes").strip())
    return values


def _apply(page: Page, service, values: dict) -> None:
    window = values["group_window_minutes"]
    if not window.isdigit():
        raise Invalid(f"grouping window: {window!r} is not a whole number of minutes", field="group_window_minutes")
    severity_map = {s: (None if values[f"sev_{s}"] == NEVER else values[f"sev_{s}"]) for s in SEVERITIES}
    rules.set_rules(page.ctx, service, severity_map=severity_map, auto_declare=values["auto_declare"],
                    declare_at=values["declare_at"], group_window_minutes=int(window))


def _done(service_id: int) -> RedirectResponse:
    return RedirectResponse(f"/admin/integrations?rules_saved={service_id}#rules-{service_id}", status_code=303)


@router.post("/admin/integrations/rules/{service_id}")
def save_rules(request: Request, service_id: int, page: SignedIn) -> Response:
    require_admin(page.ctx)
    service = get_service(page.ctx.db, service_id)
    values = _typed(page)
    try:
        _apply(page, service, values)
    except WarroomError as exc:
        page.discard()
        return render_list(request, page, status_code=exc.http_status,
                           rules_form={"service_id": service_id, "error": exc.message, "values": values})
    return _done(service_id)


@router.post("/admin/integrations/rules/{service_id}/reset")
def reset(request: Request, service_id: int, page: SignedIn) -> Response:
    require_admin(page.ctx)
    rules.reset_rules(page.ctx, get_service(page.ctx.db, service_id))
    return _done(service_id)
