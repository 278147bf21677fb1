"""Alerts in, in Chromium against a real `warroom serve`: an admin creates a PagerDuty integration
through the form and copies its routing key (shown once); a PagerDuty client (httpx, here) sends a
change event and alerts with that key to the live server; the critical alert declares an incident,
whose room shows the Alerts and "Changes before this incident" panels; the alert's page
acknowledges it. The pages fit a phone's width.

Screenshots go to $WARROOM_SCREENSHOTS when set (docs/images uses them), else to the test's tmp dir.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
from playwright.sync_api import expect

from warroom.core.errors import Conflict

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def shot(page, name: str, tmp_path: Path, **options) -> None:
    folder = Path(os.environ.get("WARROOM_SCREENSHOTS") or tmp_path)
    page.screenshot(path=str(folder / f"{name}.png"), **options)


def named_service(seed, name: str) -> str:
    """A readable name for the screenshots, unless this run's database already has it."""
    try:
        return seed.service(name)
    except Conflict:
        return seed.service(seed.unique(name + "-"))


def send(server, path: str, body: dict) -> dict:
    r = httpx.post(server.url + path, json=body, timeout=10)
    assert r.status_code == 202, r.text
    return r.json()


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_an_integration_made_in_the_browser_receives_pagerduty_events(seed, signed_in, server, tmp_path):
    admin = seed.person("admin", name="Ada Lovelace")
    checkout = named_service(seed, "checkout-api")
    page = signed_in(admin)
    page.get_by_role("link", name="Admin", exact=True).click()
    page.locator(".admin-tabs").get_by_role("link", name="Integrations").click()
    form = page.locator("form#add")
    form.get_by_label("Service").select_option(checkout)
    form.get_by_label("Type").select_option("pagerduty")
    expect(form.get_by_label("Mapping (JSON)")).to_be_hidden()  # only for generic webhooks
    form.get_by_label("Name").fill("Prometheus production")
    form.get_by_label("Rate limit").fill("300")
    form.get_by_role("button", name="Create integration").click()

    routing_key = page.locator("#routing-key")
    expect(routing_key).to_have_text(re.compile(r"^[0-9a-f]{32}$"))
    key = routing_key.inner_text()
    expect(page.locator("#endpoint-url")).to_have_text(re.compile(r"^http://.+/v2/enqueue$"))
    expect(page.locator(".howto")).to_contain_text(f'routing_key: "{key}"')
    expect(page.get_by_role("button", name="Copy").first).to_be_visible()
    shot(page, "integration-created", tmp_path)
    page.get_by_role("link", name="← All integrations").click()
    expect(page.locator(".integ-table tr").filter(has_text="Prometheus production")).to_contain_text(
        f"PagerDuty Events API v2 …{key[-4:]}")
    assert key not in page.content()
    rules = page.locator(".integ-service").filter(has=page.get_by_role("heading", name=checkout)).locator("details.rules")
    rules.locator("summary").click()
    expect(rules.get_by_label("Grouping window")).to_have_value("60")
    shot(page, "integrations", tmp_path, full_page=True)

    # A deploy 25 minutes ago, then the monitoring's alerts, as a PagerDuty client sends them.
    deployed = (datetime.now(timezone.utc) - timedelta(minutes=25)).isoformat()
    send(server, "/v2/change/enqueue", {"routing_key": key, "links": [
        {"href": "https://git.example.com/shop/checkout/pull/412", "text": "PR 412: new payment client"}],
        "payload": {"summary": "Deploy checkout-api v2.14.0", "source": "argo-cd", "timestamp": deployed}})
    five_xx = {"routing_key": key, "event_action": "trigger", "dedup_key": "checkout-5xx",
               "links": [{"href": "https://grafana.example.com/d/checkout", "text": "Checkout dashboard"}],
               "payload": {"summary": "Checkout 5xx rate above 5% for 5 minutes", "source": "lb-eu-west-1",
                           "severity": "critical", "component": "checkout-api", "group": "payments",
                           "custom_details": {"error_rate": "7.2%", "threshold": "5%", "pods": ["api-7c9d", "api-f21a"]}}}
    assert send(server, "/v2/enqueue", five_xx)["dedup_key"] == "checkout-5xx"
    send(server, "/v2/enqueue", {"routing_key": key, "event_action": "trigger", "dedup_key": "checkout-latency",
                                 "payload": {"summary": "Checkout p99 latency above 2 s", "source": "lb-eu-west-1",
                                             "severity": "warning"}})
    send(server, "/v2/enqueue", five_xx)  # still firing: a second occurrence
    pool = {"routing_key": key, "event_action": "trigger", "dedup_key": "checkout-db-pool",
            "payload": {"summary": "Checkout DB connection pool 90% used", "source": "pg-main", "severity": "warning"}}
    send(server, "/v2/enqueue", pool)
    send(server, "/v2/enqueue", {"routing_key": key, "event_action": "resolve", "dedup_key": "checkout-db-pool"})

    page.get_by_role("link", name="Alerts", exact=True).click()
    rows = page.locator(".alert-row").filter(has_text=checkout)
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Checkout p99 latency above 2 s")
    first = rows.nth(1)
    expect(first).to_contain_text("Checkout 5xx rate above 5% for 5 minutes")
    expect(first).to_contain_text(re.compile(r"Occurrences\s*2"))
    expect(first).to_contain_text("Prometheus production")
    incident = first.get_by_role("link", name=re.compile(r"^INC-\d+$"))
    ref = incident.inner_text()
    expect(rows.nth(0)).to_contain_text(ref)  # the warning joined the same incident
    shot(page, "alerts", tmp_path)

    incident.click()
    page.wait_for_url(re.compile(rf"/incidents/{ref}$"))
    panel = page.locator(".room-alerts")
    expect(panel).to_contain_text("3 alerts · 2 open")
    expect(panel.locator("li")).to_have_count(3)
    expect(panel.locator("li").nth(2)).to_contain_text("Checkout DB connection pool 90% used")  # resolved: last
    expect(panel.locator("li").nth(2).locator(".alert-status")).to_have_text("resolved")
    changes = page.locator(".room-changes")
    expect(changes).to_contain_text("Deploy checkout-api v2.14.0")
    expect(changes.get_by_role("link", name="PR 412: new payment client")).to_have_attribute(
        "href", "https://git.example.com/shop/checkout/pull/412")
    expect(page.locator("#timeline")).to_contain_text("Alert (critical, pagerduty): Checkout 5xx rate above 5%")
    expect(page.locator(".room-paging")).to_be_visible()  # the paging panel is still there
    shot(page, "incident-alerts", tmp_path)

    panel.get_by_role("link", name="Checkout 5xx rate above 5% for 5 minutes").click()
    expect(page.locator("h1")).to_have_text("Checkout 5xx rate above 5% for 5 minutes")
    expect(page.locator(".alert-details tr").filter(has_text="custom_details.error_rate")).to_contain_text("7.2%")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(".alert-head .alert-status")).to_have_text("acknowledged")
    expect(page.locator(".alert-history")).to_contain_text("Acknowledged by Ada Lovelace")
    expect(page.get_by_role("button", name="Acknowledge")).to_have_count(0)
    shot(page, "alert", tmp_path)

    # The main navigation stays on one line for an admin at 1280 px, Alerts included.
    tops = page.locator("nav.nav a").evaluate_all("links => links.map(a => a.getBoundingClientRect().top)")
    assert len(set(tops)) == 1, tops

    phone = signed_in(admin, **PHONE)
    for name, path in (("phone-alerts", "/alerts"), ("phone-room", f"/incidents/{ref}"),
                       ("phone-alert", page.url.removeprefix(server.url)),
                       ("phone-integrations", "/admin/integrations")):
        phone.goto(path)
        shot(phone, name, tmp_path)
        assert no_sideways_scroll(phone), f"{path} scrolls sideways on a phone"


def test_the_header_fits_an_admin_at_every_width(seed, signed_in, tmp_path):
    """Alerts made the main navigation one link longer: it still fits from desktop to phone."""
    page = signed_in(seed.person("admin", name="Ada Lovelace"))
    page.goto("/alerts")
    for width in (1280, 1100, 1024, 900, 860, 841, 840, 800, 760, 700, 640, 601, 600, 480, 375):
        page.set_viewport_size({"width": width, "height": 800})
        overflow = page.evaluate("""() => {
            const right = Math.max(...[...document.querySelectorAll("header.top a, header.top button")]
                .map(e => e.getBoundingClientRect().right));
            return [document.documentElement.scrollWidth - window.innerWidth, right - window.innerWidth];
        }""")
        height = page.locator("header.top").bounding_box()["height"]
        if max(overflow) > 0 or (width > 840 and height > 120):
            shot(page, f"header-{width}", tmp_path)
        assert max(overflow) <= 0, (width, overflow)
        # Wide enough for brand and nav on one row: the account block is the only other row.
        assert width <= 840 or height <= 120, f"the header takes {height} px (three rows) at {width} px"
