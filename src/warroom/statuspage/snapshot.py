"""Everything the public surfaces may show, read in one go: the page, the JSON, the feeds, the
badge and the subscriber pages are all rendered from a Snapshot and from nothing else.

That is the privacy boundary. The views below hold only public fields (public ids, never our
numbers; no people, no notes, no internal or customer updates, no internal or restricted
incidents), so a template or serializer downstream cannot leak what it was never given.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from warroom.comms.models import StatusUpdate
from warroom.incidents.lifecycle import OPEN_STATUSES
from warroom.incidents.models import Incident
from warroom.incidents.policy import SeverityPolicy
from warroom.statuspage import uptime
from warroom.statuspage.incidents import public_body
from warroom.statuspage.models import (
    Component, ComponentGroup, ComponentStatusChange, Maintenance, PublicIncident, StatusPage,
)
from warroom.statuspage.public_terms import INDICATOR, impact_of, public_status
from warroom.statuspage.publishing import PAGE_ID, public_url

RECENT_DAYS = 14
JSON_LIMIT = 50  # Statuspage's incidents.json and scheduled-maintenances.json: the 50 most recent
HISTORY_PAGE = 20


@dataclass(frozen=True)
class PageView:
    id: str
    name: str
    url: str
    logo_url: str
    brand_color: str
    timezone: str
    updated_at: datetime


@dataclass(frozen=True)
class ComponentView:
    public_id: str
    name: str
    description: str
    status: str
    position: int
    group_id: str | None
    created_at: datetime
    updated_at: datetime
    days: tuple[uptime.Day, ...]
    uptime: float | None


@dataclass(frozen=True)
class GroupView:
    public_id: str
    name: str
    description: str
    position: int
    status: str
    components: tuple[str, ...]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class UpdateView:
    public_id: str
    status: str
    body: str
    at: datetime
    components: tuple[str, ...]


@dataclass(frozen=True)
class IncidentView:
    public_id: str
    name: str
    status: str
    impact: str
    created_at: datetime
    updated_at: datetime
    started_at: datetime
    monitoring_at: datetime | None
    resolved_at: datetime | None
    components: tuple[str, ...]
    updates: tuple[UpdateView, ...]  # newest first


@dataclass(frozen=True)
class MaintenanceView:
    public_id: str
    name: str
    status: str
    body: str
    scheduled_for: datetime
    scheduled_until: datetime
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    resolved_at: datetime | None
    components: tuple[str, ...]
    updates: tuple[UpdateView, ...]  # newest first


@dataclass(frozen=True)
class Snapshot:
    version: int
    built_at: datetime
    page: PageView
    components: tuple[ComponentView, ...]
    groups: tuple[GroupView, ...]
    incidents: tuple[IncidentView, ...]  # the 50 most recent, newest first
    maintenances: tuple[MaintenanceView, ...]  # the 50 most recent by window, newest first
    indicator: str
    description: str

    @property
    def unresolved(self) -> list[IncidentView]:
        return [incident for incident in self.incidents if incident.status != "resolved"]

    @property
    def recent(self) -> list[IncidentView]:
        """Resolved within the last 14 days: the page's history."""
        since = self.built_at - timedelta(days=RECENT_DAYS)
        return [i for i in self.incidents if i.status == "resolved" and (i.resolved_at or i.updated_at) >= since]

    def maintenances_in(self, *statuses: str) -> list[MaintenanceView]:
        return [m for m in self.maintenances if m.status in statuses]

    @property
    def upcoming(self) -> list[MaintenanceView]:
        return sorted(self.maintenances_in("scheduled"), key=lambda m: m.scheduled_for)

    @property
    def active_maintenances(self) -> list[MaintenanceView]:
        return self.maintenances_in("in_progress", "verifying")

    def component(self, public_id: str) -> ComponentView | None:
        return next((c for c in self.components if c.public_id == public_id), None)


def derived_id(secret: str, kind: str, number: int) -> str:
    """A stable public id for a row that has none of its own (an incident's update)."""
    return hmac.new(secret.encode(), f"{kind}:{number}".encode(), hashlib.sha256).hexdigest()[:12]


