"""Communication over the API: status updates of an incident and their delivery, channels with
their routes, message templates, and the outbox (admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from warroom.api.deps import Ctx
from warroom.comms import channels, deliveries, templates, updates
from warroom.comms.models import Channel
from warroom.comms.schemas import (
    ChannelCreated, ChannelIn, ChannelOut, ChannelPatch, DeliveryDetail, DeliveryOut, RouteOut, TemplateIn, TemplateOut,
    UpdateIn, UpdateOut, UpdatePreview,
)
from warroom.incidents import service

incident_router = APIRouter(prefix="/api/v1/incidents", tags=["updates"])
router = APIRouter(prefix="/api/v1", tags=["communication"])
IncidentKey = Annotated[str, "incident id or ref, e.g. 42 or INC-42"]


@incident_router.post("/{incident}/updates", status_code=201, response_model=UpdateOut,
                      summary="Post a status update (rendered, on the timeline, sent to the channels)")
def post_update(ctx: Ctx, incident: IncidentKey, body: UpdateIn) -> UpdateOut:
    return UpdateOut.model_validate(updates.post_update(ctx, service.get_incident(ctx, incident), body))


@incident_router.post("/{incident}/updates/preview", response_model=UpdatePreview,
                      summary="Render an update without posting it")
def preview_update(ctx: Ctx, incident: IncidentKey, body: UpdateIn) -> UpdatePreview:
    kind, subject, text = updates.preview_update(ctx, service.get_incident(ctx, incident), body)
    return UpdatePreview(audience=body.audience, kind=kind, subject=subject, text=text)


@incident_router.get("/{incident}/updates", response_model=list[UpdateOut], summary="Updates, oldest first")
def list_updates(ctx: Ctx, incident: IncidentKey,
                 audience: Annotated[str | None, Query(pattern="^(internal|public|customers)$")] = None,
                 ) -> list[UpdateOut]:
    found = service.get_incident(ctx, incident)
    return [UpdateOut.model_validate(u) for u in updates.list_updates(ctx, found, audience)]


@incident_router.get("/{incident}/deliveries", response_model=list[DeliveryOut],
                     summary="Every message about the incident and how its delivery went")
def incident_deliveries(ctx: Ctx, incident: IncidentKey) -> list[DeliveryOut]:
    return deliveries.deliveries_of(ctx, service.get_incident(ctx, incident))


# --- channels -----------------------------------------------------------------------------------------

def channel_out(channel: Channel, model=ChannelOut, **extra):
    return model(id=channel.id, name=channel.name, kind=channel.kind, settings=channel.settings,
                 secrets_set=sorted(channel.secrets), enabled=channel.enabled,
                 routes=[RouteOut.model_validate(r) for r in channel.routes], created_at=channel.created_at,
                 updated_at=channel.updated_at, **extra)


@router.get("/channels", response_model=list[ChannelOut], summary="Channels (admins)")
def list_channels(ctx: Ctx) -> list[ChannelOut]:
    return [channel_out(c) for c in channels.list_channels(ctx)]


@router.post("/channels", status_code=201, response_model=ChannelCreated,
             summary="Add a channel; a webhook's signing secret is returned this once")
def create_channel(ctx: Ctx, body: ChannelIn, response: Response) -> ChannelCreated:
    channel, secret = channels.create_channel(ctx, body)
    response.headers["Location"] = f"/api/v1/channels/{channel.id}"
    return channel_out(channel, ChannelCreated, signing_secret=secret)


@router.get("/channels/{channel}", response_model=ChannelOut)
def get_channel(ctx: Ctx, channel: str) -> ChannelOut:
    return channel_out(channels.get_channel(ctx, channel))


@router.patch("/channels/{channel}", response_model=ChannelOut,
              summary="Change a channel; secrets given replace those of the same name")
def patch_channel(ctx: Ctx, channel: str, body: ChannelPatch) -> ChannelOut:
    return channel_out(channels.update_channel(ctx, channels.get_channel(ctx, channel), body))


@router.delete("/channels/{channel}", response_model=ChannelOut,
               summary="Delete a channel (returned as it was); its waiting messages are dead-lettered")
def delete_channel(ctx: Ctx, channel: str) -> ChannelOut:
    found = channels.get_channel(ctx, channel)
    gone = channel_out(found)
    channels.delete_channel(ctx, found)
    return gone


@router.post("/channels/{channel}/test", status_code=202, response_model=DeliveryOut,
             summary="Queue a test message; poll /outbox or the channel's deliveries for the result")
def test_channel(ctx: Ctx, channel: str) -> DeliveryOut:
    message = channels.send_test(ctx, channels.get_channel(ctx, channel))
    ctx.db.flush()
    return deliveries.describe_one(ctx, message)


# --- templates ----------------------------------------------------------------------------------------

Audience = Annotated[str, Path(pattern="^(internal|public|customers)$")]
Kind = Annotated[str, Path(pattern="^(initial|update|mitigated|resolved)$")]


@router.get("/templates", response_model=list[TemplateOut],
            summary="Every audience and kind, the admin's version or the built-in default")
def list_templates(ctx: Ctx) -> list[TemplateOut]:
    return [TemplateOut(audience=a, kind=k, subject=s, body=b, customized=saved is not None,
                        updated_at=saved.updated_at if saved else None)
            for a, k, s, b, saved in updates.list_templates(ctx)]


@router.put("/templates/{audience}/{kind}", response_model=TemplateOut,
            summary="Replace a template (refused, with line and reason, if it fails to render)")
def save_template(ctx: Ctx, audience: Audience, kind: Kind, body: TemplateIn) -> TemplateOut:
    saved = updates.save_template(ctx, audience, kind, body.subject, body.body)
    return TemplateOut(audience=audience, kind=kind, subject=saved.subject, body=saved.body, customized=True,
                       updated_at=saved.updated_at)


@router.delete("/templates/{audience}/{kind}", response_model=TemplateOut, summary="Back to the default")
def reset_template(ctx: Ctx, audience: Audience, kind: Kind) -> TemplateOut:
    updates.reset_template(ctx, audience, kind)
    subject, body = templates.default_template(audience, kind)
    return TemplateOut(audience=audience, kind=kind, subject=subject, body=body, customized=False)


# --- outbox -------------------------------------------------------------------------------------------

@router.get("/outbox", response_model=list[DeliveryOut], summary="Recent messages, newest first (admins)")
def list_outbox(ctx: Ctx, status: Annotated[str | None, Query(pattern="^(pending|sending|delivered|dead)$")] = None,
                limit: Annotated[int, Query(ge=1, le=deliveries.MAX_LIST)] = 100) -> list[DeliveryOut]:
    return deliveries.list_outbox(ctx, status, limit)


@router.get("/outbox/{message_id}", response_model=DeliveryDetail, summary="One message and its attempts")
def get_message(ctx: Ctx, message_id: int) -> DeliveryDetail:
    return deliveries.get_delivery(ctx, message_id)


@router.post("/outbox/{message_id}/retry", response_model=DeliveryOut, summary="Retry a dead message")
def retry_message(ctx: Ctx, message_id: int) -> DeliveryOut:
    return deliveries.retry_message(ctx, message_id)
