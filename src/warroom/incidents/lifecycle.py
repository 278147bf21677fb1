"""The incident state machine: which status may follow which, and what each move stamps.

triage -> investigating -> identified -> mitigated -> resolved -> closed, canceled from triage or
investigating (a false alarm), reopening resolved -> investigating, and forward skips where they make
sense (investigating -> resolved also stamps mitigated_at). Closed and canceled are final.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from warroom.core.context import Context
    from warroom.incidents.models import Incident

STATUSES = ("triage", "investigating", "identified", "mitigated", "resolved", "closed", "canceled")
OPEN_STATUSES = ("triage", "investigating", "identified", "mitigated")
FINAL_STATUSES = ("closed", "canceled")

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "triage": ("investigating", "identified", "mitigated", "resolved", "canceled"),
    "investigating": ("identified", "mitigated", "resolved", "canceled"),
    "identified": ("investigating", "mitigated", "resolved"),
    # Mitigation that does not hold sends the incident back to investigating.
    "mitigated": ("investigating", "identified", "resolved"),
    "resolved": ("closed", "investigating"),
    "closed": (),
    "canceled": (),
}

# Hooks that may refuse closing, e.g. "the postmortem is not published yet". Each returns a reason
# to refuse, or None. Later capabilities register theirs at import time.
CloseGuard = Callable[["Context", "Incident"], "str | None"]
close_guards: list[CloseGuard] = []


def allowed_next(status: str) -> tuple[str, ...]:
    return TRANSITIONS.get(status, ())


def is_open(status: str) -> bool:
    return status in OPEN_STATUSES


def stamp_transition(incident: Incident, new_status: str, now: datetime) -> list[str]:
    """Set or clear the timestamps that moving to `new_status` implies; returns the names changed."""
    changed: list[str] = []

    def stamp(name: str) -> None:
        if getattr(incident, name) is None:
            setattr(incident, name, now)
            changed.append(name)

    def clear(name: str) -> None:
        if getattr(incident, name) is not None:
            setattr(incident, name, None)
            changed.append(name)

    if new_status in ("investigating", "identified") and incident.status in ("mitigated", "resolved"):
        # Impact is back: the earlier mitigation and resolution no longer stand.
        clear("resolved_at")
        clear("mitigated_at")
    if new_status == "mitigated":
        stamp("mitigated_at")
    elif new_status == "resolved":
        stamp("mitigated_at")
        stamp("resolved_at")
    elif new_status == "closed":
        stamp("closed_at")
    elif new_status == "canceled":
        stamp("canceled_at")
    return changed