def _page(row: StatusPage | None, now: datetime, base_url: str) -> PageView:
    if row is None:
        return PageView(id="page", name="Status", url=public_url(None, base_url), logo_url="",
                        brand_color="#1f6feb", timezone="UTC", updated_at=now)
    return PageView(id=derived_id(row.link_secret, "page", row.id), name=row.name,
                    url=public_url(row, base_url), logo_url=row.logo_url,
                    brand_color=row.brand_color, timezone=row.timezone, updated_at=row.changed_at)


def build(db: Session, policy: SeverityPolicy, now: datetime, base_url: str) -> Snapshot:
    row = db.get(StatusPage, PAGE_ID)
    version = row.version if row else 0
    page = _page(row, now, base_url)
    components = _components(db, now, ZoneInfo(page.timezone))
    # Every unresolved one, however old, and the most recent others.
    unresolved = _incident_views(db, policy, row, _public_incidents(db).where(Incident.status.in_(OPEN_STATUSES)))
    recent = _incident_views(db, policy, row, _public_incidents(db).limit(JSON_LIMIT))
    seen = {view.public_id for view in unresolved}
    incidents = tuple(sorted([*unresolved, *(view for view in recent if view.public_id not in seen)],
                             key=lambda view: view.created_at, reverse=True))
    # Every scheduled or running one, however many, and the most recent others.
    with_parts = select(Maintenance).options(selectinload(Maintenance.components),
                                             selectinload(Maintenance.updates))
    newest_first = (Maintenance.starts_at.desc(), Maintenance.id.desc())
    current = list(db.scalars(with_parts.where(Maintenance.status.in_(("scheduled", "in_progress", "verifying")))
                              .order_by(*newest_first)))
    seen_maintenances = {m.id for m in current}
    others = [m for m in db.scalars(with_parts.order_by(*newest_first).limit(JSON_LIMIT))
              if m.id not in seen_maintenances]
    maintenances = tuple(_maintenance_view(m) for m in sorted(
        [*current, *others], key=lambda m: (m.starts_at, m.id), reverse=True))
    worst = max((c.status for c in components), key=uptime.RANK.__getitem__, default="operational")
    indicator, description = INDICATOR[worst]
    open_impacts = [i.impact for i in incidents if i.status != "resolved"]
    if indicator in ("none", "maintenance") and any(impact != "none" for impact in open_impacts):
        indicator, description = "minor", "Minor Service Outage"  # an open incident on no component
    return Snapshot(version=version, built_at=now, page=page, components=components,
                    groups=_groups(db, components), incidents=incidents, maintenances=maintenances,
                    indicator=indicator, description=description)


def history(db: Session, policy: SeverityPolicy, page_number: int, per_page: int = HISTORY_PAGE, *,
            ended_before: datetime | None = None) -> tuple[list[IncidentView], bool]:
    """Resolved public incidents (that ended before `ended_before`, when given: the page shows
    the last 14 days itself), newest first, a page at a time; and whether there are more."""
    row = db.get(StatusPage, PAGE_ID)
    query = _public_incidents(db).where(Incident.status.not_in(OPEN_STATUSES))
    if ended_before is not None:
        ended = func.coalesce(Incident.resolved_at, Incident.canceled_at, Incident.closed_at)
        query = query.where(ended < ended_before)
    query = query.offset((page_number - 1) * per_page).limit(per_page + 1)
    views = _incident_views(db, policy, row, query)
    return views[:per_page], len(views) > per_page


def incident(db: Session, policy: SeverityPolicy, public_id: str) -> IncidentView | None:
    row = db.get(StatusPage, PAGE_ID)
    views = _incident_views(db, policy, row,
                            _public_incidents(db).where(PublicIncident.public_id == public_id))
    return views[0] if views else None


def maintenance(db: Session, public_id: str) -> MaintenanceView | None:
    """One maintenance by its public id, however old (its link is in subscribers' mail)."""
    row = db.scalar(select(Maintenance).where(Maintenance.public_id == public_id))
    return _maintenance_view(row) if row is not None else None


def _public_incidents(db: Session):
    return (select(Incident, PublicIncident.public_id).join(PublicIncident, PublicIncident.incident_id == Incident.id)
            .where(Incident.visibility == "public")
            .options(selectinload(Incident.services))
            .order_by(Incident.declared_at.desc(), Incident.id.desc()))


