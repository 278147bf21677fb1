"""Atlassian Statuspage's public API v2, rendered from a Snapshot: the same documents, field names,
enums and timestamp format, so the widgets, aggregators and scripts written for Statuspage read
Warroom's page unchanged.

    summary.json                          page, components, unresolved incidents, upcoming and
                                          active maintenances, status
    status.json                           page, status {indicator, description}
    components.json                       page, components (groups included, with `group: true`)
    incidents.json                        page, the unresolved and the 50 most recent incidents
    incidents/unresolved.json             page, incidents not yet resolved
    scheduled-maintenances.json           page, the 50 most recent maintenances
    scheduled-maintenances/upcoming.json  page, maintenances still scheduled
    scheduled-maintenances/active.json    page, maintenances in progress or verifying

Pure functions of the Snapshot (the privacy boundary): whatever is not in it cannot appear here.
Every field Statuspage sends is present with its type, null where Warroom has no such thing
(tweets, per-update component transitions).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

from warroom.statuspage.snapshot import (
    ComponentView, GroupView, IncidentView, MaintenanceView, Snapshot, UpdateView,
)

# Canceled maintenances are left out: Statuspage has no such status, and a consumer that checks
# the enum would reject the whole document for one of them.
JSON_MAINTENANCE_STATUSES = ("scheduled", "in_progress", "verifying", "completed")
_UTC_NAMES = ("UTC", "UCT")


# --- links --------------------------------------------------------------------------------------

def incident_link(page_url: str, public_id: str) -> str:
    """The incident's permalink on the public page (the feeds' links and the JSON's shortlink)."""
    return f"{page_url.rstrip('/')}/incidents/{quote(public_id, safe='')}"


def maintenance_link(page_url: str, public_id: str) -> str:
    return f"{page_url.rstrip('/')}/maintenance/{quote(public_id, safe='')}"


# --- values ---------------------------------------------------------------------------------------

def timestamp(moment: datetime | None, zone: ZoneInfo) -> str | None:
    """ISO 8601 in the page's timezone with milliseconds, as Statuspage writes them:
    "2026-03-02T10:00:00.000Z" on a UTC page, "2026-03-02T11:00:00.000+01:00" elsewhere."""
    if moment is None:
        return None
    local = moment.astimezone(zone)
    text = local.isoformat(timespec="milliseconds")
    # Statuspage (Rails) writes Z only for the UTC zone itself; London in winter stays +00:00.
    return text[:-6] + "Z" if local.tzname() in _UTC_NAMES else text


def _text_or_null(text: str) -> str | None:
    return text or None  # Statuspage sends null, not "", for a component without a description


# --- objects --------------------------------------------------------------------------------------

def page_object(snap: Snapshot) -> dict:
    page = snap.page
    return {"id": page.id, "name": page.name, "url": page.url, "time_zone": page.timezone,
            "updated_at": timestamp(page.updated_at, _zone(snap))}


def status_object(snap: Snapshot) -> dict:
    return {"indicator": snap.indicator, "description": snap.description}


def component_object(snap: Snapshot, view: ComponentView) -> dict:
    zone = _zone(snap)
    return {"id": view.public_id, "name": view.name, "status": view.status,
            "created_at": timestamp(view.created_at, zone), "updated_at": timestamp(view.updated_at, zone),
            "position": view.position, "description": _text_or_null(view.description),
            # Every component has its uptime bars on our page: that is what showcase means.
            "showcase": True, "start_date": view.created_at.astimezone(zone).date().isoformat(),
            "group_id": view.group_id, "page_id": snap.page.id, "group": False,
            "only_show_if_degraded": False}


def group_object(snap: Snapshot, view: GroupView) -> dict:
    zone = _zone(snap)
    return {"id": view.public_id, "name": view.name, "status": view.status,
            "created_at": timestamp(view.created_at, zone), "updated_at": timestamp(view.updated_at, zone),
            "position": view.position, "description": _text_or_null(view.description),
            "showcase": False, "start_date": None, "group_id": None, "page_id": snap.page.id,
            "group": True, "only_show_if_degraded": False, "components": list(view.components)}


def component_list(snap: Snapshot) -> list[dict]:
    """Groups and components in the page's order: each top-level entry by position, a group
    followed by its members (Statuspage lists groups as components with `group: true`)."""
    group_ids = {group.public_id for group in snap.groups}
    top: list[ComponentView | GroupView] = [*snap.groups,
                                            *(c for c in snap.components if c.group_id not in group_ids)]
    result = []
    for entry in sorted(top, key=lambda e: (e.position, e.name)):
        if isinstance(entry, GroupView):
            result.append(group_object(snap, entry))
            result.extend(component_object(snap, c) for c in snap.components if c.group_id == entry.public_id)
        else:
            result.append(component_object(snap, entry))
    return result


def _affected(snap: Snapshot, public_ids: Iterable[str]) -> list[dict]:
    return [component_object(snap, c) for c in map(snap.component, public_ids) if c is not None]


