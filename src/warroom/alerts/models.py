"""Tables of the alerts domain: integrations (how monitoring reaches a service), alerts, the rules
that turn alerts into incidents, and change events. API shapes are in schemas.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, literal_column, text
from sqlalchemy.orm import Mapped, mapped_column

from warroom.core.db import Base, UTCDateTime

KINDS = ("pagerduty", "alertmanager", "grafana", "generic")
SEVERITIES = ("critical", "error", "warning", "info")  # PagerDuty's, most severe first
STATUSES = ("triggered", "acknowledged", "resolved")
# For `status != RESOLVED_LITERAL` in queries: a literal, not a bound parameter, because a database uses the
# partial index of open alerts only when it can see the query's condition is the index's.
RESOLVED_LITERAL = literal_column("'resolved'")


class Integration(Base):
    """A monitoring source sending to one service, authenticated by its secret routing key."""

    __tablename__ = "alert_integrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    # SHA-256 of the routing key: the key itself is shown once and never stored.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_hint: Mapped[str] = mapped_column(String(8))  # its last 4 characters, to tell keys apart
    rate_limit_per_minute: Mapped[int] = mapped_column(Integer)
    # What an event that names no severity is (Alertmanager alerts without a severity label, ...).
    default_severity: Mapped[str] = mapped_column(String(16), default="error")
    # Generic webhooks: where title, dedup key, severity and resolution are in the payload.
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    key_rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AlertRules(Base):
    """How a service's alerts become incidents; a service without a row uses the defaults."""

    __tablename__ = "alert_rules"

    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), primary_key=True)
    # Alert severity -> incident severity; a missing or null entry never declares.
    severity_map: Mapped[dict[str, str | None]] = mapped_column(JSON)
    auto_declare: Mapped[bool] = mapped_column(Boolean, default=True)
    # The least severe alert severity that declares an incident by itself.
    declare_at: Mapped[str] = mapped_column(String(16))
    group_window_minutes: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (
        # At most one open alert per key and integration, whatever the races between processes.
        Index("uq_alerts_open_key", "integration_id", "dedup_key", unique=True,
              sqlite_where=text("status != 'resolved'"), postgresql_where=text("status != 'resolved'")),
        Index("ix_alerts_status_id", "status", "id"),
        Index("ix_alerts_service_id", "service_id", "id"),
        # Grouping asks "did an alert join this incident lately?" and resolving "is any still open?",
        # for every event of a storm: each a seek, not a scan of the incident's alerts.
        Index("ix_alerts_incident_attached", "incident_id", "attached_at"),
        Index("ix_alerts_incident_status", "incident_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("alert_integrations.id", ondelete="CASCADE"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(16))  # the integration's kind
    dedup_key: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(String(1024))
    origin: Mapped[str] = mapped_column(String(255), default="")  # the affected system (PagerDuty's `source`)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    links: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # When the source says the problem started (Alertmanager's startsAt): a re-sent group with the
    # same start is the same firing, not a new occurrence.
    source_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    attached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[str] = mapped_column(String(120), default="")
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by: Mapped[str] = mapped_column(String(120), default="")  # "source" or a person's handle


class ChangeEvent(Base):
    """A deploy or other change on a service, kept to explain incidents that follow it."""

    __tablename__ = "change_events"
    __table_args__ = (Index("ix_change_events_service_time", "service_id", "happened_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    integration_id: Mapped[int | None] = mapped_column(ForeignKey("alert_integrations.id", ondelete="SET NULL"))
    summary: Mapped[str] = mapped_column(String(1024))
    origin: Mapped[str] = mapped_column(String(255), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    links: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    happened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
