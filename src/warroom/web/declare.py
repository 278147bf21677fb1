"""Declaring an incident from the browser, with the severity helper inline.

The helper's proposal comes from the policy's own `propose()` (the same as the API's /triage): as
JSON for declare.js while the questions are answered, or by re-rendering the form ("Suggest
severity") when JavaScript is off.
"""

from __future__ import annotations

from typing import get_args

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError

from warroom.api.errors import first_problem
from warroom.catalog.service import list_services
from warroom.core.errors import Forbidden, WarroomError
from warroom.incidents.policy import NEXT_BUSINESS_DAY, SeverityPolicy
from warroom.incidents.schemas import IncidentCreate, TriageAnswers
from warroom.incidents.service import declare
from warroom.web.auth import Page, SignedIn
from warroom.web.rendering import form_value, form_values, render

router = APIRouter(include_in_schema=False)

QUESTIONS = (
    ("service_down", "Is the service down for its users?", (("true", "Yes, down"), ("false", "No, degraded"))),
    ("users", "How many users are affected?",
     tuple((v, v) for v in get_args(TriageAnswers.model_fields["users"].annotation))),
    ("feature", "What kind of feature is affected?",
     tuple((v, v) for v in get_args(TriageAnswers.model_fields["feature"].annotation))),
)


def target_text(target: str) -> str:
    if target == "immediate":
        return "immediate"
    if target == NEXT_BUSINESS_DAY:
        return "next business day"
    return f"within {target}"


def _proposal(policy: SeverityPolicy, answers: dict[str, str]) -> dict | None:
    """The helper's answer for complete answers, or None while some are missing or invalid."""
    if not all(answers.get(name) for name, _, _ in QUESTIONS):
        return None
    try:
        checked = TriageAnswers(service_down=answers["service_down"] == "true", users=answers["users"],
                                feature=answers["feature"])
    except ValidationError:
        return None
    proposal = policy.propose(service_down=checked.service_down, users=checked.users, feature=checked.feature)
    return {"severity": proposal.level.name, "label": proposal.level.label, "reason": proposal.reason,
            "criteria": proposal.level.criteria}


def _require_responder(page: Page) -> None:
    if page.user.role == "viewer":
        raise Forbidden("viewers can read but not declare incidents")


def _form(request: Request, page: Page, values: dict, *, error: str | None = None, error_field: str | None = None,
          proposal: dict | None = None, status_code: int = 200) -> HTMLResponse:
    policy = page.ctx.policy
    return render(request, "declare.html", page=page, status_code=status_code, active="declare",
                  values=values, error=error, error_field=error_field, proposal=proposal, questions=QUESTIONS,
                  levels=policy.severities, target_text=target_text,
                  services=[s.name for s in list_services(page.ctx.db)])


@router.get("/declare", response_class=HTMLResponse)
def declare_form(request: Request, page: SignedIn) -> HTMLResponse:
    _require_responder(page)
    return _form(request, page, {"visibility": "internal", "take_command": "yes", "services": []})


@router.get("/declare/triage")
def triage(request: Request, page: SignedIn) -> JSONResponse:
    """For declare.js: the proposal for the answers so far (null until all are given)."""
    answers = {name: request.query_params.get(name, "") for name, _, _ in QUESTIONS}
    return JSONResponse({"proposal": _proposal(page.ctx.policy, answers)}, headers={"Cache-Control": "no-store"})


@router.post("/declare", response_class=HTMLResponse)
def declare_submit(request: Request, page: SignedIn) -> Response:
    _require_responder(page)
    values = {name: form_value(page, name) for name in
              ("title", "summary", "impact", "visibility", "severity", "take_command",
               *(q for q, _, _ in QUESTIONS))}
    values["services"] = form_values(page, "services")
    proposal = _proposal(page.ctx.policy, values)
    if form_value(page, "action") == "suggest":
        if proposal is None:
            return _form(request, page, values, error="Answer the three questions to get a suggestion.",
                         status_code=422)
        return _form(request, page, {**values, "severity": proposal["severity"]}, proposal=proposal)
    if not values["severity"]:
        return _form(request, page, values, error="severity: choose a level (the helper above suggests one)",
                     error_field="severity", proposal=proposal, status_code=422)
    try:
        data = IncidentCreate(title=values["title"].strip(), severity=values["severity"],
                              summary=values["summary"].strip(), impact=values["impact"].strip(),
                              services=values["services"], visibility=values["visibility"] or "internal",
                              commander=page.user.id if values["take_command"] else None)
        incident = declare(page.ctx, data)
    except ValidationError as exc:
        field, message = first_problem(exc.errors())
        return _form(request, page, values, error=message, error_field=field, proposal=proposal, status_code=422)
    except WarroomError as exc:
        page.discard()
        return _form(request, page, values, error=exc.message, error_field=exc.field, proposal=proposal,
                     status_code=exc.http_status)
    return RedirectResponse(f"/incidents/{incident.ref}", status_code=303)
