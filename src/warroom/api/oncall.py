"""On-call schedules over the API, and the public iCalendar feeds (the secret in the URL is the key).

Rules and access: warroom.oncall.service; feeds: warroom.oncall.ical.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from warroom.api.deps import Ctx, get_runtime
from warroom.oncall import ical, service
from warroom.oncall.schemas import (FeedCreated, FeedIn, FeedOut, FinalOut, GapOut, LayerIn, LayerOut, OnCallOut,
                                    OverrideIn, OverrideOut, QueryMoment, ScheduleIn, ScheduleOut,
                                    SchedulePatch)
from warroom.oncall.shapes import (feed_created, feed_out, final_out, gaps_out, layer_out, on_call_out,
                                   schedule_out)

router = APIRouter(prefix="/api/v1", tags=["on-call"])
feeds_router = APIRouter(tags=["on-call feeds"])
ScheduleKey = Annotated[str, "schedule id or name"]
At = Annotated[QueryMoment | None, Query(description="ISO 8601 with an offset; default now")]
Since = Annotated[QueryMoment | None, Query(description="ISO 8601 with an offset; default now")]
Until = Annotated[QueryMoment | None, Query(description="ISO 8601 with an offset; default 14 days after since")]


@router.get("/schedules", response_model=list[ScheduleOut], summary="Every schedule with its layers")
def list_schedules(ctx: Ctx) -> list[ScheduleOut]:
    return [schedule_out(s) for s in service.list_schedules(ctx)]


@router.post("/schedules", status_code=201, response_model=ScheduleOut)
def create_schedule(ctx: Ctx, body: ScheduleIn) -> ScheduleOut:
    return schedule_out(service.create_schedule(ctx, body))


@router.get("/schedules/{schedule}", response_model=ScheduleOut)
def get_schedule(ctx: Ctx, schedule: ScheduleKey) -> ScheduleOut:
    return schedule_out(service.get_schedule(ctx, schedule))


@router.patch("/schedules/{schedule}", response_model=ScheduleOut,
              summary="Rename, describe, or move to another timezone (wall-clock times stay)")
def patch_schedule(ctx: Ctx, schedule: ScheduleKey, body: SchedulePatch) -> ScheduleOut:
    return schedule_out(service.update_schedule(ctx, service.get_schedule(ctx, schedule), body))


@router.delete("/schedules/{schedule}", response_model=ScheduleOut,
               summary="Delete a schedule with its layers, overrides and feeds (admins); returned as it was")
def delete_schedule(ctx: Ctx, schedule: ScheduleKey) -> ScheduleOut:
    found = service.get_schedule(ctx, schedule)
    gone = schedule_out(found)
    service.delete_schedule(ctx, found)
    return gone


# --- layers -------------------------------------------------------------------------------------------

@router.post("/schedules/{schedule}/layers", status_code=201, response_model=LayerOut,
             summary="Add a rotation layer (on top unless position says otherwise)")
def add_layer(ctx: Ctx, schedule: ScheduleKey, body: LayerIn) -> LayerOut:
    return layer_out(service.add_layer(ctx, service.get_schedule(ctx, schedule), body))


@router.put("/schedules/{schedule}/layers/{layer_id}", response_model=LayerOut, summary="Replace a layer's rules")
def replace_layer(ctx: Ctx, schedule: ScheduleKey, layer_id: int, body: LayerIn) -> LayerOut:
    found = service.get_schedule(ctx, schedule)
    return layer_out(service.replace_layer(ctx, found, service.get_layer(ctx, found, layer_id), body))


@router.delete("/schedules/{schedule}/layers/{layer_id}", response_model=LayerOut,
               summary="Remove a layer (returned as it was)")
def delete_layer(ctx: Ctx, schedule: ScheduleKey, layer_id: int) -> LayerOut:
    found = service.get_schedule(ctx, schedule)
    layer = service.get_layer(ctx, found, layer_id)
    gone = layer_out(layer)
    service.delete_layer(ctx, found, layer)
    return gone


# --- overrides ----------------------------------------------------------------------------------------

@router.post("/schedules/{schedule}/overrides", status_code=201, response_model=OverrideOut,
             summary="Put someone on call for a window, above every layer")
def add_override(ctx: Ctx, schedule: ScheduleKey, body: OverrideIn) -> OverrideOut:
    return OverrideOut.model_validate(service.add_override(ctx, service.get_schedule(ctx, schedule), body))


@router.get("/schedules/{schedule}/overrides", response_model=list[OverrideOut],
            summary="Overrides that end after since (and start before until), soonest first")
def list_overrides(ctx: Ctx, schedule: ScheduleKey, since: Since = None, until: Until = None) -> list[OverrideOut]:
    found = service.get_schedule(ctx, schedule)
    return [OverrideOut.model_validate(o) for o in service.list_overrides(ctx, found, since or ctx.now(), until)]


@router.delete("/schedules/{schedule}/overrides/{override_id}", response_model=OverrideOut,
               summary="Remove an override (returned as it was)")
def delete_override(ctx: Ctx, schedule: ScheduleKey, override_id: int) -> OverrideOut:
    override = service.get_override(ctx, service.get_schedule(ctx, schedule), override_id)
    gone = OverrideOut.model_validate(override)
    service.delete_override(ctx, override)
    return gone


# --- answers ------------------------------------------------------------------------------------------

@router.get("/schedules/{schedule}/oncall", response_model=OnCallOut, summary="Who is on call at a moment")
def on_call(ctx: Ctx, schedule: ScheduleKey, at: At = None) -> OnCallOut:
    found = service.get_schedule(ctx, schedule)
    return on_call_out(found, service.on_call_at(ctx, found, at))


@router.get("/schedules/{schedule}/final", response_model=FinalOut,
            summary="The final schedule over a range (layers and overrides resolved), with its gaps")
def final(ctx: Ctx, schedule: ScheduleKey, since: Since = None, until: Until = None) -> FinalOut:
    return final_out(ctx, service.get_schedule(ctx, schedule), since or ctx.now(), until)


@router.get("/schedules/{schedule}/gaps", response_model=list[GapOut],
            summary="When nobody is on call within a range")
def coverage_gaps(ctx: Ctx, schedule: ScheduleKey, since: Since = None, until: Until = None) -> list[GapOut]:
    return gaps_out(ctx, service.gaps(ctx, service.get_schedule(ctx, schedule), since or ctx.now(), until))


@router.get("/oncall", response_model=list[OnCallOut], summary="Who is on call on every schedule")
def on_call_everywhere(ctx: Ctx, at: At = None) -> list[OnCallOut]:
    return [on_call_out(schedule, answer) for schedule, answer in service.on_call_everywhere(ctx, at)]


# --- calendar feeds -----------------------------------------------------------------------------------

@router.post("/calendar-feeds", status_code=201, response_model=FeedCreated,
             summary="A secret iCalendar URL of a schedule, or of a person across schedules (shown once)")
def create_feed(ctx: Ctx, body: FeedIn) -> FeedCreated:
    feed, plaintext = ical.create_feed(ctx, body)
    return feed_created(ctx, feed, plaintext, ical.feed_path(feed, plaintext))


@router.get("/calendar-feeds", response_model=list[FeedOut],
            summary="Schedule feeds, and your own person feeds (admins: everyone's)")
def list_feeds(ctx: Ctx) -> list[FeedOut]:
    return [feed_out(feed) for feed in ical.list_feeds(ctx)]


@router.delete("/calendar-feeds/{feed_id}", response_model=FeedOut, summary="Revoke a feed: its URL stops working")
def revoke_feed(ctx: Ctx, feed_id: int) -> FeedOut:
    return feed_out(ical.revoke_feed(ctx, feed_id))


def _serve_feed(request: Request, kind: str, token: str) -> Response:
    runtime = get_runtime(request)
    with runtime.db.read_session() as session:
        ctx = runtime.system_context(session)
        feed = ical.find_feed(ctx, kind, token)
        if feed is None:
            # The same answer for unknown and revoked: the URL says nothing about what once was.
            return Response("No such calendar feed.\n", status_code=404, media_type="text/plain; charset=utf-8")
        body = ical.feed_calendar(ctx, feed)
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"})


@feeds_router.get("/ical/schedules/{token}.ics", response_class=Response,
                  responses={200: {"content": {"text/calendar": {}}}, 404: {"description": "Unknown or revoked"}},
                  summary="A schedule's on-call calendar (no bearer token: the secret URL is the key)")
def schedule_feed(request: Request, token: str) -> Response:
    return _serve_feed(request, "schedules", token)


@feeds_router.get("/ical/users/{token}.ics", response_class=Response,
                  responses={200: {"content": {"text/calendar": {}}}, 404: {"description": "Unknown or revoked"}},
                  summary="A person's on-call calendar across schedules (the secret URL is the key)")
def user_feed(request: Request, token: str) -> Response:
    return _serve_feed(request, "users", token)
