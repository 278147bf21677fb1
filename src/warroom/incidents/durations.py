"""How long each phase of an incident took, measured the same way everywhere (postmortems,
insights, exports):

    time to detect       started_at   -> detected_at     (impact began -> someone noticed)
    time to acknowledge  declared_at  -> acknowledged_at (the response target counts from declaring)
    time to mitigate     started_at   -> mitigated_at    (how long users felt it before relief)
    time to resolve      started_at   -> resolved_at     (the whole impact)

A phase that has not happened yet has no duration (None), never zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

PHASES = ("detect", "acknowledge", "mitigate", "resolve")


@dataclass(frozen=True)
class Durations:
    detect: timedelta | None
    acknowledge: timedelta | None
    mitigate: timedelta | None
    resolve: timedelta | None

    def as_seconds(self) -> dict[str, int | None]:
        return {phase: None if (value := getattr(self, phase)) is None else int(value.total_seconds())
                for phase in PHASES}


def _between(start: datetime | None, end: datetime | None) -> timedelta | None:
    if start is None or end is None:
        return None
    return max(end - start, timedelta(0))


def durations(*, started_at: datetime, detected_at: datetime | None, declared_at: datetime,
              acknowledged_at: datetime | None, mitigated_at: datetime | None,
              resolved_at: datetime | None) -> Durations:
    """From plain timestamps, so an ORM incident and a raw result row are measured alike."""
    return Durations(detect=_between(started_at, detected_at), acknowledge=_between(declared_at, acknowledged_at),
                     mitigate=_between(started_at, mitigated_at), resolve=_between(started_at, resolved_at))


def of_incident(incident) -> Durations:
    return durations(started_at=incident.started_at, detected_at=incident.detected_at,
                     declared_at=incident.declared_at, acknowledged_at=incident.acknowledged_at,
                     mitigated_at=incident.mitigated_at, resolved_at=incident.resolved_at)


def format_duration(value: timedelta | None) -> str:
    """'2h 05m', '12m', '45s'; '—' when the phase has not happened."""
    if value is None:
        return "—"
    seconds = int(value.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m"
    return f"{secs}s"
