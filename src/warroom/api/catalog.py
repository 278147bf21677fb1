"""/api/v1/services: the service catalog."""

from __future__ import annotations

from fastapi import APIRouter

from warroom.api.deps import Ctx
from warroom.catalog import service
from warroom.catalog.schemas import ServiceCreate, ServiceOut

router = APIRouter(prefix="/api/v1/services", tags=["services"])


@router.get("", response_model=list[ServiceOut])
def list_services(ctx: Ctx) -> list[ServiceOut]:
    return [ServiceOut.model_validate(s) for s in service.list_services(ctx.db)]


@router.post("", status_code=201, response_model=ServiceOut)
def create_service(ctx: Ctx, body: ServiceCreate) -> ServiceOut:
    created = service.create_service(ctx, name=body.name, description=body.description,
                                     owning_team=body.owning_team)
    return ServiceOut.model_validate(created)
