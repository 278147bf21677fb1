from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictStr


class ServiceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: StrictStr = Field(min_length=1, max_length=100, description="lowercase, e.g. checkout-api")
    description: StrictStr = Field(default="", max_length=2000)
    owning_team: StrictStr = Field(default="", max_length=100)


class ServiceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str
    owning_team: str