def _incident_views(db: Session, policy: SeverityPolicy, page: StatusPage | None, query) -> list[IncidentView]:
    secret, zone = (page.link_secret, page.timezone) if page is not None else ("", "UTC")
    rows = db.execute(query).all()
    if not rows:
        return []
    ids = [incident.id for incident, _ in rows]
    updates: dict[int, list[StatusUpdate]] = {}
    for update in db.scalars(select(StatusUpdate).where(StatusUpdate.incident_id.in_(ids),
                                                        StatusUpdate.audience == "public")
                             .order_by(StatusUpdate.posted_at.desc(), StatusUpdate.id.desc())):
        updates.setdefault(update.incident_id, []).append(update)
    component_of = dict(db.execute(select(Component.service_id, Component.public_id)
                                   .where(Component.service_id.is_not(None))).all())
    views = []
    for incident, public_id in rows:
        components = tuple(component_of[s.id] for s in incident.services if s.id in component_of)
        mine = updates.get(incident.id, [])
        ended = incident.resolved_at or incident.canceled_at or incident.closed_at
        stamps = [incident.declared_at, incident.mitigated_at, ended, *(u.posted_at for u in mine[:1])]
        views.append(IncidentView(
            public_id=public_id, name=incident.title, status=public_status(incident.status),
            impact=impact_of(policy, incident.severity), created_at=incident.declared_at,
            updated_at=max(stamp for stamp in stamps if stamp is not None), started_at=incident.started_at,
            monitoring_at=incident.mitigated_at, resolved_at=ended if public_status(incident.status) == "resolved"
            else None, components=components,
            updates=tuple(UpdateView(public_id=derived_id(secret, "update", u.id), status=public_status(u.status),
                                     body=public_body(u, zone), at=u.posted_at, components=components) for u in mine)))
    return views


def _components(db: Session, now: datetime, zone: ZoneInfo) -> tuple[ComponentView, ...]:
    rows = list(db.scalars(select(Component).order_by(Component.position, Component.name)))
    window_start = now - timedelta(days=uptime.DAYS + 1)
    history: dict[int, list[tuple[datetime, str]]] = {c.id: [] for c in rows}
    for component_id, at, status in db.execute(
            select(ComponentStatusChange.component_id, ComponentStatusChange.at, ComponentStatusChange.status)
            .where(or_(ComponentStatusChange.at >= window_start,
                       ComponentStatusChange.id.in_(_last_before(window_start))))
            .order_by(ComponentStatusChange.component_id, ComponentStatusChange.at, ComponentStatusChange.id)):
        history[component_id].append((at, status))
    views = []
    for c in rows:
        days = tuple(uptime.days(history[c.id], now, zone))
        views.append(ComponentView(
            public_id=c.public_id, name=c.name, description=c.description, status=c.status, position=c.position,
            group_id=c.group.public_id if c.group else None, created_at=c.created_at, updated_at=c.updated_at,
            days=days, uptime=uptime.overall(list(days))))
    return tuple(views)


def _last_before(moment: datetime):
    """Each component's last change before `moment`: its status when the uptime window begins."""
    return (select(func.max(ComponentStatusChange.id)).where(ComponentStatusChange.at < moment)
            .group_by(ComponentStatusChange.component_id).scalar_subquery())


def _groups(db: Session, components: tuple[ComponentView, ...]) -> tuple[GroupView, ...]:
    views = []
    for group in db.scalars(select(ComponentGroup).order_by(ComponentGroup.position, ComponentGroup.name)):
        members = [c for c in components if c.group_id == group.public_id]
        status = max((c.status for c in members), key=uptime.RANK.__getitem__, default="operational")
        views.append(GroupView(public_id=group.public_id, name=group.name, description=group.description,
                               position=group.position, status=status, components=tuple(c.public_id for c in members),
                               created_at=group.created_at, updated_at=group.updated_at))
    return tuple(views)


def _maintenance_view(m: Maintenance) -> MaintenanceView:
    components = tuple(c.public_id for c in m.components)
    return MaintenanceView(
        public_id=m.public_id, name=m.title, status=m.status, body=m.body, scheduled_for=m.starts_at,
        scheduled_until=m.ends_at, created_at=m.created_at, updated_at=m.updated_at, started_at=m.started_at,
        resolved_at=m.completed_at, components=components,
        updates=tuple(UpdateView(public_id=u.public_id, status=u.status, body=u.body, at=u.at, components=components)
                      for u in reversed(m.updates)))
