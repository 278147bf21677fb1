"""Wires the web app into the FastAPI application: pages, static files, and its own error pages."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from warroom.web import auth, views
from warroom.web.templating import STATIC


async def _sign_in_required(_request: Request, exc: auth.SignInRequired) -> RedirectResponse:
    return RedirectResponse(f"/signin?next={exc.next_path}", status_code=303)


async def _csrf_refused(request: Request, _exc: auth.CsrfRefused) -> HTMLResponse:
    return views.render(request, "error.html", status_code=403, title="Form expired",
                        message="This form was missing its security token or your session has ended. "
                                "Nothing was changed. Go back, reload the page and try again.")


def install(app: FastAPI) -> None:
    app.include_router(views.router)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    app.add_exception_handler(auth.SignInRequired, _sign_in_required)
    app.add_exception_handler(auth.CsrfRefused, _csrf_refused)
