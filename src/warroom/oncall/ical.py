"""iCalendar feeds of the final schedule: one per schedule, and one per person across schedules.

A feed is read by calendar apps that cannot send a bearer token, so its URL holds the key: a random
secret shown once when the feed is made, stored only as a SHA-256 (as API tokens are), and revocable.
A person may make feeds of themselves (admins of anyone); writers make schedule feeds.

Each span of the final schedule from a week ago to FEED_WEEKS ahead is one VEVENT with DTSTART and
DTEND in UTC, so every calendar shows it in its own zone. UIDs are made of what the span is (the
schedule, the layer or override, the person and the start), so a calendar app updates an event
instead of duplicating it when the feed is fetched again; the window starts at a UTC midnight so
that only events already a week old change when it moves.
"""

from __future__ import annotations

import secrets
from datetime import datetime, time, timedelta
from urllib.parse import urlsplit

from icalendar import Calendar, Event
from sqlalchemy import or_, select

from warroom import __version__
from warroom.core.context import Context
from warroom.core.errors import Invalid, NotFound
from warroom.oncall import rotation, service
from warroom.oncall.models import FeedToken, Schedule, ScheduleLayer
from warroom.oncall.schemas import FeedIn
from warroom.users.models import User
from warroom.users.service import find_user, hash_token, require_admin, require_writer

FEED_PREFIX = "wrcal_"
FEED_WEEKS = 12
FEED_PAST = timedelta(days=7)


# --- tokens -------------------------------------------------------------------------------------------

def feed_path(feed: FeedToken, plaintext: str) -> str:
    kind = "schedules" if feed.schedule_id is not None else "users"
    return f"/ical/{kind}/{plaintext}.ics"


def create_feed(ctx: Context, body: FeedIn) -> tuple[FeedToken, str]:
    """A new feed and its secret, which is never stored and shown only now."""
    require_writer(ctx)
    if (body.schedule is None) == (body.user is None):
        raise Invalid("give either schedule or user", field="schedule")
    feed = FeedToken(created_at=ctx.now(), created_by_id=ctx.actor.id if ctx.actor else None)
    if body.schedule is not None:
        feed.schedule_id = service.get_schedule(ctx, body.schedule, missing=Invalid).id
    else:
        me = str(body.user).strip().lower() == "me" and ctx.actor is not None
        user = ctx.actor if me else find_user(ctx.db, body.user, field="user", missing=Invalid)
        if ctx.actor is not None and user.id != ctx.actor.id:
            require_admin(ctx)
        feed.user_id = user.id
    plaintext = FEED_PREFIX + secrets.token_urlsafe(32)
    feed.token_hash, feed.prefix = hash_token(plaintext), plaintext[:12]
    ctx.db.add(feed)
    ctx.db.flush()
    return feed, plaintext


def _visible(ctx: Context):
    """Schedule feeds are everyone's business; a person's feeds are theirs (and admins')."""
    query = select(FeedToken)
    if ctx.actor is not None and not ctx.actor.is_admin:
        query = query.where(or_(FeedToken.schedule_id.is_not(None), FeedToken.user_id == ctx.actor.id))
    return query


def list_feeds(ctx: Context) -> list[FeedToken]:
    return list(ctx.db.scalars(_visible(ctx).order_by(FeedToken.id)))


def live_feeds(ctx: Context, *, schedule: Schedule | None = None, user: User | None = None) -> list[FeedToken]:
    """The feeds not revoked of one schedule, or of one person (theirs to see, or an admin's)."""
    query = _visible(ctx).where(FeedToken.revoked_at.is_(None))
    if schedule is not None:
        query = query.where(FeedToken.schedule_id == schedule.id)
    if user is not None:
        query = query.where(FeedToken.user_id == user.id)
    return list(ctx.db.scalars(query.order_by(FeedToken.id)))


