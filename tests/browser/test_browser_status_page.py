"""The public status page in Chromium, as customers read it during a SEV1: at desktop and phone
widths, light and dark, with and without JavaScript.

These run against their own server (tests/conftest.py's `server_url`: a real uvicorn on the test
database, with the test clock), not the shared `warroom serve`: the status page is one page for the
whole installation, and other browser tests' incidents would change what it says.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from status_seed import StatusSeed

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)  # the test clock's start (tests/conftest.py)
SEV1_TITLE = "Card payments failing for many customers in every region"
DESKTOP, PHONE = {"width": 1280, "height": 800}, {"width": 390, "height": 844}


@pytest.fixture
def status_url(server_url, runtime, admin, clock) -> str:
    seed = StatusSeed(runtime, admin.user)
    seed.page(name="Acme Cloud", brand_color="#3b2f8f")
    clock.set(T0 - timedelta(days=40))
    for name, group in (("Card payments", "Payments"), ("Payouts", "Payments"), ("API", None), ("Dashboard", None)):
        seed.component(name, group=group)
    clock.set(T0 - timedelta(days=3))
    old = seed.declare("Payouts delayed", "SEV2", services=["payouts"])
    seed.update(old, "Payouts scheduled today are delayed")
    clock.advance(hours=2)
    seed.resolve(old)
    clock.set(T0 - timedelta(minutes=40))
    ref = seed.declare(SEV1_TITLE, "SEV1", services=["card-payments", "api"])
    seed.update(ref, "Card payments are failing for many customers.", doing="We are investigating")
    seed.update(ref, "INTERNAL db01 disk full", audience="internal")
    clock.set(T0)
    seed.update(ref, "A faulty release of the payment service is the cause.", doing="Rolling back")
    seed.maintenance("Search index rebuild", T0 + timedelta(days=2), T0 + timedelta(days=2, hours=2),
                     components=["Dashboard"], body="Dashboard search may be incomplete.")
    return server_url


def open_page(chromium, url: str, path: str = "/status", **options):
    """A fresh context on `path`; the page, and the responses that failed (CSP blocks and missing
    files show up as those)."""
    context = chromium.new_context(base_url=url, **options)
    context.set_default_timeout(10_000)
    context.set_default_navigation_timeout(30_000)  # a loaded CI machine: the first page load builds caches
    page = context.new_page()
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.on("console", lambda m: failed.append(m.text) if m.type == "error" and "favicon" not in m.text
            and "404" not in m.text else None)
    page.on("pageerror", lambda e: failed.append(str(e)))
    page.goto(path)
    return page, failed


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_page_tells_the_truth_at_desktop_and_phone_widths(chromium, status_url, viewport):
    page, failed = open_page(chromium, status_url, viewport=viewport)
    try:
        banner = page.get_by_role("heading", level=1)
        assert banner.inner_text() == "Major System Outage"
        box = banner.bounding_box()
        assert box and box["y"] + box["height"] <= viewport["height"], "the banner is seen without scrolling"
        assert page.get_by_role("link", name=SEV1_TITLE).is_visible()
        assert page.get_by_text("A faulty release of the payment service is the cause.").is_visible()
        assert "INTERNAL" not in page.content()
        card = page.locator("li.group li.component", has_text="Card payments")
        assert card.locator(".state").inner_text() == "Major outage"
        bars = card.locator("li.bar")
        shown = 90 if viewport is DESKTOP else 30  # a phone shows the last 30 days, readably wide
        assert sum(bars.nth(i).is_visible() for i in range(90)) == shown
        assert bars.last.locator(".tip").inner_text() == "2 Mar 2026: major outage, 93.33% uptime"
        width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert width[0] <= width[1], f"horizontal scroll: {width}"
        assert page.get_by_role("link", name="Subscribe to updates").first.is_visible()
        assert failed == []
        page.get_by_role("link", name=SEV1_TITLE).click()
        assert page.get_by_role("heading", level=1).inner_text() == SEV1_TITLE
        width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert width[0] <= width[1], f"horizontal scroll on the incident's page: {width}"
    finally:
        page.context.close()


def test_a_day_s_words_show_on_hover(chromium, status_url):
    page, _ = open_page(chromium, status_url, viewport=DESKTOP)
    try:
        bar = page.locator("li.group li.component", has_text="Payouts").locator("li.bar").nth(-4)
        assert not bar.locator(".tip").is_visible() or bar.locator(".tip").bounding_box()["width"] <= 1
        bar.hover()
        tip = bar.locator(".tip")
        assert tip.inner_text() == "27 Feb 2026: partial outage, 97.50% uptime"  # 2 h at 30% of 24 h
        assert tip.bounding_box()["width"] > 50
    finally:
        page.context.close()


def _background_luminance(page) -> float:
    rgb = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")  # the page's, on :root
    r, g, b = (int(part) for part in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_dark_readers_get_a_dark_page(chromium, status_url, viewport):
    light, _ = open_page(chromium, status_url, viewport=viewport, color_scheme="light")
    dark, failed = open_page(chromium, status_url, viewport=viewport, color_scheme="dark")
    try:
        assert _background_luminance(light) > 0.8
        assert _background_luminance(dark) < 0.15
        text = dark.evaluate("getComputedStyle(document.querySelector('.component-name')).color")
        assert text.startswith("rgb(2"), f"light text on the dark page, not {text}"
        assert failed == []
    finally:
        light.context.close()
        dark.context.close()


def test_without_javascript_the_page_is_complete_in_the_page_s_timezone(chromium, status_url):
    plain, failed = open_page(chromium, status_url, viewport=PHONE, java_script_enabled=False)
    local, _ = open_page(chromium, status_url, viewport=PHONE, timezone_id="America/New_York")
    try:
        assert plain.get_by_role("heading", level=1).inner_text() == "Major System Outage"
        assert plain.get_by_role("link", name=SEV1_TITLE).is_visible()
        assert plain.locator("li.bar:visible").count() == 4 * 30
        first = plain.locator("time[data-local]").first
        assert first.inner_text() == "2 Mar 2026, 10:00 UTC"
        assert plain.get_by_text("Times are shown in UTC.").is_visible()
        assert failed == []
        # With JavaScript, the same moment in the reader's own timezone; the page's on hover.
        rewritten = local.locator("time[data-local]").first
        assert "5:00" in rewritten.inner_text() and rewritten.get_attribute("title") == "2 Mar 2026, 10:00 UTC"
        assert local.get_by_text("Times are shown in your timezone (America/New_York).").is_visible()
    finally:
        plain.context.close()
        local.context.close()
