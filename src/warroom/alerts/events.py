"""What every source's payload is turned into before anything is stored: one shape for PagerDuty
events, Alertmanager and Grafana alerts and generic webhooks, so dedup and grouping live once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

ACTIONS = ("trigger", "acknowledge", "resolve")


@dataclass(frozen=True)
class AlertEvent:
    action: str  # trigger | acknowledge | resolve
    dedup_key: str
    summary: str = ""
    severity: str = "error"
    origin: str = ""  # the affected system: a host, a cluster, a job
    details: dict[str, Any] = field(default_factory=dict)
    links: list[dict[str, Any]] = field(default_factory=list)
    happened_at: datetime | None = None  # when the source saw it
    # The identity of one firing (Alertmanager's startsAt): the same key and start re-sent is a no-op.
    source_started_at: datetime | None = None


@dataclass(frozen=True)
class ChangeIn:
    summary: str
    origin: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    links: list[dict[str, Any]] = field(default_factory=list)
    happened_at: datetime | None = None


class PayloadError(Exception):
    """A payload that cannot be read: `errors` says what is wrong, one message per problem."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors
