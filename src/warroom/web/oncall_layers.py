"""A schedule's layers on the web: add a rotation layer, edit one, move it up or down, remove it.

The form is the API's LayerIn in fields people can fill without typing syntax: a select per turn
(the same person may take several), a shift length and unit, the handoff's time (and weekday for
weekly shifts), the start, and rows of weekday boxes and times for restrictions. Every time on it is
a wall-clock time in the SCHEDULE's timezone, as the rules are; the form says which zone.

Each change is one call of the on-call service (add_layer, replace_layer, move_layer,
delete_layer), then a redirect to the schedule. A refused form comes back as typed, the reason on
top and the field it names marked (a turn or a restriction row by its place on the form), and
changes nothing. Responders and admins edit, as in the API; viewers get the 403 page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from warroom.core.errors import Invalid, WarroomError
from warroom.oncall import rotation, service
from warroom.oncall.models import Schedule, ScheduleLayer
from warroom.oncall.schemas import LayerIn
from warroom.users.models import User
from warroom.users.service import list_users, require_writer
from warroom.web.auth import Page, SignedIn
from warroom.web.postmortem_pages import refusal
from warroom.web.rendering import form_value, render

router = APIRouter(include_in_schema=False)
SPARE_TURNS = 2  # empty turn selects below the filled ones (save to get more)
MIN_TURNS = 3
MAX_WINDOWS = 20  # as the API allows
NEW_LAYER_HANDOFF = "09:00"


@dataclass(frozen=True)
class Problem:
    """Where a refused form went wrong: a field, and for turns and restriction rows which one."""

    field: str
    index: int | None = None
    part: str | None = None


# --- form values ----------------------------------------------------------------------------------

def _clock(text: str) -> str:
    # A window's end is stored as 24:00 (midnight at its end); a time field shows that as 00:00.
    return "00:00" if text == "24:00" else text


def blank_values(schedule: Schedule, now: datetime) -> dict[str, Any]:
    """A new layer's form: weekly shifts handing off on Monday 09:00, from the coming Monday."""
    today = rotation.to_local(now, service.zone_of(schedule)).date()
    monday = today + timedelta(days=(7 - today.weekday()) % 7)
    return {"name": "", "users": [], "shift_length": "1", "shift_unit": "weeks",
            "start": f"{monday.isoformat()}T{NEW_LAYER_HANDOFF}", "handoff_time": NEW_LAYER_HANDOFF,
            "handoff_day": "mon", "windows": [], "position": str(len(schedule.layers) + 1)}


def stored_values(layer: ScheduleLayer) -> dict[str, Any]:
    """A layer's rules as its form shows them."""
    weekly = layer.shift_unit == "weeks" and layer.handoff_weekday is not None
    return {"name": layer.name, "users": [str(member.user_id) for member in layer.members],
            "shift_length": str(layer.shift_length), "shift_unit": layer.shift_unit,
            "start": layer.rotation_start.strftime("%Y-%m-%dT%H:%M"),
            "handoff_time": layer.handoff_time.strftime("%H:%M"),
            "handoff_day": rotation.WEEKDAYS[layer.handoff_weekday] if weekly else "",
            "windows": [{"days": list(item["days"]), "start": item["start"], "end": _clock(item["end"])}
                        for item in layer.restrictions],
            "position": str(layer.position)}


def submitted_values(page: Page) -> dict[str, Any]:
    """The form as typed, blanks kept so that it comes back the same way."""
    form = page.form
    assert form is not None
    count = form_value(page, "windows").strip()
    rows = min(int(count), MAX_WINDOWS + 1) if count.isdigit() else 0
    windows = [{"days": [d for d in form.getlist(f"w{n}_days") if d in rotation.WEEKDAYS],
                "start": form_value(page, f"w{n}_start").strip(), "end": form_value(page, f"w{n}_end").strip()}
               for n in range(rows)]
    return {"name": form_value(page, "name"), "users": [v for v in form.getlist("users") if isinstance(v, str)],
            "shift_length": form_value(page, "shift_length").strip(), "shift_unit": form_value(page, "shift_unit"),
            "start": form_value(page, "start").strip(), "handoff_time": form_value(page, "handoff_time").strip(),
            "handoff_day": form_value(page, "handoff_day").strip(), "windows": windows,
            "position": form_value(page, "position").strip()}


