"""Telling live pages that an incident's timeline changed, across processes.

On PostgreSQL every recorded event sends `pg_notify('warroom_timeline', '<incident id>')` in the
writer's transaction, so it is delivered only if, and when, it commits; each web process keeps one
LISTEN connection (a thread) and wakes the streams watching that incident. On SQLite there is
nothing to listen to: streams look for new events on a short interval instead (`poll_seconds`).

Streams never trust a notification alone: they read the events newer than what they sent, plus any
recorded in the last few seconds (ids from a sequence can commit out of order), and skip ids already
sent. A lost notification costs at most one poll interval.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import defaultdict
from datetime import timedelta

from sqlalchemy import func, or_, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from warroom.core.context import Context
from warroom.incidents import timeline
from warroom.incidents.models import Incident, TimelineEvent

log = logging.getLogger("warroom.live")
CHANNEL = "warroom_timeline"
LATE_COMMIT_WINDOW = timedelta(seconds=10)


def _notify(ctx: Context, incident: Incident, _event: TimelineEvent) -> None:
    if ctx.db.get_bind().dialect.name == "postgresql":
        ctx.db.execute(text("SELECT pg_notify(:channel, :payload)"),
                       {"channel": CHANNEL, "payload": str(incident.id)})


def install() -> None:
    for hooks in (timeline.on_record, timeline.on_starred):
        if _notify not in hooks:
            hooks.append(_notify)


def last_event_id(db: Session, incident_id: int) -> int:
    return db.scalar(select(func.max(TimelineEvent.id)).where(TimelineEvent.incident_id == incident_id)) or 0


def events_since(db: Session, incident_id: int, start_id: int, after_id: int, sent: set[int],
                 now) -> list[TimelineEvent]:
    """Events not sent yet on a stream that began after `start_id` and has sent up to `after_id`:
    newer than `after_id`, or between the two and recorded recently (a late commit of a lower id)."""
    query = select(TimelineEvent).where(
        TimelineEvent.incident_id == incident_id, TimelineEvent.id > start_id,
        or_(TimelineEvent.id > after_id, TimelineEvent.recorded_at >= now - LATE_COMMIT_WINDOW))
    return [e for e in db.scalars(query.order_by(TimelineEvent.id)) if e.id not in sent]


def starred_ids(db: Session, incident_id: int) -> set[int]:
    """The incident's starred events now: a stream compares it with the last check to send star changes
    (starring changes no row other than the event's own flag, so there is nothing newer to look for)."""
    return set(db.scalars(select(TimelineEvent.id).where(TimelineEvent.incident_id == incident_id,
                                                         TimelineEvent.starred.is_(True))))


class Hub:
    """One per process: wakes the streams of an incident when its timeline changes."""

    def __init__(self, database_url: str, dialect: str) -> None:
        self.database_url = database_url
        self.listens = dialect == "postgresql"
        self.poll_seconds = 5.0 if self.listens else 0.5
        self._waiters: dict[int, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = defaultdict(set)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.listens and self._thread is None:
            self._thread = threading.Thread(target=self._listen_forever, name="warroom-live", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def subscribe(self, incident_id: int) -> asyncio.Event:
        wake = asyncio.Event()
        with self._lock:
            self._waiters[incident_id].add((asyncio.get_running_loop(), wake))
        return wake

    def unsubscribe(self, incident_id: int, wake: asyncio.Event) -> None:
        with self._lock:
            self._waiters[incident_id] = {w for w in self._waiters[incident_id] if w[1] is not wake}
            if not self._waiters[incident_id]:
                del self._waiters[incident_id]

    def wake(self, incident_id: int) -> None:
        with self._lock:
            waiters = list(self._waiters.get(incident_id, ()))
        for loop, event in waiters:
            loop.call_soon_threadsafe(event.set)

    def _listen_forever(self) -> None:
        import psycopg

        url = make_url(self.database_url).set(drivername="postgresql").render_as_string(hide_password=False)
        while not self._stop.is_set():
            try:
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=1.0):
                            if note.payload.isdigit():
                                self.wake(int(note.payload))
            except Exception:  # noqa: BLE001 - reconnect; streams keep polling meanwhile
                log.warning("live listener lost its connection; reconnecting", exc_info=True)
                self._stop.wait(2.0)
