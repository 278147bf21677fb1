"""/api/v1/users and /api/v1/tokens."""

from __future__ import annotations

from fastapi import APIRouter

from warroom.api.deps import Ctx
from warroom.users import service
from warroom.users.schemas import TokenCreate, TokenCreated, TokenOut, UserCreate, UserOut

router = APIRouter(prefix="/api/v1", tags=["users"])


@router.get("/users/me", response_model=UserOut)
def me(ctx: Ctx) -> UserOut:
    return UserOut.model_validate(ctx.actor)


@router.get("/users", response_model=list[UserOut])
def list_users(ctx: Ctx) -> list[UserOut]:
    return [UserOut.model_validate(u) for u in service.list_users(ctx.db)]


@router.post("/users", status_code=201, response_model=UserOut, summary="Create a user (admins)")
def create_user(ctx: Ctx, body: UserCreate) -> UserOut:
    user = service.create_user(ctx, email=body.email, name=body.name, role=body.role,
                               handle=body.handle, timezone=body.timezone)
    return UserOut.model_validate(user)


@router.get("/tokens", response_model=list[TokenOut], summary="Your API tokens")
def list_tokens(ctx: Ctx) -> list[TokenOut]:
    return [TokenOut.model_validate(t) for t in service.list_tokens(ctx.db, ctx.actor)]


@router.post("/tokens", status_code=201, response_model=TokenCreated,
             summary="Create a token for yourself; the secret is in this response only")
def create_token(ctx: Ctx, body: TokenCreate) -> TokenCreated:
    token, plaintext = service.create_token(ctx, ctx.actor, body.name)
    return TokenCreated(**TokenOut.model_validate(token).model_dump(), token=plaintext)


@router.delete("/tokens/{token_id}", response_model=TokenOut, summary="Revoke a token")
def revoke_token(ctx: Ctx, token_id: int) -> TokenOut:
    return TokenOut.model_validate(service.revoke_token(ctx, token_id))
