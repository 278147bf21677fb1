"""Who is signed in, and the CSRF check every changing request of the web app passes.

A page request gets a `Page`: the Context (read session for GET and HEAD, one write transaction
otherwise), the signed-in user and the session's CSRF token. No live session means a redirect to
/signin?next=...; a POST whose form lacks the session's CSRF token is refused with 403 before the
route runs, so it changes nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from sqlalchemy.orm import SessionTransaction
from starlette.datastructures import FormData

from warroom.core.context import Context
from warroom.core.runtime import Runtime
from warroom.users import websessions
from warroom.users.models import User

SESSION_COOKIE = "warroom_session"
# Before signing in there is no session to tie a token to: the sign-in form's token is also set
# in this cookie (double submit), so another site cannot sign a browser in to its own account.
PRE_SESSION_COOKIE = "warroom_csrf"
CSRF_FIELD = "csrf_token"


class SignInRequired(Exception):
    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class CsrfRefused(Exception):
    pass


def runtime_of(request: Request) -> Runtime:
    return request.app.state.runtime


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def safe_next(path: str | None) -> str:
    """Only a path on this site: never //host or a scheme, so ?next= cannot send anyone away."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


def next_param(request: Request) -> str:
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return quote(path, safe="/")


async def read_form(request: Request) -> FormData | None:
    """The form of a changing request, read before the database session opens."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    return await request.form()


Form = Annotated[FormData | None, Depends(read_form)]


def check_csrf(expected: str | None, form: FormData | None) -> None:
    given = form.get(CSRF_FIELD) if form is not None else None
    if not isinstance(given, str) or not websessions.csrf_matches(expected, given):
        raise CsrfRefused()


@dataclass
class Page:
    ctx: Context
    user: User
    csrf_token: str
    session_id: int
    form: FormData | None
    savepoint: SessionTransaction | None = None

    def discard(self) -> None:
        """Undo what this request wrote so far: a form that failed validation changes nothing,
        even though the page is re-rendered (and the transaction ends) normally."""
        if self.savepoint is not None and self.savepoint.is_active:
            self.savepoint.rollback()


def _page(request: Request, form: Form) -> Iterator[Page]:
    runtime = runtime_of(request)
    writes = form is not None
    factory = runtime.db.write_session if writes else runtime.db.read_session
    with factory() as db:
        session = websessions.find_session(db, runtime.clock, request.cookies.get(SESSION_COOKIE))
        if session is None:
            if writes:
                # A changing request without a live session is never carried out.
                raise CsrfRefused()
            raise SignInRequired(next_param(request))
        if writes:
            check_csrf(session.csrf_token, form)
        stale = websessions.needs_touch(session, runtime.clock)
        if stale and writes:
            websessions.touch(db, runtime.clock, session.id)
        user = session.user
        ctx = runtime.context(db, user)
        # The route's own writes start here: discard() undoes them and keeps the session's touch.
        savepoint = db.begin_nested() if writes else None
        yield Page(ctx=ctx, user=user, csrf_token=session.csrf_token, session_id=session.id, form=form,
                   savepoint=savepoint)
        session_id = session.id
    if stale and not writes:
        # After the read session closed, so a request never holds two pooled connections.
        with runtime.db.write_session() as db:
            websessions.touch(db, runtime.clock, session_id)


SignedIn = Annotated[Page, Depends(_page, scope="function")]


def new_pre_session_token() -> str:
    return secrets.token_urlsafe(32)


def set_cookie(response, request: Request, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="lax",
                        secure=is_https(request))


def set_session_cookie(response, request: Request, token: str) -> None:
    """Signs this browser in with a freshly opened web session (sign-in, invite, password change)."""
    set_cookie(response, request, SESSION_COOKIE, token, max_age=int(websessions.ABSOLUTE_TIMEOUT.total_seconds()))


def clear_cookie(response, request: Request, name: str) -> None:
    response.delete_cookie(name, path="/", httponly=True, samesite="lax", secure=is_https(request))
