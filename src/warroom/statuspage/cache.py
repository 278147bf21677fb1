"""The public page under a thundering herd: rendered once per change, not once per reader.

Each web process keeps one PublicCache. It holds the current Snapshot and every response rendered
from it (the page, each JSON document, the feeds, the badge), with an ETag and Last-Modified.
They stay valid while the page's version in the database is the one they were built from and the
page's day has not changed (uptime bars and the 14-day history move at midnight).

How a process learns of a change:
- made by this process: the transaction that calls publishing.changed() marks the session; after
  it commits, the next reader here re-reads the version at once;
- made by another process (or a worker's timer): the version is re-read at most every
  `check_interval` seconds (1 s by default): one tiny query a second however many readers.

One reader builds the next snapshot, and re-renders the responses readers asked for, while the
others are still served the previous ones; only the very first build makes readers wait.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from zoneinfo import ZoneInfo

from sqlalchemy import event
from sqlalchemy.orm import Session

from warroom.statuspage import snapshot as snapshots
from warroom.statuspage.publishing import current_version

MAX_ENTRIES = 512
WARM_KEYS = 32  # responses re-rendered before a new snapshot is swapped in
GZIP_FROM = 1024  # bytes: smaller bodies gain less than the header costs
# Public changes committed by this process so far; each cache compares with the count it last saw.
_commits_here = [0]


@event.listens_for(Session, "after_commit")
def _note_public_change(session: Session) -> None:
    if session.info.pop("status_page_changed", False):
        _commits_here[0] += 1


@event.listens_for(Session, "after_rollback")
def _forget_public_change(session: Session) -> None:
    session.info.pop("status_page_changed", None)


@dataclass(frozen=True)
class Rendered:
    body: bytes
    media_type: str
    etag: str
    last_modified: datetime
    # Compressed once per change, not per reader; None where it would not pay.
    gzipped: bytes | None = None

    def not_modified(self, if_none_match: str | None, if_modified_since: str | None) -> bool:
        """Whether a conditional GET may be answered 304 (If-None-Match wins when both are sent)."""
        if if_none_match is not None:
            tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
            return "*" in tags or self.etag in tags or self.gzip_etag in tags
        if if_modified_since:
            try:
                since = parsedate_to_datetime(if_modified_since)
            except (TypeError, ValueError):
                return False
            return since is not None and since.tzinfo is not None and \
                self.last_modified.replace(microsecond=0) <= since
        return False

    @property
    def gzip_etag(self) -> str:
        """The compressed representation's own tag (a strong ETag names exact bytes)."""
        return self.etag[:-1] + '-gzip"'

    @property
    def last_modified_header(self) -> str:
        return format_datetime(self.last_modified.replace(microsecond=0), usegmt=True)


@dataclass
class _Generation:
    """One snapshot and what has been rendered from it. Entries live and die with their
    generation, so nothing rendered from an older snapshot outlives it."""

    snapshot: snapshots.Snapshot
    day: date
    rendered: dict[tuple, Rendered] = field(default_factory=dict)
    renderers: dict[tuple, tuple[str, Renderer]] = field(default_factory=dict)


Renderer = Callable[[snapshots.Snapshot], bytes | str]


class PublicCache:
    def __init__(self, runtime, *, check_interval: float = 1.0) -> None:
        self.runtime = runtime
        self.check_interval = check_interval
        self._check_lock = threading.Lock()
        self._build_lock = threading.Lock()
        self._render_lock = threading.Lock()
        self._checked_at = float("-inf")
        self._known_version: int | None = None
        self._commits_seen = -1
        self._generation: _Generation | None = None
        self.builds = 0  # snapshots built: what a test or the benchmark can count

    def _version_now(self) -> int:
        with self._check_lock:
            due = time.monotonic() - self._checked_at >= self.check_interval
            if due or self._commits_seen != _commits_here[0] or self._known_version is None:
                self._commits_seen = _commits_here[0]
                with self.runtime.db.read_session() as db:
                    self._known_version = current_version(db)
                self._checked_at = time.monotonic()
            return self._known_version

    def _fresh(self, generation: _Generation | None, version: int, now: datetime) -> bool:
        return generation is not None and generation.snapshot.version == version and \
            _today(now, generation.snapshot.page.timezone) == generation.day

    def _current(self) -> _Generation:
        """The generation to serve. When the page has changed, one reader builds the next while
        the others keep being served the previous one (a few tens of milliseconds more of what a
        browser may keep for MAX_AGE anyway), so a change under a crowd costs no pile-up."""
        version, now = self._version_now(), self.runtime.clock.now()
        generation = self._generation
        if self._fresh(generation, version, now):
            return generation
        if not self._build_lock.acquire(blocking=generation is None):
            return generation  # another reader is building the next one
        try:
            if self._fresh(self._generation, version, now):
                return self._generation
            with self.runtime.db.read_session() as db:
                built = snapshots.build(db, self.runtime.policy, now, self.runtime.settings.url)
            fresh = _Generation(snapshot=built, day=_today(now, built.page.timezone))
            if generation is not None:  # re-render what readers asked for, before swapping it in
                for key, (media_type, render) in list(generation.renderers.items())[:WARM_KEYS]:
                    try:
                        self._render_into(fresh, key, media_type, render)
                    except Exception:  # noqa: BLE001 - e.g. a permalink no longer public: its
                        continue  # own reader gets the proper answer (404) when it asks
            self._generation = fresh
            self.builds += 1
            return fresh
        finally:
            self._build_lock.release()

    def snapshot(self) -> snapshots.Snapshot:
        return self._current().snapshot

    def rendered(self, key: tuple, media_type: str, render: Renderer) -> Rendered:
        """The response for `key`, rendered once per change of the page."""
        generation = self._current()
        entry = generation.rendered.get(key)
        if entry is None:
            with self._render_lock:  # a crowd asking for a page not yet rendered: one renders it
                entry = generation.rendered.get(key) or self._render_into(generation, key, media_type, render)
        return entry

    def _render_into(self, generation: _Generation, key: tuple, media_type: str, render: Renderer) -> Rendered:
        current = generation.snapshot
        body = render(current)
        body = body.encode() if isinstance(body, str) else body
        digest = hashlib.sha256(body).hexdigest()[:20]
        entry = Rendered(body=body, media_type=media_type, etag=f'"{current.version}-{digest}"',
                         last_modified=max(current.page.updated_at, _midnight(current)),
                         gzipped=gzip.compress(body, compresslevel=6, mtime=0) if len(body) >= GZIP_FROM else None)
        if len(generation.rendered) >= MAX_ENTRIES:  # e.g. many history pages: start over
            generation.rendered.clear()
            generation.renderers.clear()
        generation.rendered[key] = entry
        generation.renderers[key] = (media_type, render)
        return entry


def _today(now: datetime, zone_name: str) -> date:
    return now.astimezone(ZoneInfo(zone_name)).date()


def _midnight(current: snapshots.Snapshot) -> datetime:
    """The start of the page's day, in UTC: what the uptime bars and the history changed with."""
    zone = ZoneInfo(current.page.timezone)
    local = current.built_at.astimezone(zone)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(timezone.utc)

