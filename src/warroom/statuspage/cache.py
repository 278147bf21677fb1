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

One reader rebuilds while the others wait on the lock for the same result, instead of every
waiting reader querying the database at once.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from zoneinfo import ZoneInfo

from sqlalchemy import event
from sqlalchemy.orm import Session

from warroom.statuspage import snapshot as snapshots
from warroom.statuspage.publishing import current_version

MAX_ENTRIES = 512
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


class PublicCache:
    def __init__(self, runtime, *, check_interval: float = 1.0) -> None:
        self.runtime = runtime
        self.check_interval = check_interval
        self._lock = threading.Lock()
        self._checked_at = float("-inf")
        self._known_version: int | None = None
        self._commits_seen = -1
        self._snapshot: snapshots.Snapshot | None = None
        self._day: date | None = None
        self._rendered: dict[tuple, Rendered] = {}
        self.builds = 0  # snapshots built: what a test or the benchmark can count

    def _today(self, now: datetime, zone_name: str) -> date:
        return now.astimezone(ZoneInfo(zone_name)).date()

    def _version_now(self) -> int:
        due = time.monotonic() - self._checked_at >= self.check_interval
        if due or self._commits_seen != _commits_here[0]:
            self._commits_seen = _commits_here[0]
            with self.runtime.db.read_session() as db:
                self._known_version = current_version(db)
            self._checked_at = time.monotonic()
        return self._known_version

    def snapshot(self) -> snapshots.Snapshot:
        with self._lock:
            version = self._version_now()
            now = self.runtime.clock.now()
            current = self._snapshot
            if current is None or current.version != version or self._today(now, current.page.timezone) != self._day:
                with self.runtime.db.read_session() as db:
                    current = snapshots.build(db, self.runtime.policy, now, self.runtime.settings.url)
                self._snapshot, self._day = current, self._today(now, current.page.timezone)
                self._rendered.clear()
                self.builds += 1
            return current

    def rendered(self, key: tuple, media_type: str, render: Callable[[snapshots.Snapshot], bytes | str]) -> Rendered:
        """The response for `key`, rendered from the current snapshot once per change."""
        current = self.snapshot()
        entry = self._rendered.get(key)
        if entry is not None:
            return entry
        body = render(current)  # outside the lock: readers of other keys are not held up
        body = body.encode() if isinstance(body, str) else body
        digest = hashlib.sha256(body).hexdigest()[:20]
        entry = Rendered(body=body, media_type=media_type, etag=f'"{current.version}-{digest}"',
                         last_modified=max(current.page.updated_at, _midnight(current)),
                         gzipped=gzip.compress(body, compresslevel=6, mtime=0) if len(body) >= GZIP_FROM else None)
        with self._lock:
            # Kept only if no newer snapshot replaced ours meanwhile: what was rendered from an
            # older one (say, with an incident since made internal) must not outlive it.
            if self._snapshot is current:
                if len(self._rendered) >= MAX_ENTRIES:  # e.g. many history pages: start over
                    self._rendered.clear()
                self._rendered[key] = entry
        return entry


def _midnight(current: snapshots.Snapshot) -> datetime:
    """The start of the page's day, in UTC: what the uptime bars and the history changed with."""
    zone = ZoneInfo(current.page.timezone)
    local = current.built_at.astimezone(zone)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(timezone.utc)

