"""The postmortem page: an incident's postmortem written section by section, reviewed and published.

Every action is a form POSTing to /incidents/{ref}/postmortem/...: one call of a postmortems service
each, then a redirect back (so a reload repeats nothing). A refusal re-renders the page with the
reason at the top, changes nothing, and keeps what was typed. A section form posted by postmortem.js
(autosave; header x-warroom-fragment: 1) gets JSON instead: the new version, the blameless-check
warnings and the time it was saved, or the error with its status (409 when someone saved a newer
version: the page never overwrites their words).
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError

from warroom.api.errors import first_problem
from warroom.core.context import Context
from warroom.core.errors import Conflict, Invalid, WarroomError
from warroom.incidents import durations
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.postmortems import actions, blameless, export, service
from warroom.postmortems.models import ACTION_TYPES, PRIORITIES, ActionItem, Postmortem, PostmortemRevision
from warroom.postmortems.schemas import ActionItemIn
from warroom.users.service import list_users
from warroom.web import postmortem_forms as forms
from warroom.web.auth import Page, SignedIn
from warroom.web.rendering import SECURITY_HEADERS, form_value, render
from warroom.web.room import FRAGMENT_HEADER
from warroom.web.templating import localtime

router = APIRouter(include_in_schema=False)
MOVE_LABELS = {("draft", "in_review"): "Request review", ("in_review", "draft"): "Back to draft",
               ("in_review", "published"): "Publish", ("published", "in_review"): "Reopen for review"}
PHASE_LABELS = (("detect", "Time to detect"), ("acknowledge", "Time to acknowledge"),
                ("mitigate", "Time to mitigate"), ("resolve", "Time to resolve"))
ITEM_FIELDS = ("title", "owner", "due_on", "priority", "type", "ticket_url")
# The printable export is a standalone document with its own <style> (and style attributes), so it
# reads the same saved to a file or mailed. It has no scripts, forms or external files: this policy
# allows inline styles and nothing else, for that one response; every other page keeps the strict one.
PRINT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; "
             "form-action 'none'; base-uri 'none'")
_WARNING_PLACE = re.compile(r"^([a-z_]+)(?:\[(\d+)\])?(?:\.(\w+))?$")


def _zone_of(page: Page) -> ZoneInfo:
    return ZoneInfo(page.user.timezone or "UTC")  # checked when it was set


def _found(page: Page, ref: str) -> tuple[Incident, Postmortem]:
    incident = incidents.get_incident(page.ctx, ref)
    return incident, service.get_postmortem(page.ctx, incident)


def warning_view(finding: blameless.Finding) -> dict:
    """A blameless-check finding as the page and postmortem.js show it: the section it belongs
    beside, and where in it ("why 2, answer", "item 3", "entry 5")."""
    match = _WARNING_PLACE.match(finding.section)
    section, number, part = match.groups() if match else (finding.section, None, None)
    where = ""
    if number:
        noun = {"whys": "why", "timeline": "entry"}.get(section, "item")
        where = f"{noun} {number}" + (f", {part}" if part else "")
    return {"section": section, "where": where, "phrase": finding.phrase, "excerpt": finding.excerpt,
            "suggestion": finding.suggestion}


def warning_views(ctx: Context, postmortem: Postmortem) -> list[dict]:
    return [warning_view(finding) for finding in service.warnings(ctx, postmortem)]


def _changed(revision: PostmortemRevision) -> list[str]:
    """What one revision changed, in words: "Started", "Status: draft → in review", section titles."""
    said = []
    for name, change in revision.changes.items():
        if name == "created":
            said.append("Started")
        elif name == "status":
            said.append(f"Status: {change['before'].replace('_', ' ')} → {change['after'].replace('_', ' ')}")
        else:
            said.append(service.SECTION_TITLES.get(name, name))
    return said


def item_helpers(ctx: Context) -> dict:
    """What the action item rows need from the domain: when an item is due and whether it is overdue."""
    return {"item_due": lambda item: actions.due_end(ctx, item.due_on),
            "item_overdue": lambda item: actions.is_overdue(ctx, item),
            "priorities": PRIORITIES, "action_types": ACTION_TYPES}


def render_postmortem(request: Request, page: Page, incident: Incident, *, error: str | None = None,
                      error_in: str | None = None, status_code: int = 200, draft: dict | None = None,
                      unsaved: str | None = None, confirm_publish: bool = False,
                      item_values: dict | None = None) -> HTMLResponse:
    """The page; `draft` overrides a section's values with what was typed, `error_in` names the
    section (or "actions") the error belongs to."""
    ctx = page.ctx
    postmortem = service.find_postmortem(ctx, incident)
    context: dict = {"incident": incident, "postmortem": postmortem, "level": ctx.policy.level(incident.severity),
                     "base": f"/incidents/{incident.ref}/postmortem", "error": error, "error_in": error_in,
                     "titles": service.SECTION_TITLES}
    if postmortem is not None:
        spans = durations.of_incident(incident)
        found = warning_views(ctx, postmortem)
        grouped: dict[str, list[dict]] = {}
        for warning in found:
            grouped.setdefault(warning["section"], []).append(warning)
        reviewer_ids = {r.user_id for r in postmortem.reviewers}
        people = sorted(list_users(ctx.db), key=lambda u: u.name.casefold())
        context.update(
            values={**forms.stored_values(postmortem, _zone_of(page)), **(draft or {})}, sections=forms.SECTIONS,
            warnings=grouped, warning_count=len(found), unsaved=unsaved, confirm_publish=confirm_publish,
            saved=request.query_params.get("saved", ""),
            durations=[(label, durations.format_duration(getattr(spans, phase))) for phase, label in PHASE_LABELS],
            moves=[(status, MOVE_LABELS[(postmortem.status, status)])
                   for status in service.STATUS_MOVES[postmortem.status]],
            reviewer_choices=[p for p in people if p.id not in reviewer_ids], people=people,
            my_review=next((r for r in postmortem.reviewers if r.user_id == page.user.id), None),
            items=actions.list_action_items(ctx, incident=incident), item_values=item_values or {},
            history=[(revision, _changed(revision)) for revision in reversed(service.history(ctx, postmortem))],
            **item_helpers(ctx))
    return render(request, "postmortem.html", page=page, status_code=status_code, active="incidents", **context)


def refusal(exc: Exception) -> WarroomError:
    if isinstance(exc, ValidationError):
        field, message = first_problem(exc.errors())
        return Invalid(message, field=field)
    assert isinstance(exc, WarroomError)
    return exc


def _refused(request: Request, page: Page, ref: str, exc: Exception, **kwargs) -> HTMLResponse:
    """Undo the request's writes and show the page as it is, with the reason."""
    problem = refusal(exc)
    page.discard()
    page.ctx.db.expire_all()
    return render_postmortem(request, page, incidents.get_incident(page.ctx, ref), error=problem.message,
                             status_code=problem.http_status, **kwargs)


