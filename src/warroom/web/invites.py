"""Opening an invite link: set a password, and be signed in. No session is needed to get here,
so the form's CSRF token is the pre-session double-submit cookie of the sign-in page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from warroom.core.errors import NotFound, WarroomError
from warroom.users import invites, websessions
from warroom.web import auth
from warroom.web.rendering import render

router = APIRouter(include_in_schema=False)


def _form(request: Request, token: str, *, name: str, error: str | None = None,
          status_code: int = 200) -> HTMLResponse:
    csrf = request.cookies.get(auth.PRE_SESSION_COOKIE) or auth.new_pre_session_token()
    response = render(request, "invite.html", status_code=status_code, token=token, person_name=name, error=error,
                      form_csrf=csrf)
    auth.set_cookie(response, request, auth.PRE_SESSION_COOKIE, csrf, max_age=None)
    return response


def _gone(request: Request, exc: NotFound) -> HTMLResponse:
    return render(request, "error.html", status_code=410, title="This link cannot be used", message=exc.message)


@router.get("/invite/{token}", response_class=HTMLResponse)
def invite_page(request: Request, token: str) -> HTMLResponse:
    runtime = auth.runtime_of(request)
    with runtime.db.read_session() as db:
        try:
            name = invites.find_open_invite(db, runtime.clock, token).user.name
        except NotFound as exc:
            return _gone(request, exc)
    return _form(request, token, name=name)


@router.post("/invite/{token}")
def set_password(request: Request, token: str, form: auth.Form) -> Response:
    auth.check_csrf(request.cookies.get(auth.PRE_SESSION_COOKIE), form)
    password = str(form.get("password") or "") if form else ""
    repeated = str(form.get("repeat_password") or "") if form else ""
    runtime = auth.runtime_of(request)
    try:
        with runtime.db.write_session() as db:
            user = invites.redeem(runtime.system_context(db), token, password, repeated)
            opened = websessions.open_session(db, runtime.clock, user)
    except NotFound as exc:
        return _gone(request, exc)
    except WarroomError as exc:
        with runtime.db.read_session() as db:
            name = invites.find_open_invite(db, runtime.clock, token).user.name
        return _form(request, token, name=name, error=exc.message, status_code=exc.http_status)
    response = RedirectResponse("/", status_code=303)
    auth.set_session_cookie(response, request, opened.token)
    auth.clear_cookie(response, request, auth.PRE_SESSION_COOKIE)
    return response
