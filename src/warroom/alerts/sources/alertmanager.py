"""Prometheus Alertmanager's webhook (payload version 4): one alert per element of `alerts`, keyed
by its `fingerprint`; `status: resolved` resolves it. The same group is re-sent every
group_interval: an alert already open with the same fingerprint and `startsAt` is left as it is.

The severity comes from the `severity` label (critical, warning, ...; synonyms are understood),
the summary from the `summary` or `description` annotation, else the alert name and instance.
"""

from __future__ import annotations

from typing import Any

from warroom.alerts.events import AlertEvent, PayloadError
from warroom.alerts.sources.common import DEDUP_KEY_MAX, clip, parse_time, severity_of

MAX_ALERTS = 1000


def _summary(labels: dict[str, Any], annotations: dict[str, Any]) -> str:
    for name in ("summary", "description", "message"):
        if isinstance(annotations.get(name), str) and annotations[name].strip():
            return annotations[name].strip()
    name = str(labels.get("alertname") or "Alert")
    where = labels.get("instance") or labels.get("job")
    return f"{name} on {where}" if where else name


def read_alert(item: Any, where: str, default_severity: str, errors: list[str],
               extra: dict[str, Any] | None = None) -> AlertEvent | None:
    """One Alertmanager-shaped alert (Grafana's unified alerting sends the same shape)."""
    if not isinstance(item, dict):
        errors.append(f"{where} must be an object")
        return None
    status, fingerprint = item.get("status"), item.get("fingerprint")
    labels = item.get("labels") if isinstance(item.get("labels"), dict) else {}
    annotations = item.get("annotations") if isinstance(item.get("annotations"), dict) else {}
    problems = len(errors)
    if status not in ("firing", "resolved"):
        errors.append(f"{where}.status must be 'firing' or 'resolved'")
    if not isinstance(fingerprint, str) or not fingerprint.strip():
        errors.append(f"{where}.fingerprint is missing or blank")
    elif len(fingerprint) > DEDUP_KEY_MAX:
        errors.append(f"{where}.fingerprint is longer than {DEDUP_KEY_MAX} characters")
    for name in ("labels", "annotations"):
        if item.get(name) is not None and not isinstance(item[name], dict):
            errors.append(f"{where}.{name} must be an object")
    if len(errors) > problems:
        return None
    links = [{"href": item[name], "text": text} for name, text in (
        ("generatorURL", "Source"), ("dashboardURL", "Dashboard"), ("panelURL", "Panel"),
        ("silenceURL", "Silence")) if isinstance(item.get(name), str) and item[name].startswith(("http://", "https://"))]
    if isinstance(annotations.get("runbook_url"), str) and annotations["runbook_url"].strip():
        links.append({"href": annotations["runbook_url"].strip(), "text": "Runbook"})
    details: dict[str, Any] = {"labels": labels, "annotations": annotations, **(extra or {})}
    for name in ("valueString", "values"):
        if item.get(name):
            details[name] = item[name]
    return AlertEvent(
        action="trigger" if status == "firing" else "resolve", dedup_key=fingerprint.strip(),
        summary=clip(_summary(labels, annotations)), severity=severity_of(labels.get("severity"), default_severity),
        origin=clip(labels.get("instance") or labels.get("job") or "", 255), details=details, links=links,
        happened_at=parse_time(item.get("startsAt")), source_started_at=parse_time(item.get("startsAt")))


def read_alerts(body: dict[str, Any], default_severity: str, errors: list[str],
                extra: dict[str, Any]) -> list[AlertEvent]:
    alerts = body.get("alerts")
    if not isinstance(alerts, list):
        errors.append("alerts must be an array" if alerts is not None else "alerts is missing")
        return []
    if len(alerts) > MAX_ALERTS:
        errors.append(f"alerts has {len(alerts)} elements; at most {MAX_ALERTS} are accepted in one "
                      f"notification (set max_alerts in the Alertmanager receiver)")
        return []
    events = [read_alert(item, f"alerts[{i}]", default_severity, errors, extra) for i, item in enumerate(alerts)]
    return [e for e in events if e is not None]


def parse(body: Any, default_severity: str) -> list[AlertEvent]:
    if not isinstance(body, dict):
        raise PayloadError(["the payload must be a JSON object (an Alertmanager webhook notification)"])
    errors: list[str] = []
    if str(body.get("version", "4")) != "4":
        errors.append(f"version must be \"4\" (Alertmanager webhook payload version 4), not {body.get('version')!r}")
    extra = {k: body[k] for k in ("receiver", "groupKey", "externalURL") if isinstance(body.get(k), str)}
    events = read_alerts(body, default_severity, errors, extra)
    if errors:
        raise PayloadError(errors)
    return events
