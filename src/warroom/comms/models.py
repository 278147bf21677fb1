"""Tables of communication: status updates, their templates, the channels they go out on, the
routing rules that pick channels, and the threads that keep one incident's messages together."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warroom.core.db import Base, UTCDateTime
from warroom.users.models import User


class StatusUpdate(Base):
    """One structured update: what is happening, who is affected, what we are doing, when next."""

    __tablename__ = "status_updates"
    __table_args__ = (Index("ix_status_updates_incident", "incident_id", "posted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    audience: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    whats_happening: Mapped[str] = mapped_column(Text)
    who_is_affected: Mapped[str] = mapped_column(Text)
    what_we_are_doing: Mapped[str] = mapped_column(Text)
    next_update_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    subject: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime())

    author: Mapped[User | None] = relationship(lazy="joined")


class MessageTemplate(Base):
    """An admin's replacement for a default template of one audience and kind."""

    __tablename__ = "message_templates"
    __table_args__ = (UniqueConstraint("audience", "kind", name="uq_message_templates_audience_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    audience: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Channel(Base):
    """Somewhere messages go: an e-mail list, a Slack channel, a Teams channel, a webhook.

    `settings` is what can be shown (recipients, Slack channel id); `secrets` (webhook URLs, tokens,
    signing keys) is written by admins and read only by the transports: never returned by the API
    nor shown on a page after saving.
    """

    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    secrets: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    routes: Mapped[list[Route]] = relationship(back_populates="channel", cascade="all, delete-orphan",
                                               order_by="Route.id")


class Route(Base):
    """Which events go to a channel. An empty list means "any": any severity, service, audience."""

    __tablename__ = "channel_routes"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"), index=True)
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    severities: Mapped[list[str]] = mapped_column(JSON, default=list)
    services: Mapped[list[str]] = mapped_column(JSON, default=list)
    audiences: Mapped[list[str]] = mapped_column(JSON, default=list)

    channel: Mapped[Channel] = relationship(back_populates="routes")


class DeliveryThread(Base):
    """The first message of an incident on a channel (a Slack `ts`, an e-mail Message-ID): later
    messages of the incident reply to it, so a channel reads as one conversation per incident."""

    __tablename__ = "delivery_threads"
    __table_args__ = (UniqueConstraint("channel_id", "incident_id", name="uq_delivery_threads_channel_incident"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    ref: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
