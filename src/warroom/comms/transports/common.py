"""What every transport needs: the channel a message targets, and the incident's thread on it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from warroom.comms.models import Channel, DeliveryThread
from warroom.core.outbox import DeliveryFailed, Envelope


@dataclass(frozen=True)
class ChannelConfig:
    id: int
    name: str
    kind: str
    settings: dict[str, Any]
    secrets: dict[str, Any]


def channel_of(runtime, envelope: Envelope) -> ChannelConfig:
    channel_id = envelope.target.get("channel_id")
    with runtime.db.read_session() as db:
        channel = db.get(Channel, channel_id) if channel_id else None
        if channel is None:
            raise DeliveryFailed(f"channel {channel_id} no longer exists", permanent=True)
        if not channel.enabled and envelope.payload.get("event") != "test":
            raise DeliveryFailed(f"channel {channel.name} is disabled", permanent=True)
        return ChannelConfig(channel.id, channel.name, channel.kind, dict(channel.settings),
                             dict(channel.secrets))


def thread_ref(runtime, channel_id: int, incident_id: int | None) -> str | None:
    if incident_id is None:
        return None
    with runtime.db.read_session() as db:
        return db.scalar(select(DeliveryThread.ref).where(DeliveryThread.channel_id == channel_id,
                                                          DeliveryThread.incident_id == incident_id))


def remember_thread(runtime, channel_id: int, incident_id: int | None, ref: str) -> None:
    """The first message of an incident on a channel becomes the thread the others reply to."""
    if incident_id is None or not ref:
        return
    try:
        with runtime.db.write_session() as db:
            db.add(DeliveryThread(channel_id=channel_id, incident_id=incident_id, ref=ref,
                                  created_at=runtime.clock.now()))
    except IntegrityError:
        pass  # another message of the incident started the thread first; replies go there


def incident_url(payload: dict) -> str | None:
    incident = payload.get("incident") or {}
    return incident.get("url")
