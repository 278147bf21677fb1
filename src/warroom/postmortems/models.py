"""Tables of postmortems and action items. API shapes are in schemas.py."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warroom.core.db import Base, UTCDateTime
from warroom.users.models import User

POSTMORTEM_STATUSES = ("draft", "in_review", "published")
ACTION_TYPES = ("mitigate", "prevent", "detect", "process")
ACTION_STATUSES = ("open", "done", "wont_do")
PRIORITIES = ("high", "medium", "low")


class Postmortem(Base):
    """One per incident. Text sections are columns; list sections (contributing factors, what went
    well, what went poorly, where we got lucky) are JSON lists of short statements, so each one can
    be counted and searched. `version` grows with every saved change (see PostmortemRevision)."""

    __tablename__ = "postmortems"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    required: Mapped[bool] = mapped_column(default=False)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    summary: Mapped[str] = mapped_column(Text, default="")
    impact: Mapped[str] = mapped_column(Text, default="")
    detection: Mapped[str] = mapped_column(Text, default="")
    contributing_factors: Mapped[list[str]] = mapped_column(JSON, default=list)
    went_well: Mapped[list[str]] = mapped_column(JSON, default=list)
    went_poorly: Mapped[list[str]] = mapped_column(JSON, default=list)
    got_lucky: Mapped[list[str]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    review_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    whys: Mapped[list[WhyStep]] = relationship(cascade="all, delete-orphan", order_by="WhyStep.position")
    timeline: Mapped[list[PostmortemEntry]] = relationship(
        cascade="all, delete-orphan", order_by="(PostmortemEntry.at, PostmortemEntry.id)")
    reviewers: Mapped[list[Reviewer]] = relationship(cascade="all, delete-orphan", order_by="Reviewer.added_at")
    published_by: Mapped[User | None] = relationship()


class WhyStep(Base):
    """One question and answer of the 5-whys chain; the last answer names the systemic cause."""

    __tablename__ = "postmortem_whys"

    id: Mapped[int] = mapped_column(primary_key=True)
    postmortem_id: Mapped[int] = mapped_column(ForeignKey("postmortems.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)


class PostmortemEntry(Base):
    """A line of the postmortem's own timeline: prefilled from the incident's key events and status
    and severity changes, then edited freely (backdated lines allowed)."""

    __tablename__ = "postmortem_timeline"

    id: Mapped[int] = mapped_column(primary_key=True)
    postmortem_id: Mapped[int] = mapped_column(ForeignKey("postmortems.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    text: Mapped[str] = mapped_column(Text)
    source_event_id: Mapped[int | None] = mapped_column(Integer)


class Reviewer(Base):
    __tablename__ = "postmortem_reviewers"

    postmortem_id: Mapped[int] = mapped_column(ForeignKey("postmortems.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined")


class PostmortemRevision(Base):
    """Who changed what, when: every saved change, with each changed section's before and after."""

    __tablename__ = "postmortem_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    postmortem_id: Mapped[int] = mapped_column(ForeignKey("postmortems.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    changed_by: Mapped[User | None] = relationship(lazy="joined")


class ActionItem(Base):
    __tablename__ = "action_items"
    __table_args__ = (Index("ix_action_items_owner_status", "owner_id", "status"),
                      Index("ix_action_items_status_due", "status", "due_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    postmortem_id: Mapped[int | None] = mapped_column(ForeignKey("postmortems.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(300))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date] = mapped_column(Date)
    priority: Mapped[str] = mapped_column(String(8), default="medium")
    type: Mapped[str] = mapped_column(String(16), default="prevent")
    status: Mapped[str] = mapped_column(String(16), default="open")
    wont_do_reason: Mapped[str] = mapped_column(Text, default="")
    ticket_url: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # When it was done or dropped; "closed on time" compares this with the end of due_on.
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    owner: Mapped[User] = relationship(foreign_keys=[owner_id], lazy="joined")