def _back(ref: str, anchor: str = "", query: str = "") -> RedirectResponse:
    return RedirectResponse(f"/incidents/{ref}/postmortem{query}{'#' + anchor if anchor else ''}", status_code=303)


@router.get("/incidents/{ref}/postmortem", response_class=HTMLResponse)
def postmortem_page(request: Request, ref: str, page: SignedIn) -> HTMLResponse:
    return render_postmortem(request, page, incidents.get_incident(page.ctx, ref))


@router.post("/incidents/{ref}/postmortem")
def start(request: Request, ref: str, page: SignedIn) -> Response:
    try:
        service.start_postmortem(page.ctx, incidents.get_incident(page.ctx, ref))
    except WarroomError as exc:
        return _refused(request, page, ref, exc)
    return _back(ref)


def _saved_json(page: Page, postmortem: Postmortem, section: str) -> JSONResponse:
    return JSONResponse({"section": section, "version": postmortem.version,
                         "warnings": warning_views(page.ctx, postmortem),
                         "saved_at": localtime(page.ctx.now(), page.user.timezone, "%H:%M")},
                        headers=SECURITY_HEADERS)


@router.post("/incidents/{ref}/postmortem/sections")
def save_section(request: Request, ref: str, page: SignedIn) -> Response:
    """Save one section (the form's `section`), refused with 409 if `version` is not the latest."""
    wants_json = request.headers.get(FRAGMENT_HEADER) == "1"
    incident, postmortem = _found(page, ref)
    section = form_value(page, "section")
    values: str | list[dict] = ""
    try:
        values = forms.submitted_values(page.form, section)
        patch = forms.section_patch(section, values, form_value(page, "version"), _zone_of(page))
        service.update_postmortem(page.ctx, postmortem, patch)
    except WarroomError as exc:
        page.discard()
        if wants_json:
            return JSONResponse({"error": exc.as_dict()}, status_code=exc.http_status, headers=SECURITY_HEADERS)
        if isinstance(exc, Conflict):  # someone saved first: show theirs, and the words that were not saved
            title = service.SECTION_TITLES.get(section, section)
            return _refused(request, page, ref, exc, error_in=section,
                            unsaved=f"Your edit of {title} (not saved):\n{forms.as_text(section, values)}")
        return _refused(request, page, ref, exc, error_in=section if section in forms.SECTIONS else None,
                        draft={section: values} if section in forms.SECTIONS else None)
    if wants_json:
        return _saved_json(page, postmortem, section)
    # A row section's "Add" button (no JavaScript) saves and comes back with a fresh empty row.
    return _back(incident.ref, f"pm-{section}", f"?saved={section}")


