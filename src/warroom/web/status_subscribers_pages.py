"""Subscribers of the public status page, for admins: the list (by kind and status, a page at a
time), adding an e-mail or webhook subscriber, removing one. A webhook's signing secret is shown on
the answer to adding it and never again."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from warroom.core.errors import Forbidden, WarroomError
from warroom.statuspage import subscriptions
from warroom.web.auth import Page, SignedIn
from warroom.web.rendering import form_value, form_values, render

router = APIRouter(include_in_schema=False)
KIND_LABELS = {"email": "E-mail", "webhook": "Webhook (signed)"}
PAGE_SIZE = 50


def _filters(request: Request) -> dict[str, str]:
    return {name: request.query_params.get(name, "") for name in ("kind", "status", "cursor")}


def _list(request: Request, page: Page, *, filters: dict[str, str] | None = None, values: dict | None = None,
          error: str | None = None, notice: str | None = None, secret: str | None = None,
          status_code: int = 200) -> HTMLResponse:
    filters = filters or {}
    try:
        found, total, next_cursor = subscriptions.list_subscribers(
            page.ctx, kind=filters.get("kind") or None, status=filters.get("status") or None, limit=PAGE_SIZE,
            cursor=filters.get("cursor") or None)
    except WarroomError as exc:
        if isinstance(exc, Forbidden):
            raise
        found, total, next_cursor = [], 0, None
        error, status_code = exc.message, exc.http_status
    components = subscriptions.public_components(page.ctx)
    return render(request, "admin_subscribers.html", page=page, status_code=status_code, active="admin",
                  tab="subscribers", subscribers=found, total=total, next_cursor=next_cursor, filters=filters,
                  kinds=KIND_LABELS, status_options=[(s, s) for s in subscriptions.STATUSES],
                  status_of=subscriptions.status_of,
                  components=components, component_names=subscriptions.component_names(page.ctx),
                  values=values or {}, error=error, notice=notice, secret=secret)


@router.get("/admin/subscribers", response_class=HTMLResponse)
def subscribers_page(request: Request, page: SignedIn) -> HTMLResponse:
    added = request.query_params.get("added", "")[:254]
    notice = None
    if added:
        notice = (f"Added {added}; a confirmation mail is on its way, and mail starts once it is followed."
                  if request.query_params.get("pending") == "1" else f"Added {added}.")
    return _list(request, page, filters=_filters(request), notice=notice)


@router.post("/admin/subscribers", response_class=HTMLResponse)
def add_subscriber(request: Request, page: SignedIn) -> Response:
    kind = form_value(page, "kind")
    values = {"kind": kind, "target": form_value(page, "target"), "components": form_values(page, "components"),
              "confirmed": form_value(page, "confirmed") == "1"}
    try:
        subscriber, secret = subscriptions.add_subscriber(
            page.ctx, kind=kind, target=values["target"], components=values["components"],
            confirmed=values["confirmed"])
    except WarroomError as exc:
        page.discard()
        return _list(request, page, values=values, error=exc.message, status_code=exc.http_status)
    if secret:  # shown on this answer only
        return _list(request, page, status_code=201, secret=secret,
                     notice=f"Added webhook {subscriber.target}. Copy its signing secret now: it is not shown again.")
    query = {"added": subscriber.target, **({"pending": "1"} if subscriber.confirmed_at is None else {})}
    return RedirectResponse(f"/admin/subscribers?{urlencode(query)}", status_code=303)


@router.post("/admin/subscribers/{subscriber_id}/remove")
def remove_subscriber(request: Request, subscriber_id: int, page: SignedIn) -> Response:
    subscriptions.remove_subscriber(page.ctx, subscriptions.get_subscriber(page.ctx, subscriber_id))
    return RedirectResponse("/admin/subscribers", status_code=303)
