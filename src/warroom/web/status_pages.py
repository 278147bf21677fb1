"""The public status page as HTML: /status, a permalink per incident and per maintenance, and the
older history, a page at a time.

Everything here is rendered from a statuspage Snapshot (or the views snapshot.history() and
snapshot.incident() return), never from our own rows: that is what keeps internal and restricted
incidents, notes, people and private updates off the page. The pages are not app pages: no
navigation, no sign-in, nothing about the reader, so one rendering serves every reader, and
status_http.respond() renders each once per change of the page, however many readers reload.

Times are shown in the page's timezone, named; static/status.js rewrites them to the reader's
own, and the page is complete without it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Request
from fastapi.responses import Response

from warroom.statuspage import snapshot as snapshots
from warroom.statuspage import uptime
from warroom.statuspage.snapshot import ComponentView, IncidentView, MaintenanceView, Snapshot
from warroom.statuspage.uptime import Day
from warroom.web.status_http import HTML, MAX_AGE, PUBLIC_HEADERS, public_cache, respond
from warroom.web.templating import make_templates

router = APIRouter(include_in_schema=False)
GET = ["GET", "HEAD"]  # uptime monitors probe with HEAD
CSS = "text/css; charset=utf-8"
# Public ids are 12 lowercase letters and digits; anything else is answered 404 without a query.
PUBLIC_ID = re.compile(r"^[a-z0-9]{1,32}$")
PAGE_NUMBER = re.compile(r"^[1-9][0-9]{0,4}$")
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_BRAND = "#1f6feb"

COMPONENT_WORDS = {"operational": "Operational", "degraded_performance": "Degraded performance",
                   "partial_outage": "Partial outage", "major_outage": "Major outage",
                   "under_maintenance": "Under maintenance"}
INCIDENT_WORDS = {"investigating": "Investigating", "identified": "Identified", "monitoring": "Monitoring",
                  "resolved": "Resolved"}
IMPACT_WORDS = {"none": "No impact", "minor": "Minor impact", "major": "Major impact",
                "critical": "Critical impact"}
MAINTENANCE_WORDS = {"scheduled": "Scheduled", "in_progress": "In progress", "verifying": "Verifying",
                     "completed": "Completed", "canceled": "Canceled"}

# Our own environment (the shared filters, none of web/rendering's reader context): these pages
# are rendered to bytes once and served to everyone.
_templates = make_templates().env


class PageNotFound(Exception):
    """Raised inside a render callback: nothing is cached, and the reader gets the public 404."""


# --- presentation helpers (template globals) ------------------------------------------------------

def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def when(moment: datetime | None, zone: str) -> str:
    """"2 Mar 2026, 10:00 CET": the page's time, its zone named."""
    if moment is None:
        return ""
    local = moment.astimezone(_zone(zone))
    return f"{local.day} {local:%b %Y, %H:%M %Z}"


def day_name(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def percent(fraction: float | None) -> str:
    """Rounded down, so a day with any downtime never reads as 100%."""
    if fraction is None:
        return "No data"
    return f"{math.floor(fraction * 10000) / 100:.2f}%"


def day_words(day: Day) -> str:
    """What one uptime bar says, in words (screen readers, and the hover tip)."""
    if day.worst is None:
        return f"{day_name(day.day)}: no data"
    if day.worst == "operational":
        return f"{day_name(day.day)}: no downtime"
    return f"{day_name(day.day)}: {COMPONENT_WORDS[day.worst].lower()}, {percent(day.uptime)} uptime"


@dataclass(frozen=True)
class Row:
    """One entry of the component list: a component, or a group with its components."""

    name: str
    status: str
    component: ComponentView | None = None
    members: tuple[ComponentView, ...] = ()
    description: str = ""


def component_rows(snap: Snapshot) -> list[Row]:
    """Groups and ungrouped components, in page order (Statuspage orders both by position)."""
    entries: list[tuple[int, str, Row]] = []
    for group in snap.groups:
        members = tuple(c for c in (snap.component(i) for i in group.components) if c is not None)
        if members:
            entries.append((group.position, group.name, Row(name=group.name, status=group.status, members=members,
                                                            description=group.description)))
    for c in snap.components:
        if c.group_id is None:
            entries.append((c.position, c.name, Row(name=c.name, status=c.status, component=c,
                                                    description=c.description)))
    return [row for _, _, row in sorted(entries, key=lambda entry: (entry[0], entry[1]))]


@dataclass(frozen=True)
class PastDay:
    day: date
    incidents: tuple[IncidentView, ...]
    maintenances: tuple[MaintenanceView, ...]


def past_days(snap: Snapshot) -> list[PastDay]:
    """The last 14 days, newest first, each with what ended on it (resolved incidents, completed
    maintenance); a day with nothing says so, which is news too."""
    zone = _zone(snap.page.timezone)
    today = snap.built_at.astimezone(zone).date()
    first = (snap.built_at - timedelta(days=snapshots.RECENT_DAYS)).astimezone(zone).date()

    def ended_on(moment: datetime) -> date:
        return moment.astimezone(zone).date()

    done = [m for m in snap.maintenances_in("completed") if m.resolved_at and ended_on(m.resolved_at) >= first]
    days = []
    for offset in range((today - first).days + 1):
        day = today - timedelta(days=offset)
        days.append(PastDay(
            day=day, incidents=tuple(i for i in snap.recent if ended_on(i.resolved_at or i.updated_at) == day),
            maintenances=tuple(m for m in done if ended_on(m.resolved_at) == day)))
    return days


def overall(days: tuple[Day, ...]) -> float | None:
    return uptime.overall(list(days))


def component_names(snap: Snapshot, ids: tuple[str, ...]) -> list[str]:
    return [c.name for c in (snap.component(i) for i in ids) if c is not None]


_templates.globals.update(
    when=when, day_name=day_name, percent=percent, day_words=day_words, component_names=component_names,
    overall=overall, COMPONENT_WORDS=COMPONENT_WORDS, INCIDENT_WORDS=INCIDENT_WORDS, IMPACT_WORDS=IMPACT_WORDS,
    MAINTENANCE_WORDS=MAINTENANCE_WORDS)


def _html(name: str, snap: Snapshot, **context) -> str:
    return _templates.get_template(name).render(snap=snap, page=snap.page, tz=snap.page.timezone,
                                                brand=_brand(snap), **context)


def _brand(snap: Snapshot) -> str:
    # Validated when saved; checked again because it is written into a stylesheet.
    return snap.page.brand_color if COLOR.match(snap.page.brand_color) else DEFAULT_BRAND


def _not_found(request: Request, title: str, message: str) -> Response:
    snap = public_cache(request).snapshot()
    body = _html("status_error.html", snap, title=title, message=message)
    return Response(body, status_code=404, media_type=HTML,
                    headers={"Cache-Control": f"public, max-age={MAX_AGE}", **PUBLIC_HEADERS})


def _serve(request: Request, key: tuple, render, title: str, message: str) -> Response:
    try:
        return respond(request, ("status-page", *key), HTML, render)
    except PageNotFound:
        return _not_found(request, title, message)


# --- routes ---------------------------------------------------------------------------------------

@router.api_route("/status", methods=GET)
def status_page(request: Request) -> Response:
    return respond(request, ("status-page", "front"), HTML, lambda snap: _html(
        "status_page.html", snap, rows=component_rows(snap), days=past_days(snap)))


@router.api_route("/status/theme.css", methods=GET)
def theme(request: Request) -> Response:
    """The page's colour as a stylesheet: the CSP forbids inline styles, and this is cached too."""
    def render(snap: Snapshot) -> str:
        brand = _brand(snap)
        return f":root {{ --brand: {brand}; --brand-text: {_text_on(brand)}; }}\n"
    return respond(request, ("status-page", "theme.css"), CSS, render)


def _text_on(color: str) -> str:
    """White or near-black, whichever reads better on `color` (WCAG relative luminance)."""
    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(color[i:i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#ffffff" if (1.05 / (luminance + 0.05)) >= ((luminance + 0.05) / 0.05) else "#111111"


@router.api_route("/status/incidents/{public_id}", methods=GET)
def incident_page(request: Request, public_id: str) -> Response:
    return _permalink(request, "incident", public_id, _find_incident, "Incident not found",
                      "There is no public incident at this address.")


@router.api_route("/status/maintenance/{public_id}", methods=GET)
def maintenance_page(request: Request, public_id: str) -> Response:
    return _permalink(request, "maintenance", public_id, _find_maintenance, "Maintenance not found",
                      "There is no scheduled maintenance at this address.")


def _permalink(request: Request, kind: str, public_id: str, find, title: str, message: str) -> Response:
    """The page of one incident or maintenance (`kind`), rendered as status_<kind>.html."""
    if not PUBLIC_ID.match(public_id):
        return _not_found(request, title, message)
    runtime = request.app.state.runtime  # the cache keeps `render` to re-render it after a change

    def render(snap: Snapshot) -> str:
        view = find(snap, runtime, public_id)
        if view is None:
            raise PageNotFound
        return _html(f"status_{kind}.html", snap, **{kind: view})

    return _serve(request, (kind, public_id), render, title, message)


def _find_incident(snap: Snapshot, runtime, public_id: str) -> IncidentView | None:
    view = next((i for i in snap.incidents if i.public_id == public_id), None)
    if view is None:  # older than the snapshot holds: looked up once per change of the page
        with runtime.db.read_session() as db:
            view = snapshots.incident(db, runtime.policy, public_id)
    return view


def _find_maintenance(snap: Snapshot, runtime, public_id: str) -> MaintenanceView | None:
    """From the snapshot, or older than the 50 it holds (its link is in subscribers' mail).
    Maintenance has nothing private."""
    view = next((m for m in snap.maintenances if m.public_id == public_id), None)
    if view is None:
        with runtime.db.read_session() as db:
            view = snapshots.maintenance(db, public_id)
    return view


@router.api_route("/status/history", methods=GET)
def history_page(request: Request) -> Response:
    raw = request.query_params.get("page", "1")
    title, message = "No such page of history", "The incident history has no page with this number."
    if not PAGE_NUMBER.match(raw):
        return _not_found(request, title, message)
    number = int(raw)
    runtime = request.app.state.runtime  # the cache keeps `render` to re-render it after a change

    def render(snap: Snapshot) -> str:
        with runtime.db.read_session() as db:
            views, has_more = snapshots.history(db, runtime.policy, number,
                                                ended_before=snap.built_at - timedelta(days=snapshots.RECENT_DAYS))
        if not views and number > 1:
            raise PageNotFound
        return _html("status_history.html", snap, incidents=views, number=number, has_more=has_more)

    return _serve(request, ("history", number), render, title, message)
