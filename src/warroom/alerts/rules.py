"""Per-service rules that turn alerts into incidents: which alert severity is which incident
severity, from which alert severity an incident is declared by itself, and the grouping window in
which further alerts of the service join the open incident instead of declaring new ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, select

from warroom.alerts.models import SEVERITIES, AlertRules
from warroom.catalog.models import Service
from warroom.core.context import Context
from warroom.catalog.service import find_services
from warroom.core.errors import Invalid, NotFound
from warroom.incidents.policy import SeverityPolicy
from warroom.users.service import require_admin

DEFAULT_WINDOW_MINUTES = 60
MAX_WINDOW_MINUTES = 7 * 24 * 60


@dataclass(frozen=True)
class Rules:
    severity_map: dict[str, str | None]
    auto_declare: bool
    declare_at: str
    group_window_minutes: int
    customized: bool = False

    @property
    def group_window(self) -> timedelta:
        return timedelta(minutes=self.group_window_minutes)

    def declares(self, alert_severity: str) -> str | None:
        """The incident severity this alert declares by itself, or None."""
        if not self.auto_declare or rank(alert_severity) > rank(self.declare_at):
            return None
        return self.severity_map.get(alert_severity)


def rank(severity: str) -> int:
    """0 for critical ... 3 for info; unknown severities rank below info."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


def default_rules(policy: SeverityPolicy) -> Rules:
    """critical -> the second level (SEV2), error -> the third, warning -> the fourth, info -> none:
    the most severe level stays a person's call."""
    names = policy.names
    pick = (lambda i: names[min(i, len(names) - 1)])
    return Rules(severity_map={"critical": pick(1), "error": pick(2), "warning": pick(3), "info": None},
                 auto_declare=True, declare_at="error", group_window_minutes=DEFAULT_WINDOW_MINUTES)


def service_named(ctx: Context, name: str) -> Service:
    """The service whose rules a URL names: an unknown one is missing (404), not a wrong value."""
    try:
        return find_services(ctx.db, [name], field="service")[0]
    except Invalid:
        raise NotFound(f"no service {name.strip()!r}; create it first (warroom services create NAME)",
                       field="service") from None


_RULES = select(AlertRules.__table__).where(AlertRules.__table__.c.service_id == bindparam("service_id"))


def rules_for(ctx: Context, service_id: int) -> Rules:
    row = ctx.db.connection().execute(_RULES, {"service_id": service_id}).first()
    if row is None:
        return default_rules(ctx.policy)
    return Rules(severity_map=dict(row.severity_map), auto_declare=row.auto_declare, declare_at=row.declare_at,
                 group_window_minutes=row.group_window_minutes, customized=True)


def set_rules(ctx: Context, service: Service, *, severity_map: dict[str, str | None] | None = None,
              auto_declare: bool | None = None, declare_at: str | None = None,
              group_window_minutes: int | None = None) -> Rules:
    """Change some of a service's rules; the others keep their current value."""
    require_admin(ctx)
    current = rules_for(ctx, service.id)
    if severity_map is not None:
        unknown = sorted(set(severity_map) - set(SEVERITIES))
        if unknown:
            raise Invalid(f"unknown alert severity {unknown[0]!r}; allowed: {', '.join(SEVERITIES)}",
                          field=f"severity_map.{unknown[0]}")
        for alert_severity, level in severity_map.items():
            if level is not None and ctx.policy.level(level) is None:
                raise Invalid(f"unknown incident severity {level!r}; allowed: {', '.join(ctx.policy.names)} "
                              f"or null (never declares)", field=f"severity_map.{alert_severity}")
        severity_map = {s: (ctx.policy.level(v).name if v else None)  # type: ignore[union-attr]
                        for s, v in {**current.severity_map, **severity_map}.items()}
    if declare_at is not None and declare_at not in SEVERITIES:
        raise Invalid(f"unknown alert severity {declare_at!r}; allowed: {', '.join(SEVERITIES)}", field="declare_at")
    if group_window_minutes is not None and not 0 <= group_window_minutes <= MAX_WINDOW_MINUTES:
        raise Invalid(f"group_window_minutes must be 0 to {MAX_WINDOW_MINUTES} (a week)",
                      field="group_window_minutes")
    row = ctx.db.get(AlertRules, service.id) or AlertRules(service_id=service.id)
    row.severity_map = severity_map if severity_map is not None else dict(current.severity_map)
    row.auto_declare = current.auto_declare if auto_declare is None else auto_declare
    row.declare_at = declare_at or current.declare_at
    row.group_window_minutes = current.group_window_minutes if group_window_minutes is None else group_window_minutes
    row.updated_at = ctx.now()
    ctx.db.add(row)
    ctx.db.flush()
    return rules_for(ctx, service.id)


def reset_rules(ctx: Context, service: Service) -> Rules:
    require_admin(ctx)
    row = ctx.db.get(AlertRules, service.id)
    if row is not None:
        ctx.db.delete(row)
        ctx.db.flush()
    return default_rules(ctx.policy)
