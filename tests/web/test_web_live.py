"""The live timeline over a real HTTP connection: Server-Sent Events from a uvicorn server."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from warroom.incidents import service, timeline


def _declare(person, **fields) -> str:
    r = person.client.post("/api/v1/incidents", json={"title": "Checkout is down", "severity": "SEV2", **fields})
    assert r.status_code == 201, r.text
    return r.json()["ref"]


class Stream:
    """Reads an SSE stream in a thread, collecting (id, event, data) messages."""

    def __init__(self, url: str, cookie: str, headers: dict | None = None) -> None:
        self.messages: list[tuple[str, str, str]] = []
        self.status: int | None = None
        self.connected = threading.Event()  # the response began: the stream knows where it starts
        self.arrived = threading.Condition()
        self.connected = threading.Event()  # headers received: the stream's starting point is fixed
        self.client = httpx.Client(cookies={"warroom_session": cookie}, timeout=httpx.Timeout(10, read=30))
        self.thread = threading.Thread(target=self._read, args=(url, headers or {}), daemon=True)
        self.thread.start()

    def _read(self, url: str, headers: dict) -> None:
        try:
            with self.client.stream("GET", url, headers=headers) as response:
                self.status = response.status_code
                self.connected.set()
                self.connected.set()
                fields: dict[str, str] = {}
                for line in response.iter_lines():
                    if line == "":
                        if "event" in fields:
                            with self.arrived:
                                self.messages.append((fields.get("id", ""), fields["event"], fields.get("data", "")))
                                self.arrived.notify_all()
                        fields = {}
                    elif not line.startswith(":"):
                        name, _, value = line.partition(": ")
                        fields[name] = fields[name] + "\n" + value if name in fields else value
                with self.arrived:
                    self.arrived.notify_all()
        except httpx.HTTPError:
            pass

    def wait_connected(self) -> None:
        assert self.connected.wait(10), "the stream did not answer"

    def wait_for(self, count: int, timeout: float) -> list[tuple[str, str, str]]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.messages) >= count, timeout)
            return list(self.messages)

    def close(self) -> None:
        self.client.close()


@pytest.fixture
def streams():
    opened = []
    yield lambda *a, **k: opened.append(Stream(*a, **k)) or opened[-1]
    for s in opened:
        s.close()


def _note(world, person, ref: str, body: str) -> int:
    with world.runtime.db.write_session() as session:
        ctx = world.runtime.context(session, session.get(type(person.user), person.user.id))
        return timeline.add_note(ctx, service.get_incident(ctx, ref), body).id


def test_a_note_from_someone_else_arrives_within_two_seconds(world, web, responder, server_url, streams):
    ref = _declare(responder)
    viewer_cookie = web.browser(world.person("vera", "viewer")).session_cookie
    stream = streams(f"{server_url}/incidents/{ref}/live", viewer_cookie)
    assert stream.connected.wait(10)
    started = time.monotonic()
    event_id = _note(world, responder, ref, "Rolled back the deploy")
    [(message_id, kind, data)] = stream.wait_for(1, timeout=2.0)
    assert time.monotonic() - started < 2.0
    assert stream.status == 200
    assert (message_id, kind) == (str(event_id), "timeline")
    assert data.startswith(f'<li class="event event-note" id="event-{event_id}"') and "Rolled back the deploy" in data
    assert "<form" not in data  # rendered for the viewer: no star button


def test_resume_with_last_event_id_sends_what_was_missed_and_nothing_twice(world, web, responder, server_url,
                                                                           streams):
    ref = _declare(responder)
    cookie = web.browser(responder).session_cookie
    seen = _note(world, responder, ref, "one")
    missed = [_note(world, responder, ref, "two"), _note(world, responder, ref, "three")]
    stream = streams(f"{server_url}/incidents/{ref}/live", cookie, headers={"Last-Event-ID": str(seen)})
    assert stream.connected.wait(10)
    messages = stream.wait_for(2, timeout=2.0)
    assert [int(m[0]) for m in messages] == missed
    assert 'name="starred"' in messages[0][2]  # a responder gets the star button
    time.sleep(1.2)
    assert len(stream.messages) == 2


def _star(world, person, ref: str, event_id: int, starred: bool) -> None:
    with world.runtime.db.write_session() as session:
        ctx = world.runtime.context(session, session.get(type(person.user), person.user.id))
        timeline.set_starred(ctx, service.get_incident(ctx, ref), event_id, starred)


def test_a_star_set_by_someone_else_arrives_as_the_event_re_rendered(world, web, responder, server_url,
                                                                     streams):
    ref = _declare(responder)
    on_page = _note(world, responder, ref, "Paged the database team")
    stream = streams(f"{server_url}/incidents/{ref}/live", web.browser(responder).session_cookie)
    stream.wait_connected()
    sam = world.person("sam")
    _star(world, sam, ref, on_page, True)
    # PostgreSQL wakes streams only for new events: a star waits for the next check (5 s there).
    [(message_id, kind, data)] = stream.wait_for(1, timeout=7.0)
    assert (message_id, kind) == ("", "starred")
    assert f'id="event-{on_page}"' in data and "is-starred" in data and 'name="starred" value="0"' in data
    _star(world, sam, ref, on_page, False)
    messages = stream.wait_for(2, timeout=7.0)
    assert messages[1][1] == "starred" and "is-starred" not in messages[1][2]
    # A new note is still a timeline event, and resuming from it would start after it.
    new = _note(world, responder, ref, "Back to normal")
    assert stream.wait_for(3, timeout=3.0)[2][:2] == (str(new), "timeline")


def test_outsiders_get_404_and_strangers_are_sent_to_sign_in(world, web, responder, server_url):
    ref = _declare(responder, visibility="restricted")
    outsider = web.browser(world.person("otto")).session_cookie
    with httpx.Client(cookies={"warroom_session": outsider}) as client:
        assert client.get(f"{server_url}/incidents/{ref}/live").status_code == 404
    with httpx.Client() as client:
        r = client.get(f"{server_url}/incidents/{ref}/live", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/signin")


def test_the_stream_ends_when_the_session_is_signed_out(world, web, responder, server_url, streams, monkeypatch):
    from warroom.web import live as live_page

    monkeypatch.setattr(live_page, "RECHECK_SESSION_SECONDS", 0.0)
    ref = _declare(responder)
    browser = web.browser(responder)
    stream = streams(f"{server_url}/incidents/{ref}/live", browser.session_cookie)
    assert stream.connected.wait(10)
    assert browser.post("/signout", {"csrf_token": browser.csrf()}).status_code == 303
    messages = stream.wait_for(1, timeout=8.0)  # the next check: 0.5 s on SQLite, 5 s on PostgreSQL
    assert messages and messages[-1][1] == "signed-out"
    stream.thread.join(3)
    assert not stream.thread.is_alive()
