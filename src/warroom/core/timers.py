"""Durable deadlines: a timer is a row with a due time, not something held in memory.

Services schedule timers in the same transaction as the change that makes them due. Workers claim
due rows (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite has a single writer anyway), run the
handler for the timer's kind in the same transaction, and mark the row fired. So a deadline fires
once, even with several workers, and a restart in the middle of a wait loses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Index, Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from warroom.core.context import Context
from warroom.core.db import Base, UTCDateTime

log = logging.getLogger("warroom.timers")
MAX_BACKOFF = timedelta(minutes=10)


class Timer(Base):
    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_pending", "fired_at", "canceled_at", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    canceled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")


TimerHandler = Callable[[Context, Timer], None]
_handlers: dict[str, TimerHandler] = {}


def handles(kind: str) -> Callable[[TimerHandler], TimerHandler]:
    """Register the function that runs when a timer of `kind` comes due."""

    def register(handler: TimerHandler) -> TimerHandler:
        _handlers[kind] = handler
        return handler

    return register


def schedule(ctx: Context, kind: str, subject_id: int, due_at: datetime) -> Timer:
    timer = Timer(kind=kind, subject_id=subject_id, due_at=due_at, created_at=ctx.now(), attempts=0,
                  last_error="")
    ctx.db.add(timer)
    return timer


def cancel(ctx: Context, kind: str, subject_id: int) -> int:
    result = ctx.db.execute(
        update(Timer).where(Timer.kind == kind, Timer.subject_id == subject_id,
                            Timer.fired_at.is_(None), Timer.canceled_at.is_(None))
        .values(canceled_at=ctx.now()))
    return result.rowcount or 0


def reschedule(ctx: Context, kind: str, subject_id: int, due_at: datetime) -> Timer:
    cancel(ctx, kind, subject_id)
    return schedule(ctx, kind, subject_id, due_at)


def pending(db: Session, kind: str, subject_id: int) -> list[Timer]:
    return list(db.scalars(select(Timer).where(
        Timer.kind == kind, Timer.subject_id == subject_id, Timer.fired_at.is_(None),
        Timer.canceled_at.is_(None)).order_by(Timer.due_at)))


def fire_due(ctx_factory: Callable[[Session], Context], session: Session, *, batch: int = 50) -> int:
    """Fire up to `batch` due timers in `session`'s transaction; returns how many were handled."""
    ctx = ctx_factory(session)
    now = ctx.now()
    due = list(session.scalars(
        select(Timer).where(Timer.fired_at.is_(None), Timer.canceled_at.is_(None), Timer.due_at <= now)
        .order_by(Timer.due_at, Timer.id).limit(batch).with_for_update(skip_locked=True)))
    for timer in due:
        handler = _handlers.get(timer.kind)
        try:
            with session.begin_nested():
                if handler is None:
                    raise LookupError(f"no handler for timer kind {timer.kind!r}")
                handler(ctx, timer)
        except Exception as exc:  # noqa: BLE001 - one bad timer must not stop the others
            timer.attempts += 1
            timer.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            timer.due_at = now + min(timedelta(seconds=2 ** timer.attempts), MAX_BACKOFF)
            log.warning("timer %s (%s) failed, retrying at %s: %s", timer.id, timer.kind, timer.due_at, exc)
        else:
            timer.fired_at = now
    return len(due)
