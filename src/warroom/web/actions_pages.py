"""Action items across incidents (/actions), with filters in the URL so a filtered list can be
shared, and the moves of one item (done, won't do with a reason, reopen) from here or from its
postmortem. Each move is one call of the action items service, then back where it came from."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from warroom.catalog.service import list_services
from warroom.core.errors import WarroomError
from warroom.incidents.models import Incident
from warroom.postmortems import actions
from warroom.postmortems.schemas import ActionItemPatch
from warroom.users.service import list_users
from warroom.web.auth import Page, SignedIn, safe_next
from warroom.web.postmortem_pages import refusal, item_helpers, render_postmortem
from warroom.web.rendering import form_value, render

router = APIRouter(include_in_schema=False)
FILTERS = ("mine", "owner", "status", "overdue", "service")
STATUS_LABELS = {"open": "open", "done": "done", "wont_do": "won't do", "any": "any"}


def _chosen(query: Mapping[str, str]) -> dict[str, str]:
    chosen = {name: (query.get(name) or "").strip() for name in FILTERS}
    chosen["status"] = chosen["status"] or "open"
    return chosen


def render_actions(request: Request, page: Page, query: Mapping[str, str], *, error: str | None = None,
                   status_code: int = 200) -> HTMLResponse:
    ctx, chosen = page.ctx, _chosen(query)
    owner = str(page.user.id) if chosen["mine"] == "1" else chosen["owner"] or None
    try:
        items = actions.list_action_items(ctx, owner=owner, status=None if chosen["status"] == "any" else chosen["status"],
                                          overdue=chosen["overdue"] == "1", service=chosen["service"] or None)
    except WarroomError as exc:
        items, error, status_code = [], exc.message, exc.http_status
    ids = {item.incident_id for item in items}
    incident_of = {i.id: i for i in ctx.db.scalars(select(Incident).where(Incident.id.in_(ids)))} if ids else {}
    kept = {name: value for name, value in chosen.items() if value and not (name == "status" and value == "open")}
    return render(request, "actions.html", page=page, status_code=status_code, active="actions", items=items,
                  incident_of=incident_of, chosen=chosen, error=error, statuses=STATUS_LABELS,
                  here="/actions" + (f"?{urlencode(kept)}" if kept else ""), limit_reached=len(items) >= 200,
                  people=[(u.id, u.name) for u in sorted(list_users(ctx.db), key=lambda u: u.name.casefold())],
                  services=[(s.name, s.name) for s in list_services(ctx.db)], **item_helpers(ctx))


@router.get("/actions", response_class=HTMLResponse)
def actions_page(request: Request, page: SignedIn) -> HTMLResponse:
    return render_actions(request, page, request.query_params)


def _back_path(page: Page, incident: Incident) -> str:
    """Where the move came from: the /actions list as it was filtered, or the item's postmortem."""
    back = safe_next(form_value(page, "back"))
    postmortem = f"/incidents/{incident.ref}/postmortem"
    if back == "/actions" or back.startswith("/actions?") or back == postmortem:
        return back
    return postmortem


@router.post("/action-items/{item_id}/status")
def change_item_status(request: Request, item_id: int, page: SignedIn) -> Response:
    ctx = page.ctx
    item = actions.get_action_item(ctx, item_id)
    incident = ctx.db.get(Incident, item.incident_id)
    back = _back_path(page, incident)
    try:
        patch = ActionItemPatch.model_validate({"status": form_value(page, "status"),
                                                "wont_do_reason": form_value(page, "wont_do_reason").strip() or None})
        actions.update_action_item(ctx, item, patch)
    except (ValidationError, WarroomError) as exc:
        problem = refusal(exc)
        page.discard()
        ctx.db.expire_all()
        if back.startswith("/actions"):
            return render_actions(request, page, dict(parse_qsl(urlsplit(back).query)), error=problem.message,
                                  status_code=problem.http_status)
        return render_postmortem(request, page, incident, error=problem.message, error_in="actions",
                                 status_code=problem.http_status)
    return RedirectResponse(back if back.startswith("/actions") else f"{back}#pm-actions", status_code=303)
