"""Alerts over the API (with a token): integrations and their routing keys, alerts (list, read,
acknowledge, resolve), a service's rules from alerts to incidents, and change events.

Rules and access: warroom.alerts.integrations, service and rules. Admins manage integrations and
rules; anyone signed in reads alerts (those of restricted incidents only when they may see the
incident), rules and changes. Events themselves arrive at the public endpoints in api/inbound.py.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import AwareDatetime

from warroom.alerts import integrations, rules
from warroom.alerts import service as alerts
from warroom.alerts.schemas import (AlertOut, AlertPage, AlertRulesIn, AlertRulesOut, ChangeOut, IntegrationIn,
                                    IntegrationOut, IntegrationPatch, IntegrationWithKey, MappingTestIn,
                                    MappingTestOut)
from warroom.alerts.shapes import alert_out, change_out, integration_out, integration_with_key, rules_out
from warroom.api.deps import Ctx
from warroom.incidents.service import get_incident

router = APIRouter(prefix="/api/v1", tags=["alerts"])
IncidentKey = Annotated[str, "incident id or ref, e.g. 42 or INC-42"]
MAX_ID = 2**31 - 1  # ids are 32-bit: a larger one is refused (422), not sent to the database
Id = Annotated[int, Path(ge=1, le=MAX_ID)]


def _split(values: list[str] | None) -> list[str] | None:
    """Accept both ?status=a&status=b and ?status=a,b."""
    if not values:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


# --- integrations -------------------------------------------------------------------------------------

@router.get("/integrations", response_model=list[IntegrationOut], summary="List integrations")
def list_integrations(
    ctx: Ctx,
    service_name: Annotated[str | None, Query(alias="service", description="Only this service's")] = None,
    include_revoked: Annotated[bool, Query(description="Revoked ones too")] = False,
) -> list[IntegrationOut]:
    found = integrations.list_integrations(ctx, service=service_name, include_revoked=include_revoked)
    return [integration_out(ctx, i) for i in found]


@router.post("/integrations", status_code=201, response_model=IntegrationWithKey,
             summary="Create an integration (admins); its routing key is shown here once")
def create_integration(ctx: Ctx, body: IntegrationIn, response: Response) -> IntegrationWithKey:
    created, key = integrations.create_integration(
        ctx, service=body.service, kind=body.type, name=body.name, rate_limit_per_minute=body.rate_limit_per_minute,
        default_severity=body.default_severity, mapping=body.mapping)
    response.headers["Location"] = f"/api/v1/integrations/{created.id}"
    return integration_with_key(ctx, created, key)


@router.get("/integrations/{integration_id}", response_model=IntegrationOut)
def get_integration(ctx: Ctx, integration_id: Id) -> IntegrationOut:
    return integration_out(ctx, integrations.get_integration(ctx, integration_id))


@router.patch("/integrations/{integration_id}", response_model=IntegrationOut,
              summary="Change the name, rate limit, default severity or mapping (admins)")
def update_integration(ctx: Ctx, integration_id: Id, body: IntegrationPatch) -> IntegrationOut:
    found = integrations.get_integration(ctx, integration_id)
    return integration_out(ctx, integrations.update_integration(
        ctx, found, name=body.name, rate_limit_per_minute=body.rate_limit_per_minute,
        default_severity=body.default_severity, mapping=body.mapping))


@router.post("/integrations/{integration_id}/rotate-key", response_model=IntegrationWithKey,
             summary="A new routing key, shown once; the old one stops working at once (admins)")
def rotate_key(ctx: Ctx, integration_id: Id) -> IntegrationWithKey:
    rotated, key = integrations.rotate_key(ctx, integrations.get_integration(ctx, integration_id))
    return integration_with_key(ctx, rotated, key)


@router.post("/integrations/{integration_id}/revoke", response_model=IntegrationOut,
             summary="Stop accepting events; its alerts and changes stay (admins)")
def revoke_integration(ctx: Ctx, integration_id: Id) -> IntegrationOut:
    return integration_out(ctx, integrations.revoke(ctx, integrations.get_integration(ctx, integration_id)))


@router.post("/integrations/{integration_id}/test-mapping", response_model=MappingTestOut,
             summary="What a generic webhook's mapping makes of a sample payload; writes nothing (admins)")
def test_mapping(ctx: Ctx, integration_id: Id, body: MappingTestIn) -> MappingTestOut:
    found = integrations.get_integration(ctx, integration_id)
    return MappingTestOut(**integrations.try_sample(ctx, found, body.sample, body.mapping))


# --- alerts -------------------------------------------------------------------------------------------

@router.get("/alerts", response_model=AlertPage, summary="List alerts, newest first")
def list_alerts(
    ctx: Ctx,
    status: Annotated[list[str] | None, Query(description="triggered, acknowledged, resolved, open (the first "
                                              "two) or all; repeat or comma-separate; default: open")] = None,
    service_name: Annotated[str | None, Query(alias="service")] = None,
    severity: Annotated[str | None, Query(description="critical, error, warning or info")] = None,
    incident: Annotated[str | None, Query(description="Incident id or ref: its alerts")] = None,
    integration: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Integration id")] = None,
    limit: Annotated[int, Query(ge=1, le=alerts.MAX_PAGE)] = 50,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
) -> AlertPage:
    filters = alerts.AlertFilter(status=_split(status), service=service_name, severity=severity,
                                  incident=incident, integration_id=integration)
    found, next_cursor = alerts.alerts_page(ctx, filters, limit=limit, cursor=cursor)
    return AlertPage(items=[alert_out(ctx, a) for a in found], next_cursor=next_cursor)


@router.get("/alerts/{alert_id}", response_model=AlertOut)
def get_alert(ctx: Ctx, alert_id: Id) -> AlertOut:
    return alert_out(ctx, alerts.get_alert(ctx, alert_id))


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertOut,
             summary="Acknowledge a triggered alert (paging is the incident's: acknowledge that)")
def acknowledge_alert(ctx: Ctx, alert_id: Id) -> AlertOut:
    return alert_out(ctx, alerts.acknowledge_alert(ctx, alerts.get_alert(ctx, alert_id)))


@router.post("/alerts/{alert_id}/resolve", response_model=AlertOut,
             summary="Resolve an open alert; the source's next trigger opens a new one")
def resolve_alert(ctx: Ctx, alert_id: Id) -> AlertOut:
    return alert_out(ctx, alerts.resolve_alert(ctx, alerts.get_alert(ctx, alert_id)))


# --- a service's rules --------------------------------------------------------------------------------

@router.get("/services/{service}/alert-rules", response_model=AlertRulesOut,
            summary="How the service's alerts become incidents")
def get_alert_rules(ctx: Ctx, service: str) -> AlertRulesOut:
    found = rules.service_named(ctx, service)
    return rules_out(found, rules.rules_for(ctx, found.id))


@router.put("/services/{service}/alert-rules", response_model=AlertRulesOut,
            summary="Change some of the rules; the others keep their value (admins)")
def set_alert_rules(ctx: Ctx, service: str, body: AlertRulesIn) -> AlertRulesOut:
    found = rules.service_named(ctx, service)
    return rules_out(found, rules.set_rules(
        ctx, found, severity_map=body.severity_map, auto_declare=body.auto_declare, declare_at=body.declare_at,
        group_window_minutes=body.group_window_minutes))


@router.delete("/services/{service}/alert-rules", response_model=AlertRulesOut,
               summary="Back to the default rules (admins)")
def reset_alert_rules(ctx: Ctx, service: str) -> AlertRulesOut:
    found = rules.service_named(ctx, service)
    return rules_out(found, rules.reset_rules(ctx, found))


# --- change events, and an incident's alerts and changes ----------------------------------------------

@router.get("/changes", response_model=list[ChangeOut], summary="Change events (deploys ...), newest first")
def list_changes(
    ctx: Ctx,
    service_name: Annotated[str | None, Query(alias="service")] = None,
    since: Annotated[AwareDatetime | None, Query(description="At or after (ISO 8601 with an offset)")] = None,
    until: Annotated[AwareDatetime | None, Query(description="At or before (ISO 8601 with an offset)")] = None,
    limit: Annotated[int, Query(ge=1, le=alerts.MAX_PAGE)] = 50,
) -> list[ChangeOut]:
    found = alerts.list_changes(ctx, service=service_name, since=since, until=until, limit=limit)
    return [change_out(ctx, c) for c in found]


@router.get("/incidents/{incident}/alerts", response_model=list[AlertOut],
            summary="The incident's alerts, oldest first, resolved ones included")
def incident_alerts(ctx: Ctx, incident: IncidentKey) -> list[AlertOut]:
    return [alert_out(ctx, a) for a in alerts.alerts_of_incident(ctx, get_incident(ctx, incident))]


@router.get("/incidents/{incident}/changes", response_model=list[ChangeOut],
            summary="Changes of its services in the 4 hours before it started, until it was declared")
def incident_changes(ctx: Ctx, incident: IncidentKey) -> list[ChangeOut]:
    return [change_out(ctx, c) for c in alerts.changes_before(ctx, get_incident(ctx, incident))]
