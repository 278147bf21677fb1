"""Grafana alerting webhooks. Grafana's unified alerting (8+) sends Alertmanager's shape with a few
fields more: every element of `alerts` is one alert keyed by its `fingerprint`. Legacy dashboard
alerts (a `state` of alerting, ok, no_data, paused or pending, and a `ruleId`) are one alert per
rule: alerting and no_data trigger it (no_data as a warning), ok resolves it, paused and pending
change nothing."""

from __future__ import annotations

from typing import Any

from warroom.alerts.events import AlertEvent, PayloadError
from warroom.alerts.sources.alertmanager import read_alerts
from warroom.alerts.sources.common import clip

LEGACY_STATES = ("alerting", "ok", "no_data", "paused", "pending")


def _legacy(body: dict[str, Any], default_severity: str) -> list[AlertEvent]:
    state, rule_id, rule_name = body.get("state"), body.get("ruleId"), body.get("ruleName")
    errors = []
    if state not in LEGACY_STATES:
        errors.append(f"state must be one of {', '.join(LEGACY_STATES)}")
    if not isinstance(rule_id, int) and not (isinstance(rule_name, str) and rule_name.strip()):
        errors.append("ruleId or ruleName is needed to tell alerts apart")
    if errors:
        raise PayloadError(errors)
    if state in ("paused", "pending"):
        return []
    key = f"rule-{rule_id}" if isinstance(rule_id, int) else f"rule-{rule_name.strip()}"
    if state == "ok":
        return [AlertEvent(action="resolve", dedup_key=key)]
    links = [{"href": body["ruleUrl"], "text": "Rule"}] if isinstance(body.get("ruleUrl"), str) else []
    details = {k: body[k] for k in ("message", "evalMatches", "tags", "orgId", "dashboardId", "panelId")
               if body.get(k) is not None}
    return [AlertEvent(action="trigger", dedup_key=key,
                       summary=clip(body.get("title") or rule_name or key),
                       severity="warning" if state == "no_data" else default_severity,
                       origin=clip(rule_name or "", 255), details=details, links=links)]


def parse(body: Any, default_severity: str) -> list[AlertEvent]:
    if not isinstance(body, dict):
        raise PayloadError(["the payload must be a JSON object (a Grafana webhook notification)"])
    if "alerts" not in body and "state" in body:
        return _legacy(body, default_severity)
    errors: list[str] = []
    extra = {k: body[k] for k in ("receiver", "groupKey", "externalURL", "orgId", "title") if body.get(k) is not None}
    events = read_alerts(body, default_severity, errors, extra)
    if errors:
        raise PayloadError(errors)
    return events
