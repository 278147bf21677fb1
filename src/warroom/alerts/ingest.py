"""Applying inbound events, whatever their source, with PagerDuty's dedup semantics:

  trigger      opens an alert, or adds an occurrence to the open alert with the same dedup key
  acknowledge  marks the open alert acknowledged (dropped when there is none)
  resolve      resolves the open alert (dropped when there is none); the next trigger opens a new one

Keys are per integration. Repeats of an open alert are one UPDATE; only a new alert takes the
service's row lock (PostgreSQL; SQLite has one writer), so concurrent triggers of one key open one
alert, and concurrent new alerts of one service group into one incident.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import JSON, bindparam, func, literal_column, or_, select, update

from warroom.alerts import grouping
from warroom.alerts.events import AlertEvent, ChangeIn
from warroom.alerts.integrations import Sender
from warroom.alerts.models import RESOLVED_LITERAL, Alert, ChangeEvent
from warroom.catalog.models import Service
from warroom.core.context import Context

OPENED, REPEATED, UNCHANGED, ACKNOWLEDGED, RESOLVED, DROPPED = (
    "opened", "repeated", "unchanged", "acknowledged", "resolved", "dropped")


@dataclass(frozen=True)
class Outcome:
    dedup_key: str
    result: str
    alert_id: int | None = None
    incident_id: int | None = None


_OPEN_ALERT = select(Alert).where(Alert.integration_id == bindparam("integration_id"),
                                  Alert.dedup_key == bindparam("dedup_key"), Alert.status != RESOLVED_LITERAL)
_OPEN_ALERT_STATE = select(Alert.__table__.c.id, Alert.__table__.c.incident_id, Alert.__table__.c.status,
                           Alert.__table__.c.source_started_at).where(
    Alert.__table__.c.integration_id == bindparam("integration_id"),
    Alert.__table__.c.dedup_key == bindparam("dedup_key"), Alert.__table__.c.status != RESOLVED_LITERAL)
# A row lock on PostgreSQL: new alerts of one service one at a time.
_LOCK_SERVICE = select(Service.__table__.c.id).where(Service.__table__.c.id == bindparam("service_id")).with_for_update()


_alerts = Alert.__table__
_INSERT_ALERT = _alerts.insert().returning(_alerts.c.id)


@dataclass(frozen=True)
class AttachedAlert:
    """What the timeline says of a new alert joining an incident."""

    id: int
    summary: str
    severity: str
    source: str
    origin: str


def open_alert(ctx: Context, integration_id: int, dedup_key: str) -> Alert | None:
    return ctx.db.scalar(_OPEN_ALERT, {"integration_id": integration_id, "dedup_key": dedup_key})


def apply(ctx: Context, integration: Sender, event: AlertEvent) -> Outcome:
    if event.action == "trigger":
        return _trigger(ctx, integration, event)
    alert = open_alert(ctx, integration.id, event.dedup_key)
    if alert is None or (event.action == "acknowledge" and alert.status != "triggered"):
        return Outcome(event.dedup_key, DROPPED, alert.id if alert else None)
    if event.action == "acknowledge":
        alert.status, alert.acknowledged_at, alert.acknowledged_by = "acknowledged", ctx.now(), "source"
        return Outcome(event.dedup_key, ACKNOWLEDGED, alert.id, alert.incident_id)
    resolve(ctx, alert, by="source")
    return Outcome(event.dedup_key, RESOLVED, alert.id, alert.incident_id)


def apply_all(ctx: Context, integration: Sender, events: list[AlertEvent]) -> list[Outcome]:
    return [apply(ctx, integration, event) for event in events]


def resolve(ctx: Context, alert: Alert, *, by: str) -> None:
    alert.status, alert.resolved_at, alert.resolved_by = "resolved", ctx.now(), by
    grouping.after_resolve(ctx, alert)


# Built once: a storm runs this statement for nearly every event, and building the expression
# costs more than executing it on SQLite.
_REPEAT = (
    update(_alerts)
    .where(_alerts.c.integration_id == bindparam("b_integration_id"), _alerts.c.dedup_key == bindparam("b_dedup_key"),
           _alerts.c.status != RESOLVED_LITERAL,
           or_(_alerts.c.incident_id.is_not(None), _alerts.c.status != literal_column("'triggered'")),
           or_(bindparam("b_started", type_=_alerts.c.source_started_at.type).is_(None),
               _alerts.c.source_started_at.is_(None),
               _alerts.c.source_started_at != bindparam("b_started", type_=_alerts.c.source_started_at.type)))
    .values(occurrences=_alerts.c.occurrences + 1, last_seen_at=bindparam("b_now"), severity=bindparam("b_severity"),
            summary=bindparam("b_summary"),
            # A repeat without details or links keeps the alert's (SQL NULL, not JSON null, when absent).
            details=func.coalesce(bindparam("b_details", type_=JSON(none_as_null=True)), _alerts.c.details),
            links=func.coalesce(bindparam("b_links", type_=JSON(none_as_null=True)), _alerts.c.links),
            source_started_at=func.coalesce(bindparam("b_started", type_=_alerts.c.source_started_at.type),
                                            _alerts.c.source_started_at))
    .returning(_alerts.c.id, _alerts.c.incident_id))


def _repeat(ctx: Context, integration: Sender, event: AlertEvent) -> Outcome | None:
    """The common case of a storm, in one statement: count a repeat of an open alert that is already
    part of an incident (or acknowledged); its severity and summary become the latest event's, and
    its details and links too when the event has any. None when that is not the case (no open alert, the same firing re-sent, or an
    alert not yet in an incident): the caller takes the longer way."""
    row = ctx.db.connection().execute(_REPEAT, {
        "b_integration_id": integration.id, "b_dedup_key": event.dedup_key, "b_started": event.source_started_at,
        "b_now": ctx.now(), "b_severity": event.severity, "b_summary": event.summary,
        "b_details": event.details or None, "b_links": event.links or None}).first()
    return Outcome(event.dedup_key, REPEATED, row.id, row.incident_id) if row else None


def _trigger(ctx: Context, integration: Sender, event: AlertEvent) -> Outcome:
    repeated = _repeat(ctx, integration, event)
    if repeated is not None:
        return repeated
    # Take the service's row lock, then look: a concurrent trigger may have opened the alert. (SQLite
    # has one writer: the transaction holds the lock already.)
    if ctx.db.get_bind().dialect.name == "postgresql":
        ctx.db.connection().execute(_LOCK_SERVICE, {"service_id": integration.service_id})
    found = ctx.db.connection().execute(_OPEN_ALERT_STATE, {"integration_id": integration.id,
                                                            "dedup_key": event.dedup_key}).first()
    if found is None:
        return _open(ctx, integration, event)
    if event.source_started_at is not None and found.source_started_at == event.source_started_at:
        return Outcome(event.dedup_key, UNCHANGED, found.id, found.incident_id)
    if found.incident_id is not None or found.status != "triggered":
        # Opened by a concurrent transaction that held the lock: an ordinary repeat now.
        repeated = _repeat(ctx, integration, event)
        assert repeated is not None
        return repeated
    # A repeat of an alert in no incident yet: counted, then routed (a higher severity may declare).
    alert = ctx.db.get(Alert, found.id)
    assert alert is not None
    alert.occurrences += 1
    alert.last_seen_at, alert.severity, alert.summary = ctx.now(), event.severity, event.summary or alert.summary
    alert.details, alert.links = event.details or alert.details, event.links or alert.links
    if event.source_started_at is not None:
        alert.source_started_at = event.source_started_at
    incident = grouping.route(ctx, alert)
    return Outcome(event.dedup_key, REPEATED, alert.id, incident.id if incident else None)


def _open(ctx: Context, integration: Sender, event: AlertEvent) -> Outcome:
    now = ctx.now()
    first_seen = _not_after(event.happened_at, now)
    incident = grouping.incident_for(ctx, integration.service_id, event.severity, event.summary,
                                     source=integration.kind, started=event.source_started_at or first_seen,
                                     detected=first_seen)
    # A Core INSERT: the unit of work costs more than the statement, and a storm of new keys runs it
    # for every event.
    alert_id = ctx.db.connection().execute(_INSERT_ALERT, {
        "integration_id": integration.id, "service_id": integration.service_id, "source": integration.kind,
        "dedup_key": event.dedup_key, "status": "triggered", "severity": event.severity, "summary": event.summary,
        "origin": event.origin, "details": event.details, "links": event.links,
        "source_started_at": event.source_started_at, "first_seen_at": first_seen, "last_seen_at": now,
        "occurrences": 1, "incident_id": incident.id if incident else None,
        "attached_at": now if incident else None, "acknowledged_by": "", "resolved_by": ""}).scalar_one()
    if incident is not None:
        grouping.attached(ctx, incident, AttachedAlert(alert_id, event.summary, event.severity, integration.kind,
                                                       event.origin))
    return Outcome(event.dedup_key, OPENED, alert_id, incident.id if incident else None)


def _not_after(moment: datetime | None, now: datetime) -> datetime:
    return now if moment is None or moment > now else moment


def record_change(ctx: Context, integration: Sender, change: ChangeIn) -> ChangeEvent:
    now = ctx.now()
    event = ChangeEvent(service_id=integration.service_id, integration_id=integration.id, summary=change.summary,
                        origin=change.origin, details=change.details, links=change.links,
                        happened_at=_not_after(change.happened_at, now), received_at=now)
    ctx.db.add(event)
    ctx.db.flush()
    return event
