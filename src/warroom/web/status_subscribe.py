"""Public subscription pages of the status page: subscribe by e-mail (double opt-in), confirm, and
unsubscribe (a page with a button, and the RFC 8058 one-click POST that mail clients send).

These are public pages in the status page's frame (status_base.html): no sign-in, no app
navigation. The subscribe form cannot carry a CSRF token (there is no session to tie one to); a
forged submission can do no more than a real one: send one confirmation mail, within the limits.
Every answer is the same whatever the address's state, so the form cannot tell anyone whether an
address is subscribed. Pages that carry a token in their URL send no Referer anywhere.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from warroom.core.errors import Invalid, Throttled
from warroom.statuspage import links, subscriptions
from warroom.statuspage.models import StatusPage
from warroom.statuspage.publishing import PAGE_ID
from warroom.web import auth
from warroom.web.rendering import SECURITY_HEADERS, templates

router = APIRouter(include_in_schema=False)
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_CHOICES = 200


def _frame(request: Request) -> dict:
    """What status_base.html needs: the page's name, logo, colour and timezone (public settings)."""
    with auth.runtime_of(request).db.read_session() as db:
        row = db.get(StatusPage, PAGE_ID)
        page = SimpleNamespace(name=row.name if row else "Status", logo_url=row.logo_url if row else "")
        brand = row.brand_color if row is not None and COLOR.match(row.brand_color) else "#1f6feb"
        return {"page": page, "brand": brand, "tz": row.timezone if row else "UTC"}


def _render(request: Request, name: str, status_code: int = 200, headers: dict[str, str] | None = None,
            **context) -> HTMLResponse:
    response = templates.TemplateResponse(request, name, {**_frame(request), **context}, status_code=status_code,
                                          headers=headers)
    response.headers.update(SECURITY_HEADERS)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _message(request: Request, title: str, message: str, status_code: int = 200,
             headers: dict[str, str] | None = None) -> HTMLResponse:
    # The status page's own message page (a title, a sentence, a link back to the page) serves
    # good news as well as refusals.
    return _render(request, "status_error.html", status_code, headers, title=title, message=message)


def _refused_link(request: Request, exc: links.LinkRefused) -> HTMLResponse:
    title = "Link expired" if exc.reason == "expired" else "Link not valid"
    return _message(request, title, exc.message, exc.http_status)


def _form(request: Request, *, email: str = "", chosen: list[str] = (), error: str | None = None,
          requested: bool = False, status_code: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
    runtime = auth.runtime_of(request)
    with runtime.db.read_session() as db:
        components = [(c.public_id, c.name) for c in subscriptions.public_components(runtime.system_context(db))]
    return _render(request, "status_subscribe.html", status_code, headers, components=components, email=email,
                   chosen=set(chosen), error=error, requested=requested)


@router.get("/status/subscribe", response_class=HTMLResponse)
def subscribe_page(request: Request) -> HTMLResponse:
    return _form(request, requested=request.query_params.get("requested") == "1")


@router.post("/status/subscribe", response_class=HTMLResponse)
def subscribe(request: Request, form: auth.Form) -> Response:
    # A plain (threadpool) route with the form read before it: the database work never blocks the loop.
    email = form.get("email") if form is not None else None
    email = email if isinstance(email, str) else ""
    chosen = [value for value in form.getlist("components") if isinstance(value, str)] if form is not None else []
    runtime = auth.runtime_of(request)
    client_ip = request.client.host if request.client else "unknown"
    try:
        if len(chosen) > MAX_CHOICES:
            raise Invalid(f"choose at most {MAX_CHOICES} components", field="components")
        with runtime.db.write_session() as db:
            subscriptions.subscribe(runtime.system_context(db), email, chosen, client_ip)
    except Throttled as exc:
        return _form(request, email=email, chosen=chosen, error=exc.message, status_code=429,
                     headers={"Retry-After": str(exc.retry_after)})
    except Invalid as exc:
        return _form(request, email=email, chosen=chosen, error=exc.message, status_code=422)
    # The same answer for every address: new, pending, unsubscribed or already confirmed.
    return RedirectResponse("/status/subscribe?requested=1", status_code=303)


@router.get("/status/subscriptions/confirm", response_class=HTMLResponse)
def confirm(request: Request, token: str = "") -> HTMLResponse:
    runtime = auth.runtime_of(request)
    try:
        with runtime.db.write_session() as db:
            subscriber, newly = subscriptions.confirm(runtime.system_context(db), token)
            address = subscriber.target
    except links.LinkRefused as exc:
        return _refused_link(request, exc)
    if newly:
        return _message(request, "Subscription confirmed",
                        f"{address} will now receive an e-mail when we post about incidents and maintenance. "
                        "Every mail has a link to unsubscribe.")
    return _message(request, "Already confirmed", f"{address} is already subscribed; nothing has changed.")


@router.get("/status/unsubscribe", response_class=HTMLResponse)
def unsubscribe_page(request: Request, token: str = "") -> HTMLResponse:
    # A page with a button, not an unsubscribe on GET: mail scanners follow links in every mail.
    runtime = auth.runtime_of(request)
    try:
        with runtime.db.read_session() as db:
            subscriber = subscriptions.check_unsubscribe(runtime.system_context(db), token)
            address, gone = subscriber.target, subscriber.unsubscribed_at is not None
    except links.LinkRefused as exc:
        return _refused_link(request, exc)
    if gone:
        return _message(request, "Unsubscribed", f"{address} is not subscribed; nothing more will be sent to it.")
    return _render(request, "status_subscribe_unsubscribe.html", address=address, token=token)


@router.post("/status/unsubscribe", response_class=HTMLResponse)
def unsubscribe(request: Request, token: str = "") -> HTMLResponse:
    """The button of the page above, and RFC 8058's one-click POST (body List-Unsubscribe=One-Click),
    which comes from a mail provider without cookies: the signed token is the only credential."""
    runtime = auth.runtime_of(request)
    try:
        with runtime.db.write_session() as db:
            address = subscriptions.unsubscribe(runtime.system_context(db), token).target
    except links.LinkRefused as exc:
        return _refused_link(request, exc)
    return _message(request, "Unsubscribed", f"{address} will receive no more mail from this status page.")
