"""The service catalog."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.catalog.models import Service
from warroom.core.context import Context
from warroom.core.db import row_id
from warroom.core.errors import Conflict, Invalid, NotFound
from warroom.users.service import require_admin, require_writer

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")


def create_service(ctx: Context, *, name: str, description: str = "", owning_team: str = "") -> Service:
    require_writer(ctx)
    name = name.strip().lower()
    if not NAME_RE.match(name):
        raise Invalid("service name may use a-z, 0-9, '.', '_' and '-' (up to 100)", field="name")
    if ctx.db.scalar(select(Service.id).where(Service.name == name)) is not None:
        raise Conflict(f"service {name!r} already exists", field="name")
    service = Service(name=name, description=description.strip(), owning_team=owning_team.strip(),
                      created_at=ctx.now())
    ctx.db.add(service)
    ctx.db.flush()
    return service


def _text(value: str, field: str, limit: int) -> str:
    value = value.strip()
    if len(value) > limit:
        raise Invalid(f"{field.replace('_', ' ')} is longer than {limit} characters", field=field)
    return value


def update_service(ctx: Context, service: Service, *, description: str | None = None,
                   owning_team: str | None = None) -> Service:
    """Change what a service is and who owns it (admins only; the name is its identity and stays)."""
    require_admin(ctx)
    if description is not None:
        service.description = _text(description, "description", 2000)
    if owning_team is not None:
        service.owning_team = _text(owning_team, "owning_team", 100)
    ctx.db.flush()
    return service


def get_service(db: Session, service_id: int) -> Service:
    service = db.get(Service, service_id)
    if service is None:
        raise NotFound(f"no service {service_id}", field="service")
    return service


def list_services(db: Session) -> list[Service]:
    return list(db.scalars(select(Service).order_by(Service.name)))


def find_services(db: Session, names: list[str], *, field: str = "services") -> list[Service]:
    """Resolve names (or ids) to services; every unknown one is named in the error."""
    wanted = [str(n).strip().lower() for n in names]
    # A name with NUL is no name (PostgreSQL refuses the character in text): it is simply unknown.
    names_ok = [n for n in wanted if "\x00" not in n]
    found = {s.name: s for s in db.scalars(select(Service).where(Service.name.in_(names_ok)))}
    ids = [i for i in (row_id(n) for n in names_ok) if i is not None]
    by_id = {str(s.id): s for s in db.scalars(select(Service).where(Service.id.in_(ids)))} if ids else {}
    result, missing = [], []
    for name in dict.fromkeys(wanted):
        service = found.get(name) or by_id.get(name)
        (result if service else missing).append(service or name)
    if missing:
        raise Invalid(f"unknown service(s): {', '.join(m.replace(chr(0), '') for m in missing)}; create them first in the service catalog "
                      "(warroom services create NAME, or POST /api/v1/services)", field=field)
    return result

