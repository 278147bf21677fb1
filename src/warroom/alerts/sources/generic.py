"""Generic JSON webhooks: the integration's mapping says where in the payload each part is.

    {"title": "alert.name",                      a path into the payload ...
     "dedup_key": "{{ payload.host }}:{{ payload.check }}",   ... or a sandboxed template
     "severity": "level", "severity_values": {"P1": "critical"},
     "resolve": {"value": "state", "equals": ["ok", "resolved"]},
     "origin": "host", "link": "url"}

Only `title` is required. Without `dedup_key` the title is the key (the same title is the same
alert); without `severity`, or when the payload lacks it, the integration's default severity;
without `resolve` every event triggers. A payload without the title or key is refused (400). A path is dotted names and [n] indexes (`alerts[0].labels.severity`); a value with `{{`
is a Jinja template over `payload`, in the same sandbox as message templates.
"""

from __future__ import annotations

import re
from typing import Any

from warroom.alerts.events import AlertEvent, PayloadError
from warroom.alerts.models import SEVERITIES
from warroom.alerts.sources.common import DEDUP_KEY_MAX, clip, severity_of
from warroom.comms.templates import check_syntax, render
from warroom.core.errors import Invalid

VALUE_FIELDS = ("title", "dedup_key", "severity", "origin", "link")
PATH_RE = re.compile(r"^(\$|[A-Za-z0-9_@$-]+(\[\d+\])*(\.[A-Za-z0-9_@$-]+(\[\d+\])*)*)$")
STEP_RE = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_MISSING = object()


def _check_source(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"{field} must be a path into the payload (e.g. alert.name) or a template "
                      f"(e.g. {{{{ payload.host }}}} is down)", field=field)
    value = value.strip()
    if len(value) > 2000:
        raise Invalid(f"{field} is longer than 2000 characters", field=field)
    if "{{" in value or "{%" in value:
        check_syntax(value, part=field)
    elif not PATH_RE.match(value):
        raise Invalid(f"{field}: {value!r} is not a path: use dotted names and [n] indexes, e.g. "
                      f"alerts[0].labels.severity, or a template with {{{{ }}}}", field=field)
    return value


def check_mapping(mapping: Any) -> dict[str, Any]:
    """The mapping, checked; Invalid names the first wrong field (`mapping.title`, ...)."""
    if not isinstance(mapping, dict):
        raise Invalid("mapping must be an object", field="mapping")
    known = set(VALUE_FIELDS) | {"severity_values", "resolve"}
    unknown = sorted(set(mapping) - known)
    if unknown:
        raise Invalid(f"mapping has no field {unknown[0]!r}; allowed: {', '.join(sorted(known))}",
                      field=f"mapping.{unknown[0]}")
    if "title" not in mapping:
        raise Invalid("mapping.title is required: where the alert's title is in the payload", field="mapping.title")
    checked: dict[str, Any] = {f: _check_source(mapping[f], f"mapping.{f}") for f in VALUE_FIELDS if f in mapping}
    values = mapping.get("severity_values")
    if values is not None:
        if not isinstance(values, dict) or not all(isinstance(k, str) for k in values):
            raise Invalid("mapping.severity_values must map the payload's words to alert severities",
                          field="mapping.severity_values")
        wrong = [k for k, v in values.items() if v not in SEVERITIES]
        if wrong:
            raise Invalid(f"mapping.severity_values.{wrong[0]} must be one of {', '.join(SEVERITIES)}",
                          field=f"mapping.severity_values.{wrong[0]}")
        checked["severity_values"] = dict(values)
    resolve = mapping.get("resolve")
    if resolve is not None:
        if not isinstance(resolve, dict) or set(resolve) != {"value", "equals"}:
            raise Invalid('mapping.resolve must be {"value": <path or template>, "equals": [<values>]}',
                          field="mapping.resolve")
        equals = resolve["equals"] if isinstance(resolve["equals"], list) else [resolve["equals"]]
        if not equals or not all(isinstance(v, (str, int, float, bool)) for v in equals):
            raise Invalid("mapping.resolve.equals must be a value or a list of values", field="mapping.resolve.equals")
        checked["resolve"] = {"value": _check_source(resolve["value"], "mapping.resolve.value"),
                              "equals": [str(v).lower() if isinstance(v, bool) else str(v) for v in equals]}
    return checked


def _lookup(payload: Any, path: str) -> Any:
    if path == "$":
        return payload
    value = payload
    for name, index in STEP_RE.findall(path):
        if name:
            if not isinstance(value, dict) or name not in value:
                return _MISSING
            value = value[name]
        else:
            if not isinstance(value, list) or int(index) >= len(value):
                return _MISSING
            value = value[int(index)]
    return value


def _value(source: str, payload: Any, field: str, errors: list[str]) -> str | None:
    """The text at a path, or the template rendered; None (with an error) when it is not there."""
    if "{{" in source or "{%" in source:
        try:
            return render(source, {"payload": payload}, part=field)
        except Invalid as exc:
            # The message template's advice does not fit here: the variable is the payload.
            errors.append(str(exc).replace("; see the documented variables", " in the payload"))
            return None
    value = _lookup(payload, source)
    if value is _MISSING or value is None:
        errors.append(f"{field}: {source} is not in the payload")
        return None
    if isinstance(value, bool):
        return str(value).lower()
    return value if isinstance(value, str) else str(value)


def extract(mapping: dict[str, Any], payload: Any, default_severity: str) -> AlertEvent:
    """The alert event the mapping reads from the payload, or PayloadError saying what is missing."""
    errors: list[str] = []
    title = _value(mapping["title"], payload, "title", errors)
    key = _value(mapping["dedup_key"], payload, "dedup_key", errors) if "dedup_key" in mapping else title
    severity = default_severity
    if "severity" in mapping:
        raw = _value(mapping["severity"], payload, "severity", [])  # not there: the default, not a lost alert
        if raw is not None:
            values = mapping.get("severity_values") or {}
            severity = values.get(raw) or severity_of(raw, default_severity)
    optional = {f: _value(mapping[f], payload, f, []) for f in ("origin", "link") if f in mapping}
    resolving = False
    if "resolve" in mapping:
        state = _value(mapping["resolve"]["value"], payload, "resolve.value", errors)
        resolving = state is not None and state in mapping["resolve"]["equals"]
    if key is not None and not key.strip():
        errors.append("dedup_key: the payload gives an empty key")
    if errors:
        raise PayloadError(errors)
    assert title is not None and key is not None
    link = optional.get("link")
    return AlertEvent(
        action="resolve" if resolving else "trigger", dedup_key=clip(key.strip(), DEDUP_KEY_MAX),
        summary=clip(title.strip() or "Alert"), severity=severity, origin=clip(optional.get("origin") or "", 255),
        details={"payload": payload} if isinstance(payload, dict) else {"payload": {"value": payload}},
        links=[{"href": link, "text": "Link"}] if link and link.startswith(("http://", "https://")) else [])


def try_mapping(mapping: Any, sample: Any, default_severity: str = "error") -> dict[str, Any]:
    """What the mapping makes of a sample payload, for "test this mapping": writes nothing."""
    checked = check_mapping(mapping)
    try:
        event = extract(checked, sample, default_severity)
    except PayloadError as exc:
        return {"ok": False, "errors": exc.errors, "event": None}
    return {"ok": True, "errors": [], "event": {
        "action": event.action, "dedup_key": event.dedup_key, "summary": event.summary,
        "severity": event.severity, "origin": event.origin, "links": event.links}}
