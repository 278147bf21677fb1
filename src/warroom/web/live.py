"""GET /incidents/{ref}/live: the room's timeline as Server-Sent Events.

Each new event is one `event: timeline` message whose data is the event's HTML, rendered with the
same `_event.html` as the page, for the viewer (their timezone, their star buttons). `id:` is the
event id, so a reconnecting browser resumes with Last-Event-ID. An event starred or unstarred by
someone is sent again as `event: starred` (no id), for the page to replace in place. The stream
holds no database connection while it waits: each check is a short read session. It ends when the
browser goes away, the sign-in session ends, or the server shuts down (`warroom serve` gives open
streams 3 s, then closes them).
"""

from __future__ import annotations

import asyncio
import time
from typing import NamedTuple

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from warroom.incidents import live, service
from warroom.incidents.models import TimelineEvent
from warroom.users import websessions
from warroom.web import auth
from warroom.web.auth import SignedIn
from warroom.incidents.wording import describe
from warroom.web.rendering import base_context, templates

router = APIRouter(include_in_schema=False)
HEARTBEAT_SECONDS = 15.0
RECHECK_SESSION_SECONDS = 60.0


def hub_of(request: Request) -> live.Hub:
    state = request.app.state
    if getattr(state, "live_hub", None) is None:
        runtime = auth.runtime_of(request)
        state.live_hub = live.Hub(runtime.settings.database_url, runtime.db.dialect)
        state.live_hub.start()
    return state.live_hub


class Found(NamedTuple):
    events: list[tuple[int, str]]  # new timeline events: (id, HTML)
    restarred: list[tuple[int, str]]  # events starred or unstarred since the last check, re-rendered
    starred: set[int]  # the starred ids now, for the next comparison


def sse(event: str, event_id: int | None, data: str) -> str:
    lines = "".join(f"data: {line}\n" for line in data.splitlines() or [""])
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\n{lines}\n"


def render_event(context: dict, incident, event: TimelineEvent) -> str:
    """One event's HTML as the room shows it, for the viewer whose `base_context` this is."""
    return templates.get_template("_event.html").render(
        {**context, "event": event, "incident": incident, "describe": describe})


def _start_after(request: Request) -> int:
    for value in (request.headers.get("last-event-id"), request.query_params.get("after")):
        if value and value.isdigit():
            return int(value)
    return 0


@router.get("/incidents/{ref}/live")
def live_timeline(request: Request, ref: str, page: SignedIn) -> StreamingResponse:
    incident = service.get_incident(page.ctx, ref)  # 404 for what the viewer may not see
    incident_id, user_id, csrf_token = incident.id, page.user.id, page.csrf_token
    cookie = request.cookies.get(auth.SESSION_COOKIE)
    runtime = auth.runtime_of(request)
    hub = hub_of(request)
    after = _start_after(request) or live.last_event_id(page.ctx.db, incident_id)
    starred_at_start = live.starred_ids(page.ctx.db, incident_id)

    def fetch(floor: int, sent: set[int], starred: set[int], check_session: bool) -> Found | None:
        with runtime.db.read_session() as db:
            if check_session and websessions.find_session(db, runtime.clock, cookie) is None:
                return None
            new = live.events_since(db, incident_id, after, floor, sent, runtime.clock.now())
            now_starred = live.starred_ids(db, incident_id)
            # Stars changed since the last check (a new event already carries its star).
            flipped = sorted((starred ^ now_starred) - {e.id for e in new})
            if not new and not flipped:  # the usual poll: nothing to render
                return Found([], [], now_starred)
            ctx = runtime.context(db, db.get(type(page.user), user_id))
            current = service.get_incident(ctx, incident_id)
            context = base_context(runtime, ctx.actor, csrf_token)
            flipped_events = [db.get(TimelineEvent, event_id) for event_id in flipped]
            return Found([(e.id, render_event(context, current, e)) for e in new],
                         [(e.id, render_event(context, current, e)) for e in flipped_events if e is not None],
                         now_starred)

    async def stream():
        wake = hub.subscribe(incident_id)
        floor, sent, starred = after, set(), starred_at_start
        beat = checked = time.monotonic()
        try:
            yield "retry: 2000\n\n"
            while not await request.is_disconnected():
                recheck = time.monotonic() - checked > RECHECK_SESSION_SECONDS
                found = await anyio.to_thread.run_sync(fetch, floor, sent, starred, recheck)
                if found is None:
                    yield "event: signed-out\ndata: \n\n"
                    return
                checked = time.monotonic() if recheck else checked
                for event_id, html in found.events:
                    yield sse("timeline", event_id, html)
                    sent.add(event_id)
                    floor = max(floor, event_id)
                for _event_id, html in found.restarred:
                    # No `id:` line: Last-Event-ID stays the last timeline event sent.
                    yield sse("starred", None, html)
                starred = found.starred
                if len(sent) > 2000:
                    sent = {i for i in sent if i > floor - 500}
                try:
                    await asyncio.wait_for(wake.wait(), timeout=hub.poll_seconds)
                except TimeoutError:
                    pass
                wake.clear()
                if time.monotonic() - beat > HEARTBEAT_SECONDS:
                    beat = time.monotonic()
                    yield ": keep-alive\n\n"
        finally:
            hub.unsubscribe(incident_id, wake)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
