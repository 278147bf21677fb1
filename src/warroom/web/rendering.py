"""Rendering a page: the shared template context, security headers, and form re-rendering helpers.

Every page module renders through `render(...)`, so the viewer, the CSRF token, "now" from the
injectable clock and the viewer's timezone are always available to templates:

    user, csrf_token, csrf_field, now, tz, can_act (not a viewer), is_admin, sev_rank (severity
    name -> colour 0..3), active (the nav item), and the page's own values.

_macros.html has the shared markup: reltime, exacttime, countdown, sev_badge, csrf, form_error.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from warroom.web import auth
from warroom.web.templating import make_templates

templates = make_templates()

# Our own files only (no inline script or style), never inside another site's frame.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
                               "form-action 'self'; base-uri 'none'; object-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def base_context(runtime, user, csrf_token: str | None) -> dict:
    """What every template may use; also for fragments rendered outside a request (live.py)."""
    return {"user": user, "csrf_token": csrf_token, "now": runtime.clock.now(),
            "tz": user.timezone if user else "UTC", "csrf_field": auth.CSRF_FIELD,
            "can_act": bool(user and user.role != "viewer"), "is_admin": bool(user and user.role == "admin"),
            "sev_rank": {level.name: min(rank, 3) for rank, level in enumerate(runtime.policy.severities)}}


def render(request: Request, name: str, status_code: int = 200, page: auth.Page | None = None,
           headers: dict[str, str] | None = None, **context) -> HTMLResponse:
    base = base_context(auth.runtime_of(request), page.user if page else None, page.csrf_token if page else None)
    response = templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code,
                                          headers=headers)
    response.headers.update(SECURITY_HEADERS)
    return response


def form_value(page: auth.Page, name: str, default: str = "") -> str:
    """One text field of the submitted form ("" when absent), surrounding whitespace kept."""
    value = page.form.get(name) if page.form is not None else None
    return value if isinstance(value, str) else default


def form_values(page: auth.Page, name: str) -> list[str]:
    """Every value of a repeated field (checkboxes, multi-selects), blanks dropped."""
    if page.form is None:
        return []
    return [v for v in page.form.getlist(name) if isinstance(v, str) and v.strip()]