def get_feed(ctx: Context, feed_id: int) -> FeedToken:
    """A feed the actor may see (another person's is reported as missing)."""
    feed = ctx.db.scalar(_visible(ctx).where(FeedToken.id == feed_id))
    if feed is None:
        raise NotFound(f"no such calendar feed: {feed_id}", field="feed")
    return feed


def revoke_feed(ctx: Context, feed_id: int, *, schedule: Schedule | None = None,
                user: User | None = None) -> FeedToken:
    """Revoke a feed (again: nothing changes); with `schedule` or `user`, only a feed of that one."""
    require_writer(ctx)
    feed = get_feed(ctx, feed_id)
    if (schedule is not None and feed.schedule_id != schedule.id) or (user is not None and feed.user_id != user.id):
        raise NotFound(f"no such calendar feed: {feed_id}", field="feed")
    if feed.revoked_at is None:
        feed.revoked_at = ctx.now()
        ctx.db.flush()
    return feed


def find_feed(ctx: Context, kind: str, plaintext: str) -> FeedToken | None:
    """The live feed the secret opens, or None (unknown, revoked, or its person deactivated)."""
    feed = ctx.db.scalar(select(FeedToken).where(FeedToken.token_hash == hash_token(plaintext)))
    if feed is None or feed.revoked_at is not None:
        return None
    if (kind == "schedules") != (feed.schedule_id is not None):
        return None
    if feed.user is not None and feed.user.deactivated_at is not None:
        return None
    return feed


# --- calendars ----------------------------------------------------------------------------------------

def feed_window(ctx: Context) -> tuple[datetime, datetime]:
    start = datetime.combine((ctx.now() - FEED_PAST).date(), time(), tzinfo=rotation.UTC)
    return start, ctx.now() + timedelta(weeks=FEED_WEEKS)


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", f"-//Warroom {__version__}//On-call//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    return calendar


def _event(ctx: Context, schedule: Schedule, span: rotation.Span, person: User, summary: str) -> Event:
    host = urlsplit(ctx.base_url).hostname or "warroom"
    layers = {layer.id: layer for layer in schedule.layers}
    if span.source == "override":
        why = "an override"
    else:
        layer: ScheduleLayer | None = layers.get(span.source_id)
        why = f"layer {layer.name or layer.position}" if layer else "a layer"
    event = Event()
    event.add("uid", f"oncall-{schedule.id}-{span.source}-{span.source_id}-{span.user_id}-"
                     f"{int(span.start.timestamp())}@{host}")
    event.add("dtstamp", ctx.now())
    event.add("dtstart", span.start)
    event.add("dtend", span.end)
    event.add("summary", summary)
    event.add("description", f"{person.name} ({person.email}) is on call for {schedule.name} through {why}. "
                             f"Schedule times are kept in {schedule.timezone}.")
    event.add("transp", "TRANSPARENT")
    return event


def schedule_calendar(ctx: Context, schedule: Schedule) -> bytes:
    start, end = feed_window(ctx)
    calendar = _calendar(f"On call: {schedule.name}")
    people: dict[int, User | None] = {}
    for span in service.final_schedule(ctx, schedule, start, end):
        person = people.setdefault(span.user_id, ctx.db.get(User, span.user_id))
        if person is not None:
            calendar.add_component(_event(ctx, schedule, span, person, f"On call: {person.name} ({schedule.name})"))
    return calendar.to_ical()


def user_calendar(ctx: Context, user: User) -> bytes:
    start, end = feed_window(ctx)
    calendar = _calendar(f"On call: {user.name}")
    for schedule in service.list_schedules(ctx):
        for span in service.final_schedule(ctx, schedule, start, end):
            if span.user_id == user.id:
                calendar.add_component(_event(ctx, schedule, span, user, f"On call: {schedule.name}"))
    return calendar.to_ical()


def feed_calendar(ctx: Context, feed: FeedToken) -> bytes:
    if feed.schedule is not None:
        return schedule_calendar(ctx, feed.schedule)
    if feed.user is None:
        raise NotFound("no such feed", field="feed")
    return user_calendar(ctx, feed.user)