def _act(request: Request, page: Page, ref: str, action, anchor: str = "") -> Response:
    """Run one workflow or review change (`action(postmortem)`); a refusal re-renders the page with
    the reason and changes nothing, success goes back to the page (at `anchor`)."""
    _, postmortem = _found(page, ref)
    try:
        action(postmortem)
    except WarroomError as exc:
        # Publishing with blameless-check warnings: the page lists them and asks to confirm.
        return _refused(request, page, ref, exc, confirm_publish=exc.field == "confirm_warnings")
    return _back(ref, anchor)


@router.post("/incidents/{ref}/postmortem/status")
def change_status(request: Request, ref: str, page: SignedIn) -> Response:
    return _act(request, page, ref, lambda postmortem: service.change_status(
        page.ctx, postmortem, form_value(page, "status"), confirm_warnings=form_value(page, "confirm_warnings") == "1"))


def _reviewer(page: Page) -> str:
    who = form_value(page, "user").strip()
    if not who:
        raise Invalid("reviewer: choose a person", field="user")
    return who


@router.post("/incidents/{ref}/postmortem/reviewers")
def add_reviewer(request: Request, ref: str, page: SignedIn) -> Response:
    return _act(request, page, ref, lambda postmortem: service.add_reviewer(page.ctx, postmortem, _reviewer(page)),
                "pm-review")


@router.post("/incidents/{ref}/postmortem/reviewers/remove")
def remove_reviewer(request: Request, ref: str, page: SignedIn) -> Response:
    return _act(request, page, ref, lambda postmortem: service.remove_reviewer(page.ctx, postmortem, _reviewer(page)),
                "pm-review")


@router.post("/incidents/{ref}/postmortem/approve")
def approve(request: Request, ref: str, page: SignedIn) -> Response:
    return _act(request, page, ref, lambda postmortem: service.approve(page.ctx, postmortem), "pm-review")


@router.post("/incidents/{ref}/action-items")
def add_action_item(request: Request, ref: str, page: SignedIn) -> Response:
    """An action item from the postmortem page (or for an incident that has none yet)."""
    values = {name: form_value(page, name) for name in ITEM_FIELDS}
    try:
        data = ActionItemIn.model_validate({name: value.strip() if name != "title" else value
                                            for name, value in values.items()})
        actions.create_action_item(page.ctx, incidents.get_incident(page.ctx, ref), data)
    except (ValidationError, WarroomError) as exc:
        return _refused(request, page, ref, exc, error_in="actions", item_values=values)
    return _back(ref, "pm-actions")


# --- exports ------------------------------------------------------------------------------------------

def _document(page: Page, ref: str) -> tuple[Incident, export.Document]:
    incident, postmortem = _found(page, ref)
    items: list[ActionItem] = actions.list_action_items(page.ctx, incident=incident)
    return incident, export.document(page.ctx, incident, postmortem, items)


@router.get("/incidents/{ref}/postmortem.md")
def export_markdown(ref: str, page: SignedIn) -> Response:
    incident, doc = _document(page, ref)
    return Response(export.to_markdown(doc), media_type="text/markdown; charset=utf-8",
                    headers={**SECURITY_HEADERS,
                             "Content-Disposition": f'attachment; filename="postmortem-{incident.ref}.md"'})


@router.get("/incidents/{ref}/postmortem/print", response_class=HTMLResponse)
def export_printable(ref: str, page: SignedIn) -> Response:
    _, doc = _document(page, ref)
    return HTMLResponse(export.to_html(doc), headers={**SECURITY_HEADERS, "Content-Security-Policy": PRINT_CSP})