def _filled(values: Mapping[str, Any]) -> tuple[list[int], list[int]]:
    """The places on the form of the turns and restriction rows that were filled in."""
    turns = [n for n, value in enumerate(values["users"]) if value.strip()]
    rows = [n for n, window in enumerate(values["windows"]) if window["start"] or window["end"]]
    return turns, rows


def layer_in(values: Mapping[str, Any]) -> LayerIn:
    """The form as the API's layer shape (pydantic and the service check the rest)."""
    turns, rows = _filled(values)
    if not turns:
        raise Invalid("users: choose at least one person to take turns", field="users")
    length = values["shift_length"]
    if not length.isdigit():
        raise Invalid(f"shift_length must be a whole number of {values['shift_unit'] or 'hours, days or weeks'}",
                      field="shift_length")
    try:
        start = datetime.fromisoformat(values["start"])
    except ValueError:
        raise Invalid(f"start: {values['start']!r} is not a date and time", field="start") from None
    if start.tzinfo is not None:
        raise Invalid("start is a wall-clock time in the schedule's timezone, without an offset", field="start")
    clock, day = values["handoff_time"], values["handoff_day"]
    if day and not clock:
        raise Invalid("handoff: give the time of day shifts change", field="handoff")
    for number, row in enumerate(rows):
        if not values["windows"][row]["days"]:
            raise Invalid(f"restrictions.{number}.days: tick at least one day", field=f"restrictions.{number}.days")
    position = values["position"]
    return LayerIn.model_validate({
        "name": values["name"], "users": [values["users"][n].strip() for n in turns],
        "shift_length": int(length), "shift_unit": values["shift_unit"], "start": start,
        "handoff": f"{day} {clock}".strip() if clock else None,
        "restrictions": [{"days": values["windows"][n]["days"], "start": values["windows"][n]["start"],
                          "end": values["windows"][n]["end"]} for n in rows],
        "position": int(position) if position.isdigit() else None})


def in_form_words(message: str, field: str | None, problem: Problem | None) -> str:
    """The refusal with a turn or window named by its place on the form ("window 2 end must be ...")."""
    if not field or problem is None or problem.index is None:
        return message
    name = "Turn" if problem.field == "users" else "Window"
    words = f"{name} {problem.index + 1}" + (f" {problem.part}" if problem.part else "")
    return words + message[len(field):] if message.startswith(field) else f"{words}: {message}"


def problem_at(field: str | None, values: Mapping[str, Any]) -> Problem | None:
    """The form field a refusal names: users.2 is the third filled turn, wherever it is on the form."""
    if not field:
        return None
    parts = field.split(".")
    turns, rows = _filled(values)
    places = {"users": turns, "restrictions": rows}.get(parts[0])
    if places is not None and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(places):
        return Problem(parts[0], places[int(parts[1])], parts[2] if len(parts) > 2 else None)
    return Problem(parts[0])


# --- pages ----------------------------------------------------------------------------------------

def _people(page: Page, values: Mapping[str, Any]) -> list[User]:
    """Who a turn can go to: responders and admins, and anyone already in the layer (a deactivated
    person is shown as such, so that saving says what to fix instead of dropping them silently)."""
    people = {u.id: u for u in list_users(page.ctx.db) if u.can_write}
    for value in values["users"]:
        if value.strip().isdigit() and int(value) not in people:
            found = page.ctx.db.get(User, int(value))
            if found is not None:
                people[found.id] = found
    return sorted(people.values(), key=lambda u: (u.deactivated_at is not None, u.name.casefold()))


