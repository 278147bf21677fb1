"""Timeline events as sentences a responder reads at a glance: the web pages show them, and
postmortem timelines start from them. (The CLI has its own one-liners.) Plain text: templates
escape it."""

from __future__ import annotations

from typing import Any

ROLE_NAMES = {"commander": "commander", "deputy": "deputy", "scribe": "scribe", "comms_lead": "comms lead",
              "responder": "responder"}

# How the paging modes of the severity policy read (warroom.oncall.paging).
PAGING_MODES = {"all_hands": "all hands", "escalate": "level by level", "low_urgency": "low urgency"}
PAGING_KINDS = ("paged", "escalated", "acknowledged", "paging_deferred", "paging_ended", "paging_mode_changed")


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
    if kind == "alert_attached":
        return f"Alert ({data.get('severity')}, {data.get('source')}): {data.get('summary')}"
    if kind == "alert_resolved":
        if data.get("count"):
            return f"{data['count']} open alert(s) resolved with the incident ({data.get('by')})"
        by = data.get("by") or "source"
        return f"Alert resolved{' by its source' if by == 'source' else f' by {by}'}: {data.get('summary')}"
    if kind == "alerts_all_resolved":
        return "All alerts have resolved; the incident stays open until someone confirms and resolves it"
    if kind in PAGING_KINDS:
        return _paging(kind, data)
    return kind.replace("_", " ").capitalize()


def _paging(kind: str, data: dict[str, Any]) -> str:
    policy = data.get("policy")
    if kind == "paged":
        people = ", ".join(_name(u) for u in data.get("users") or []) or "nobody"
        text = f"Paged {people}: level {data.get('level')} of {policy}"
        text += f", round {data['round']}" if (data.get("round") or 1) > 1 else ""
        text += " (low urgency)" if data.get("urgency") == "low" else ""
        return text + "".join(f"; {note}" for note in data.get("notes") or [])
    if kind == "escalated":
        text = f"Escalated {policy} to level {data.get('level')}"
        text += f", round {data['round']}" if (data.get("round") or 1) > 1 else ""
        return text + (" by hand" if data.get("manual") else ": nobody acknowledged in time")
    if kind == "acknowledged":
        text = "Acknowledged" + (" by link" if data.get("via") == "link" else "")
        met = data.get("response_target_met")
        return text + ("" if met is None else " (response target met)" if met else " (response target missed)")
    if kind == "paging_deferred":
        return f"Paging {policy} waits for business hours (low urgency)"
    if kind == "paging_mode_changed":
        text = (f"Paging {policy} switched from {PAGING_MODES.get(data.get('old'), data.get('old'))} to "
                f"{PAGING_MODES.get(data.get('new'), data.get('new'))} for {data.get('severity')}")
        if data.get("paging_now"):
            return text + ": paging " + ("every level now" if data.get("new") == "all_hands" else "now")
        return text + ("; next steps wait for business hours" if data.get("new") == "low_urgency" else "")
    reason = data.get("reason")
    if reason == "exhausted":
        return f"Paging {policy} ended: every level was paged and nobody acknowledged"
    if reason == "policy_removed":
        return f"Paging {policy} ended: its escalation policy was removed"
    return f"Paging ended: the incident is {reason}"
