"""Calendar feeds on the web, over real HTTP: a schedule's feeds listed with Revoke (the URL stops
working at once), your own feed across schedules made and revoked on /oncall, the secret shown only
in the response that made it; a feed of another schedule or person cannot be revoked through the
wrong page; viewers see schedule feeds but neither make nor revoke any."""

from __future__ import annotations

import re

from sqlalchemy import select

from test_web_oncall import _form, team, text_of  # noqa: F401 - team is a fixture
from warroom.oncall.models import FeedToken


def feed_url(html: str, kind: str) -> str:
    return re.search(rf'value="(http[^"]+/ical/{kind}/wrcal_[^"]+\.ics)"', html)[1]


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def live(world) -> list[tuple[int, int | None, int | None]]:
    with world.runtime.db.read_session() as session:
        return [(f.id, f.schedule_id, f.user_id) for f in session.scalars(
            select(FeedToken).where(FeedToken.revoked_at.is_(None)).order_by(FeedToken.id))]


def test_schedule_feeds_are_listed_and_revoked(web, world, team, responder, admin):
    rita, ada = web.browser(responder), web.browser(admin)
    first = rita.post("/schedules/primary/feeds", {"csrf_token": _form(rita), "view": ""})
    second = ada.post("/schedules/primary/feeds", {"csrf_token": _form(ada), "view": ""})
    assert first.status_code == second.status_code == 201
    url = feed_url(first.text, "schedules")
    assert "Anyone with it can read this schedule" in text_of(first.text)
    assert rita.get(path_of(url)).status_code == 200
    page = rita.get("/schedules/primary")
    assert url not in page.text
    prefix = url.rsplit("/", 1)[1][:12]
    assert f"{prefix}… made just now by Rita Revoke" in text_of(page.text)
    assert "by Ada" in text_of(page.text)
    feed_id = live(world)[0][0]
    revoked = rita.post(f"/schedules/primary/feeds/{feed_id}/revoke", {"csrf_token": _form(rita),
                                                                        "view": "?weeks=1"})
    assert revoked.status_code == 303 and revoked.headers["location"] == "/schedules/primary?weeks=1#feeds"
    assert rita.get(path_of(url)).status_code == 404
    assert [f[0] for f in live(world)] == [feed_id + 1]
    assert prefix not in text_of(rita.get("/schedules/primary").text)
    # Revoking again changes nothing; a feed that is not this schedule's is not found here.
    assert rita.post(f"/schedules/primary/feeds/{feed_id}/revoke", {"csrf_token": _form(rita)}).status_code == 303
    mine = rita.post("/oncall/feeds", {"csrf_token": _form(rita, "/oncall")})
    my_id = live(world)[-1][0]
    assert mine.status_code == 201
    assert rita.post(f"/schedules/primary/feeds/{my_id}/revoke", {"csrf_token": _form(rita)}).status_code == 404
    assert rita.post("/schedules/primary/feeds/999/revoke", {"csrf_token": _form(rita)}).status_code == 404
    assert my_id in [f[0] for f in live(world)]


def test_my_feed_is_made_and_revoked_on_the_oncall_page(web, world, team, responder, admin):
    rita = web.browser(responder)
    page = rita.get("/oncall")
    assert "Your on-call calendar" in text_of(page.text) and "You have no calendar feed yet." in text_of(page.text)
    made = rita.post("/oncall/feeds", {"csrf_token": _form(rita, "/oncall")})
    assert made.status_code == 201
    url = feed_url(made.text, "users")
    assert "Anyone with it can read when you are on call, on every schedule" in text_of(made.text)
    assert "On call now" in text_of(made.text)  # the page itself, below the address
    calendar = rita.get(path_of(url))
    assert calendar.status_code == 200 and "On call: primary" in calendar.text
    again = rita.get("/oncall")
    assert url not in again.text and "You have no calendar feed yet." not in text_of(again.text)
    [(feed_id, _, owner)] = live(world)
    assert owner == responder.user.id
    # Someone else's feed is not theirs to revoke here, admin or not: it is not found.
    ada = web.browser(admin)
    assert ada.post(f"/oncall/feeds/{feed_id}/revoke", {"csrf_token": _form(ada, "/oncall")}).status_code == 404
    assert "You have no calendar feed yet." in text_of(ada.get("/oncall").text)
    revoked = rita.post(f"/oncall/feeds/{feed_id}/revoke", {"csrf_token": _form(rita, "/oncall")})
    assert revoked.status_code == 303 and revoked.headers["location"] == "/oncall#my-feeds"
    assert rita.get(path_of(url)).status_code == 404 and live(world) == []


def test_viewers_see_schedule_feeds_but_cannot_make_or_revoke(web, world, team, responder, viewer):
    rita = web.browser(responder)
    rita.post("/schedules/primary/feeds", {"csrf_token": _form(rita), "view": ""})
    [(feed_id, _, _)] = live(world)
    victor = web.browser(viewer)
    page = victor.get("/schedules/primary")
    assert "made just now by Rita" in text_of(page.text) and "/revoke" not in page.text
    assert "Your on-call calendar" not in text_of(victor.get("/oncall").text)
    token = _form(victor)
    for path in (f"/schedules/primary/feeds/{feed_id}/revoke", "/oncall/feeds", f"/oncall/feeds/{feed_id}/revoke"):
        refused = victor.post(path, {"csrf_token": token})
        assert refused.status_code == 403 and "viewers can read" in refused.text, path
    assert rita.post(f"/oncall/feeds/{feed_id}/revoke", {}).status_code == 403  # no CSRF token
    assert len(live(world)) == 1
