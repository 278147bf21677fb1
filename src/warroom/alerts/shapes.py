"""Domain objects of the alerts domain as API shapes (schemas.py), for the REST API and the CLI.

An integration's `url` is where its tool sends events: PagerDuty's Events API v2 at
`/v2/enqueue` (the routing key goes in the body; change events go to `/v2/change/enqueue`), the
webhooks at `/hooks/{type}/{routing_key}`. The key is never stored, so the URL carries it only
right after creation or rotation (IntegrationWithKey); otherwise it reads `{routing_key}`.
"""

from __future__ import annotations

from warroom.alerts import service
from warroom.alerts.integrations import service_of
from warroom.alerts.models import Alert, ChangeEvent, Integration
from warroom.alerts.rules import Rules
from warroom.alerts.schemas import AlertOut, AlertRulesOut, ChangeOut, IntegrationOut, IntegrationWithKey
from warroom.catalog.models import Service
from warroom.core.context import Context

KEY_PLACEHOLDER = "{routing_key}"


def integration_url(ctx: Context, integration: Integration, key: str | None = None) -> str:
    base = ctx.base_url.rstrip("/")
    if integration.kind == "pagerduty":
        return f"{base}/v2/enqueue"
    return f"{base}/hooks/{integration.kind}/{key or KEY_PLACEHOLDER}"


def integration_out(ctx: Context, integration: Integration) -> IntegrationOut:
    return IntegrationOut(
        id=integration.id, service=service_of(ctx, integration).name, name=integration.name,
        type=integration.kind, key_hint=integration.key_hint, url=integration_url(ctx, integration),
        rate_limit_per_minute=integration.rate_limit_per_minute, default_severity=integration.default_severity,
        mapping=integration.mapping or {}, created_at=integration.created_at,
        key_rotated_at=integration.key_rotated_at, revoked_at=integration.revoked_at)


def integration_with_key(ctx: Context, integration: Integration, key: str) -> IntegrationWithKey:
    """Right after creation or rotation: the only time the key is shown."""
    shown = integration_out(ctx, integration).model_dump()
    shown["url"] = integration_url(ctx, integration, key)
    return IntegrationWithKey(**shown, routing_key=key)


def alert_out(ctx: Context, alert: Alert) -> AlertOut:
    service_name, integration_name, incident_ref = service.names(ctx, alert)
    return AlertOut(
        id=alert.id, service=service_name, integration=integration_name, incident=incident_ref,
        source=alert.source, dedup_key=alert.dedup_key, status=alert.status, severity=alert.severity,
        summary=alert.summary, origin=alert.origin, details=alert.details or {}, links=alert.links or [],
        first_seen_at=alert.first_seen_at, last_seen_at=alert.last_seen_at, occurrences=alert.occurrences,
        acknowledged_at=alert.acknowledged_at, acknowledged_by=alert.acknowledged_by,
        resolved_at=alert.resolved_at, resolved_by=alert.resolved_by)


def change_out(ctx: Context, change: ChangeEvent) -> ChangeOut:
    found = ctx.db.get(Service, change.service_id)
    return ChangeOut(id=change.id, service=found.name if found else "", summary=change.summary,
                     origin=change.origin, details=change.details or {}, links=change.links or [],
                     happened_at=change.happened_at, received_at=change.received_at)


def rules_out(service_: Service, rules: Rules) -> AlertRulesOut:
    return AlertRulesOut(service=service_.name, severity_map=dict(rules.severity_map),
                         auto_declare=rules.auto_declare, declare_at=rules.declare_at,
                         group_window_minutes=rules.group_window_minutes, customized=rules.customized)
