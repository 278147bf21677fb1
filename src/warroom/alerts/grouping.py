"""From alerts to incidents. A new alert joins the service's open incident that was declared or
last had an alert join within the grouping window; otherwise, if the service's rules say its
severity declares, it declares a new incident (which pages, like any declaration). An alert storm
therefore becomes one incident paged once.

The incident's timeline shows alerts joining and resolving; when the last open alert of an incident
resolves, it says so and the commander is told by e-mail. Incidents are never closed by alerts.
Resolving or canceling an incident resolves its open alerts, so the next trigger opens a new alert
(and a new incident) instead of disappearing into a finished one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, exists, func, or_, select

from warroom.alerts.models import RESOLVED_LITERAL, Alert
from warroom.alerts.rules import rules_for
from warroom.catalog.models import Service
from warroom.comms.reminders import people_to_remind
from warroom.comms.routing import build_payload
from warroom.core import outbox
from warroom.core.context import Context
from warroom.incidents import service as incidents
from warroom.incidents import timeline
from warroom.incidents.lifecycle import OPEN_STATUSES, is_open
from warroom.incidents.models import Incident, TimelineEvent, incident_services
from warroom.incidents.schemas import IncidentCreate


_incidents, _links, _alerts = Incident.__table__, incident_services, Alert.__table__
# Built once: every new alert runs it.
_GROUPABLE = (
    select(_incidents.c.id).join(_links, _links.c.incident_id == _incidents.c.id)
    .where(_links.c.service_id == bindparam("service_id"), _incidents.c.status.in_(OPEN_STATUSES),
           or_(_incidents.c.declared_at >= bindparam("since", type_=_incidents.c.declared_at.type),
               exists().where(_alerts.c.incident_id == _incidents.c.id,
                              _alerts.c.attached_at >= bindparam("since", type_=_alerts.c.attached_at.type))))
    .order_by(_incidents.c.declared_at.desc(), _incidents.c.id.desc()).limit(1))


def incident_for(ctx: Context, service_id: int, severity: str, summary: str, *, source: str,
                 started: datetime, detected: datetime) -> Incident | None:
    """The incident a new alert of the service joins: the newest open one declared, or joined by an
    alert, within the grouping window; else a new one if the rules say this severity declares."""
    rules = rules_for(ctx, service_id)
    found = ctx.db.connection().execute(_GROUPABLE, {"service_id": service_id,
                                                     "since": ctx.now() - rules.group_window}).scalar()
    if found is not None:
        return ctx.db.get(Incident, found)
    level = rules.declares(severity)
    if level is None:
        return None
    service = ctx.db.get(Service, service_id)
    assert service is not None
    return incidents.declare(ctx, IncidentCreate(
        title=_title(summary), severity=level, services=[service.name],
        summary=f"Declared from a {severity} alert ({source}): {summary}",
        started_at=min(started, ctx.now()), detected_at=min(detected, ctx.now())))


def route(ctx: Context, alert: Alert) -> Incident | None:
    """Join an alert that is in no incident yet to one, declaring it if the rules say so."""
    incident = incident_for(ctx, alert.service_id, alert.severity, alert.summary, source=alert.source,
                            started=alert.source_started_at or alert.first_seen_at, detected=alert.first_seen_at)
    if incident is not None:
        alert.incident_id, alert.attached_at = incident.id, ctx.now()
        ctx.db.flush()
        attached(ctx, incident, alert)
    return incident


def _title(summary: str) -> str:
    summary = " ".join(summary.split()) or "Alert"
    return summary if len(summary) <= 200 else summary[:199] + "…"


def attached(ctx: Context, incident: Incident, alert: Any) -> TimelineEvent:
    """Say on the incident that the alert (already given its incident_id and attached_at) joined it.
    Not an edit of the incident: its updated_at stays (a storm would otherwise rewrite the row per alert)."""
    return timeline.record(ctx, incident, "alert_attached", alert_id=alert.id, summary=alert.summary,
                           severity=alert.severity, source=alert.source, origin=alert.origin)


def open_alert_count(ctx: Context, incident_id: int) -> int:
    return ctx.db.scalar(select(func.count()).select_from(Alert).where(
        Alert.incident_id == incident_id, Alert.status != RESOLVED_LITERAL)) or 0


def after_resolve(ctx: Context, alert: Alert) -> None:
    """The alert resolved: say so on its incident, and when it was the last open one, tell the commander."""
    if alert.incident_id is None:
        return
    incident = ctx.db.get(Incident, alert.incident_id)
    if incident is None or not is_open(incident.status):
        return
    ctx.db.flush()
    timeline.record(ctx, incident, "alert_resolved", alert_id=alert.id, summary=alert.summary,
                    by=alert.resolved_by)
    if open_alert_count(ctx, incident.id) == 0:
        event = timeline.record(ctx, incident, "alerts_all_resolved", starred=True)
        ctx.db.flush()
        payload = build_payload(ctx, incident, "alerts_all_resolved", event, "internal")
        for user_id in people_to_remind(incident):
            outbox.enqueue(ctx, "email", target={"user_id": user_id, "incident_id": incident.id},
                           payload=payload, subject=("incident", incident.id))


def on_timeline_event(ctx: Context, incident: Incident, event: TimelineEvent) -> None:
    if event.kind != "status_changed" or is_open((event.data or {}).get("new", "")):
        return
    still_open = list(ctx.db.scalars(select(Alert).where(Alert.incident_id == incident.id,
                                                         Alert.status != RESOLVED_LITERAL)))
    for alert in still_open:
        alert.status, alert.resolved_at = "resolved", ctx.now()
        alert.resolved_by = f"incident {(event.data or {}).get('new')}"
    if still_open:
        timeline.record(ctx, incident, "alert_resolved", count=len(still_open),
                        by=f"incident {(event.data or {}).get('new')}")


def install() -> None:
    if on_timeline_event not in timeline.on_record:
        timeline.on_record.append(on_timeline_event)
