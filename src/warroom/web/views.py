"""Routes of the web app: thin callers of the services, rendering templates."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from warroom.core.errors import Throttled
from warroom.users import websessions
from warroom.web import auth
from warroom.web.auth import SignedIn
from warroom.web.dashboard import open_by_severity
from warroom.web.rendering import render

router = APIRouter(include_in_schema=False)


def _signin_form(request: Request, *, email: str = "", error: str | None = None,
                 status_code: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
    token = request.cookies.get(auth.PRE_SESSION_COOKIE) or auth.new_pre_session_token()
    response = render(request, "signin.html", status_code=status_code, headers=headers, email=email,
                      error=error, form_csrf=token, next=auth.safe_next(request.query_params.get("next")))
    auth.set_cookie(response, request, auth.PRE_SESSION_COOKIE, token, max_age=None)
    return response


@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request) -> Response:
    runtime = auth.runtime_of(request)
    with runtime.db.read_session() as db:
        if websessions.find_session(db, runtime.clock, request.cookies.get(auth.SESSION_COOKIE)):
            return RedirectResponse(auth.safe_next(request.query_params.get("next")), status_code=303)
    return _signin_form(request)


@router.post("/signin", response_class=HTMLResponse)
def signin(request: Request, form: auth.Form) -> Response:
    auth.check_csrf(request.cookies.get(auth.PRE_SESSION_COOKIE), form)
    email = str(form.get("email") or "") if form else ""
    password = str(form.get("password") or "") if form else ""
    next_path = auth.safe_next(str(form.get("next") or "") if form else None)
    runtime = auth.runtime_of(request)
    address = request.client.host if request.client else "unknown"
    if not email.strip() or not password:
        return _signin_form(request, email=email, error="Enter your email and password.", status_code=400)
    try:
        with runtime.db.write_session() as db:
            opened = websessions.sign_in(db, runtime.clock, email, password, address)
            token = opened.token if opened else None
    except Throttled as exc:
        return _signin_form(request, email=email, error=exc.message, status_code=429,
                            headers={"Retry-After": str(exc.retry_after)})
    if token is None:
        return _signin_form(request, email=email, error="Wrong email or password.", status_code=401)
    response = RedirectResponse(next_path, status_code=303)
    auth.set_session_cookie(response, request, token)
    auth.clear_cookie(response, request, auth.PRE_SESSION_COOKIE)
    return response


@router.post("/signout")
def signout(request: Request, page: SignedIn) -> Response:
    websessions.sign_out(page.ctx.db, request.cookies.get(auth.SESSION_COOKIE))
    response = RedirectResponse("/signin", status_code=303)
    auth.clear_cookie(response, request, auth.SESSION_COOKIE)
    return response


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, page: SignedIn) -> HTMLResponse:
    return render(request, "dashboard.html", page=page, board=open_by_severity(page.ctx),
                  active="dashboard")
