"""Your profile: name and timezone, password, and your own API tokens."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import available_timezones

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from warroom.core.errors import WarroomError
from warroom.users import passwords, websessions
from warroom.users.service import (create_token, list_tokens, other_sessions, revoke_token, sign_out_elsewhere,
                                   update_profile)
from warroom.web import auth
from warroom.web.auth import Page, SignedIn
from warroom.web.rendering import form_value, render

router = APIRouter(include_in_schema=False)


@lru_cache(maxsize=1)
def timezones() -> list[str]:
    return sorted(available_timezones())


def _page(request: Request, page: Page, *, error: str | None = None, notice: str | None = None,
          new_token: str | None = None, status_code: int = 200) -> HTMLResponse:
    return render(request, "profile.html", page=page, status_code=status_code, active="profile",
                  timezones=timezones(), tokens=list_tokens(page.ctx.db, page.user), error=error,
                  notice=notice, new_token=new_token,
                  other_sessions=other_sessions(page.ctx.db, page.user, page.session_id))


@router.get("/profile", response_class=HTMLResponse)
def profile(request: Request, page: SignedIn) -> HTMLResponse:
    return _page(request, page, notice="Password changed." if request.query_params.get("changed") else None)


def _try(request: Request, page: Page, action, notice: str) -> Response:
    try:
        action()
    except WarroomError as exc:
        page.discard()
        return _page(request, page, error=exc.message, status_code=exc.http_status)
    return _page(request, page, notice=notice)


@router.post("/profile")
def save_profile(request: Request, page: SignedIn) -> Response:
    return _try(request, page, lambda: update_profile(page.ctx, page.user, name=form_value(page, "name"),
                                                      timezone=form_value(page, "timezone")),
                "Saved. Times are now shown in " + (form_value(page, "timezone") or "UTC") + ".")


@router.post("/profile/password")
def change_password(request: Request, page: SignedIn) -> Response:
    try:
        passwords.change_own_password(page.ctx, form_value(page, "current_password"),
                                      form_value(page, "new_password"), form_value(page, "repeat_password"))
    except WarroomError as exc:
        page.discard()
        return _page(request, page, error=exc.message, status_code=exc.http_status)
    # Every session ended with the old password; this browser continues in a new one.
    runtime = auth.runtime_of(request)
    opened = websessions.open_session(page.ctx.db, runtime.clock, page.user)
    response = RedirectResponse("/profile?changed=1", status_code=303)
    auth.set_session_cookie(response, request, opened.token)
    return response


@router.post("/profile/tokens")
def new_token(request: Request, page: SignedIn) -> Response:
    try:
        _, plaintext = create_token(page.ctx, page.user, form_value(page, "name") or "web")
    except WarroomError as exc:
        page.discard()
        return _page(request, page, error=exc.message, status_code=exc.http_status)
    return _page(request, page, new_token=plaintext, status_code=201)


@router.post("/profile/tokens/{token_id}/revoke")
def revoke(request: Request, token_id: int, page: SignedIn) -> Response:
    return _try(request, page, lambda: revoke_token(page.ctx, token_id), "Token revoked.")


@router.post("/profile/sessions/others")
def sign_out_others(request: Request, page: SignedIn) -> Response:
    return _try(request, page, lambda: sign_out_elsewhere(page.ctx, page.user, page.session_id),
                "Signed out everywhere else.")
