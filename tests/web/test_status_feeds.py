"""The public feeds (Atom, RSS) and the status badge: well-formed XML, one entry per public update
newest first with links to the permalinks, nothing private, escaped text, and conditional GETs."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest

from warroom.catalog.service import create_service
from warroom.comms import updates
from warroom.comms.schemas import UpdateIn
from warroom.incidents import service, timeline
from warroom.incidents.schemas import IncidentCreate
from warroom.statuspage import badge, components, maintenance, publishing
from warroom.users.models import User

ATOM = "{http://www.w3.org/2005/Atom}"
SVG = "{http://www.w3.org/2000/svg}"


class Admin:
    """Runs the domain operations behind the page as Ada, one transaction each."""

    def __init__(self, runtime, user: User, clock) -> None:
        self.runtime, self.user_id, self.clock = runtime, user.id, clock

    def __call__(self, operation):
        with self.runtime.db.write_session() as session:
            return operation(self.runtime.context(session, session.get(User, self.user_id)))

    def incident(self, title: str, severity: str = "SEV2", **fields) -> str:
        return self(lambda ctx: service.declare(ctx, IncidentCreate(
            title=title, severity=severity, services=["checkout"], commander=self.user_id, **fields)).ref)

    def post(self, ref: str, words: str, audience: str = "public") -> None:
        self.clock.advance(minutes=1)  # each update its own moment, so "newest first" means something
        self(lambda ctx: updates.post_update(ctx, service.get_incident(ctx, ref), UpdateIn(
            audience=audience, whats_happening=words, who_is_affected="Card payers",
            what_we_are_doing="Rolling back", next_update_at=ctx.now() + timedelta(minutes=30))))


@pytest.fixture
def ada(world, admin, clock) -> Admin:
    act = Admin(world.runtime, admin.user, clock)
    act(lambda ctx: create_service(ctx, name="checkout"))
    act(lambda ctx: components.create_component(ctx, "Checkout", service="checkout"))
    return act


@pytest.fixture
def public(world):
    return world.anonymous


def fetch(public, path: str, media_type: str):
    response = public.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(media_type)
    return response, ET.fromstring(response.content)  # raises unless well-formed


@pytest.fixture
def busy_page(ada, responder) -> dict:
    """A public incident with public, internal and customer updates and a note; an internal and a
    restricted incident with public updates; a maintenance scheduled, then started."""
    ref = ada.incident("Card payments fail", visibility="public")
    ada.post(ref, "Card payments fail for everyone")
    ada.post(ref, "INTERNAL-UPDATE db01 is full", audience="internal")
    ada.post(ref, "CUSTOMER-UPDATE wording", audience="customers")
    ada(lambda ctx: timeline.add_note(ctx, service.get_incident(ctx, ref), "NOTE-PRIVATE ssh db01"))
    ada.post(ref, "Payments work again for most")
    ada.post(ada.incident("INTERNAL-TITLE trouble"), "INTERNAL-INCIDENT public words")
    ada.post(ada.incident("RESTRICTED-TITLE trouble", visibility="restricted"), "RESTRICTED-INCIDENT words")
    ada.clock.advance(minutes=1)
    window = ada(lambda ctx: maintenance.schedule(
        ctx, title="Database upgrade", starts_at=ctx.now() + timedelta(hours=1),
        ends_at=ctx.now() + timedelta(hours=2), component_refs=["Checkout"]).public_id)
    ada.clock.advance(minutes=1)
    ada(lambda ctx: maintenance.move(ctx, maintenance.get_maintenance(ctx, window), "in_progress"))
    return {"maintenance": window, "responder": responder}


SECRETS = ("INTERNAL-UPDATE", "CUSTOMER-UPDATE", "NOTE-PRIVATE", "INTERNAL-TITLE", "INTERNAL-INCIDENT",
           "RESTRICTED-TITLE", "RESTRICTED-INCIDENT", "INC-", "ada@example.com", "rita@example.com", "Rita")


def test_atom_feed_has_one_entry_per_public_update_newest_first(public, busy_page):
    response, feed = fetch(public, "/status/feed.atom", "application/atom+xml")
    assert feed.tag == f"{ATOM}feed"
    page_url = feed.find(f"{ATOM}link[@rel='alternate']").get("href")
    assert page_url.endswith("/status") and feed.find(f"{ATOM}link[@rel='self']").get("href") == \
        f"{page_url}/feed.atom"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == [
        "Database upgrade: In progress", "Database upgrade: Scheduled",
        "Card payments fail: Investigating", "Card payments fail: Investigating"]
    assert entries[2].findtext(f"{ATOM}content").startswith("Payments work again for most")
    assert entries[3].findtext(f"{ATOM}content").startswith("Card payments fail for everyone")
    links = [e.find(f"{ATOM}link").get("href") for e in entries]
    assert links[0] == links[1] == f"{page_url}/maintenance/{busy_page['maintenance']}"
    assert links[2] == links[3] and links[2].startswith(f"{page_url}/incidents/")
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(set(ids)) == 4
    stamps = [e.findtext(f"{ATOM}updated") for e in entries]
    assert stamps == sorted(stamps, reverse=True) and feed.findtext(f"{ATOM}updated") == stamps[0]
    for secret in SECRETS:
        assert secret not in response.text, secret


def test_rss_feed_carries_the_same_entries(public, busy_page):
    response, rss = fetch(public, "/status/feed.rss", "application/rss+xml")
    channel = rss.find("channel")
    assert rss.tag == "rss" and channel.findtext("link").endswith("/status")
    items = channel.findall("item")
    assert [i.findtext("title") for i in items] == [
        "Database upgrade: In progress", "Database upgrade: Scheduled",
        "Card payments fail: Investigating", "Card payments fail: Investigating"]
    assert items[0].findtext("link").endswith(f"/status/maintenance/{busy_page['maintenance']}")
    assert len({i.findtext("guid") for i in items}) == 4
    assert all(i.find("guid").get("isPermaLink") == "false" for i in items)
    dates = [parsedate_to_datetime(i.findtext("pubDate")) for i in items]
    assert dates == sorted(dates, reverse=True)
    for secret in SECRETS:
        assert secret not in response.text, secret


def test_feeds_revalidate_and_change_with_the_page(public, ada):
    ref = ada.incident("Checkout errors", visibility="public")
    for path in ("/status/feed.atom", "/status/feed.rss", "/status/badge.svg"):
        first = public.get(path)
        assert "stale-while-revalidate" in first.headers["cache-control"] and first.headers["last-modified"]
        assert public.get(path, headers={"If-None-Match": first.headers["etag"]}).status_code == 304
        assert public.head(path).headers["etag"] == first.headers["etag"]
    before = public.get("/status/feed.atom")
    ada.post(ref, "Some card payments fail")
    after = public.get("/status/feed.atom", headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and "Some card payments fail" in after.text


def test_text_xml_cannot_hold_or_would_break_markup_is_made_safe(public, ada):
    ref = ada.incident("Checkout <b>errors</b> & more", visibility="public")
    ada.post(ref, "Bell \x07 and <script>alert(1)</script> & \"quotes\"")
    for path, find in (("/status/feed.atom", f"{ATOM}entry/{ATOM}content"),
                       ("/status/feed.rss", "channel/item/description")):
        _, feed = fetch(public, path, "application/")
        assert feed.findtext(find).startswith('Bell  and <script>alert(1)</script> & "quotes"')
    _, feed = fetch(public, "/status/feed.atom", "application/atom+xml")
    assert feed.findtext(f"{ATOM}entry/{ATOM}title") == "Checkout <b>errors</b> & more: Investigating"


def test_badge_shows_name_and_status_in_the_indicators_colour(public, ada):
    def rename(ctx):
        publishing.page(ctx).name = 'Acme <Status> & "Co"'
        publishing.changed(ctx)

    ada(rename)
    response, svg = fetch(public, "/status/badge.svg", "image/svg+xml")
    assert svg.tag == f"{SVG}svg" and svg.findtext(f"{SVG}title") == 'Acme <Status> & "Co": All Systems Operational'
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert texts == ['Acme <Status> & "Co"'] * 2 + ["All Systems Operational"] * 2
    assert badge.COLORS["none"] in [r.get("fill") for r in svg.iter(f"{SVG}rect")]
    assert "<Status>" not in response.text and "style" not in response.text

    ada.incident("Card payments fail", "SEV1", visibility="public")
    _, svg = fetch(public, "/status/badge.svg", "image/svg+xml")
    assert svg.findtext(f"{SVG}title").endswith(": Major System Outage")
    assert badge.COLORS["critical"] in [r.get("fill") for r in svg.iter(f"{SVG}rect")]


def test_badge_width_follows_its_text_and_long_text_is_shortened():
    short = ET.fromstring(badge.render("Status", "OK", "#4c1"))
    longer = ET.fromstring(badge.render("Status", "Partial System Outage", "#fe7d37"))
    assert int(short.get("width")) < int(longer.get("width"))
    huge = ET.fromstring(badge.render("x" * 500, "y" * 500, "#4c1"))
    assert all(len(t.text) <= badge.MAX_CHARS for t in huge.iter(f"{SVG}text"))
