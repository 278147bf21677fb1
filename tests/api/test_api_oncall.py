"""On-call schedules through the REST API: schedules, layers and overrides with strict validation and
no half-writes, who is on call now (the test clock moving), the final schedule across DST, and people
in other timezones seeing the same UTC spans."""

from __future__ import annotations

from datetime import timedelta

import pytest
from apihelpers import assert_error, ts

from warroom.users import service as users

API = "/api/v1"
WEEKLY = {"users": ["rita", "sam"], "shift_length": 1, "shift_unit": "weeks", "start": "2026-03-02T09:00",
          "handoff": "mon 09:00"}


@pytest.fixture
def team(world, admin, responder):
    """Ada (admin), Rita and Sam (responders), and schedule `primary` in Europe/Berlin."""
    sam = world.person("sam")
    r = admin.client.post(f"{API}/schedules", json={"name": "primary", "timezone": "Europe/Berlin",
                                                     "description": "Payments, first line"})
    assert r.status_code == 201, r.text
    return sam


def _state(admin) -> tuple:
    c = admin.client
    return (c.get(f"{API}/schedules").json(), c.get(f"{API}/schedules/primary/overrides",
                                                      params={"since": "2000-01-01T00:00:00Z"}).json())


def test_create_read_update_and_delete_a_schedule_with_layers(team, admin, responder):
    c = responder.client
    layer = c.post(f"{API}/schedules/primary/layers", json={**WEEKLY, "name": "Weekly"})
    assert layer.status_code == 201, layer.text
    body = layer.json()
    assert (body["position"], body["handoff"], body["start"]) == (1, "mon 09:00", "2026-03-02T09:00")
    assert [u["handle"] for u in body["users"]] == ["rita", "sam"]
    office = c.post(f"{API}/schedules/primary/layers", json={
        "users": ["ada"], "shift_length": 1, "shift_unit": "days", "start": "2026-03-02", "handoff": "09:00",
        "restrictions": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"},
                         {"days": ["sat"], "start": "22:00", "end": "00:00"}]}).json()
    assert office["position"] == 2 and office["restrictions"][1] == {"days": ["sat"], "start": "22:00", "end": "24:00"}
    schedule = c.get(f"{API}/schedules/primary").json()
    assert c.get(f"{API}/schedules/{schedule['id']}").json() == schedule
    assert [layer["name"] for layer in schedule["layers"]] == ["Weekly", ""]
    moved = c.put(f"{API}/schedules/primary/layers/{body['id']}", json={**WEEKLY, "name": "Weekly", "position": 2})
    assert moved.status_code == 200 and moved.json()["position"] == 2
    assert [layer["id"] for layer in c.get(f"{API}/schedules/primary").json()["layers"]] == [office["id"], body["id"]]
    renamed = c.patch(f"{API}/schedules/primary", json={"name": "payments", "timezone": "America/New_York"})
    assert renamed.status_code == 200 and renamed.json()["timezone"] == "America/New_York"
    assert c.delete(f"{API}/schedules/payments/layers/{office['id']}").json()["id"] == office["id"]
    assert_error(c.delete(f"{API}/schedules/payments"), 403, "forbidden")  # deleting a schedule: admins
    gone = admin.client.delete(f"{API}/schedules/payments")
    assert gone.status_code == 200 and [layer["id"] for layer in gone.json()["layers"]] == [body["id"]]
    assert_error(c.get(f"{API}/schedules/payments"), 404, "not_found", "schedule")


