"""API shapes of integrations, alerts, alert rules and change events."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

IntegrationKind = Literal["pagerduty", "alertmanager", "grafana", "generic"]
AlertSeverity = Literal["critical", "error", "warning", "info"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class IntegrationIn(_In):
    service: StrictStr = Field(description="the service's name")
    type: IntegrationKind
    name: StrictStr | None = Field(default=None, max_length=100, description="default: '<service> <type>'")
    rate_limit_per_minute: StrictInt | None = Field(default=None, ge=1, le=1_000_000, description="default 600")
    default_severity: AlertSeverity | None = Field(default=None, description="for events that name none; default error")
    mapping: dict[str, Any] | None = Field(default=None, description="generic webhooks: where the parts are")


class IntegrationPatch(_In):
    name: StrictStr | None = Field(default=None, max_length=100)
    rate_limit_per_minute: StrictInt | None = Field(default=None, ge=1, le=1_000_000)
    default_severity: AlertSeverity | None = None
    mapping: dict[str, Any] | None = None


class IntegrationOut(BaseModel):
    id: int
    service: str
    name: str
    type: str
    key_hint: str = Field(description="the routing key's last 4 characters")
    url: str = Field(description="where to send events; a webhook URL includes the routing key as {routing_key}")
    rate_limit_per_minute: int
    default_severity: str
    mapping: dict[str, Any]
    created_at: datetime
    key_rotated_at: datetime | None
    revoked_at: datetime | None


class IntegrationWithKey(IntegrationOut):
    routing_key: str = Field(description="shown once, now: store it in your monitoring tool")


class MappingTestIn(_In):
    mapping: dict[str, Any] | None = Field(default=None, description="default: the integration's saved mapping")
    sample: Any = Field(description="a payload as the tool would send it")


class MappingTestOut(BaseModel):
    ok: bool
    errors: list[str]
    event: dict[str, Any] | None


class AlertOut(BaseModel):
    id: int
    service: str
    integration: str
    incident: str | None = Field(description="the incident it belongs to, e.g. INC-12")
    source: str
    dedup_key: str
    status: str
    severity: str
    summary: str
    origin: str
    details: dict[str, Any]
    links: list[dict[str, Any]]
    first_seen_at: datetime
    last_seen_at: datetime
    occurrences: int
    acknowledged_at: datetime | None
    acknowledged_by: str
    resolved_at: datetime | None
    resolved_by: str


class AlertPage(BaseModel):
    items: list[AlertOut]
    next_cursor: str | None


class AlertRulesIn(_In):
    severity_map: dict[str, StrictStr | None] | None = Field(
        default=None, description="alert severity -> incident severity, null: never declares")
    auto_declare: StrictBool | None = None
    declare_at: AlertSeverity | None = Field(default=None, description="the least severe alert that declares")
    group_window_minutes: StrictInt | None = Field(default=None, ge=0, le=7 * 24 * 60)


class AlertRulesOut(BaseModel):
    service: str
    severity_map: dict[str, str | None]
    auto_declare: bool
    declare_at: str
    group_window_minutes: int
    customized: bool = Field(description="false: the defaults")


class ChangeOut(BaseModel):
    id: int
    service: str
    summary: str
    origin: str
    details: dict[str, Any]
    links: list[dict[str, Any]]
    happened_at: datetime
    received_at: datetime
