"""Channels, their routes and the outbox, for admins: where messages go, which events go there, a
test message to prove the settings, and the messages that could not be delivered (with retry).

Forms carry one field per setting of every kind; only the chosen kind's fields are read. Secret
fields are never filled in when a page is shown: a blank secret keeps the one that is set.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from warroom.api.errors import first_problem
from warroom.catalog.service import list_services
from warroom.comms import channels, deliveries
from warroom.comms.models import Channel
from warroom.comms.schemas import EVENTS, ChannelIn, ChannelPatch, RouteIn
from warroom.comms.templates import AUDIENCES
from warroom.core import outbox
from warroom.core.errors import WarroomError
from warroom.users.service import require_admin
from warroom.web.auth import Page, SignedIn
from warroom.web.rendering import form_value, form_values, render

router = APIRouter(include_in_schema=False)
KIND_LABELS = {"email": "E-mail (SMTP)", "slack": "Slack", "teams": "Microsoft Teams", "webhook": "Webhook (signed)"}
# form field -> (kind, "settings" or "secrets", key)
FIELDS = {
    "recipients": ("email", "settings", "recipients"),
    "slack_webhook_url": ("slack", "secrets", "webhook_url"),
    "slack_bot_token": ("slack", "secrets", "bot_token"),
    "slack_channel": ("slack", "settings", "channel"),
    "teams_webhook_url": ("teams", "secrets", "webhook_url"),
    "webhook_url": ("webhook", "settings", "url"),
    "signing_secret": ("webhook", "secrets", "signing_secret"),
}


def _kind_fields(page: Page, kind: str) -> tuple[dict, dict]:
    """The chosen kind's settings and the secrets typed in (blank secrets left out)."""
    settings: dict = {}
    secrets: dict = {}
    for name, (field_kind, part, key) in FIELDS.items():
        if field_kind != kind:
            continue
        value = form_value(page, name).strip()
        if part == "secrets":
            if value:
                secrets[key] = value
        elif key == "recipients":
            settings[key] = [r for r in re.split(r"[\s,;]+", value) if r]
        elif value:
            settings[key] = value
    return settings, secrets


def _route_from_form(page: Page) -> RouteIn:
    services = [s.strip().lower() for s in re.split(r"[\s,]+", form_value(page, "services")) if s.strip()]
    return RouteIn(events=form_values(page, "events"), severities=form_values(page, "severities"),
                   services=services, audiences=form_values(page, "audiences"))


def _route_in(route) -> RouteIn:
    return RouteIn(events=route.events, severities=route.severities, services=route.services,
                   audiences=route.audiences)


def _choices(page: Page) -> dict:
    return {"kinds": KIND_LABELS, "events": EVENTS, "audiences": AUDIENCES,
            "severities": [level.name for level in page.ctx.policy.severities],
            "services": [s.name for s in list_services(page.ctx.db)]}


def _list(request: Request, page: Page, *, values: dict | None = None, error: str | None = None,
          status_code: int = 200) -> HTMLResponse:
    return render(request, "admin_channels.html", page=page, status_code=status_code, active="admin", tab="channels",
                  channels=channels.list_channels(page.ctx), values=values or {}, error=error, **_choices(page))


def _detail(request: Request, page: Page, channel: Channel, *, error: str | None = None, notice: str | None = None,
            signing_secret: str | None = None, status_code: int = 200) -> HTMLResponse:
    return render(request, "admin_channel.html", page=page, status_code=status_code, active="admin", tab="channels",
                  channel=channel, error=error, notice=notice, signing_secret=signing_secret,
                  recent=deliveries.deliveries_to(page.ctx, channel), **_choices(page))


def _refused(exc: Exception) -> tuple[str, int]:
    if isinstance(exc, ValidationError):
        return first_problem(exc.errors())[1], 422
    assert isinstance(exc, WarroomError)
    return exc.message, exc.http_status


@router.get("/admin/channels", response_class=HTMLResponse)
def channels_page(request: Request, page: SignedIn) -> HTMLResponse:
    return _list(request, page)


@router.post("/admin/channels", response_class=HTMLResponse)
def add_channel(request: Request, page: SignedIn) -> Response:
    kind = form_value(page, "kind")
    values = {name: form_value(page, name) for name in ("name", "kind", "recipients", "slack_channel",
                                                        "webhook_url", "services")}
    values.update(events=form_values(page, "events"), severities=form_values(page, "severities"),
                  audiences=form_values(page, "audiences"))
    try:
        settings, secrets = _kind_fields(page, kind)
        data = ChannelIn(name=form_value(page, "name"), kind=kind, settings=settings, secrets=secrets,
                         routes=[_route_from_form(page)])
        channel, shown_once = channels.create_channel(page.ctx, data)
    except (ValidationError, WarroomError) as exc:
        page.discard()
        message, status = _refused(exc)
        return _list(request, page, values=values, error=message, status_code=status)
    if shown_once:  # the generated signing secret: shown on this response only
        return _detail(request, page, channel, signing_secret=shown_once, status_code=201,
                       notice="Channel added. Copy the signing secret now: it is not shown again.")
    return RedirectResponse(f"/admin/channels/{channel.id}", status_code=303)