BAD_INPUT = [
    ("POST", "/schedules", {"name": "other", "timezone": "Mars/Olympus"}, "timezone"),
    ("POST", "/schedules", {"name": "other", "timezone": 1}, "timezone"),
    ("POST", "/schedules", {"name": "Other Schedule", "timezone": "UTC"}, "name"),
    ("POST", "/schedules", {"name": "other", "timezone": "UTC", "colour": "red"}, "colour"),
    ("PATCH", "/schedules/primary", {"timezone": "Europe/Berlinn"}, "timezone"),
    ("POST", "/schedules/primary/layers", {**WEEKLY, "start": "2026-03-02T09:00:00+01:00"}, "start"),
    ("POST", "/schedules/primary/layers", {**WEEKLY, "start": 1767225600}, "start"),
    ("POST", "/schedules/primary/layers", {**WEEKLY, "start": "next monday"}, "start"),
    ("POST", "/schedules/primary/layers", {**WEEKLY, "handoff": "monday at nine"}, "handoff"),
    ("POST", "/schedules/primary/layers", {**WEEKLY, "shift_unit": "days"}, "handoff"),
    ("POST", "/schedules/primary/layers", {**WEEKLY, "shift_unit": "months"}, "shift_unit"),
    ("POST", "/schedules/primary/layers", {**WEEKLY, "shift_length": "1"}, "shift_length"),
    ("POST", "/schedules/primary/layers", {**WEEKLY, "shift_length": 0}, "shift_length"),
    ("POST", "/schedules/primary/layers", {**WEEKLY, "users": []}, "users"),
    ("POST", "/schedules/primary/layers", {**WEEKLY, "users": ["rita", "nobody"]}, "users.1"),
    ("POST", "/schedules/primary/layers", {**WEEKLY, "users": ["victor"]}, "users.0"),
    ("POST", "/schedules/primary/layers", {**WEEKLY, "restrictions": [{"start": "9:00", "end": "17:00"}]},
     "restrictions.0.start"),
    ("POST", "/schedules/primary/layers", {**WEEKLY, "restrictions": [{"start": "09:00", "end": "25:00"}]},
     "restrictions.0.end"),
    ("POST", "/schedules/primary/layers", {**WEEKLY, "restrictions": [
        {"days": ["mon", "funday"], "start": "09:00", "end": "17:00"}]}, "restrictions.0.days.1"),
    ("POST", "/schedules/primary/layers", {**WEEKLY, "restrictions": [{"days": [], "start": "09:00",
                                                                       "end": "17:00"}]}, "restrictions.0.days"),
    ("POST", "/schedules/primary/overrides", {"user": "sam", "starts_at": "2026-03-02T12:00:00",
                                              "ends_at": "2026-03-02T14:00:00Z"}, "starts_at"),
    ("POST", "/schedules/primary/overrides", {"user": "sam", "starts_at": "2026-03-02T14:00:00Z",
                                              "ends_at": "2026-03-02T12:00:00Z"}, "ends_at"),
    ("POST", "/schedules/primary/overrides", {"user": "sam", "starts_at": "2026-03-01T08:00:00Z",
                                              "ends_at": "2026-03-01T09:00:00Z"}, "ends_at"),
    ("POST", "/schedules/primary/overrides", {"user": "victor", "starts_at": "2026-03-02T12:00:00Z",
                                              "ends_at": "2026-03-02T14:00:00Z"}, "user"),
    ("POST", "/calendar-feeds", {"schedule": "primary", "user": "me"}, "schedule"),
    ("POST", "/calendar-feeds", {"schedule": "nope"}, "schedule"),
    ("GET", "/schedules/primary/oncall?at=2026-03-02T09:00:00", None, "at"),
    ("GET", "/schedules/primary/final?since=2026-03-02T09:00:00Z&until=2026-03-01T09:00:00Z", None, "until"),
    ("GET", "/schedules/primary/final?since=2026-03-02T09:00:00Z&until=2027-04-01T09:00:00Z", None, "until"),
    ("GET", "/schedules/primary/gaps?since=yesterday", None, "since"),
    ("GET", "/oncall?at=1767225600", None, "at"),
    # The ends of the calendar: refused, not an overflow (a 500).
    ("GET", "/schedules/primary/oncall?at=9999-12-31T23:59:59Z", None, "at"),
    ("GET", "/schedules/primary/final?since=9999-12-25T00:00:00Z", None, "since"),
    ("GET", "/schedules/primary/gaps?since=2026-03-02T00:00:00Z&until=0001-01-01T00:00:00Z", None, "until"),
    ("POST", "/schedules/primary/layers", {**WEEKLY, "start": "0001-01-01T00:00"}, "start"),
    ("POST", "/schedules/primary/overrides", {"user": "sam", "starts_at": "9999-12-31T00:00:00Z",
                                              "ends_at": "9999-12-31T01:00:00Z"}, "starts_at"),
]


def test_bad_input_is_422_naming_the_field_and_changes_nothing(team, admin, viewer):
    # One scene for all the cases (a fresh one each would cost seconds apiece).
    admin.client.post(f"{API}/schedules/primary/layers", json=WEEKLY)
    before = _state(admin)
    for method, path, body, field in BAD_INPUT:
        error = assert_error(admin.client.request(method, API + path, json=body), 422, "invalid", field)
        assert error["message"], (path, body)
        assert _state(admin) == before, (path, body)


def test_missing_things_and_duplicates(team, admin):
    c = admin.client
    assert_error(c.get(f"{API}/schedules/nope/oncall"), 404, "not_found", "schedule")
    assert_error(c.put(f"{API}/schedules/primary/layers/999", json=WEEKLY), 404, "not_found", "layer")
    assert_error(c.delete(f"{API}/schedules/primary/overrides/999"), 404, "not_found", "override")
    assert_error(c.delete(f"{API}/calendar-feeds/999"), 404, "not_found", "feed")
    assert_error(c.post(f"{API}/schedules", json={"name": "primary", "timezone": "UTC"}), 409, "conflict", "name")
    c.post(f"{API}/schedules", json={"name": "second", "timezone": "UTC"})
    assert_error(c.patch(f"{API}/schedules/second", json={"name": "primary"}), 409, "conflict", "name")


