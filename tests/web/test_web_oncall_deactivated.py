"""A deactivated person in a rotation on the web: the schedule page warns and links to the layer to
fix, the calendar's gaps say whose turn it is, the answers on /oncall and /schedules say so, and the
layer form shows them as deactivated and will not save until they are taken out."""

from __future__ import annotations

import re

from test_web_oncall import _form, days_of, set_timezone, team, text_of  # noqa: F401 - team is a fixture
from test_web_oncall_layers import _layer_id, layer_form
from warroom.users.models import User
from warroom.users.service import set_active


def deactivate(world, person) -> None:
    with world.runtime.db.write_session() as session:
        set_active(world.context(session, None), session.get(User, person.user.id), False)


def test_the_schedule_page_warns_and_the_calendar_names_the_skipped_turns(web, world, team, responder):
    rita = web.browser(responder)
    set_timezone(world, responder, "Europe/Berlin")
    deactivate(world, team)
    daily = _layer_id(world, "Daily")
    page = rita.get("/schedules/primary")
    words = text_of(page.text)
    assert "⚠ Deactivated people in the rotation. Their turns are skipped: a lower layer covers where it can; " \
           "otherwise nobody is on call then, and nobody is paged. Daily: Sam · take them out" in words
    assert f'href="/schedules/primary/layers/{daily}/edit">take them out' in page.text
    assert "Daily : Rita, Sam deactivated: skipped · every 1 day" in words
    # Tuesday is Sam's: Ada's lunch still covers 12:00-14:00; the rest of the day names Sam's turn.
    assert days_of(page.text)["Tue 03 Mar"] == (
        "Tue 03 Mar 00:00–09:00 Rita Daily · continued 09:00–12:00 No one on call Sam's turn: deactivated "
        "12:00–14:00 Ada Lunch · 2 h 14:00–24:00 No one on call Sam's turn: deactivated")
    assert "Tue 03 Mar 14:00 to Wed 04 Mar 09:00 CET : Sam's turn, but they are deactivated" in words

    set_timezone(world, responder, "UTC")
    on_tuesday = text_of(rita.get("/oncall", params={"at": "2026-03-03T10:00"}).text)
    assert "primary Europe/Berlin ⚠ a layer has a deactivated person" in on_tuesday
    assert "On call Nobody: a gap in cover Sam's turn, but they are deactivated: nobody is paged" in on_tuesday
    # Lunch is above Daily: at lunch it is Ada's turn, not Sam's. Below it, Ada covers for Sam.
    at_lunch = text_of(rita.get("/oncall", params={"at": "2026-03-03T11:30"}).text)
    assert "On call Ada @ada Since" in at_lunch and "deactivated:" not in at_lunch
    rita.post(f"/schedules/primary/layers/{_layer_id(world, 'Lunch')}/move", {"csrf_token": _form(rita), "position": "1"})
    at_lunch = text_of(rita.get("/oncall", params={"at": "2026-03-03T11:30"}).text)
    assert "On call Ada @ada Sam's turn, but they are deactivated: covering" in at_lunch
    assert "⚠ a layer has a deactivated person" in text_of(rita.get("/schedules").text)


def test_the_layer_form_shows_the_deactivated_person_and_will_not_keep_them(web, world, team, responder):
    rita = web.browser(responder)
    deactivate(world, team)
    daily = _layer_id(world, "Daily")
    form = rita.get(f"/schedules/primary/layers/{daily}/edit")
    assert f'<option value="{team.user.id}" selected>Sam (deactivated)</option>' in form.text
    fields = {"name": "Daily", "start": "2026-03-02T09:00", "handoff_time": "09:00", "position": "1"}
    kept = rita.post(f"/schedules/primary/layers/{daily}", layer_form(
        _form(rita), users=[str(responder.user.id), str(team.user.id)], **fields))
    assert kept.status_code == 422
    assert "Turn 2: Sam is deactivated; take them out of the rotation" in text_of(kept.text)
    assert re.search(r'id="l-turn-1" name="users" aria-invalid="true"', kept.text)
    taken_out = rita.post(f"/schedules/primary/layers/{daily}", layer_form(
        _form(rita), users=[str(responder.user.id), ""], **fields))
    assert taken_out.status_code == 303
    page = text_of(rita.get("/schedules/primary").text)
    assert "Deactivated people" not in page and "Daily : Rita · every 1 day" in page
