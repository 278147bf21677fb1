"""Integrations: how a monitoring tool reaches a service. Each has a secret routing key, shown once
at creation or rotation and stored as a SHA-256 hash; an event is accepted only with the key of an
integration that is not revoked, on the endpoint of its kind."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import bindparam, select

from warroom.alerts.models import KINDS, SEVERITIES, Integration
from warroom.catalog.models import Service
from warroom.catalog.service import find_services
from warroom.core.context import Context
from warroom.core.errors import Conflict, Invalid, NotFound
from warroom.users.service import require_admin

DEFAULT_RATE_LIMIT = 600  # events a minute per integration; a storm beyond it is answered 429
MAX_RATE_LIMIT = 1_000_000
KEY_LENGTH = 32  # PagerDuty's integration keys are 32 characters; clients may check


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _new_key() -> str:
    return secrets.token_hex(KEY_LENGTH // 2)


@dataclass(frozen=True)
class Sender:
    """What receiving events needs of an active integration, read in one light query: every inbound
    event starts here."""

    id: int
    service_id: int
    name: str
    kind: str
    rate_limit_per_minute: int
    default_severity: str
    mapping: dict[str, Any]


_table = Integration.__table__
_BY_KEY = select(*(_table.c[f.name] for f in fields(Sender))).where(
    _table.c.key_hash == bindparam("key_hash"), _table.c.revoked_at.is_(None))  # built once


def find_by_key(ctx: Context, key: str | None, kind: str | None = None) -> Sender | None:
    """The active integration with this routing key (and kind), or None whatever the reason: the
    callers answer an unknown, revoked or malformed key alike."""
    if not isinstance(key, str) or len(key) != KEY_LENGTH:
        return None
    row = ctx.db.connection().execute(_BY_KEY, {"key_hash": hash_key(key)}).first()
    if row is None or (kind is not None and row.kind != kind):
        return None
    return Sender(**row._mapping)


def list_integrations(ctx: Context, *, service: str | None = None,
                      include_revoked: bool = False) -> list[Integration]:
    query = select(Integration).order_by(Integration.id)
    if service is not None:
        query = query.where(Integration.service_id == find_services(ctx.db, [service], field="service")[0].id)
    if not include_revoked:
        query = query.where(Integration.revoked_at.is_(None))
    return list(ctx.db.scalars(query))


def get_integration(ctx: Context, integration_id: int) -> Integration:
    integration = ctx.db.get(Integration, integration_id)
    if integration is None:
        raise NotFound(f"no integration {integration_id}", field="integration")
    return integration


def service_of(ctx: Context, integration: Integration) -> Service:
    service = ctx.db.get(Service, integration.service_id)
    assert service is not None  # the foreign key cascades
    return service


def _checked(name: str | None, kind: str | None, rate_limit: int | None, default_severity: str | None,
             mapping: dict[str, Any] | None, current_kind: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if name is not None:
        if not name.strip() or len(name.strip()) > 100:
            raise Invalid("name must be 1 to 100 characters", field="name")
        values["name"] = name.strip()
    if kind is not None and kind not in KINDS:
        raise Invalid(f"unknown integration type {kind!r}; allowed: {', '.join(KINDS)}", field="type")
    if rate_limit is not None:
        if not 1 <= rate_limit <= MAX_RATE_LIMIT:
            raise Invalid(f"rate_limit_per_minute must be 1 to {MAX_RATE_LIMIT}", field="rate_limit_per_minute")
        values["rate_limit_per_minute"] = rate_limit
    if default_severity is not None:
        if default_severity not in SEVERITIES:
            raise Invalid(f"unknown alert severity {default_severity!r}; allowed: {', '.join(SEVERITIES)}",
                          field="default_severity")
        values["default_severity"] = default_severity
    if (kind or current_kind) == "generic":
        if mapping is not None or kind is not None:  # creating one, or changing its mapping
            # Every event is read through it: without one (or with {}) nothing could be read.
            from warroom.alerts.sources.generic import check_mapping  # sources build on this module

            if not mapping:
                raise Invalid("a generic webhook needs a mapping: at least mapping.title, where the alert's "
                              "title is in the payload", field="mapping.title")
            values["mapping"] = check_mapping(mapping)
    elif mapping:
        raise Invalid("only generic webhooks take a mapping", field="mapping")
    return values


def create_integration(ctx: Context, *, service: str, kind: str, name: str | None = None,
                       rate_limit_per_minute: int | None = None, default_severity: str | None = None,
                       mapping: dict[str, Any] | None = None) -> tuple[Integration, str]:
    """The new integration and its routing key (shown now, never again)."""
    require_admin(ctx)
    target = find_services(ctx.db, [service], field="service")[0]
    values = _checked(name if name is not None else f"{target.name} {kind}", kind, rate_limit_per_minute,
                      default_severity, mapping, kind)
    key = _new_key()
    integration = Integration(
        service_id=target.id, kind=kind, key_hash=hash_key(key), key_hint=key[-4:],
        rate_limit_per_minute=values.pop("rate_limit_per_minute", DEFAULT_RATE_LIMIT),
        default_severity=values.pop("default_severity", "error"), mapping=values.pop("mapping", {}),
        created_at=ctx.now(), created_by_id=ctx.actor.id if ctx.actor else None, **values)
    ctx.db.add(integration)
    ctx.db.flush()
    return integration, key


def update_integration(ctx: Context, integration: Integration, *, name: str | None = None,
                       rate_limit_per_minute: int | None = None, default_severity: str | None = None,
                       mapping: dict[str, Any] | None = None) -> Integration:
    require_admin(ctx)
    _refuse_revoked(integration)
    for field, value in _checked(name, None, rate_limit_per_minute, default_severity, mapping,
                                 integration.kind).items():
        setattr(integration, field, value)
    ctx.db.flush()
    return integration


def rotate_key(ctx: Context, integration: Integration) -> tuple[Integration, str]:
    """A new routing key; the old one stops working at once."""
    require_admin(ctx)
    _refuse_revoked(integration)
    key = _new_key()
    integration.key_hash, integration.key_hint, integration.key_rotated_at = hash_key(key), key[-4:], ctx.now()
    ctx.db.flush()
    return integration, key


def revoke(ctx: Context, integration: Integration) -> Integration:
    """Stop accepting events; the integration's alerts and changes stay."""
    require_admin(ctx)
    if integration.revoked_at is None:
        integration.revoked_at = ctx.now()
        ctx.db.flush()
    return integration


def try_sample(ctx: Context, integration: Integration, sample: Any,
               mapping: dict[str, Any] | None = None) -> dict[str, Any]:
    """What a generic webhook's mapping (the saved one unless another is given) makes of a sample
    payload: {ok, errors, event}. Writes nothing; a mapping that is itself wrong is Invalid."""
    require_admin(ctx)
    if integration.kind != "generic":
        raise Conflict(f"integration {integration.id} is a {integration.kind} integration; only generic "
                       f"webhooks have a mapping to test", field="integration")
    from warroom.alerts.sources.generic import try_mapping  # sources build on this module

    return try_mapping(integration.mapping if mapping is None else mapping, sample, integration.default_severity)


def _refuse_revoked(integration: Integration) -> None:
    if integration.revoked_at is not None:
        raise Conflict(f"integration {integration.id} is revoked; create a new one", field="integration")
