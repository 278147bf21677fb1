"""Timeline events as sentences a responder reads at a glance: the web pages show them, and
postmortem timelines start from them. (The CLI has its own one-liners.) Plain text: templates
escape it."""

from __future__ import annotations

from typing import Any

ROLE_NAMES = {"commander": "commander", "deputy": "deputy", "scribe": "scribe", "comms_lead": "comms lead",
              "responder": "responder"}


def _name(user: dict[str, Any] | None) -> str:
    return user.get("name") or f"@{user.get('handle')}" if user else "nobody"


def describe(event) -> str:
    """One sentence for the event's kind and data; notes are their own body."""
    kind, data = event.kind, event.data or {}
    if kind == "note":
        return ""
    if kind == "declared":
        services = ", ".join(data.get("services") or [])
        return f"Declared {data.get('severity')}: {data.get('title')}" + (f" (services: {services})" if services else "")
    if kind == "status_changed":
        return f"Status {data.get('old')} → {data.get('new')}"
    if kind == "severity_changed":
        return f"Severity {data.get('old')} → {data.get('new')}"
    if kind == "commander_changed":
        text = f"{_name(data.get('user'))} took command"
        return text + (f" from {_name(data['previous'])}" if data.get("previous") else "")
    if kind == "role_assigned":
        text = f"{_name(data.get('user'))} is {ROLE_NAMES.get(data.get('role'), data.get('role'))}"
        return text + (f" (replaces {_name(data['replaced'])})" if data.get("replaced") else "")
    if kind == "role_removed":
        return f"{_name(data.get('user'))} is no longer {ROLE_NAMES.get(data.get('role'), data.get('role'))}"
    if kind == "field_edited":
        old, new = data.get("old"), data.get("new")
        text = f"{str(data.get('field', 'field')).replace('_', ' ').capitalize()} edited"
        return text + (f": {old!r} → {new!r}" if len(repr(old)) + len(repr(new)) <= 120 else "")
    if kind == "response_target_missed":
        return f"Response target missed ({data.get('severity')})"
    if kind == "update_posted":
        return f"{str(data.get('audience', '')).capitalize()} update posted: {data.get('subject', '')}"
    if kind == "update_overdue":
        return "Status update overdue"
    return kind.replace("_", " ").capitalize()
