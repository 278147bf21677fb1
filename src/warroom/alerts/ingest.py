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

from sqlalchemy import select

from warroom.alerts import grouping
from warroom.alerts.events import AlertEvent, ChangeIn
from warroom.alerts.models import Alert, ChangeEvent, Integration
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


def open_alert(ctx: Context, integration_id: int, dedup_key: str) -> Alert | None:
    return ctx.db.scalar(select(Alert).where(Alert.integration_id == integration_id,
                                             Alert.dedup_key == dedup_key, Alert.status != "resolved"))


def apply(ctx: Context, integration: Integration, event: AlertEvent) -> Outcome:
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


def apply_all(ctx: Context, integration: Integration, events: list[AlertEvent]) -> list[Outcome]:
    return [apply(ctx, integration, event) for event in events]


def resolve(ctx: Context, alert: Alert, *, by: str) -> None:
    alert.status, alert.resolved_at, alert.resolved_by = "resolved", ctx.now(), by
    grouping.after_resolve(ctx, alert)


def _trigger(ctx: Context, integration: Integration, event: AlertEvent) -> Outcome:
    alert = open_alert(ctx, integration.id, event.dedup_key)
    if alert is None:
        # Take the service's row lock, then look again: a concurrent trigger may have opened it.
        service = ctx.db.get(Service, integration.service_id, with_for_update=True, populate_existing=True)
        assert service is not None
        alert = open_alert(ctx, integration.id, event.dedup_key)
        if alert is None:
            return _open(ctx, integration, service, event)
    if event.source_started_at is not None and alert.source_started_at == event.source_started_at:
        return Outcome(event.dedup_key, UNCHANGED, alert.id, alert.incident_id)
    ctx.db.flush()
    # One UPDATE that adds to the count in the database: concurrent repeats each count.
    alert.occurrences = Alert.occurrences + 1  # type: ignore[assignment]
    alert.last_seen_at = ctx.now()
    alert.severity, alert.summary = event.severity, event.summary or alert.summary
    alert.details, alert.links = event.details or alert.details, event.links or alert.links
    if event.source_started_at is not None:
        alert.source_started_at = event.source_started_at
    if alert.incident_id is None and alert.status == "triggered":
        # Not part of an incident yet: a higher severity may now declare one.
        service = ctx.db.get(Service, integration.service_id, with_for_update=True)
        assert service is not None
        incident = grouping.route(ctx, alert, service)
        return Outcome(event.dedup_key, REPEATED, alert.id, incident.id if incident else None)
    return Outcome(event.dedup_key, REPEATED, alert.id, alert.incident_id)


def _open(ctx: Context, integration: Integration, service: Service, event: AlertEvent) -> Outcome:
    now = ctx.now()
    alert = Alert(
        integration_id=integration.id, service_id=service.id, source=integration.kind, dedup_key=event.dedup_key,
        status="triggered", severity=event.severity, summary=event.summary, origin=event.origin,
        details=event.details, links=event.links, source_started_at=event.source_started_at,
        first_seen_at=_not_after(event.happened_at, now), last_seen_at=now, occurrences=1)
    ctx.db.add(alert)
    ctx.db.flush()
    incident = grouping.route(ctx, alert, service)
    return Outcome(event.dedup_key, OPENED, alert.id, incident.id if incident else None)


def _not_after(moment: datetime | None, now: datetime) -> datetime:
    return now if moment is None or moment > now else moment


def record_change(ctx: Context, integration: Integration, change: ChangeIn) -> ChangeEvent:
    now = ctx.now()
    event = ChangeEvent(service_id=integration.service_id, integration_id=integration.id, summary=change.summary,
                        origin=change.origin, details=change.details, links=change.links,
                        happened_at=_not_after(change.happened_at, now), received_at=now)
    ctx.db.add(event)
    ctx.db.flush()
    return event
