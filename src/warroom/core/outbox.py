"""The transactional outbox: every outgoing message is a row written in the same transaction as the
change that caused it, and delivered afterwards by workers.

    enqueue(ctx, "webhook", target={"channel_id": 3}, payload={...}, subject=("incident", 12))

Delivery is at least once, with one idempotency key per message kept across retries (it becomes the
`webhook-id`, the Message-ID, ...), so receivers can drop duplicates.

A worker *claims* due messages in a short transaction (FOR UPDATE SKIP LOCKED on PostgreSQL) and
leases them: status `sending` until `leased_until`. It sends with no transaction open, then records
the attempt in a second short transaction. A worker that dies mid-send leaves a lease that expires,
and the message is sent again with the same key. Failures back off exponentially with full jitter
until the message is older than its max age; then it is `dead` (dead-lettered) until an admin retries.
"""

from __future__ import annotations

import logging
import random
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, event, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from warroom.core.context import Context
from warroom.core.db import Base, UTCDateTime
from warroom.core.errors import Conflict, NotFound

log = logging.getLogger("warroom.outbox")

STATUSES = ("pending", "sending", "delivered", "dead")
DEFAULT_MAX_AGE = timedelta(hours=24)
LEASE = timedelta(seconds=60)
FIRST_RETRY = timedelta(seconds=2)
MAX_BACKOFF = timedelta(minutes=15)


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),
                      Index("ix_outbox_subject", "subject_type", "subject_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    transport: Mapped[str] = mapped_column(String(32))
    target: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    subject_type: Mapped[str] = mapped_column(String(32), default="")
    subject_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    give_up_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(Text, default="")


class OutboxAttempt(Base):
    """One try at sending a message: when, how it went, what the receiver said."""

    __tablename__ = "outbox_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_messages.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ok: Mapped[bool] = mapped_column(default=False)
    detail: Mapped[str] = mapped_column(Text, default="")


# --- transports -------------------------------------------------------------------------------------

class DeliveryFailed(Exception):
    """A send that did not work. `permanent` failures (a 4xx that retrying cannot fix, a missing
    channel) go straight to dead; others are retried."""

    def __init__(self, detail: str, *, permanent: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail
        self.permanent = permanent


@dataclass(frozen=True)
class Envelope:
    """What a transport gets: a detached copy of the message, safe to use with no session open."""

    id: int
    key: str
    transport: str
    target: dict[str, Any]
    payload: dict[str, Any]
    attempt: int
    created_at: datetime


# A transport sends one envelope and returns a short detail ("HTTP 200"); it raises DeliveryFailed.
Transport = Callable[[Any, Envelope], str]
_transports: dict[str, Transport] = {}


def transport(name: str) -> Callable[[Transport], Transport]:
    def register(send: Transport) -> Transport:
        _transports[name] = send
        return send
    return register


# --- writing ----------------------------------------------------------------------------------------

_wakeup = threading.Event()


def wakeup_event() -> threading.Event:
    """Set after a transaction that enqueued something commits: an in-process worker sends at once."""
    return _wakeup


@event.listens_for(Session, "after_commit")
def _wake_worker_after_commit(session: Session) -> None:
    if session.info.pop("outbox_enqueued", False):
        _wakeup.set()


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop("outbox_enqueued", None)


def new_key() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def enqueue(ctx: Context, transport_name: str, *, target: dict[str, Any], payload: dict[str, Any],
            subject: tuple[str, int] | None = None, max_age: timedelta | None = None) -> OutboxMessage:
    """Add a message to the caller's transaction: sent only if, and soon after, it commits."""
    max_age = max_age or ctx.outbox_max_age
    if transport_name not in _transports:
        raise ValueError(f"no transport {transport_name!r}")  # a programming error, not user input
    now = ctx.now()
    message = OutboxMessage(key=new_key(), transport=transport_name, target=target, payload=payload,
                            subject_type=subject[0] if subject else "", subject_id=subject[1] if subject else None,
                            status="pending", attempts=0, created_at=now, next_attempt_at=now,
                            give_up_at=now + max_age, last_error="")
    ctx.db.add(message)
    ctx.db.info["outbox_enqueued"] = True
    return message


def retry(ctx: Context, message_id: int, max_age: timedelta | None = None) -> OutboxMessage:
    """Give a dead message another full window (an admin's action); it keeps its key."""
    max_age = max_age or ctx.outbox_max_age
    message = ctx.db.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound(f"no outbox message {message_id}", field="message")
    if message.status != "dead":
        raise Conflict(f"message {message_id} is {message.status}; only dead messages can be retried",
                       field="message")
    now = ctx.now()
    message.status, message.next_attempt_at, message.give_up_at = "pending", now, now + max_age
    message.leased_until = None
    ctx.db.info["outbox_enqueued"] = True
    return message


def messages_about(db: Session, subject_type: str, subject_id: int) -> list[OutboxMessage]:
    return list(db.scalars(select(OutboxMessage).where(
        OutboxMessage.subject_type == subject_type, OutboxMessage.subject_id == subject_id)
        .order_by(OutboxMessage.id)))


def attempts_of(db: Session, message_id: int) -> list[OutboxAttempt]:
    return list(db.scalars(select(OutboxAttempt).where(OutboxAttempt.message_id == message_id)
                           .order_by(OutboxAttempt.number)))


# --- delivering -------------------------------------------------------------------------------------

def claim(db: Session, now: datetime, *, batch: int = 20) -> list[Envelope]:
    """Lease up to `batch` due messages: pending and due, or sending with an expired lease."""
    due = list(db.scalars(
        select(OutboxMessage).where(or_(
            (OutboxMessage.status == "pending") & (OutboxMessage.next_attempt_at <= now),
            (OutboxMessage.status == "sending") & (OutboxMessage.leased_until <= now)))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(batch)
        .with_for_update(skip_locked=True)))
    envelopes = []
    for message in due:
        message.status, message.leased_until = "sending", now + LEASE
        message.attempts += 1
        envelopes.append(Envelope(id=message.id, key=message.key, transport=message.transport,
                                  target=dict(message.target), payload=dict(message.payload),
                                  attempt=message.attempts, created_at=message.created_at))
    return envelopes


@dataclass(frozen=True)
class Outcome:
    ok: bool
    detail: str
    permanent: bool = False


def send(runtime: Any, envelope: Envelope) -> Outcome:
    """Hand one envelope to its transport; never raises."""
    send_with = _transports.get(envelope.transport)
    if send_with is None:
        return Outcome(False, f"no transport {envelope.transport!r} in this process", permanent=False)
    try:
        return Outcome(True, send_with(runtime, envelope)[:2000])
    except DeliveryFailed as exc:
        return Outcome(False, exc.detail[:2000], exc.permanent)
    except Exception as exc:  # noqa: BLE001 - a transport bug must not kill the worker
        log.exception("transport %s crashed on message %s", envelope.transport, envelope.id)
        return Outcome(False, f"{type(exc).__name__}: {exc}"[:2000])


def backoff(attempt: int, rng: random.Random | None = None) -> timedelta:
    """Exponential with full jitter: a random wait up to 2 s, 4 s, 8 s, ... capped at 15 min."""
    ceiling = min(FIRST_RETRY * 2 ** min(max(attempt - 1, 0), 20), MAX_BACKOFF)
    return ceiling * (rng or random).uniform(0.5, 1.0)


def record(db: Session, envelope: Envelope, outcome: Outcome, started_at: datetime,
           finished_at: datetime) -> OutboxMessage | None:
    """Write the attempt and move the message on: delivered, back to pending later, or dead."""
    message = db.get(OutboxMessage, envelope.id, with_for_update=True)
    if message is None or message.status != "sending" or message.attempts != envelope.attempt:
        return None  # the lease expired and another worker took over: its result counts
    db.add(OutboxAttempt(message_id=message.id, number=envelope.attempt, started_at=started_at,
                         finished_at=finished_at, ok=outcome.ok, detail=outcome.detail))
    message.leased_until = None
    if outcome.ok:
        message.status, message.delivered_at, message.last_error = "delivered", finished_at, ""
        return message
    message.last_error = outcome.detail
    retry_at = finished_at + backoff(message.attempts)
    if outcome.permanent or retry_at >= message.give_up_at:
        message.status = "dead"
        log.warning("outbox message %s (%s) dead after %s attempts: %s", message.id, message.transport,
                    message.attempts, outcome.detail)
    else:
        message.status, message.next_attempt_at = "pending", retry_at
    return message
