"""A schedule's layers through the web forms, over real HTTP on the real database: a responder adds a
layer (turns in order with a repeat, hour shifts, a restriction row), edits one (the form shows the
stored rules), moves layers up and down (the calendar follows), removes one; refused forms come back
as typed with the field marked and change nothing; viewers get the 403 page; CSRF is needed."""

from __future__ import annotations

import re
from datetime import datetime, time

from sqlalchemy import select

from test_web_oncall import _form, days_of, set_timezone, team, text_of  # noqa: F401 - team is a fixture
from warroom.oncall.models import ScheduleLayer
from warroom.users.models import User


def layers(world) -> list[tuple]:
    """(position, name, member handles, length, unit, start, handoff, weekday, restrictions) of each layer."""
    with world.runtime.db.read_session() as session:
        found = session.scalars(select(ScheduleLayer).order_by(ScheduleLayer.position)).all()
        return [(layer.position, layer.name, [m.user.handle for m in layer.members], layer.shift_length,
                 layer.shift_unit, layer.rotation_start, layer.handoff_time, layer.handoff_weekday,
                 layer.restrictions) for layer in found]


def ids(world) -> dict[str, int]:
    with world.runtime.db.read_session() as session:
        return {u.handle: u.id for u in session.scalars(select(User))}


def layer_form(token: str, **fields) -> dict:
    """A filled layer form as the browser posts it (lists become repeated fields)."""
    form = {"csrf_token": token, "name": "", "users": [], "shift_length": "1", "shift_unit": "days",
            "start": "2026-03-02T09:00", "handoff_time": "09:00", "handoff_day": "", "windows": "1",
            "w0_start": "", "w0_end": "", "position": ""}
    form.update(fields)
    return form


def test_responder_adds_a_layer_through_the_form(web, world, team, responder):
    rita = web.browser(responder)
    set_timezone(world, responder, "Europe/Berlin")
    schedule_page = rita.get("/schedules/primary")
    assert 'href="/schedules/primary/layers/new">Add a layer' in schedule_page.text
    blank = rita.get("/schedules/primary/layers/new")
    assert blank.status_code == 200
    words = text_of(blank.text)
    assert "Add a layer" in words and "on the schedule's clock, Europe/Berlin" in words
    # A fresh form proposes weekly shifts from the coming Monday 09:00 (the clock is on Monday 2 March).
    assert 'name="start" type="datetime-local" required value="2026-03-02T09:00"' in blank.text
    assert '<option value="mon" selected>mon</option>' in blank.text
    assert '<option value="3" selected>3 (top: wins where it has someone)</option>' in blank.text

    who = ids(world)
    added = rita.post("/schedules/primary/layers", layer_form(
        _form(rita), name="Nights", users=[str(who["sam"]), "", str(who["rita"]), str(who["sam"])],
        shift_length="12", shift_unit="hours", start="2026-03-02T20:00", handoff_time="20:00", windows="2",
        w0_days=["mon", "tue", "wed", "thu", "fri"], w0_start="20:00", w0_end="00:00",
        w1_days=["sat"], w1_start="", w1_end="", position="1"))
    assert added.status_code == 303, text_of(added.text)
    assert added.headers["location"] == "/schedules/primary#layers"
    assert layers(world)[0] == (1, "Nights", ["sam", "rita", "sam"], 12, "hours", datetime(2026, 3, 2, 20, 0),
                                time(20, 0), None, [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "20:00",
                                                     "end": "24:00"}])
    assert [layer[1] for layer in layers(world)] == ["Nights", "Daily", "Lunch"]
    page = rita.get("/schedules/primary")
    assert "Nights : Sam, Rita, Sam · every 12 hours, handoff 20:00, from 2026-03-02 20:00; only " \
           "mon,tue,wed,thu,fri 20:00–24:00" in text_of(page.text)
    # Lowest of three: the daily layer covers the nights, so Nights shows nowhere in the calendar.
    assert "Nights" not in days_of(page.text)["Mon 02 Mar"]


