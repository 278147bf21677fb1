"""What happened to the messages: per incident (for its room and the API) and across the outbox
(for admins, with the dead letters they can retry)."""

from __future__ import annotations

from sqlalchemy import select

from warroom.comms.models import Channel
from warroom.comms.schemas import AttemptOut, DeliveryDetail, DeliveryOut
from warroom.core import outbox
from warroom.core.context import Context
from warroom.core.errors import Invalid, NotFound
from warroom.core.outbox import OutboxMessage
from warroom.incidents.models import Incident
from warroom.users.service import require_admin

MAX_LIST = 500


def _describe(messages: list[OutboxMessage], names: dict[int, str]) -> list[DeliveryOut]:
    result = []
    for m in messages:
        target = m.target or {}
        channel = names.get(target.get("channel_id")) if "channel_id" in target else None
        if channel is None and "user_id" in target:
            channel = "reminder by e-mail"
        result.append(DeliveryOut(
            id=m.id, key=m.key, transport=m.transport, channel=channel, event=(m.payload or {}).get("event", ""),
            status=m.status, attempts=m.attempts, created_at=m.created_at,
            next_attempt_at=m.next_attempt_at if m.status == "pending" else None,
            delivered_at=m.delivered_at, last_error=m.last_error))
    return result


def _channel_names(ctx: Context) -> dict[int, str]:
    return dict(ctx.db.execute(select(Channel.id, Channel.name)).all())


def deliveries_of(ctx: Context, incident: Incident) -> list[DeliveryOut]:
    """The incident's messages, oldest first; the caller has already checked it may see it."""
    return _describe(outbox.messages_about(ctx.db, "incident", incident.id), _channel_names(ctx))


def list_outbox(ctx: Context, status: str | None = None, limit: int = 100) -> list[DeliveryOut]:
    require_admin(ctx)
    query = select(OutboxMessage)
    if status:
        if status not in outbox.STATUSES:
            raise Invalid(f"unknown status {status!r}; allowed: {', '.join(outbox.STATUSES)}", field="status")
        query = query.where(OutboxMessage.status == status)
    messages = list(ctx.db.scalars(query.order_by(OutboxMessage.id.desc()).limit(min(max(limit, 1), MAX_LIST))))
    return _describe(messages, _channel_names(ctx))


def deliveries_to(ctx: Context, channel: Channel, limit: int = 20) -> list[DeliveryOut]:
    """The latest messages for one channel (its settings page), newest first."""
    require_admin(ctx)
    messages = list(ctx.db.scalars(select(OutboxMessage).where(
        OutboxMessage.target["channel_id"].as_integer() == channel.id)
        .order_by(OutboxMessage.id.desc()).limit(limit)))
    return _describe(messages, {channel.id: channel.name})


def get_delivery(ctx: Context, message_id: int) -> DeliveryDetail:
    require_admin(ctx)
    message = ctx.db.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound(f"no outbox message {message_id}", field="message")
    attempts = [AttemptOut.model_validate(a) for a in outbox.attempts_of(ctx.db, message.id)]
    return DeliveryDetail(**_describe([message], _channel_names(ctx))[0].model_dump(), attempts_made=attempts)


def retry_message(ctx: Context, message_id: int) -> DeliveryOut:
    require_admin(ctx)
    message = outbox.retry(ctx, message_id)
    return _describe([message], _channel_names(ctx))[0]


def describe_one(ctx: Context, message: OutboxMessage) -> DeliveryOut:
    return _describe([message], _channel_names(ctx))[0]
