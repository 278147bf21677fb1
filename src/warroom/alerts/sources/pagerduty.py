"""PagerDuty Events API v2: `POST /v2/enqueue` (alert events) and `POST /v2/change/enqueue`
(change events), with PagerDuty's request fields, rules and answers, so a PagerDuty client pointed
at Warroom's base URL works unchanged.

    202 {"status": "success", "message": "Event processed", "dedup_key": "..."}
    400 {"status": "invalid event", "message": "Event object is invalid", "errors": ["..."]}

A summary over 1,024 characters is shortened, not refused; a trigger without a dedup key gets a
new random one, returned in the answer.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from warroom.alerts.events import ACTIONS, AlertEvent, ChangeIn, PayloadError
from warroom.alerts.models import SEVERITIES
from warroom.alerts.sources.common import DEDUP_KEY_MAX, clip, parse_time, read_links

ACCEPTED = {"status": "success", "message": "Event processed"}
CHANGE_ACCEPTED = {"status": "success", "message": "Change event processed"}
INVALID = {"status": "invalid event", "message": "Event object is invalid"}
THROTTLED = {"status": "throttle event",
             "message": "Requests for this service are arriving too quickly. Please retry later."}
# One answer for a malformed, unknown or revoked key alike: it tells a prober nothing.
BAD_KEY = "'routing_key' is invalid (must be the 32-character key of an active Events API v2 integration)"
PAYLOAD_DETAILS = ("component", "group", "class", "custom_details")


def _text(body: dict[str, Any], name: str, label: str, errors: list[str], *, required: bool) -> str:
    value = body.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.append(f"'{label}' is missing or blank")
        return ""
    if not isinstance(value, str):
        errors.append(f"'{label}' is invalid (must be a string)")
        return ""
    return value


def _images(value: Any, errors: list[str]) -> list[dict[str, str]]:
    """PagerDuty's images ({src, href, alt}) as links to the image."""
    if not isinstance(value, list):
        return read_links(value, "images", errors)
    renamed = [{"href": item.get("src"), "text": item.get("alt") or ""} if isinstance(item, dict) else item
               for item in value]
    return read_links(renamed, "images", errors)


def _timestamp(payload: dict[str, Any], errors: list[str]) -> datetime | None:
    if payload.get("timestamp") is None:
        return None
    happened = parse_time(payload["timestamp"])
    if happened is None:
        errors.append("'payload.timestamp' is invalid (must be an ISO 8601 timestamp)")
    return happened


def routing_key_of(body: Any) -> str | None:
    return body.get("routing_key") if isinstance(body, dict) and isinstance(body.get("routing_key"), str) else None


def parse_event(body: Any) -> AlertEvent:
    """The alert event in a /v2/enqueue body, or PayloadError listing every problem (the routing
    key is checked by the caller, against the database)."""
    if not isinstance(body, dict):
        raise PayloadError(["Event must be a JSON object"])
    errors: list[str] = []
    action = _text(body, "event_action", "event_action", errors, required=True)
    if action and action not in ACTIONS:
        errors.append(f"'event_action' is invalid (must be one of: {', '.join(ACTIONS)})")
    dedup_key = _text(body, "dedup_key", "dedup_key", errors, required=action in ("acknowledge", "resolve"))
    if len(dedup_key) > DEDUP_KEY_MAX:
        errors.append(f"Length of 'dedup_key' is too long (should be at most {DEDUP_KEY_MAX} characters)")
    if action != "trigger":
        if errors:
            raise PayloadError(errors)
        return AlertEvent(action=action, dedup_key=dedup_key)
    payload = body.get("payload")
    if not isinstance(payload, dict):
        errors.append("'payload' is missing or blank" if payload is None else "'payload' is invalid (must be an object)")
        raise PayloadError(errors)
    summary = _text(payload, "summary", "payload.summary", errors, required=True)
    source = _text(payload, "source", "payload.source", errors, required=True)
    severity = _text(payload, "severity", "payload.severity", errors, required=True)
    if severity and severity not in SEVERITIES:
        errors.append(f"'payload.severity' is invalid (must be one of: {', '.join(SEVERITIES)})")
    happened = _timestamp(payload, errors)
    links = read_links(body.get("links"), "links", errors)
    images = _images(body.get("images"), errors)
    for name in ("client", "client_url"):
        _text(body, name, name, errors, required=False)
    if errors:
        raise PayloadError(errors)
    details = {k: payload[k] for k in PAYLOAD_DETAILS if payload.get(k) is not None}
    details.update({k: body[k] for k in ("client", "client_url") if body.get(k)})
    if images:
        details["images"] = images
    return AlertEvent(action="trigger", dedup_key=dedup_key or uuid.uuid4().hex, summary=clip(summary),
                      severity=severity, origin=clip(source, 255), details=details, links=links,
                      happened_at=happened)


def parse_change(body: Any) -> ChangeIn:
    """The change event in a /v2/change/enqueue body, or PayloadError."""
    if not isinstance(body, dict):
        raise PayloadError(["Event must be a JSON object"])
    errors: list[str] = []
    payload = body.get("payload")
    if not isinstance(payload, dict):
        raise PayloadError(["'payload' is missing or blank" if payload is None else
                            "'payload' is invalid (must be an object)"])
    summary = _text(payload, "summary", "payload.summary", errors, required=True)
    source = _text(payload, "source", "payload.source", errors, required=False)
    happened = _timestamp(payload, errors)
    links = read_links(body.get("links"), "links", errors)
    if errors:
        raise PayloadError(errors)
    details = payload.get("custom_details")
    return ChangeIn(summary=clip(summary), origin=clip(source, 255), links=links, happened_at=happened,
                    details={"custom_details": details} if details is not None else {})
