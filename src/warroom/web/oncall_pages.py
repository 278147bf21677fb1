"""On-call pages: who is on call now (or at a time) across schedules, the schedules list with a
create form, and one schedule as a calendar of the coming weeks with its layers, overrides and
calendar feeds; your own calendar feeds on the who-is-on-call page (layer forms: oncall_layers.py).
Times are shown in the viewer's timezone; the schedule's own zone is named.

Every change is one call of the on-call service, then a redirect (POST-redirect-GET); a refused form
comes back as typed with the reason, and changes nothing. Viewers read; writing is refused with
the 403 page before anything runs. A new feed's secret URL is shown in the POST's own response,
once, like API tokens.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from warroom.core.errors import Invalid, WarroomError
from warroom.oncall import ical, rotation, service
from warroom.oncall.models import Schedule
from warroom.oncall.schemas import FeedIn, OverrideIn, ScheduleIn
from warroom.users.models import User
from warroom.users.service import list_users, require_writer
from warroom.web import oncall_calendar, oncall_layers
from warroom.web.auth import Page, SignedIn
from warroom.web.postmortem_forms import local_input
from warroom.web.postmortem_pages import refusal
from warroom.web.profile import timezones
from warroom.web.rendering import form_value, render

router = APIRouter(include_in_schema=False)
router.include_router(oncall_layers.router)  # a schedule's layers: add, edit, move, remove
SCHEDULE_FIELDS = ("name", "timezone", "description")
OVERRIDE_FIELDS = ("user", "starts_at", "ends_at")
# A fresh override form proposes the next full hour, for a typical evening-to-morning swap.
DEFAULT_OVERRIDE = timedelta(hours=12)


def _zone(page: Page) -> ZoneInfo:
    return ZoneInfo(page.user.timezone or "UTC")  # checked when it was set


def _local_moment(page: Page, text: str, field: str) -> datetime:
    """A datetime-local value: the viewer's wall clock, made an aware time in their timezone."""
    text = text.strip()
    if not text:
        raise Invalid(f"{field} is required", field=field)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(f"{field}: {text!r} is not a date and time", field=field) from None
    return moment if moment.tzinfo else rotation.to_utc(moment, _zone(page))


def _responders(page: Page) -> list[User]:
    """Who can be put on call: responders and admins (viewers cannot respond)."""
    return sorted((u for u in list_users(page.ctx.db) if u.can_write), key=lambda u: u.name.casefold())


# --- who is on call ---------------------------------------------------------------------------------

def _next_after(page: Page, schedule: Schedule, answer: service.Answer) -> service.Answer | None:
    """Who takes over when the current stretch ends (None: not within the next month)."""
    return service.on_call_at(page.ctx, schedule, answer.until) if answer.until else None


def _with_deactivated(schedules: list[Schedule]) -> set[int]:
    """The schedules with a deactivated person in a layer (the lists warn about them)."""
    return {s.id for s in schedules if any(service.deactivated_members(layer) for layer in s.layers)}


def _everywhere(page: Page, at: datetime | None) -> list[tuple[Schedule, service.Answer, service.Answer | None]]:
    return [(schedule, answer, _next_after(page, schedule, answer))
            for schedule, answer in service.on_call_everywhere(page.ctx, at)]


def render_oncall(request: Request, page: Page, typed: str = "", *, new_feed_url: str | None = None,
                  status_code: int = 200) -> HTMLResponse:
    at, error = None, None
    try:
        at = _local_moment(page, typed, "at") if typed else None
        rows = _everywhere(page, at)
    except WarroomError as exc:  # a malformed time, or one outside the years schedules cover: show now
        at, error = None, exc.message
        rows = _everywhere(page, None)
    return render(request, "oncall.html", page=page, status_code=422 if error else status_code, active="oncall",
                  rows=rows, at=at, typed=typed or local_input(page.ctx.now(), _zone(page)), error=error,
                  warned=_with_deactivated([schedule for schedule, _, _ in rows]),
                  my_feeds=ical.live_feeds(page.ctx, user=page.user), new_feed_url=new_feed_url)


@router.get("/oncall", response_class=HTMLResponse)
def oncall_page(request: Request, page: SignedIn) -> HTMLResponse:
    return render_oncall(request, page, (request.query_params.get("at") or "").strip())


