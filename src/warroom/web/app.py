"""Wires the web app into the FastAPI application: pages, static files, and its own error pages.

The API keeps its JSON errors; a page (any path outside the machine-facing prefixes) gets an HTML
error page instead, so a responder never sees a JSON blob in the browser.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from warroom.core.errors import WarroomError
from warroom.web import (auth, catalog_pages, channels_pages, declare, incident_list, invites, live, people,
                         profile, room, templates_pages, updates_pages, views)
from warroom.web import actions_pages, insights_pages, postmortem_pages, status_feeds
from warroom.web import status_pages
from warroom.web import status_subscribe, status_subscribers_pages
from warroom.web import status_admin_pages
from warroom.web import oncall_pages
from warroom.web import ack_pages
from warroom.web import paging_pages
from warroom.web import alerts_pages, alert_rules_pages, integrations_pages
from warroom.web.rendering import render
from warroom.web.templating import STATIC

MACHINE_PREFIXES = ("/api/", "/v2/", "/hooks/", "/openapi.json", "/docs", "/redoc", "/healthz")
PAGE_ROUTERS = (views, incident_list, declare, room, updates_pages, live, catalog_pages, people, profile,
                invites, channels_pages, templates_pages,
                postmortem_pages, actions_pages, insights_pages, status_feeds)
PAGE_ROUTERS += (status_pages,)
PAGE_ROUTERS += (status_subscribe, status_subscribers_pages)
PAGE_ROUTERS += (status_admin_pages,)
PAGE_ROUTERS += (oncall_pages,)
PAGE_ROUTERS += (ack_pages,)
PAGE_ROUTERS += (paging_pages,)
PAGE_ROUTERS += (alerts_pages, integrations_pages, alert_rules_pages)


def is_page(request: Request) -> bool:
    return not request.url.path.startswith(MACHINE_PREFIXES)


async def _sign_in_required(_request: Request, exc: auth.SignInRequired) -> RedirectResponse:
    return RedirectResponse(f"/signin?next={exc.next_path}", status_code=303)


async def _csrf_refused(request: Request, _exc: auth.CsrfRefused) -> HTMLResponse:
    return render(request, "error.html", status_code=403, title="Form expired",
                  message="This form was missing its security token or your session has ended. "
                          "Nothing was changed. Go back, reload the page and try again.")


TITLES = {400: "Bad request", 401: "Sign in needed", 403: "Not allowed", 404: "Not found",
          405: "Not allowed", 409: "Not possible right now", 422: "Please check the form",
          429: "Too many attempts"}


def _html_or_api(api_handler):
    async def handle(request: Request, exc: Exception) -> Response:
        if not is_page(request):
            return await api_handler(request, exc)
        if isinstance(exc, WarroomError):
            status, message = exc.http_status, exc.message
        else:
            status = exc.status_code
            message = "There is no page here." if status == 404 else str(exc.detail)
        return render(request, "error.html", status_code=status, title=TITLES.get(status, "Error"),
                      message=message, headers=getattr(exc, "headers", None))
    return handle


def install(app: FastAPI) -> None:
    for module in PAGE_ROUTERS:
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    app.add_exception_handler(auth.SignInRequired, _sign_in_required)
    app.add_exception_handler(auth.CsrfRefused, _csrf_refused)
    for exc_class in (WarroomError, StarletteHTTPException):
        app.add_exception_handler(exc_class, _html_or_api(app.exception_handlers[exc_class]))