@router.get("/admin/channels/{channel_id}", response_class=HTMLResponse)
def channel_page(request: Request, channel_id: int, page: SignedIn) -> HTMLResponse:
    tested = request.query_params.get("tested") == "1"
    return _detail(request, page, channels.get_channel(page.ctx, channel_id),
                   notice="Test message queued; its delivery shows under Recent messages within seconds "
                          "(reload to see it)." if tested else None)


def _change(request: Request, page: Page, channel_id: int, action, then: str = "") -> Response:
    """Run one change; a refusal re-renders the channel with the reason and changes nothing.
    Success redirects (so a reload does not repeat it), with `then` as the query string."""
    channel = channels.get_channel(page.ctx, channel_id)
    try:
        action(channel)
    except (ValidationError, WarroomError) as exc:
        page.discard()
        page.ctx.db.expire_all()
        message, status = _refused(exc)
        return _detail(request, page, channels.get_channel(page.ctx, channel_id), error=message, status_code=status)
    return RedirectResponse(f"/admin/channels/{channel_id}{then}", status_code=303)


@router.post("/admin/channels/{channel_id}/settings")
def save_settings(request: Request, channel_id: int, page: SignedIn) -> Response:
    def act(channel: Channel) -> None:
        settings, secrets = _kind_fields(page, channel.kind)
        managed = {key for kind, part, key in FIELDS.values() if kind == channel.kind and part == "settings"}
        settings = {**{k: v for k, v in channel.settings.items() if k not in managed}, **settings}
        patch = ChannelPatch(name=form_value(page, "name"), settings=settings, secrets=secrets,
                             enabled=form_value(page, "enabled") == "1")
        channels.update_channel(page.ctx, channel, patch)
    return _change(request, page, channel_id, act)


@router.post("/admin/channels/{channel_id}/routes")
def add_route(request: Request, channel_id: int, page: SignedIn) -> Response:
    def act(channel: Channel) -> None:
        routes = [_route_in(r) for r in channel.routes] + [_route_from_form(page)]
        channels.update_channel(page.ctx, channel, ChannelPatch(routes=routes))
    return _change(request, page, channel_id, act)


@router.post("/admin/channels/{channel_id}/routes/{route_id}/remove")
def remove_route(request: Request, channel_id: int, route_id: int, page: SignedIn) -> Response:
    def act(channel: Channel) -> None:
        routes = [_route_in(r) for r in channel.routes if r.id != route_id]
        channels.update_channel(page.ctx, channel, ChannelPatch(routes=routes))
    return _change(request, page, channel_id, act)


@router.post("/admin/channels/{channel_id}/test")
def send_test(request: Request, channel_id: int, page: SignedIn) -> Response:
    return _change(request, page, channel_id, lambda channel: channels.send_test(page.ctx, channel), then="?tested=1")


@router.post("/admin/channels/{channel_id}/delete")
def delete_channel(request: Request, channel_id: int, page: SignedIn) -> Response:
    channels.delete_channel(page.ctx, channels.get_channel(page.ctx, channel_id))
    return RedirectResponse("/admin/channels", status_code=303)


# --- the outbox ---------------------------------------------------------------------------------------

@router.get("/admin/outbox", response_class=HTMLResponse)
def outbox_page(request: Request, page: SignedIn, status: str = "") -> HTMLResponse:
    require_admin(page.ctx)
    error = None
    try:
        messages = deliveries.list_outbox(page.ctx, status or None)
    except WarroomError as exc:
        messages, error = [], exc.message
    return render(request, "admin_outbox.html", page=page, active="admin", tab="outbox", messages=messages,
                  status=status, statuses=outbox.STATUSES, error=error, status_code=422 if error else 200)


@router.get("/admin/outbox/{message_id}", response_class=HTMLResponse)
def message_page(request: Request, message_id: int, page: SignedIn) -> HTMLResponse:
    return render(request, "admin_message.html", page=page, active="admin", tab="outbox",
                  message=deliveries.get_delivery(page.ctx, message_id))


@router.post("/admin/outbox/{message_id}/retry")
def retry(request: Request, message_id: int, page: SignedIn) -> Response:
    try:
        deliveries.retry_message(page.ctx, message_id)
    except WarroomError as exc:
        page.discard()
        return render(request, "admin_message.html", page=page, active="admin", tab="outbox", error=exc.message,
                      message=deliveries.get_delivery(page.ctx, message_id), status_code=exc.http_status)
    return RedirectResponse(f"/admin/outbox/{message_id}", status_code=303)
