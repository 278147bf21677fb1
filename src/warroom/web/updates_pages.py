"""Status updates from the incident room: preview, post (through the outbox to every routed
channel), the form pre-filled from the previous update; and what happened to the messages."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from warroom.api.errors import first_problem
from warroom.comms import deliveries, updates
from warroom.comms.schemas import UpdateIn
from warroom.core.context import Context
from warroom.core.errors import Invalid, WarroomError
from warroom.incidents import service
from warroom.incidents.models import Incident
from warroom.web.auth import Page, SignedIn
from warroom.web.rendering import form_value
from warroom.web.room import _back, render_room

router = APIRouter(include_in_schema=False)
NEXT_CHOICES = (("15", "15 min"), ("30", "30 min"), ("60", "1 hour"), ("120", "2 hours"), ("240", "4 hours"),
                ("1440", "1 day"))
PARTS = ("whats_happening", "who_is_affected", "what_we_are_doing")


def update_form(ctx: Context, incident: Incident) -> dict:
    """What the room's update form starts with: the previous internal update's words, and the
    severity's cadence as the next update."""
    last = updates.last_update(ctx, incident)
    level = ctx.policy.level(incident.severity)
    minutes = int(level.update_every.total_seconds() // 60) if level else 60
    choices = [c for c in NEXT_CHOICES if int(c[0]) <= minutes] or [NEXT_CHOICES[0]]
    values = {part: getattr(last, part) if last else "" for part in PARTS}
    prompt = updates.update_prompt(ctx, incident)
    if prompt == "first":
        values = {"whats_happening": incident.summary or incident.title, "who_is_affected": incident.impact,
                  "what_we_are_doing": ""}
    elif prompt == "final" and incident.resolution:
        values["what_we_are_doing"] = incident.resolution
    return {"values": values, "prompt": prompt,
            "audience": "internal", "next_choices": choices, "next_default": choices[-1][0],
            "last": last, "deliveries": deliveries.deliveries_of(ctx, incident)[-20:]}


def _next_update_at(page: Page) -> datetime | None:
    exact = form_value(page, "next_at").strip()
    if exact:
        try:
            moment = datetime.fromisoformat(exact)
        except ValueError:
            raise Invalid(f"next update: {exact!r} is not a date and time", field="next_update_at") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(page.user.timezone or "UTC"))
    minutes = form_value(page, "next_in").strip()
    if minutes.isdigit() and int(minutes) > 0:
        return page.ctx.now() + timedelta(minutes=int(minutes))
    return None


@router.post("/incidents/{ref}/updates")
def post_update(request: Request, ref: str, page: SignedIn) -> Response:
    incident = service.get_incident(page.ctx, ref)
    submitted = {part: form_value(page, part) for part in PARTS}
    audience = form_value(page, "audience") or "internal"
    preview = form_value(page, "action") == "preview"
    try:
        data = UpdateIn(audience=audience, next_update_at=_next_update_at(page), **submitted)
        if preview:
            kind, subject, text = updates.preview_update(page.ctx, incident, data)
        else:
            updates.post_update(page.ctx, incident, data)
    except ValidationError as exc:
        field, message = first_problem(exc.errors())
        return render_room(request, page, incident, error=message, status_code=422,
                           update_input={**submitted, "audience": audience})
    except WarroomError as exc:
        page.discard()
        return render_room(request, page, service.get_incident(page.ctx, ref), error=exc.message,
                           status_code=exc.http_status, update_input={**submitted, "audience": audience})
    if preview:
        return render_room(request, page, incident, update_input={**submitted, "audience": audience},
                           update_preview={"kind": kind, "subject": subject, "text": text})
    return _back(page, incident)
