"""The public status page as HTML: what it says, what it never says, its history and permalinks,
and its caching. Read anonymously, as customers do."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from status_seed import StatusSeed

from warroom.incidents import service
from warroom.incidents.schemas import IncidentPatch
from warroom.statuspage import snapshot

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)  # the test clock's start (tests/conftest.py)

SECRETS = ("INTERNAL-UPDATE-SECRET", "CUSTOMER-UPDATE-SECRET", "NOTE-SECRET", "INTERNAL-INCIDENT-SECRET",
           "RESTRICTED-INCIDENT-SECRET", "Zebedee", "zebedee@example.com", "INC-")


@pytest.fixture
def zebedee(world):
    return world.person("zebedee", "admin")


@pytest.fixture
def seed(runtime, zebedee) -> StatusSeed:
    return StatusSeed(runtime, zebedee.user)


@pytest.fixture
def reader(world):
    return world.anonymous


def page_of(reader, path: str = "/status") -> str:
    response = reader.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def banner(html: str) -> str:
    match = re.search(r'<section class="banner banner-(\w+)".*?<h1 id="banner-text">([^<]+)</h1>', html, re.S)
    assert match, "no banner"
    return f"{match.group(1)}: {match.group(2)}"


def state_of(name: str, html: str) -> tuple[str, str]:
    """The status class and words shown beside a component or group heading."""
    match = re.search(rf'>{name}</h3>\s*<span class="state state-(\w+)"><span class="dot" aria-hidden="true">'
                      r"</span>([^<]+)</span>", html)
    assert match, f"no status beside {name}"
    return match.group(1), match.group(2)


def test_the_banner_says_the_worst_current_state_in_words(reader, seed, clock):
    assert banner(page_of(reader)) == "none: All Systems Operational"
    for name in ("Checkout", "Search", "Login"):
        seed.component(name)
    assert banner(page_of(reader)) == "none: All Systems Operational"
    expected = {"SEV3": "minor: Minor Service Outage", "SEV2": "major: Partial System Outage",
                "SEV1": "critical: Major System Outage"}
    for (severity, words), service in zip(expected.items(), ("checkout", "search", "login")):
        ref = seed.declare(f"Trouble {severity}", severity, services=[service])
        assert banner(page_of(reader)) == words
        seed.resolve(ref)
    assert banner(page_of(reader)) == "none: All Systems Operational"
    seed.maintenance("Database upgrade", T0, T0 + timedelta(hours=2), components=["Search"])
    html = page_of(reader)
    assert banner(html) == "maintenance: Service Under Maintenance"
    assert "Maintenance in progress" in html and "Under maintenance" in html


def test_components_show_status_in_words_and_labelled_uptime_bars(reader, seed, clock):
    clock.set(T0 - timedelta(days=10))
    checkout = seed.component("Checkout", description="Paying for an order", group="Shop")
    seed.component("Search", group="Shop", position=1)
    seed.component("API", position=5)
    clock.set(T0 - timedelta(days=5))
    ref = seed.declare("Card payments fail", "SEV1", services=["checkout"])
    clock.advance(hours=2)
    seed.resolve(ref)
    clock.set(T0)
    seed.declare("Slow search", "SEV3", services=["search"])

    html = page_of(reader)
    shop = html[html.index('<h3 class="component-name">Shop</h3>'):]
    # The group says its worst member's state; each member its own, in words, not colour alone.
    assert state_of("Shop", shop) == ("degraded_performance", "Degraded performance")
    assert state_of("Checkout", shop) == ("operational", "Operational")
    assert "Paying for an order" in html
    assert html.index(">Shop</h3>") < html.index(">API</h3>"), "page order: position, then name"
    bars = re.search(r'<ol class="bars" aria-label="Checkout: status by day, oldest first">(.*?)</ol>',
                     html, re.S).group(1)
    days = re.findall(r'<li class="bar bar-(\w+)"><span class="tip">([^<]+)</span></li>', bars)
    assert len(days) == 90
    assert days[-1] == ("operational", "2 Mar 2026: no downtime")
    assert days[-6] == ("major_outage", "25 Feb 2026: major outage, 91.66% uptime")  # 2 h of 24
    assert days[-12] == ("none", "19 Feb 2026: no data")  # before the component existed
    assert "99.16% uptime" in html  # 2 h of major outage in the 240 h measured


def test_an_active_incident_shows_its_public_updates_and_nothing_private(reader, seed, zebedee):
    seed.component("Checkout")
    ref = seed.declare("Card payments fail", "SEV1", services=["checkout"])
    seed.update(ref, "Card payments fail for everyone")
    seed.update(ref, "INTERNAL-UPDATE-SECRET db01 disk full", audience="internal")
    seed.update(ref, "CUSTOMER-UPDATE-SECRET wording", audience="customers")
    seed.note(ref, "NOTE-SECRET ssh into db01")
    seed.status(ref, "identified")
    seed.update(ref, "We found the faulty release", doing="Deploying the previous version")
    seed.declare("INTERNAL-INCIDENT-SECRET", "SEV1", services=["checkout"], visibility="internal")
    seed.declare("RESTRICTED-INCIDENT-SECRET", "SEV1", services=["checkout"], visibility="restricted")
    public_id = seed.public_id(ref)

    html = page_of(reader)
    card = html[html.index("Active incidents"):html.index("Current status")]
    assert f'href="/status/incidents/{public_id}">Card payments fail</a>' in card
    assert "Identified" in card and "Critical impact" in card and "Affects: Checkout" in card
    assert card.index("We found the faulty release") < card.index("Card payments fail for everyone"), "newest first"
    assert "What we are doing: Deploying the previous version" in card
    permalink = page_of(reader, f"/status/incidents/{public_id}")
    assert "Card payments fail for everyone" in permalink and "<h1" in permalink
    for path in ("/status", f"/status/incidents/{public_id}", "/status/history", "/status/theme.css"):
        body = reader.get(path).text
        for secret in SECRETS:
            assert secret not in body, f"{secret} leaked on {path}"
    assert zebedee.user.email not in html and 'style="' not in html and "<script>" not in html


def test_an_incident_taken_off_the_page_loses_its_permalink(reader, seed):
    seed.component("Checkout")
    ref = seed.declare("Card payments fail", "SEV2", services=["checkout"])
    public_id = seed.public_id(ref)
    assert reader.get(f"/status/incidents/{public_id}").status_code == 200
    with seed.ctx() as ctx:
        service.update_incident(ctx, service.get_incident(ctx, ref), IncidentPatch(visibility="restricted"))
    gone = reader.get(f"/status/incidents/{public_id}")
    assert gone.status_code == 404 and "Card payments fail" not in gone.text


def test_upcoming_maintenance_and_its_permalink(reader, seed, clock):
    seed.component("Search")
    public_id = seed.maintenance("Search index rebuild", T0 + timedelta(days=1), T0 + timedelta(days=1, hours=2),
                                 components=["Search"], body="Search may return stale results.")
    html = page_of(reader)
    assert banner(html) == "none: All Systems Operational"
    upcoming = html[html.index("Scheduled maintenance"):html.index("Current status")]
    assert f'href="/status/maintenance/{public_id}">Search index rebuild</a>' in upcoming
    assert '<time datetime="2026-03-03T10:00:00+00:00" data-local>3 Mar 2026, 10:00 UTC</time>' in upcoming
    assert "Affects: Search" in upcoming and "Search may return stale results." in upcoming
    seed.move_maintenance(public_id, "in_progress", body="Rebuilding now.")
    permalink = page_of(reader, f"/status/maintenance/{public_id}")
    assert "In progress" in permalink and "Rebuilding now." in permalink and "Scheduled" in permalink
    seed.move_maintenance(public_id, "completed")
    html = page_of(reader)
    assert "Scheduled maintenance" not in html
    past = html[html.index("Past incidents"):]
    assert "2 Mar 2026" in past and "Search index rebuild" in past and "Completed" in past


def test_fourteen_days_on_the_page_and_older_history_a_page_at_a_time(reader, seed, clock, monkeypatch):
    # The snapshot holds the 10 most recent incidents instead of 50: the same paths, fewer incidents.
    monkeypatch.setattr(snapshot, "JSON_LIMIT", 10)
    seed.component("Checkout")
    clock.set(T0 - timedelta(days=60))
    old = []
    for number in range(25):
        old.append(seed.past(f"Old trouble {number:02d}", services=["checkout"]))
        clock.advance(hours=12)
    clock.set(T0 - timedelta(days=3))
    recent = seed.declare("Recent trouble", "SEV2", services=["checkout"])
    clock.advance(hours=1)
    seed.resolve(recent)
    clock.set(T0)

    html = page_of(reader)
    past = html[html.index("Past incidents"):]
    days = re.findall(r'<h3 class="day-name">([^<]+)</h3>', past)
    assert days[0] == "2 Mar 2026" and "16 Feb 2026" in days and len(days) == 15
    feb27 = past[past.index("27 Feb 2026"):past.index("26 Feb 2026")]
    assert "Recent trouble" in feb27 and "Resolved" in feb27
    assert "No incidents reported." in past and "Old trouble" not in html
    assert 'href="/status/history"' in html

    first = page_of(reader, "/status/history")  # older than the page's 14 days: not "Recent trouble"
    assert first.count('class="incident impact-') == 20 and "Recent trouble" not in first
    assert "Old trouble 24" in first and 'rel="next" href="/status/history?page=2"' in first
    assert 'rel="prev"' not in first
    second = page_of(reader, "/status/history?page=2")
    assert second.count('class="incident impact-') == 5 and "Old trouble 00" in second
    assert 'rel="prev" href="/status/history"' in second and 'rel="next"' not in second
    assert reader.get("/status/history?page=3").status_code == 404
    # The oldest is no longer in the page's snapshot: its permalink still works.
    oldest = page_of(reader, f"/status/incidents/{seed.public_id(old[0])}")
    assert "Old trouble 00" in oldest and "Resolved" in oldest


@pytest.mark.parametrize("path", ["/status/history?page=2", "/status/history?page=0", "/status/history?page=-1",
                                  "/status/history?page=abc", "/status/history?page=99999999",
                                  "/status/incidents/nosuchincident", "/status/incidents/NOT%20AN%20ID",
                                  "/status/maintenance/nosuchwindow"])
def test_what_is_not_there_is_a_public_404(reader, seed, path):
    seed.page(name="Acme Status")
    response = reader.get(path)
    assert response.status_code == 404
    assert "Acme Status" in response.text and "/static/status.css" in response.text
    assert "Sign out" not in response.text and "dashboard" not in response.text.lower()
    assert response.headers["content-security-policy"].startswith("default-src 'self'")


def test_the_page_serves_the_day_after_its_last_change(reader, seed, clock):
    seed.component("Checkout")
    assert reader.get("/status").status_code == 200
    clock.advance(days=1)  # nothing public changed since yesterday: Last-Modified is today's midnight
    response = reader.get("/status")
    assert response.status_code == 200 and response.headers["last-modified"] == "Tue, 03 Mar 2026 00:00:00 GMT"


def test_conditional_gets_are_answered_304_until_the_page_changes(reader, seed):
    seed.component("Checkout")
    first = reader.get("/status")
    etag = first.headers["etag"]
    assert first.headers["cache-control"].startswith("public, max-age=")
    again = reader.get("/status", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    since = reader.get("/status", headers={"If-Modified-Since": first.headers["last-modified"]})
    assert since.status_code == 304
    assert reader.head("/status").status_code == 200
    seed.declare("Card payments fail", "SEV1", services=["checkout"])
    changed = reader.get("/status", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert "Card payments fail" in changed.text


def test_the_configured_name_logo_colour_and_timezone_appear(reader, seed):
    seed.component("Checkout")
    seed.page(name="Acme Status", logo_url="/static/acme-logo.png", brand_color="#ffcc00",
              timezone="Europe/Berlin")
    seed.declare("Card payments fail", "SEV1", services=["checkout"])
    html = page_of(reader)
    assert "<title>Acme Status</title>" in html and '<span class="brand-name">Acme Status</span>' in html
    assert '<img class="logo" src="/static/acme-logo.png" alt="">' in html
    assert '<link rel="stylesheet" href="/status/theme.css?c=ffcc00">' in html
    assert "2 Mar 2026, 11:00 CET" in html and "Times are shown in Europe/Berlin." in html
    theme = reader.get("/status/theme.css")
    assert theme.headers["content-type"].startswith("text/css")
    assert theme.text.strip() == ":root { --brand: #ffcc00; --brand-text: #111111; }"  # dark text on yellow
    seed.page(brand_color="#1f3a5f")
    assert "--brand-text: #ffffff" in reader.get("/status/theme.css").text


def test_the_page_links_subscriptions_and_feeds(reader):
    html = page_of(reader)
    assert 'href="/status/subscribe">Subscribe to updates</a>' in html
    assert '<link rel="alternate" type="application/atom+xml"' in html and 'href="/status/feed.rss"' in html
    assert 'href="/status/feed.atom">Atom feed</a>' in html and 'href="/status/feed.rss">RSS feed</a>' in html


def test_what_people_write_is_shown_as_text_never_as_markup(reader, seed):
    seed.component("Checkout")
    seed.page(name="Acme & <Co>")
    ref = seed.declare("Payments <script>alert(1)</script>", "SEV2", services=["checkout"])
    seed.update(ref, 'Fails with <img src=x onerror="alert(2)">')
    for path in ("/status", f"/status/incidents/{seed.public_id(ref)}", "/status/history"):
        html = reader.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html and "<Co>" not in html
        assert "Acme &amp; &lt;Co&gt;" in html
    assert "Payments &lt;script&gt;alert(1)&lt;/script&gt;" in reader.get("/status").text
