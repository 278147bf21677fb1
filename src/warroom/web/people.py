"""Administering people (admins only): create users, change roles, deactivate, revoke their API
tokens, and create invite links that let someone set their password."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from warroom.core.errors import NotFound, WarroomError
from warroom.users import invites
from warroom.users.models import ROLES, User
from warroom.users.service import (create_user, list_all_users, list_tokens, require_admin, revoke_token,
                                   set_active, set_role)
from warroom.web.auth import Page, SignedIn
from warroom.web.profile import timezones
from warroom.web.rendering import form_value, render

router = APIRouter(include_in_schema=False)


def _list(request: Request, page: Page, *, values: dict | None = None, error: str | None = None,
          status_code: int = 200) -> HTMLResponse:
    return render(request, "admin_users.html", page=page, status_code=status_code, active="admin",
                  people=list_all_users(page.ctx), roles=ROLES, timezones=timezones(), values=values or {}, error=error)


def _user(page: Page, user_id: int) -> User:
    require_admin(page.ctx)
    user = page.ctx.db.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}", field="user")
    return user


def _detail(request: Request, page: Page, user: User, *, error: str | None = None, invite_url: str | None = None,
            invite_expires=None, status_code: int = 200) -> HTMLResponse:
    return render(request, "admin_user.html", page=page, status_code=status_code, active="admin", person=user,
                  tokens=list_tokens(page.ctx.db, user), roles=ROLES, error=error, invite_url=invite_url,
                  invite_expires=invite_expires)


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, page: SignedIn) -> HTMLResponse:
    return _list(request, page)


@router.post("/admin/users")
def add_user(request: Request, page: SignedIn) -> Response:
    values = {name: form_value(page, name) for name in ("email", "name", "role", "timezone")}
    try:
        user = create_user(page.ctx, email=values["email"], name=values["name"], role=values["role"] or "responder",
                           timezone=values["timezone"] or "UTC")
    except WarroomError as exc:
        page.discard()
        return _list(request, page, values=values, error=exc.message, status_code=exc.http_status)
    return RedirectResponse(f"/admin/users/{user.id}", status_code=303)


@router.get("/admin/users/{user_id}", response_class=HTMLResponse)
def user_page(request: Request, user_id: int, page: SignedIn) -> HTMLResponse:
    return _detail(request, page, _user(page, user_id))


def _change(request: Request, page: Page, user_id: int, action) -> Response:
    user = _user(page, user_id)
    try:
        action(user)
    except WarroomError as exc:
        page.discard()
        page.ctx.db.expire_all()
        return _detail(request, page, _user(page, user_id), error=exc.message, status_code=exc.http_status)
    return RedirectResponse(f"/admin/users/{user_id}", status_code=303)


@router.post("/admin/users/{user_id}/role")
def change_role(request: Request, user_id: int, page: SignedIn) -> Response:
    return _change(request, page, user_id, lambda user: set_role(page.ctx, user, form_value(page, "role")))


@router.post("/admin/users/{user_id}/active")
def change_active(request: Request, user_id: int, page: SignedIn) -> Response:
    return _change(request, page, user_id,
                   lambda user: set_active(page.ctx, user, form_value(page, "active") == "1"))


@router.post("/admin/users/{user_id}/tokens/{token_id}/revoke")
def revoke(request: Request, user_id: int, token_id: int, page: SignedIn) -> Response:
    return _change(request, page, user_id, lambda user: revoke_token(page.ctx, token_id))


@router.post("/admin/users/{user_id}/invite", response_class=HTMLResponse)
def invite(request: Request, user_id: int, page: SignedIn) -> HTMLResponse:
    user = _user(page, user_id)
    try:
        created = invites.create_invite(page.ctx, user)
    except WarroomError as exc:
        page.discard()
        return _detail(request, page, user, error=exc.message, status_code=exc.http_status)
    # Shown once, here: the admin copies it to the person (mail delivery comes with the outbox).
    base = str(request.base_url).rstrip("/")
    return _detail(request, page, user, invite_url=created.url(base), invite_expires=created.expires_at,
                   status_code=201)
