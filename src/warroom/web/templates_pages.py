"""Message templates, for admins: the twelve (audience x kind), each editable with a preview against
a sample incident, saved only when it parses and renders, and reset to the built-in default."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from warroom.comms import templates, updates
from warroom.core.errors import NotFound, WarroomError
from warroom.users.service import require_admin
from warroom.web.auth import Page, SignedIn
from warroom.web.rendering import form_value, render

router = APIRouter(include_in_schema=False)


def _key(audience: str, kind: str) -> None:
    if audience not in templates.AUDIENCES or kind not in templates.KINDS:
        raise NotFound(f"no template {audience}/{kind}; audiences: {', '.join(templates.AUDIENCES)}; "
                       f"kinds: {', '.join(templates.KINDS)}", field="template")


def _editor(request: Request, page: Page, audience: str, kind: str, *, subject: str | None = None,
            body: str | None = None, preview: tuple[str, str] | None = None, error: str | None = None,
            notice: str | None = None, status_code: int = 200) -> HTMLResponse:
    saved_subject, saved_body, saved = updates.template_for(page.ctx, audience, kind)
    return render(request, "admin_template.html", page=page, status_code=status_code, active="admin",
                  tab="templates", audience=audience, kind=kind, saved=saved,
                  subject=saved_subject if subject is None else subject, body=saved_body if body is None else body,
                  preview=preview, error=error, notice=notice, variables=templates.VARIABLES)


@router.get("/admin/templates", response_class=HTMLResponse)
def templates_page(request: Request, page: SignedIn) -> HTMLResponse:
    return render(request, "admin_templates.html", page=page, active="admin", tab="templates",
                  rows=updates.list_templates(page.ctx), kinds=templates.KINDS)


@router.get("/admin/templates/{audience}/{kind}", response_class=HTMLResponse)
def template_page(request: Request, audience: str, kind: str, page: SignedIn) -> HTMLResponse:
    require_admin(page.ctx)
    _key(audience, kind)
    saved = request.query_params.get("saved") == "1"
    return _editor(request, page, audience, kind, notice="Saved: updates posted from now on use it." if saved else None)


@router.post("/admin/templates/{audience}/{kind}", response_class=HTMLResponse)
def save_template(request: Request, audience: str, kind: str, page: SignedIn) -> Response:
    require_admin(page.ctx)
    _key(audience, kind)
    # Browsers send textarea line breaks as CRLF; templates keep plain newlines.
    subject = form_value(page, "subject").replace("\r\n", "\n")
    body = form_value(page, "body").replace("\r\n", "\n")
    try:
        if form_value(page, "action") == "preview":
            return _editor(request, page, audience, kind, subject=subject, body=body,
                           preview=templates.render_sample(subject, body))
        updates.save_template(page.ctx, audience, kind, subject, body)
    except WarroomError as exc:
        page.discard()
        return _editor(request, page, audience, kind, subject=subject, body=body, error=exc.message,
                       status_code=exc.http_status)
    return RedirectResponse(f"/admin/templates/{audience}/{kind}?saved=1", status_code=303)


@router.post("/admin/templates/{audience}/{kind}/reset")
def reset_template(request: Request, audience: str, kind: str, page: SignedIn) -> Response:
    updates.reset_template(page.ctx, audience, kind)
    return RedirectResponse(f"/admin/templates/{audience}/{kind}", status_code=303)
