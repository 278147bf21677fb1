"""Channels (where messages go) and their routes (which events go there): admin operations.

Each kind says which settings and secrets it needs; secrets are write-only (never returned).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from warroom.comms.models import Channel, Route
from warroom.comms.schemas import ChannelIn, ChannelPatch, RouteIn
from warroom.core import outbox, webhooks
from warroom.core.context import Context
from warroom.core.errors import Conflict, Invalid, NotFound
from warroom.users.service import require_admin

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
URL_RE = re.compile(r"^https?://[^\s/]+", re.IGNORECASE)

# kind -> (allowed settings, allowed secrets)
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "email": (("recipients",), ()),
    "slack": (("channel", "api_base"), ("webhook_url", "bot_token")),
    "teams": ((), ("webhook_url",)),
    "webhook": (("url",), ("signing_secret",)),
}


def _url(value: Any, field: str) -> str:
    if not isinstance(value, str) or not URL_RE.match(value.strip()):
        raise Invalid(f"{field} must be an http:// or https:// URL", field=field)
    return value.strip()


def _check_settings(kind: str, settings: dict[str, Any], secrets: dict[str, str]) -> None:
    allowed_settings, allowed_secrets = KINDS[kind]
    for key in settings:
        if key not in allowed_settings:
            raise Invalid(f"{kind} channels have no setting {key!r}; allowed: "
                          f"{', '.join(allowed_settings) or 'none'}", field=f"settings.{key}")
    for key in secrets:
        if key not in allowed_secrets:
            raise Invalid(f"{kind} channels have no secret {key!r}; allowed: "
                          f"{', '.join(allowed_secrets) or 'none'}", field=f"secrets.{key}")
    if kind == "email":
        recipients = settings.get("recipients")
        if not isinstance(recipients, list) or not recipients or not all(
                isinstance(r, str) and EMAIL_RE.match(r) for r in recipients):
            raise Invalid("recipients must be a non-empty list of e-mail addresses",
                          field="settings.recipients")
    elif kind == "slack":
        if "webhook_url" in secrets:
            _url(secrets["webhook_url"], "secrets.webhook_url")
        elif "bot_token" in secrets:
            if not isinstance(settings.get("channel"), str) or not settings["channel"].strip():
                raise Invalid("a Slack bot token needs settings.channel (the channel id, e.g. C0123456)",
                              field="settings.channel")
        else:
            raise Invalid("Slack needs secrets.webhook_url (incoming webhook) or secrets.bot_token "
                          "with settings.channel", field="secrets")
    elif kind == "teams":
        _url(secrets.get("webhook_url"), "secrets.webhook_url")
    elif kind == "webhook":
        _url(settings.get("url"), "settings.url")


def _routes(ctx: Context, routes: list[RouteIn]) -> list[Route]:
    names = {level.name for level in ctx.policy.severities}
    for route in routes:
        for severity in route.severities:
            if severity.upper() not in names:
                raise Invalid(f"unknown severity {severity!r}; allowed: {', '.join(sorted(names))}",
                              field="routes.severities")
    return [Route(events=list(r.events), severities=[s.upper() for s in r.severities],
                  services=[s.lower() for s in r.services], audiences=list(r.audiences)) for r in routes]


def create_channel(ctx: Context, data: ChannelIn) -> tuple[Channel, str | None]:
    """Returns the channel and, for webhooks, the signing secret to show once."""
    require_admin(ctx)
    secrets = {k: v.strip() for k, v in data.secrets.items()}
    shown_once = None
    if data.kind == "webhook" and "signing_secret" not in secrets:
        secrets["signing_secret"] = shown_once = webhooks.new_secret()
    _check_settings(data.kind, data.settings, secrets)
    name = data.name.strip()
    if ctx.db.scalar(select(Channel.id).where(Channel.name == name)) is not None:
        raise Conflict(f"a channel named {name!r} exists", field="name")
    channel = Channel(name=name, kind=data.kind, settings=dict(data.settings), secrets=secrets,
                      enabled=data.enabled, created_at=ctx.now(), updated_at=ctx.now(),
                      routes=_routes(ctx, data.routes))
    ctx.db.add(channel)
    ctx.db.flush()
    return channel, shown_once


def get_channel(ctx: Context, ref: str | int) -> Channel:
    require_admin(ctx)
    text = str(ref).strip()
    channel = ctx.db.get(Channel, int(text)) if text.isdigit() else ctx.db.scalar(
        select(Channel).where(Channel.name == text))
    if channel is None:
        raise NotFound(f"no channel {text!r}", field="channel")
    return channel


def list_channels(ctx: Context) -> list[Channel]:
    require_admin(ctx)
    return list(ctx.db.scalars(select(Channel).order_by(Channel.name)))


def update_channel(ctx: Context, channel: Channel, patch: ChannelPatch) -> Channel:
    require_admin(ctx)
    settings = dict(patch.settings) if patch.settings is not None else dict(channel.settings)
    secrets = {**channel.secrets, **{k: v.strip() for k, v in (patch.secrets or {}).items()}}
    _check_settings(channel.kind, settings, secrets)
    if patch.name is not None and patch.name.strip() != channel.name:
        if ctx.db.scalar(select(Channel.id).where(Channel.name == patch.name.strip())) is not None:
            raise Conflict(f"a channel named {patch.name.strip()!r} exists", field="name")
        channel.name = patch.name.strip()
    if patch.routes is not None:
        channel.routes = _routes(ctx, patch.routes)
    if patch.enabled is not None:
        channel.enabled = patch.enabled
    channel.settings, channel.secrets, channel.updated_at = settings, secrets, ctx.now()
    ctx.db.flush()
    return channel


def delete_channel(ctx: Context, channel: Channel) -> None:
    require_admin(ctx)
    ctx.db.delete(channel)
    ctx.db.flush()


def send_test(ctx: Context, channel: Channel) -> outbox.OutboxMessage:
    """Queue a test message to the channel; its delivery shows whether the settings work."""
    require_admin(ctx)
    payload = {"event": "test", "subject": f"Test message from Warroom to {channel.name}",
               "text": "If you can read this, Warroom can post to this channel.",
               "incident": None, "update": None}
    return outbox.enqueue(ctx, channel.kind, target={"channel_id": channel.id}, payload=payload,
                          subject=("channel", channel.id))


def route_matches(route: Route, event: str, severity: str, services: list[str], audience: str) -> bool:
    return ((not route.events or event in route.events)
            and (not route.severities or severity in route.severities)
            and (not route.services or bool(set(route.services) & set(services)))
            and (not route.audiences or audience in route.audiences))
