"""Subscribers of the public status page over the API (admins): list, add, remove. The public
subscribes through the status page's form (web/status_subscribe.py), never through here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from warroom.api.deps import Ctx
from warroom.statuspage import subscriptions
from warroom.statuspage.subscriber_schemas import SubscriberCreated, SubscriberIn, SubscriberOut, SubscriberPage

router = APIRouter(prefix="/api/v1/status/subscribers", tags=["status page"])


@router.get("", response_model=SubscriberPage, summary="Subscribers, newest first (admins)")
def list_subscribers(
    ctx: Ctx,
    kind: Annotated[str | None, Query(pattern="^(email|webhook)$")] = None,
    status: Annotated[str | None, Query(pattern="^(pending|active|unsubscribed)$")] = None,
    limit: Annotated[int, Query(ge=1, le=subscriptions.MAX_PAGE)] = 50,
    cursor: Annotated[str | None, Query(max_length=18, pattern="^[0-9]+$")] = None,
) -> SubscriberPage:
    items, total, next_cursor = subscriptions.list_subscribers(ctx, kind=kind, status=status, limit=limit,
                                                               cursor=cursor)
    names = subscriptions.component_names(ctx)
    return SubscriberPage(items=[SubscriberOut.of(s, names) for s in items], total=total, next_cursor=next_cursor)


@router.post("", status_code=201, response_model=SubscriberCreated,
             summary="Add a subscriber; a webhook's signing secret is returned this once")
def add_subscriber(ctx: Ctx, body: SubscriberIn, response: Response) -> SubscriberCreated:
    subscriber, secret = subscriptions.add_subscriber(ctx, kind=body.kind, target=body.target,
                                                      components=body.components, confirmed=body.confirmed)
    response.headers["Location"] = f"/api/v1/status/subscribers/{subscriber.id}"
    return SubscriberCreated.of(subscriber, subscriptions.component_names(ctx), secret=secret)


@router.delete("/{subscriber_id}", response_model=SubscriberOut,
               summary="Remove a subscriber (returned as it was); its waiting messages are not sent")
def remove_subscriber(ctx: Ctx, subscriber_id: Annotated[int, Path(ge=1, le=2**31 - 1)]) -> SubscriberOut:
    found = subscriptions.get_subscriber(ctx, subscriber_id)
    gone = SubscriberOut.of(found, subscriptions.component_names(ctx))
    subscriptions.remove_subscriber(ctx, found)
    return gone
