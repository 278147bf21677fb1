"""iCalendar feeds of on-call schedules: secret URLs shown once and stored hashed, public (no bearer
token) but 404 when unknown or revoked; the calendars parsed back with `icalendar` hold one event per
final-schedule span in UTC, with UIDs that stay the same from one fetch to the next."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from apihelpers import assert_error, ts
from icalendar import Calendar
from sqlalchemy import select

from warroom.oncall.models import FeedToken
from warroom.users import service as users

API = "/api/v1"


@pytest.fixture
def schedules(world, admin, responder):
    """`primary` (Berlin, daily Rita/Sam at 09:00) and `secondary` (UTC, weekly Sam/Ada)."""
    sam = world.person("sam")
    c = admin.client
    c.post(f"{API}/schedules", json={"name": "primary", "timezone": "Europe/Berlin"})
    c.post(f"{API}/schedules/primary/layers", json={"users": ["rita", "sam"], "shift_length": 1,
                                                     "shift_unit": "days", "start": "2026-03-02T09:00"})
    c.post(f"{API}/schedules", json={"name": "secondary", "timezone": "UTC"})
    c.post(f"{API}/schedules/secondary/layers", json={"users": ["sam", "ada"], "shift_length": 1,
                                                       "shift_unit": "weeks", "start": "2026-03-02T00:00"})
    return sam


def events(response) -> list:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content).walk("VEVENT")


def local_path(url: str) -> str:
    return urlsplit(url).path


def test_a_schedule_feed_has_one_utc_event_per_span_with_stable_uids(world, schedules, responder, clock):
    created = responder.client.post(f"{API}/calendar-feeds", json={"schedule": "primary"})
    assert created.status_code == 201, created.text
    feed = created.json()
    assert feed["url"].startswith("http://") and feed["url"].endswith(f"/ical/schedules/{feed['token']}.ics")
    assert feed["kind"] == "schedule" and feed["token"].startswith(feed["prefix"])
    # Stored hashed; the list never shows the secret again.
    with world.runtime.db.read_session() as session:
        stored = session.scalar(select(FeedToken.token_hash).where(FeedToken.id == feed["id"]))
    assert stored == hashlib.sha256(feed["token"].encode()).hexdigest()
    assert "token" not in responder.client.get(f"{API}/calendar-feeds").json()[0]

    path = local_path(feed["url"])
    found = events(world.anonymous.get(path))
    final = responder.client.get(f"{API}/schedules/primary/final", params={
        "since": "2026-02-23T00:00:00Z", "until": (clock.now() + timedelta(weeks=12)).isoformat()}).json()
    assert [(e.decoded("dtstart"), e.decoded("dtend")) for e in found] == [
        (ts(s["start"]), ts(s["end"])) for s in final["spans"]]
    assert all(e[name].to_ical().endswith(b"Z") for e in found for name in ("dtstart", "dtend"))
    assert b"DTSTART:20260302T080000Z" in world.anonymous.get(path).content  # 09:00 in Berlin, written in UTC
    assert str(found[0]["summary"]) == "On call: Rita (primary)"
    # The same events under the same UIDs an hour later; a calendar app updates rather than duplicates.
    first_uids = [str(e["uid"]) for e in found]
    assert len(set(first_uids)) == len(first_uids)
    clock.advance(hours=1)
    assert [str(e["uid"]) for e in events(world.anonymous.get(path))] == first_uids


def test_a_person_feed_holds_their_shifts_across_schedules(world, schedules, responder, admin):
    sam = schedules
    mine = sam.client.post(f"{API}/calendar-feeds", json={"user": "me"}).json()
    assert mine["kind"] == "user" and mine["url"].endswith(f"/ical/users/{mine['token']}.ics")
    found = events(world.anonymous.get(local_path(mine["url"])))
    summaries = {str(e["summary"]) for e in found}
    assert summaries == {"On call: primary", "On call: secondary"}
    assert all("Sam" in str(e["description"]) for e in found)
    # Not someone else's, unless an admin makes it.
    assert_error(sam.client.post(f"{API}/calendar-feeds", json={"user": "rita"}), 403, "forbidden")
    ritas = admin.client.post(f"{API}/calendar-feeds", json={"user": "rita"})
    assert ritas.status_code == 201 and ritas.json()["user"]["handle"] == "rita"
    # People see schedule feeds and their own.
    assert {(f["kind"], f["user"]["handle"] if f["user"] else None)
            for f in sam.client.get(f"{API}/calendar-feeds").json()} == {("user", "sam")}
    assert len(admin.client.get(f"{API}/calendar-feeds").json()) == 2


def test_unknown_revoked_and_misplaced_secrets_are_404(world, schedules, responder, viewer):
    feed = responder.client.post(f"{API}/calendar-feeds", json={"schedule": "primary"}).json()
    path = local_path(feed["url"])
    assert world.anonymous.get(path).status_code == 200
    assert world.anonymous.get("/ical/schedules/wrcal_not-a-real-secret.ics").status_code == 404
    assert world.anonymous.get(path.replace("/schedules/", "/users/")).status_code == 404
    assert_error(viewer.client.post(f"{API}/calendar-feeds", json={"schedule": "primary"}), 403, "forbidden")
    revoked = responder.client.delete(f"{API}/calendar-feeds/{feed['id']}")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    gone = world.anonymous.get(path)
    assert gone.status_code == 404 and "BEGIN:VCALENDAR" not in gone.text


def test_a_person_feed_stops_when_they_are_deactivated_and_a_schedule_feed_when_it_is_deleted(
        world, schedules, admin, responder):
    person = responder.client.post(f"{API}/calendar-feeds", json={"user": "me"}).json()
    schedule = responder.client.post(f"{API}/calendar-feeds", json={"schedule": "secondary"}).json()
    with world.runtime.db.write_session() as session:
        users.set_active(world.runtime.system_context(session), users.find_user(session, "rita"), False)
    assert world.anonymous.get(local_path(person["url"])).status_code == 404
    assert world.anonymous.get(local_path(schedule["url"])).status_code == 200
    assert admin.client.delete(f"{API}/schedules/secondary").status_code == 200
    assert world.anonymous.get(local_path(schedule["url"])).status_code == 404
