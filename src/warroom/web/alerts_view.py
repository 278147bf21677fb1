"""Read-only helpers the alert pages share: names of an alert page's services, integrations and
incidents in one query each, an alert's details as key/value rows, where each kind of integration
sends events, and the room's alert and change panels."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select

from warroom.alerts import service as alerts
from warroom.alerts.models import Alert, ChangeEvent, Integration
from warroom.catalog.models import Service
from warroom.core.context import Context
from warroom.incidents.models import Incident

KIND_LABELS = {"pagerduty": "PagerDuty Events API v2", "alertmanager": "Prometheus Alertmanager",
               "grafana": "Grafana alerting", "generic": "Generic JSON webhook"}
MAX_DETAIL_ROWS = 200
MAX_VALUE_CHARS = 2000
ROOM_ALERTS = 20  # the room lists this many; the rest are one link away
ROOM_CHANGES = 10  # and this many changes; the rest behind "more"


@dataclass(frozen=True)
class Names:
    """What a list of alerts refers to, by id."""

    services: dict[int, str]
    integrations: dict[int, Integration]
    incidents: dict[int, Incident]


def names_of(ctx: Context, rows: list[Alert] | list[ChangeEvent]) -> Names:
    service_ids = {r.service_id for r in rows}
    integration_ids = {r.integration_id for r in rows if r.integration_id is not None}
    incident_ids = {r.incident_id for r in rows if getattr(r, "incident_id", None) is not None}
    services = dict(ctx.db.execute(select(Service.id, Service.name).where(Service.id.in_(service_ids))).all()) \
        if service_ids else {}
    integrations = {i.id: i for i in ctx.db.scalars(select(Integration).where(Integration.id.in_(integration_ids)))} \
        if integration_ids else {}
    incidents = {i.id: i for i in ctx.db.scalars(select(Incident).where(Incident.id.in_(incident_ids)))} \
        if incident_ids else {}
    return Names(services=services, integrations=integrations, incidents=incidents)


def _text(value: Any) -> str:
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool) or value is None:
        text = json.dumps(value)
    elif isinstance(value, (int, float)):
        text = str(value)
    else:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def detail_rows(details: Any) -> list[tuple[str, str]]:
    """Nested details as (dotted.key, text) rows: `labels.severity`, `images[0].href`; a list of plain
    values is one row. At most MAX_DETAIL_ROWS rows (the last one says how many were left out)."""
    rows: list[tuple[str, str]] = []
    left_out = 0

    def walk(value: Any, key: str) -> None:
        nonlocal left_out
        if isinstance(value, dict) and value:
            for name in value:
                walk(value[name], f"{key}.{name}" if key else str(name))
        elif isinstance(value, list) and value and any(isinstance(v, (dict, list)) for v in value):
            for index, item in enumerate(value):
                walk(item, f"{key}[{index}]")
        elif len(rows) < MAX_DETAIL_ROWS:
            shown = ", ".join(_text(v) for v in value) if isinstance(value, list) else _text(value)
            rows.append((key or "value", shown))
        else:
            left_out += 1

    if details:
        walk(details, "")
    if left_out:
        rows.append(("…", f"{left_out} more value{'s' if left_out != 1 else ''} not shown"))
    return rows


def endpoint(ctx: Context, kind: str, key: str | None = None) -> str:
    """Where a tool sends events for an integration of this kind: PagerDuty clients put the key in
    the body; webhooks carry it in the URL (`{routing_key}` when the key is not known here)."""
    base = ctx.base_url.rstrip("/")
    if kind == "pagerduty":
        return f"{base}/v2/enqueue"
    return f"{base}/hooks/{kind}/{key or '{routing_key}'}"


def alerts_panel(ctx: Context, incident: Incident) -> dict:
    """The room's Alerts and "Changes before this incident" panels (templates/_alerts_panel.html):
    the first ROOM_ALERTS alerts, open ones first and newest first, counted in the database (an
    alert storm may have attached thousands), and the changes before the incident."""
    of_incident = Alert.incident_id == incident.id
    is_open = Alert.status != "resolved"
    shown = list(ctx.db.scalars(select(Alert).where(of_incident)
                                .order_by(case((is_open, 0), else_=1), Alert.id.desc()).limit(ROOM_ALERTS)))
    total, still_open = ctx.db.execute(select(func.count(), func.count().filter(is_open)).where(of_incident)).one()
    changes = alerts.changes_before(ctx, incident)
    return {"alerts": shown, "total": total, "open": still_open, "changes": changes[:ROOM_CHANGES],
            "more_changes": changes[ROOM_CHANGES:], "names": names_of(ctx, [*shown, *changes]),
            "window_hours": int(alerts.CHANGES_BEFORE.total_seconds() // 3600)}
