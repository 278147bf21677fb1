"""The one-click acknowledgement link of a page message (warroom.oncall.ack_links).

GET only shows what the link would do, with a button: mail scanners and link previews follow GET
links, and must not acknowledge for the person. POST acknowledges as the person the link was sent
to. The signed token is the credential (no session, so no CSRF token: a forged POST would need
the token itself); it is single-purpose and expires.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from warroom.core.errors import Conflict
from warroom.oncall import ack_links, paging
from warroom.web import auth
from warroom.web.rendering import render

router = APIRouter(include_in_schema=False)
NO_STORE = {"cache-control": "no-store", "referrer-policy": "no-referrer"}


def _refused(request: Request, exc: ack_links.AckLinkRefused) -> HTMLResponse:
    title = "Link expired" if exc.reason == "expired" else "Link not valid"
    return render(request, "ack.html", status_code=410 if exc.reason == "expired" else 400, headers=NO_STORE,
                  title=title, message=exc.message, incident=None, confirm=False)


@router.get("/ack/{token}", response_class=HTMLResponse)
def confirm_page(request: Request, token: str) -> HTMLResponse:
    runtime = auth.runtime_of(request)
    with runtime.db.read_session() as db:
        try:
            link = ack_links.check_token(runtime.system_context(db), token)
        except ack_links.AckLinkRefused as exc:
            return _refused(request, exc)
        done = link.incident.acknowledged_at is not None and link.page.status not in paging.RUNNING
        return render(request, "ack.html", headers=NO_STORE, title="Acknowledge the page",
                      incident=link.incident, user_name=link.user.name, action=f"/ack/{token}", confirm=not done,
                      message="Already acknowledged; nothing more to do." if done else
                      "Acknowledging stops escalation to the next people on the policy.")


@router.post("/ack/{token}", response_class=HTMLResponse)
def acknowledge(request: Request, token: str) -> HTMLResponse:
    runtime = auth.runtime_of(request)
    with runtime.db.write_session() as db:
        try:
            link = ack_links.check_token(runtime.system_context(db), token)
        except ack_links.AckLinkRefused as exc:
            return _refused(request, exc)
        ctx = runtime.context(db, link.user)
        try:
            paging.acknowledge(ctx, link.incident, via="link")
            message = f"Acknowledged as {link.user.name}. Escalation has stopped."
            status = 200
        except Conflict as exc:
            message, status = exc.message, 409
        return render(request, "ack.html", status_code=status, headers=NO_STORE, title="Acknowledgement",
                      incident=link.incident, message=message, confirm=False)
