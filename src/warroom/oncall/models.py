"""Tables of on-call schedules. API shapes are in schemas.py, the rotation rules in rotation.py.

A schedule is rules, not a log: who was on call at a past moment is computed from the layers and
overrides as they are now, so changing a layer changes the past answers too (add a new layer that
starts later to change a rotation from a date on).
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import (JSON, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, Time,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warroom.core.db import Base, UTCDateTime
from warroom.users.models import User


class Schedule(Base):
    __tablename__ = "oncall_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # The IANA zone that the layers' start, handoff and restriction times are wall-clock times in.
    timezone: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    layers: Mapped[list[ScheduleLayer]] = relationship(
        cascade="all, delete-orphan", order_by="(ScheduleLayer.position, ScheduleLayer.id)")


class ScheduleLayer(Base):
    """A rotation. `position` orders the layers: a higher one wins where it has somebody."""

    __tablename__ = "oncall_layers"

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("oncall_schedules.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100), default="")
    # Local wall times in the schedule's zone (naive on purpose: 09:00 stays 09:00 across DST).
    rotation_start: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    handoff_time: Mapped[time] = mapped_column(Time())
    handoff_weekday: Mapped[int | None] = mapped_column(Integer)  # weekly shifts: 0 = Monday
    shift_length: Mapped[int] = mapped_column(Integer)
    shift_unit: Mapped[str] = mapped_column(String(8))  # hours | days | weeks
    # [{"days": ["mon", ...], "start": "HH:MM", "end": "HH:MM"}] in the schedule's zone; [] = always.
    restrictions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    members: Mapped[list[LayerMember]] = relationship(cascade="all, delete-orphan",
                                                      order_by="LayerMember.position", lazy="selectin")


class LayerMember(Base):
    """A turn in a layer's rotation; the same person may take several turns."""

    __tablename__ = "oncall_layer_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    layer_id: Mapped[int] = mapped_column(ForeignKey("oncall_layers.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)

    user: Mapped[User] = relationship(lazy="joined")


class Override(Base):
    """Puts a person on call for a window, above every layer."""

    __tablename__ = "oncall_overrides"
    __table_args__ = (Index("ix_oncall_overrides_schedule_ends", "schedule_id", "ends_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("oncall_schedules.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id], lazy="joined")


class FeedToken(Base):
    """The secret of an iCalendar feed URL, of one schedule or of one person across schedules.
    Only a SHA-256 of it is kept (like API tokens); revoking it ends the URL."""

    __tablename__ = "oncall_feed_tokens"
    __table_args__ = (CheckConstraint("(schedule_id IS NULL) != (user_id IS NULL)", name="one_owner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("oncall_schedules.id", ondelete="CASCADE"),
                                                    index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    schedule: Mapped[Schedule | None] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])


# --- paging: how to reach people, escalation policies, and paging runs --------------------------------

CONTACT_KINDS = ("email", "slack", "webhook")
URGENCIES = ("high", "low")
PAGE_STATUSES = ("active", "acknowledged", "resolved", "stopped")


class ContactMethod(Base):
    """A way to reach one person: an e-mail address, a Slack user id, or a webhook URL (an SMS or
    voice provider's bridge). Paging uses it only once the person proved it works (verified_at)."""

    __tablename__ = "contact_methods"
    __table_args__ = (UniqueConstraint("user_id", "kind", "address", name="uq_contact_methods_address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(500))
    label: Mapped[str] = mapped_column(String(100), default="")
    # Webhooks are signed (Standard Webhooks) with this; empty for the other kinds.
    secret: Mapped[str] = mapped_column(String(64), default="")
    # A SHA-256 of the code the last test message carried; the person sends it back to verify.
    verify_code_hash: Mapped[str | None] = mapped_column(String(64))
    verify_code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined")


class NotificationRule(Base):
    """Reach me on `contact_method` `delay_minutes` after I am paged with this urgency."""

    __tablename__ = "notification_rules"
    __table_args__ = (UniqueConstraint("contact_method_id", "urgency", "delay_minutes",
                                       name="uq_notification_rules_step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    contact_method_id: Mapped[int] = mapped_column(ForeignKey("contact_methods.id", ondelete="CASCADE"),
                                                   index=True)
    urgency: Mapped[str] = mapped_column(String(8))
    delay_minutes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    contact_method: Mapped[ContactMethod] = relationship(lazy="joined")


class EscalationPolicy(Base):
    __tablename__ = "escalation_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # How many more times the whole policy runs after its last level while nobody acknowledges.
    repeat: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    levels: Mapped[list[EscalationLevel]] = relationship(
        cascade="all, delete-orphan", order_by="EscalationLevel.position", lazy="selectin")


class EscalationLevel(Base):
    """Who is paged at this step, and how long to wait for an acknowledgement before the next.

    Targets are a JSON list ([{"type": "user"|"schedule", "id": 3}]) rather than two association
    tables: a level is always read and written whole, and schedules are resolved to people only
    when the level fires (on_call_at), so a removed target is skipped then and noted on the timeline.
    """

    __tablename__ = "escalation_levels"

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("escalation_policies.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 1 = paged first
    delay_minutes: Mapped[int] = mapped_column(Integer)
    targets: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class Page(Base):
    """One paging run of an incident through one escalation policy (an incident whose services have
    two policies has two). `level` and `round` say where escalation stands (0-based)."""

    __tablename__ = "pages"
    __table_args__ = (Index("ix_pages_incident", "incident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("escalation_policies.id", ondelete="SET NULL"))
    policy_name: Mapped[str] = mapped_column(String(100))  # kept if the policy is deleted later
    mode: Mapped[str] = mapped_column(String(16))  # all_hands | escalate | low_urgency
    urgency: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    level: Mapped[int] = mapped_column(Integer, default=0)
    round: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    next_step_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Keys this page's one-click acknowledgement links (warroom.oncall.ack_links).
    link_secret: Mapped[str] = mapped_column(String(64))

    acknowledged_by: Mapped[User | None] = relationship()  # not joined: pages are locked FOR UPDATE


class PageNotification(Base):
    """One message to one person about one page: who, at which level, how, and when it went out."""

    __tablename__ = "page_notifications"
    __table_args__ = (Index("ix_page_notifications_page", "page_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    round: Mapped[int] = mapped_column(Integer)
    # None: the person had no verified contact method, so their account e-mail was used.
    contact_method_id: Mapped[int | None] = mapped_column(ForeignKey("contact_methods.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    canceled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outbox_message_id: Mapped[int | None] = mapped_column(Integer)

    user: Mapped[User] = relationship(lazy="joined")
