from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    name: str
    handle: str
    timezone: str
    role: str


class UserRef(BaseModel):
    """How a user appears inside other objects."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    handle: str
    email: str


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: StrictStr = Field(max_length=254)
    name: StrictStr = Field(min_length=1, max_length=200)
    role: Literal["admin", "responder", "viewer"] = "responder"
    handle: StrictStr | None = Field(default=None, max_length=64)
    timezone: StrictStr = Field(default="UTC", max_length=64)


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: StrictStr = Field(default="api", min_length=1, max_length=100)


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="The secret. Shown only in this response; store it now.")