def _update_object(snap: Snapshot, update: UpdateView, parent_id: str) -> dict:
    zone = _zone(snap)
    at = timestamp(update.at, zone)
    return {"id": update.public_id, "status": update.status, "body": update.body, "incident_id": parent_id,
            "created_at": at, "updated_at": at, "display_at": at,
            # Statuspage's per-update {code, name, old_status, new_status}: we do not record the
            # transitions an update caused, and null is what Statuspage sends when there were none.
            "affected_components": None,
            "deliver_notifications": True, "custom_tweet": None, "tweet_id": None}


def incident_object(snap: Snapshot, view: IncidentView) -> dict:
    zone = _zone(snap)
    return {"id": view.public_id, "name": view.name, "status": view.status,
            "created_at": timestamp(view.created_at, zone), "updated_at": timestamp(view.updated_at, zone),
            "monitoring_at": timestamp(view.monitoring_at, zone), "resolved_at": timestamp(view.resolved_at, zone),
            "impact": view.impact, "shortlink": incident_link(snap.page.url, view.public_id),
            "started_at": timestamp(view.started_at, zone), "page_id": snap.page.id,
            "incident_updates": [_update_object(snap, u, view.public_id) for u in view.updates],
            "components": _affected(snap, view.components)}


def maintenance_object(snap: Snapshot, view: MaintenanceView) -> dict:
    zone = _zone(snap)
    verifying = [u.at for u in view.updates if u.status == "verifying"]
    return {"id": view.public_id, "name": view.name, "status": view.status,
            "created_at": timestamp(view.created_at, zone), "updated_at": timestamp(view.updated_at, zone),
            # Statuspage's monitoring_at for a maintenance: when its work moved to verifying.
            "monitoring_at": timestamp(max(verifying, default=None), zone),
            "resolved_at": timestamp(view.resolved_at, zone), "impact": "maintenance",
            "shortlink": maintenance_link(snap.page.url, view.public_id),
            # When the work began; before that, when it was scheduled (Statuspage never sends null).
            "started_at": timestamp(view.started_at or view.created_at, zone), "page_id": snap.page.id,
            "incident_updates": [_update_object(snap, u, view.public_id) for u in view.updates],
            "components": _affected(snap, view.components),
            "scheduled_for": timestamp(view.scheduled_for, zone),
            "scheduled_until": timestamp(view.scheduled_until, zone)}


# --- documents ------------------------------------------------------------------------------------

def summary(snap: Snapshot) -> dict:
    # Running maintenances first, then the scheduled ones soonest first: what a widget shows on top.
    maintenances = [*snap.active_maintenances, *snap.upcoming]
    return {"page": page_object(snap), "components": component_list(snap),
            "incidents": [incident_object(snap, i) for i in snap.unresolved],
            "scheduled_maintenances": [maintenance_object(snap, m) for m in maintenances],
            "status": status_object(snap)}


def status(snap: Snapshot) -> dict:
    return {"page": page_object(snap), "status": status_object(snap)}


def components(snap: Snapshot) -> dict:
    return {"page": page_object(snap), "components": component_list(snap)}


def incidents(snap: Snapshot) -> dict:
    return _incidents(snap, snap.incidents)


def unresolved_incidents(snap: Snapshot) -> dict:
    return _incidents(snap, snap.unresolved)


def incident(snap: Snapshot, view: IncidentView) -> dict:
    """One incident: the document of GET /api/v2/incidents/<id>.json."""
    return {"page": page_object(snap), "incident": incident_object(snap, view)}


def maintenances(snap: Snapshot) -> dict:
    return _maintenances(snap, snap.maintenances_in(*JSON_MAINTENANCE_STATUSES))


def upcoming_maintenances(snap: Snapshot) -> dict:
    return _maintenances(snap, snap.upcoming)


def active_maintenances(snap: Snapshot) -> dict:
    return _maintenances(snap, snap.active_maintenances)


def _incidents(snap: Snapshot, views: Iterable[IncidentView]) -> dict:
    return {"page": page_object(snap), "incidents": [incident_object(snap, i) for i in views]}


def _maintenances(snap: Snapshot, views: Iterable[MaintenanceView]) -> dict:
    return {"page": page_object(snap), "scheduled_maintenances": [maintenance_object(snap, m) for m in views]}


# path under /api/v2 -> (what it is, its document)
DOCUMENTS: dict[str, tuple[str, Callable[[Snapshot], dict]]] = {
    "summary.json": ("Page, components, unresolved incidents, upcoming and active maintenances, status", summary),
    "status.json": ("The overall status indicator and its description", status),
    "components.json": ("Components and component groups", components),
    "incidents.json": ("The unresolved and the 50 most recent incidents, newest first", incidents),
    "incidents/unresolved.json": ("Incidents not yet resolved, newest first", unresolved_incidents),
    "scheduled-maintenances.json": ("The 50 most recent scheduled maintenances", maintenances),
    "scheduled-maintenances/upcoming.json": ("Maintenances still scheduled, soonest first", upcoming_maintenances),
    "scheduled-maintenances/active.json": ("Maintenances in progress or verifying", active_maintenances),
}


def dumps(document: dict) -> bytes:
    """Compact UTF-8 JSON, as Statuspage serves it."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def _zone(snap: Snapshot) -> ZoneInfo:
    return ZoneInfo(snap.page.timezone)
