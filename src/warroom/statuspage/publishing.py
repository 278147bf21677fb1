"""What every public change goes through: the page's version, public ids, and the announcements
that subscriptions turn into mail and webhooks.

`changed(ctx)` increments the page's version in the caller's transaction. Every web process
keeps the rendered page and JSON with the version they were built from (statuspage/cache.py) and
rebuilds when the database holds a newer one, so several processes stay right without talking to
each other.

`announce(ctx, Announcement(...))` tells the registered listeners (subscriptions) about a change
customers are told of, in the same transaction: their outbox rows commit or roll back with it.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select, update

from warroom.core.context import Context
from warroom.statuspage.models import StatusPage

PAGE_ID = 1
_ALPHABET = string.ascii_lowercase + string.digits

# Announcement kinds: what subscribers can be told of.
INCIDENT_CREATED, INCIDENT_UPDATED, INCIDENT_RESOLVED = "incident.created", "incident.updated", "incident.resolved"
MAINTENANCE_SCHEDULED, MAINTENANCE_STARTED, MAINTENANCE_ENDED = (
    "maintenance.scheduled", "maintenance.started", "maintenance.ended")
ANNOUNCEMENT_KINDS = (INCIDENT_CREATED, INCIDENT_UPDATED, INCIDENT_RESOLVED, MAINTENANCE_SCHEDULED,
                      MAINTENANCE_STARTED, MAINTENANCE_ENDED)


def new_public_id() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(12))


def page(ctx: Context) -> StatusPage:
    """The page's settings row, created on first use with a fresh link-signing secret."""
    row = ctx.db.get(StatusPage, PAGE_ID)
    if row is None:
        row = StatusPage(id=PAGE_ID, name="Status", url="", logo_url="", brand_color="#1f6feb",
                         timezone=ctx.policy.timezone, link_secret=secrets.token_hex(32), version=1,
                         changed_at=ctx.now())
        ctx.db.add(row)
        ctx.db.flush()
    return row


def public_url(row: StatusPage | None, base_url: str) -> str:
    """Where the status page is read: its own URL when set (e.g. https://status.example.com, a
    proxy in front of /status), else this Warroom's /status. Permalinks are below it:
    <public_url>/incidents/<public id>, <public_url>/maintenance/<public id>."""
    if row is not None and row.url:
        return row.url.rstrip("/")
    return f"{base_url.rstrip('/')}/status"


def current_version(db) -> int:
    """The version the database holds now (0 before the page has ever changed)."""
    return db.scalar(select(StatusPage.version).where(StatusPage.id == PAGE_ID)) or 0


def changed(ctx: Context) -> None:
    """Something public changed: cached pages built from an older version are stale (this
    process's caches learn of it as soon as the transaction commits: statuspage/cache.py)."""
    page(ctx)
    ctx.db.info["status_page_changed"] = True
    ctx.db.execute(update(StatusPage).where(StatusPage.id == PAGE_ID)
                   .values(version=StatusPage.version + 1, changed_at=ctx.now()))


@dataclass(frozen=True)
class Announcement:
    """A public change, in public words only: what subscribers receive."""

    kind: str
    public_id: str  # the incident's or maintenance's public id
    title: str
    status: str  # the public status (investigating ... resolved; scheduled ... completed)
    body: str
    components: tuple[str, ...] = ()  # public ids of the affected components
    impact: str = "none"
    data: dict = field(default_factory=dict)


Listener = Callable[[Context, Announcement], None]
listeners: list[Listener] = []


def announce(ctx: Context, announcement: Announcement) -> None:
    assert announcement.kind in ANNOUNCEMENT_KINDS, announcement.kind
    for listener in listeners:
        listener(ctx, announcement)
