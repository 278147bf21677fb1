"""Alerts as people see and handle them: lists and details (an alert of a restricted incident is
seen only by those who may see the incident), acknowledging and resolving from Warroom, and the
change events recorded before an incident started."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from warroom.alerts import ingest
from warroom.alerts.models import SEVERITIES, STATUSES, Alert, ChangeEvent, Integration
from warroom.catalog.models import Service
from warroom.catalog.service import find_services
from warroom.core.context import Context
from warroom.core.db import row_id
from warroom.core.errors import Conflict, Invalid, NotFound
from warroom.incidents.access import visible_clause
from warroom.incidents.models import Incident, incident_services
from warroom.users.service import require_writer

MAX_PAGE = 200
CHANGES_BEFORE = timedelta(hours=4)  # how far back an incident's page looks for changes
STATUS_GROUPS = {"open": ("triggered", "acknowledged"), "all": STATUSES}


@dataclass(frozen=True)
class AlertFilter:
    status: list[str] | None = None  # statuses, "open" or "all"; default: open (triggered, acknowledged)
    service: str | None = None
    severity: str | None = None
    incident: str | None = None  # an incident ref or id
    integration_id: int | None = None


def _visible(ctx: Context):
    """Alerts of no incident, or of an incident the actor may see."""
    return or_(Alert.incident_id.is_(None),
               Alert.incident_id.in_(select(Incident.id).where(visible_clause(ctx.actor))))


def _alerts_query(ctx: Context, filters: AlertFilter):
    statuses = [s for name in filters.status or ["open"] for s in STATUS_GROUPS.get(name, (name,))]
    unknown = [s for s in statuses if s not in STATUSES]
    if unknown:
        raise Invalid(f"unknown alert status {unknown[0]!r}; allowed: {', '.join(STATUSES)}, open "
                      f"(triggered and acknowledged) or all", field="status")
    query = select(Alert).where(Alert.status.in_(statuses), _visible(ctx))
    if filters.service is not None:
        query = query.where(Alert.service_id == find_services(ctx.db, [filters.service], field="service")[0].id)
    if filters.severity is not None:
        if filters.severity not in SEVERITIES:
            raise Invalid(f"unknown alert severity {filters.severity!r}; allowed: {', '.join(SEVERITIES)}",
                          field="severity")
        query = query.where(Alert.severity == filters.severity)
    if filters.incident is not None:
        from warroom.incidents.service import get_incident  # incidents build on alerts' hooks

        query = query.where(Alert.incident_id == get_incident(ctx, filters.incident).id)
    if filters.integration_id is not None:
        query = query.where(Alert.integration_id == filters.integration_id)
    return query.order_by(Alert.id.desc())


def list_alerts(ctx: Context, filters: AlertFilter, *, limit: int = 50, before_id: int | None = None) -> list[Alert]:
    """Newest first; `before_id` continues after the last alert of a page."""
    query = _alerts_query(ctx, filters)
    if before_id is not None:
        query = query.where(Alert.id < before_id)
    return list(ctx.db.scalars(query.limit(min(max(limit, 1), MAX_PAGE))))


def alerts_page(ctx: Context, filters: AlertFilter, *, limit: int = 50,
                cursor: str | None = None) -> tuple[list[Alert], str | None]:
    """One page, newest first, and the cursor of the next page (None on the last): the API's
    cursor convention, as for incidents."""
    if cursor is not None and row_id(cursor) is None:
        raise Invalid("cursor is not one this API returned", field="cursor")
    limit = min(max(limit, 1), MAX_PAGE)
    query = _alerts_query(ctx, filters)
    if cursor:
        query = query.where(Alert.id < int(cursor))
    found = list(ctx.db.scalars(query.limit(limit + 1)))
    return found[:limit], (str(found[limit - 1].id) if len(found) > limit else None)


def get_alert(ctx: Context, alert_id: int) -> Alert:
    alert = ctx.db.scalar(select(Alert).where(Alert.id == alert_id, _visible(ctx)))
    if alert is None:
        raise NotFound(f"no alert {alert_id}", field="alert")
    return alert


def alerts_of_incident(ctx: Context, incident: Incident, *, limit: int = MAX_PAGE) -> list[Alert]:
    """The incident's alerts, open ones first, then the newest: a storm can attach thousands, and
    the whole list is for the alerts list (filtered by incident), page by page."""
    return list(ctx.db.scalars(select(Alert).where(Alert.incident_id == incident.id)
                               .order_by((Alert.status == "resolved"), Alert.id.desc())
                               .limit(min(max(limit, 1), MAX_PAGE))))


def acknowledge_alert(ctx: Context, alert: Alert) -> Alert:
    """Acknowledge from Warroom: the alert stops counting as new; paging is the incident's (ack it there)."""
    require_writer(ctx)
    if alert.status != "triggered":
        raise Conflict(f"alert {alert.id} is {alert.status}; only a triggered alert can be acknowledged",
                       field="alert")
    alert.status, alert.acknowledged_at = "acknowledged", ctx.now()
    alert.acknowledged_by = ctx.actor.handle if ctx.actor else "system"
    ctx.db.flush()
    return alert


def resolve_alert(ctx: Context, alert: Alert) -> Alert:
    """Resolve from Warroom (the source may still be firing: its next trigger opens a new alert)."""
    require_writer(ctx)
    if alert.status == "resolved":
        raise Conflict(f"alert {alert.id} is already resolved", field="alert")
    ingest.resolve(ctx, alert, by=ctx.actor.handle if ctx.actor else "system")
    ctx.db.flush()
    return alert


def names(ctx: Context, alert: Alert) -> tuple[str, str, str | None]:
    """(service name, integration name, incident ref) of an alert, for lists and pages."""
    service = ctx.db.get(Service, alert.service_id)
    integration = ctx.db.get(Integration, alert.integration_id)
    incident = ctx.db.get(Incident, alert.incident_id) if alert.incident_id else None
    return (service.name if service else "", integration.name if integration else "",
            incident.ref if incident else None)


# --- change events --------------------------------------------------------------------------------

def list_changes(ctx: Context, *, service: str | None = None, since: datetime | None = None,
                 until: datetime | None = None, limit: int = 50) -> list[ChangeEvent]:
    query = select(ChangeEvent)
    if service is not None:
        query = query.where(ChangeEvent.service_id == find_services(ctx.db, [service], field="service")[0].id)
    if since is not None:
        query = query.where(ChangeEvent.happened_at >= since)
    if until is not None:
        query = query.where(ChangeEvent.happened_at <= until)
    return list(ctx.db.scalars(query.order_by(ChangeEvent.happened_at.desc(), ChangeEvent.id.desc())
                               .limit(min(max(limit, 1), MAX_PAGE))))


def changes_before(ctx: Context, incident: Incident, window: timedelta = CHANGES_BEFORE) -> list[ChangeEvent]:
    """Changes of the incident's services in the hours before it started (and until it was declared):
    the first suspects."""
    service_ids = select(incident_services.c.service_id).where(incident_services.c.incident_id == incident.id)
    until = max(incident.started_at, incident.declared_at)
    return list(ctx.db.scalars(
        select(ChangeEvent).where(ChangeEvent.service_id.in_(service_ids),
                                  ChangeEvent.happened_at >= incident.started_at - window,
                                  ChangeEvent.happened_at <= until)
        .order_by(ChangeEvent.happened_at.desc(), ChangeEvent.id.desc()).limit(MAX_PAGE)))
