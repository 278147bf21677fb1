"""Domain objects -> API shapes, for the API and, later, the web pages."""

from __future__ import annotations

from datetime import datetime

from warroom.core.context import Context
from warroom.oncall import rotation, service
from warroom.oncall.models import FeedToken, Schedule, ScheduleLayer
from warroom.oncall.schemas import (FeedCreated, FeedOut, FinalOut, GapOut, LayerOut, OnCallOut, RestrictionOut,
                                    ScheduleOut, SpanOut)
from warroom.users.models import User
from warroom.users.schemas import UserRef


def layer_out(layer: ScheduleLayer) -> LayerOut:
    return LayerOut(id=layer.id, position=layer.position, name=layer.name,
                    users=[UserRef.model_validate(m.user) for m in layer.members],
                    shift_length=layer.shift_length, shift_unit=layer.shift_unit,
                    start=layer.rotation_start.isoformat(timespec="minutes"), handoff=service.handoff_text(layer),
                    restrictions=[RestrictionOut(**item) for item in layer.restrictions],
                    deactivated_users=[UserRef.model_validate(u) for u in service.deactivated_members(layer)])


def schedule_out(schedule: Schedule) -> ScheduleOut:
    return ScheduleOut(id=schedule.id, name=schedule.name, timezone=schedule.timezone,
                       description=schedule.description, layers=[layer_out(layer) for layer in schedule.layers],
                       created_at=schedule.created_at, updated_at=schedule.updated_at)


def _people(ctx: Context, ids: set[int]) -> dict[int, UserRef]:
    return {user_id: UserRef.model_validate(ctx.db.get(User, user_id)) for user_id in ids}


def span_out(span: rotation.Span, person: UserRef) -> SpanOut:
    return SpanOut(start=span.start, end=span.end, user=person, source=span.source,
                   layer_id=span.source_id if span.source == "layer" else None,
                   override_id=span.source_id if span.source == "override" else None)


def gaps_out(ctx: Context, gaps: list[rotation.Gap]) -> list[GapOut]:
    people = _people(ctx, {gap.user_id for gap in gaps if gap.user_id is not None})
    return [GapOut(start=gap.start, end=gap.end, skipped_user=people.get(gap.user_id) if gap.user_id else None,
                   layer_id=gap.source_id if gap.source == "layer" else None,
                   override_id=gap.source_id if gap.source == "override" else None) for gap in gaps]


def final_out(ctx: Context, schedule: Schedule, start: datetime, end: datetime | None) -> FinalOut:
    start, end = service.check_range(start, end)
    spans, gaps = service.coverage(ctx, schedule, start, end)
    people = _people(ctx, {span.user_id for span in spans})
    return FinalOut(schedule=schedule.name, timezone=schedule.timezone, since=start, until=end,
                    spans=[span_out(span, people[span.user_id]) for span in spans], gaps=gaps_out(ctx, gaps))


def on_call_out(schedule: Schedule, answer: service.Answer) -> OnCallOut:
    source = answer.on_call.source if answer.on_call else None
    return OnCallOut(schedule=schedule.name, timezone=schedule.timezone, at=answer.at,
                     user=UserRef.model_validate(answer.user) if answer.user else None, source=source,
                     layer_id=answer.on_call.source_id if source == "layer" else None,
                     override_id=answer.on_call.source_id if source == "override" else None,
                     since=answer.since, until=answer.until,
                     skipped_user=UserRef.model_validate(answer.skipped) if answer.skipped else None)


def feed_out(feed: FeedToken) -> FeedOut:
    return FeedOut(id=feed.id, kind="schedule" if feed.schedule_id is not None else "user",
                   schedule=feed.schedule.name if feed.schedule else None,
                   user=UserRef.model_validate(feed.user) if feed.user else None, prefix=feed.prefix,
                   created_at=feed.created_at, revoked_at=feed.revoked_at)


def feed_created(ctx: Context, feed: FeedToken, plaintext: str, path: str) -> FeedCreated:
    return FeedCreated(**feed_out(feed).model_dump(), url=ctx.base_url.rstrip("/") + path, token=plaintext)