# --- schedules ----------------------------------------------------------------------------------------

def _schedules_page(request: Request, page: Page, *, values: Mapping[str, str] | None = None,
                    error: str | None = None, status_code: int = 200) -> HTMLResponse:
    rows = service.on_call_everywhere(page.ctx)
    return render(request, "schedules.html", page=page, status_code=status_code, active="oncall",
                  rows=rows, warned=_with_deactivated([schedule for schedule, _ in rows]),
                  timezones=timezones(), error=error,
                  values=values or {"name": "", "timezone": page.user.timezone or "UTC", "description": ""})


@router.get("/schedules", response_class=HTMLResponse)
def schedules_page(request: Request, page: SignedIn) -> HTMLResponse:
    return _schedules_page(request, page)


@router.post("/schedules")
def create_schedule(request: Request, page: SignedIn) -> Response:
    require_writer(page.ctx)
    values = {name: form_value(page, name) for name in SCHEDULE_FIELDS}
    try:
        schedule = service.create_schedule(page.ctx, ScheduleIn(**{**values, "name": values["name"].strip()}))
    except (ValidationError, WarroomError) as exc:
        problem = refusal(exc)
        page.discard()
        return _schedules_page(request, page, values=values, error=problem.message, status_code=problem.http_status)
    return RedirectResponse(f"/schedules/{schedule.name}", status_code=303)


# --- one schedule -------------------------------------------------------------------------------------

def _view(query: Mapping[str, str], today: date) -> tuple[date, int, str | None]:
    """The calendar's first day and number of weeks from ?from=YYYY-MM-DD&weeks=N."""
    first, weeks, problem = today, oncall_calendar.DEFAULT_WEEKS, None
    if query.get("from"):
        try:
            first = date.fromisoformat(query["from"].strip())
        except ValueError:
            problem = f"from must be a date like {today.isoformat()}; showing from today"
    if query.get("weeks"):
        text = query["weeks"].strip()
        if text.isdigit() and 1 <= int(text) <= oncall_calendar.MAX_WEEKS:
            weeks = int(text)
        else:
            problem = f"weeks must be a whole number from 1 to {oncall_calendar.MAX_WEEKS}"
    return first, weeks, problem


def view_query(first: date, weeks: int, today: date) -> str:
    """The query string that shows this calendar again ("" for the default view)."""
    kept = {"from": first.isoformat()} if first != today else {}
    if weeks != oncall_calendar.DEFAULT_WEEKS:
        kept["weeks"] = str(weeks)
    return f"?{urlencode(kept)}" if kept else ""


def _calendar(page: Page, schedule: Schedule, first: date, weeks: int) -> oncall_calendar.Calendar:
    zone = _zone(page)
    start, end = oncall_calendar.fetch_window(first, weeks, zone)
    spans, gaps = service.coverage(page.ctx, schedule, start, end)
    return oncall_calendar.build(spans, gaps, first, weeks, zone)


