"""Tables of on-call schedules. API shapes are in schemas.py, the rotation rules in rotation.py.

A schedule is rules, not a log: who was on call at a past moment is computed from the layers and
overrides as they are now, so changing a layer changes the past answers too (add a new layer that
starts later to change a rotation from a date on).
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, Time
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