def test_a_refused_layer_comes_back_as_typed_with_the_field_marked(web, world, team, responder, viewer):
    rita = web.browser(responder)
    token, who, before = _form(rita), ids(world), layers(world)
    base = {"name": "Weekend", "users": ["", str(who["sam"])], "windows": "1", "w0_days": ["sat", "sun"],
            "w0_start": "10:00", "w0_end": "14:00"}
    cases = [
        ({"users": ["", ""]}, "users: choose at least one person to take turns", r'class="oc-fieldset" aria-invalid="true"[^>]*><legend>Who takes turns'),
        ({"shift_length": "two"}, "shift_length must be a whole number of days", r'name="shift_length"[^>]*aria-invalid'),
        ({"shift_length": "0"}, "shift_length must be at least 1", r'name="shift_length"[^>]*aria-invalid'),
        ({"start": "soon"}, "start: 'soon' is not a date and time", r'name="start"[^>]*aria-invalid'),
        ({"handoff_day": "mon"}, "a weekday in the handoff only fits weekly shifts", r'name="handoff_time"[^>]*aria-invalid'),
        ({"w0_end": ""}, "Window 1 end must be a time of day HH:MM", r'id="w0-end" name="w0_end"[^>]*aria-invalid'),
        ({"w0_days": []}, "Window 1 days: tick at least one day", r'class="checks" aria-invalid="true"[^>]*><legend>Window 1: days'),
        # A viewer cannot be on call; only a tampered form can name one. The second filled turn is
        # the third select on the form.
        ({"users": [str(who["sam"]), "", str(viewer.user.id)]}, "Victor is a viewer",
         r'id="l-turn-2" name="users" aria-invalid'),
    ]
    for change, reason, marked in cases:
        refused = rita.post("/schedules/primary/layers", layer_form(token, **{**base, **change}))
        assert refused.status_code == 422, (change, text_of(refused.text))
        assert reason in text_of(refused.text), (change, re.findall(r'role="alert"[^>]*>([^<]*)', refused.text))
        assert re.search(marked, refused.text), (change, marked)
        assert 'value="Weekend"' in refused.text  # as typed
    # The turns keep their places: an empty first turn stays empty, Sam stays second.
    refused = rita.post("/schedules/primary/layers", layer_form(token, **{**base, "start": "soon"}))
    selects = re.findall(r'<select id="l-turn-(\d)" name="users"[^>]*>(.*?)</select>', refused.text, flags=re.S)
    chosen = [re.search(r'<option value="(\d*)" selected>', options) for _, options in selects]
    assert [c[1] if c else "" for c in chosen][:2] == ["", str(who["sam"])]
    assert 'name="w0_start" type="time" value="10:00"' in refused.text
    assert layers(world) == before


def test_edit_shows_the_stored_rules_and_saves_them(web, world, team, responder):
    rita = web.browser(responder)
    lunch_id = _layer_id(world, "Lunch")
    form = rita.get(f"/schedules/primary/layers/{lunch_id}/edit")
    assert form.status_code == 200
    assert "Edit layer: Lunch" in text_of(form.text)
    assert 'name="w0_start" type="time" value="12:00"' in form.text and 'name="w0_end" type="time" value="14:00"' in form.text
    assert 'name="w0_days" value="sat" >' in form.text and 'name="w0_days" value="mon" checked>' in form.text
    assert 'name="w1_start" type="time" value=""' in form.text  # one blank row to add a window
    assert '<option value="2" selected>2 (top: wins where it has someone)</option>' in form.text
    who = ids(world)
    saved = rita.post(f"/schedules/primary/layers/{lunch_id}", layer_form(
        _form(rita), name="Lunch", users=[str(who["ada"]), str(who["sam"])], shift_length="1", shift_unit="weeks",
        start="2026-03-02T00:00", handoff_time="08:30", handoff_day="wed", windows="2",
        w0_days=["mon", "tue", "wed", "thu", "fri"], w0_start="12:00", w0_end="13:00", w1_days=["sun"],
        position="2"))
    assert saved.status_code == 303, text_of(saved.text)
    assert layers(world)[1] == (2, "Lunch", ["ada", "sam"], 1, "weeks", datetime(2026, 3, 2, 0, 0), time(8, 30), 2,
                                [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "12:00", "end": "13:00"}])
    # A refused edit changes nothing.
    refused = rita.post(f"/schedules/primary/layers/{lunch_id}", layer_form(
        _form(rita), users=[str(who["ada"])], start="1900-01-01T00:00", position="2"))
    assert refused.status_code == 422 and "start must lie between 1970 and 2200" in text_of(refused.text)
    assert layers(world)[1][2] == ["ada", "sam"]