def render_schedule(request: Request, page: Page, schedule: Schedule, query: Mapping[str, str], *,
                    error: str | None = None, values: Mapping[str, str] | None = None,
                    new_feed_url: str | None = None, status_code: int = 200) -> HTMLResponse:
    ctx, zone = page.ctx, _zone(page)
    today = ctx.now().astimezone(zone).date()
    first, weeks, problem = _view(query, today)
    try:
        calendar = _calendar(page, schedule, first, weeks)
    except WarroomError as exc:  # a date outside the years schedules cover
        problem, first = exc.message, today
        calendar = _calendar(page, schedule, first, weeks)
    if problem and not error:
        error, status_code = problem, 422
    if values is None:
        start = (ctx.now() + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
        values = {"user": "", "starts_at": local_input(start, zone),
                  "ends_at": local_input(start + DEFAULT_OVERRIDE, zone)}
    people = {user_id: ctx.db.get(User, user_id) for user_id in calendar.people}
    answer = service.on_call_at(ctx, schedule)
    feeds = ical.live_feeds(ctx, schedule=schedule)
    return render(request, "schedule.html", page=page, status_code=status_code, active="oncall",
                  schedule=schedule, calendar=calendar, people=people, error=error, values=values,
                  layer_names={layer.id: layer.name or f"Layer {layer.position}" for layer in schedule.layers},
                  handoff_text=service.handoff_text, overrides=service.list_overrides(ctx, schedule, ctx.now()),
                  responders=_responders(page), view=view_query(first, weeks, today), today=today,
                  new_feed_url=new_feed_url, feeds=feeds, answer=answer, next=_next_after(page, schedule, answer),
                  deactivated=[(layer, gone) for layer in schedule.layers
                               if (gone := service.deactivated_members(layer))],
                  weeks_choices=range(1, oncall_calendar.MAX_WEEKS + 1))


@router.get("/schedules/{ref}", response_class=HTMLResponse)
def schedule_page(request: Request, ref: str, page: SignedIn) -> HTMLResponse:
    return render_schedule(request, page, service.get_schedule(page.ctx, ref), request.query_params)


def _back_query(page: Page) -> dict[str, str]:
    """The calendar view the form was posted from (only its from and weeks)."""
    view = form_value(page, "view").lstrip("?")
    pairs = dict(part.split("=", 1) for part in view.split("&") if "=" in part)
    return {name: pairs[name] for name in ("from", "weeks") if name in pairs}


def _back(schedule: Schedule, page: Page, anchor: str) -> RedirectResponse:
    kept = _back_query(page)
    return RedirectResponse(f"/schedules/{schedule.name}{'?' + urlencode(kept) if kept else ''}#{anchor}",
                            status_code=303)


@router.post("/schedules/{ref}/overrides")
def add_override(request: Request, ref: str, page: SignedIn) -> Response:
    require_writer(page.ctx)
    schedule = service.get_schedule(page.ctx, ref)
    values = {name: form_value(page, name) for name in OVERRIDE_FIELDS}
    try:
        if not values["user"].strip():
            raise Invalid("user: choose who is on call during the override", field="user")
        service.add_override(page.ctx, schedule, OverrideIn(
            user=values["user"].strip(), starts_at=_local_moment(page, values["starts_at"], "starts_at"),
            ends_at=_local_moment(page, values["ends_at"], "ends_at")))
    except (ValidationError, WarroomError) as exc:
        problem = refusal(exc)
        page.discard()
        return render_schedule(request, page, schedule, _back_query(page), error=problem.message, values=values,
                               status_code=problem.http_status)
    return _back(schedule, page, "overrides")


@router.post("/schedules/{ref}/overrides/{override_id}/remove")
def remove_override(request: Request, ref: str, override_id: int, page: SignedIn) -> Response:
    require_writer(page.ctx)
    schedule = service.get_schedule(page.ctx, ref)
    service.delete_override(page.ctx, service.get_override(page.ctx, schedule, override_id))
    return _back(schedule, page, "overrides")


# --- calendar feeds: a schedule's, and your own across schedules ---------------------------------------

def _new_feed_url(page: Page, body: FeedIn) -> str:
    feed, plaintext = ical.create_feed(page.ctx, body)
    return page.ctx.base_url.rstrip("/") + ical.feed_path(feed, plaintext)


@router.post("/schedules/{ref}/feeds")
def create_feed(request: Request, ref: str, page: SignedIn) -> Response:
    require_writer(page.ctx)
    schedule = service.get_schedule(page.ctx, ref)
    url = _new_feed_url(page, FeedIn(schedule=schedule.name))
    return render_schedule(request, page, schedule, _back_query(page), new_feed_url=url, status_code=201)


@router.post("/schedules/{ref}/feeds/{feed_id}/revoke")
def revoke_schedule_feed(request: Request, ref: str, feed_id: int, page: SignedIn) -> Response:
    require_writer(page.ctx)
    schedule = service.get_schedule(page.ctx, ref)
    ical.revoke_feed(page.ctx, feed_id, schedule=schedule)
    return _back(schedule, page, "feeds")


@router.post("/oncall/feeds")
def create_my_feed(request: Request, page: SignedIn) -> Response:
    require_writer(page.ctx)
    url = _new_feed_url(page, FeedIn(user="me"))
    return render_oncall(request, page, new_feed_url=url, status_code=201)


@router.post("/oncall/feeds/{feed_id}/revoke")
def revoke_my_feed(request: Request, feed_id: int, page: SignedIn) -> Response:
    require_writer(page.ctx)
    ical.revoke_feed(page.ctx, feed_id, user=page.user)
    return RedirectResponse("/oncall#my-feeds", status_code=303)