def test_who_is_on_call_follows_the_clock_and_overrides(team, admin, responder, clock):
    c = responder.client
    c.post(f"{API}/schedules/primary/layers", json=WEEKLY)
    # T0 is Monday 2026-03-02 10:00 UTC = 11:00 in Berlin: Rita's first week began at 09:00.
    now = c.get(f"{API}/schedules/primary/oncall").json()
    assert now["user"]["handle"] == "rita" and now["source"] == "layer"
    assert (ts(now["since"]), ts(now["until"])) == (clock.now() - timedelta(hours=2), clock.now() + timedelta(days=7, hours=-2))
    clock.advance(days=7)
    assert c.get(f"{API}/schedules/primary/oncall").json()["user"]["handle"] == "sam"
    override = c.post(f"{API}/schedules/primary/overrides", json={
        "user": "ada", "starts_at": clock.now().isoformat(), "ends_at": (clock.now() + timedelta(hours=3)).isoformat()})
    assert override.status_code == 201 and override.json()["created_by"]["handle"] == "rita"
    everywhere = c.get(f"{API}/oncall").json()
    assert [(a["schedule"], a["user"]["handle"], a["source"], a["override_id"]) for a in everywhere] == [
        ("primary", "ada", "override", override.json()["id"])]
    later = (clock.now() + timedelta(hours=3)).isoformat()
    assert c.get(f"{API}/schedules/primary/oncall", params={"at": later}).json()["user"]["handle"] == "sam"
    listed = c.get(f"{API}/schedules/primary/overrides").json()
    assert [o["id"] for o in listed] == [override.json()["id"]]
    clock.advance(hours=4)
    assert c.get(f"{API}/schedules/primary/overrides").json() == []  # over: not listed by default
    assert c.delete(f"{API}/schedules/primary/overrides/{override.json()['id']}").status_code == 200


def test_the_final_schedule_across_spring_forward_and_its_gaps(team, admin):
    c = admin.client
    c.post(f"{API}/schedules/primary/layers", json={"users": ["rita", "sam"], "shift_length": 1,
                                                     "shift_unit": "days", "start": "2026-03-27T09:00"})
    final = c.get(f"{API}/schedules/primary/final", params={"since": "2026-03-27T00:00:00Z",
                                                            "until": "2026-03-31T00:00:00Z"}).json()
    assert final["timezone"] == "Europe/Berlin"
    assert [(s["start"], s["end"], s["user"]["handle"]) for s in final["spans"]] == [
        ("2026-03-27T08:00:00Z", "2026-03-28T08:00:00Z", "rita"),
        ("2026-03-28T08:00:00Z", "2026-03-29T07:00:00Z", "sam"),   # 23 hours: clocks went forward
        ("2026-03-29T07:00:00Z", "2026-03-30T07:00:00Z", "rita"),
        ("2026-03-30T07:00:00Z", "2026-03-31T00:00:00Z", "sam")]
    assert final["gaps"] == [{"start": "2026-03-27T00:00:00Z", "end": "2026-03-27T08:00:00Z", "skipped_user": None,
                              "layer_id": None, "override_id": None}]
    gaps = c.get(f"{API}/schedules/primary/gaps", params={"since": "2026-03-27T00:00:00Z",
                                                          "until": "2026-03-31T00:00:00Z"}).json()
    assert gaps == final["gaps"]
    # With no range: from now, two weeks.
    default = c.get(f"{API}/schedules/primary/final").json()
    assert ts(default["until"]) - ts(default["since"]) == timedelta(days=14)


def test_people_in_other_timezones_see_the_same_utc_spans(team, world, admin, responder):
    """The rotation is in the schedule's zone; a person's own zone changes how times are shown to
    them, never who is on call when."""
    with world.runtime.db.write_session() as session:
        ctx = world.runtime.system_context(session)
        users.update_profile(ctx, users.find_user(session, "rita"), timezone="Asia/Tokyo")
        users.update_profile(ctx, users.find_user(session, "sam"), timezone="America/Los_Angeles")
    admin.client.post(f"{API}/schedules/primary/layers", json={
        "users": ["rita", "sam"], "shift_length": 1, "shift_unit": "days", "start": "2026-03-02T09:00"})
    params = {"since": "2026-03-03T00:00:00Z", "until": "2026-03-06T00:00:00Z"}
    seen = [person.client.get(f"{API}/schedules/primary/final", params=params).json()
            for person in (admin, responder, team)]
    assert seen[0] == seen[1] == seen[2]
    assert [ts(s["start"]).hour for s in seen[0]["spans"][1:]] == [8, 8, 8]  # 09:00 in Berlin, for everyone


def test_viewers_read_but_do_not_write(team, admin, viewer):
    admin.client.post(f"{API}/schedules/primary/layers", json=WEEKLY)
    c = viewer.client
    assert c.get(f"{API}/schedules").status_code == 200
    assert c.get(f"{API}/oncall").json()[0]["user"]["handle"] == "rita"
    assert_error(c.post(f"{API}/schedules", json={"name": "mine", "timezone": "UTC"}), 403, "forbidden")
    assert_error(c.post(f"{API}/schedules/primary/overrides", json={
        "user": "rita", "starts_at": "2099-01-01T00:00:00Z", "ends_at": "2099-01-02T00:00:00Z"}), 403, "forbidden")