def _layer_id(world, name: str) -> int:
    with world.runtime.db.read_session() as session:
        return session.scalar(select(ScheduleLayer.id).where(ScheduleLayer.name == name))


def test_move_layers_up_and_down_and_remove_one(web, world, team, responder):
    rita = web.browser(responder)
    set_timezone(world, responder, "Europe/Berlin")
    token = _form(rita)
    lunch_id, daily_id = _layer_id(world, "Lunch"), _layer_id(world, "Daily")
    page = rita.get("/schedules/primary")
    # The first layer can only move down, the last only up.
    assert f'action="/schedules/primary/layers/{daily_id}/move"' in page.text
    assert "Move down Daily (higher priority)" in text_of(page.text) and "Move up Daily" not in text_of(page.text)
    assert "Move up Lunch (lower priority)" in text_of(page.text) and "Move down Lunch" not in text_of(page.text)
    moved = rita.post(f"/schedules/primary/layers/{lunch_id}/move", {"csrf_token": token, "position": "1"})
    assert moved.status_code == 303 and moved.headers["location"] == "/schedules/primary#layers"
    assert [layer[1] for layer in layers(world)] == ["Lunch", "Daily"]
    # Daily now wins everywhere it has someone: Ada's lunch no longer shows.
    assert "Ada" not in days_of(rita.get("/schedules/primary").text)["Tue 03 Mar"]
    rita.post(f"/schedules/primary/layers/{lunch_id}/move", {"csrf_token": token, "position": "2"})
    assert [layer[1] for layer in layers(world)] == ["Daily", "Lunch"]
    assert rita.post(f"/schedules/primary/layers/{lunch_id}/move",
                     {"csrf_token": token, "position": "up"}).status_code == 422

    edit = rita.get(f"/schedules/primary/layers/{lunch_id}/edit")
    assert "Remove Lunch" in text_of(edit.text)
    removed = rita.post(f"/schedules/primary/layers/{lunch_id}/remove", {"csrf_token": token})
    assert removed.status_code == 303 and [layer[1] for layer in layers(world)] == ["Daily"]
    assert rita.get(f"/schedules/primary/layers/{lunch_id}/edit").status_code == 404
    assert rita.post(f"/schedules/primary/layers/{lunch_id}/remove", {"csrf_token": token}).status_code == 404


def test_viewers_see_the_layers_but_no_forms(web, world, team, responder, viewer):
    victor = web.browser(viewer)
    lunch_id = _layer_id(world, "Lunch")
    page = victor.get("/schedules/primary")
    assert "Lunch : Ada" in text_of(page.text)
    assert "Add a layer" not in page.text and "/edit" not in page.text and "/move" not in page.text
    token, before = _form(victor), layers(world)
    assert victor.get("/schedules/primary/layers/new").status_code == 403
    assert victor.get(f"/schedules/primary/layers/{lunch_id}/edit").status_code == 403
    for path, data in ((f"/schedules/primary/layers", layer_form(token, users=[str(viewer.user.id)])),
                       (f"/schedules/primary/layers/{lunch_id}", layer_form(token, users=[str(viewer.user.id)])),
                       (f"/schedules/primary/layers/{lunch_id}/move", {"csrf_token": token, "position": "1"}),
                       (f"/schedules/primary/layers/{lunch_id}/remove", {"csrf_token": token})):
        refused = victor.post(path, data)
        assert refused.status_code == 403 and "viewers can read" in refused.text, path
    # Without the form's CSRF token nothing happens either, whoever posts.
    rita = web.browser(responder)
    assert rita.post(f"/schedules/primary/layers/{lunch_id}/remove", {}).status_code == 403
    assert rita.post(f"/schedules/primary/layers/{lunch_id}/move", {"csrf_token": "forged", "position": "1"}).status_code == 403
    assert layers(world) == before