def _form(request: Request, page: Page, schedule: Schedule, layer: ScheduleLayer | None,
          values: Mapping[str, Any], *, error: str | None = None, problem: Problem | None = None,
          status_code: int = 200) -> HTMLResponse:
    turns = list(values["users"])
    turns += [""] * max(SPARE_TURNS, MIN_TURNS - len(turns))
    windows = list(values["windows"])
    while windows and not (windows[-1]["start"] or windows[-1]["end"]):
        windows.pop()  # empty rows at the end: one fresh row follows anyway
    windows.append({"days": list(rotation.WEEKDAYS), "start": "", "end": ""})
    return render(request, "oncall_layer.html", page=page, status_code=status_code, active="oncall",
                  schedule=schedule, layer=layer, values={**values, "users": turns, "windows": windows[:MAX_WINDOWS]},
                  people=_people(page, values), error=error, problem=problem, weekdays=rotation.WEEKDAYS,
                  units=rotation.UNITS, positions=len(schedule.layers) + (0 if layer else 1))


def _refused(request: Request, page: Page, schedule: Schedule, layer: ScheduleLayer | None,
             values: Mapping[str, Any], exc: Exception) -> HTMLResponse:
    found = refusal(exc)
    page.discard()
    page.ctx.db.expire_all()
    problem = problem_at(found.field, values)
    return _form(request, page, schedule, layer, values, error=in_form_words(found.message, found.field, problem),
                 problem=problem, status_code=found.http_status)


def _to_layers(schedule: Schedule) -> RedirectResponse:
    return RedirectResponse(f"/schedules/{schedule.name}#layers", status_code=303)


def _found(page: Page, ref: str, layer_id: int) -> tuple[Schedule, ScheduleLayer]:
    schedule = service.get_schedule(page.ctx, ref)
    return schedule, service.get_layer(page.ctx, schedule, layer_id)


@router.get("/schedules/{ref}/layers/new", response_class=HTMLResponse)
def new_layer(request: Request, ref: str, page: SignedIn) -> HTMLResponse:
    require_writer(page.ctx)
    schedule = service.get_schedule(page.ctx, ref)
    return _form(request, page, schedule, None, blank_values(schedule, page.ctx.now()))


@router.post("/schedules/{ref}/layers")
def add_layer(request: Request, ref: str, page: SignedIn) -> Response:
    require_writer(page.ctx)
    schedule = service.get_schedule(page.ctx, ref)
    values = submitted_values(page)
    try:
        service.add_layer(page.ctx, schedule, layer_in(values))
    except (ValidationError, WarroomError) as exc:
        return _refused(request, page, schedule, None, values, exc)
    return _to_layers(schedule)


@router.get("/schedules/{ref}/layers/{layer_id}/edit", response_class=HTMLResponse)
def edit_layer(request: Request, ref: str, layer_id: int, page: SignedIn) -> HTMLResponse:
    require_writer(page.ctx)
    schedule, layer = _found(page, ref, layer_id)
    return _form(request, page, schedule, layer, stored_values(layer))


@router.post("/schedules/{ref}/layers/{layer_id}")
def save_layer(request: Request, ref: str, layer_id: int, page: SignedIn) -> Response:
    require_writer(page.ctx)
    schedule, layer = _found(page, ref, layer_id)
    values = submitted_values(page)
    try:
        service.replace_layer(page.ctx, schedule, layer, layer_in(values))
    except (ValidationError, WarroomError) as exc:
        return _refused(request, page, schedule, layer, values, exc)
    return _to_layers(schedule)


@router.post("/schedules/{ref}/layers/{layer_id}/move")
def move_layer(request: Request, ref: str, layer_id: int, page: SignedIn) -> Response:
    require_writer(page.ctx)
    schedule, layer = _found(page, ref, layer_id)
    wanted = form_value(page, "position").strip()
    if not wanted.isdigit():
        raise Invalid("position must be a whole number (1 = lowest)", field="position")
    service.move_layer(page.ctx, schedule, layer, int(wanted))
    return _to_layers(schedule)


@router.post("/schedules/{ref}/layers/{layer_id}/remove")
def remove_layer(request: Request, ref: str, layer_id: int, page: SignedIn) -> Response:
    require_writer(page.ctx)
    schedule, layer = _found(page, ref, layer_id)
    service.delete_layer(page.ctx, schedule, layer)
    return _to_layers(schedule)
