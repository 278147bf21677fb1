"""Paging in the incident room, in Chromium: a responder declares an incident on a service with an
escalation policy (without taking command), sees the page in the room's paging panel and the
timeline, acknowledges with the panel's button, and sees both change; the panel fits a phone."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from warroom.oncall import escalation
from warroom.oncall.paging_schemas import EscalationPolicyIn, LevelIn, TargetIn
from warroom.users import service as users

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _policy(seed, service: str, *levels) -> str:
    """An escalation policy for `service`: one level per person, 5 minutes each."""
    name = seed.unique("policy-")
    with seed.runtime.db.write_session() as session:
        ctx = seed.runtime.system_context(session)
        ctx = type(ctx)(db=session, actor=users.find_user(session, levels[0].email), clock=ctx.clock,
                        policy=ctx.policy)
        escalation.save_policy(ctx, EscalationPolicyIn(name=name, repeat=1, levels=[
            LevelIn(delay_minutes=5, targets=[TargetIn(type="user", ref=p.email)]) for p in levels]))
        escalation.set_service_policy(ctx, service, name)
    return name


def test_declare_see_the_page_and_acknowledge_it(seed, signed_in, server):
    rita = seed.person("responder")
    sam = seed.person("responder")
    service = seed.service()
    policy = _policy(seed, service, rita, sam)
    page = signed_in(rita)
    page.get_by_role("link", name="Declare incident").click()
    page.get_by_label("Title", exact=True).fill(seed.unique("Checkout 502s "))
    page.get_by_label(service, exact=True).check()
    page.locator('input[name="severity"][value="SEV2"]').check()
    page.get_by_label("I take command (incident commander)").uncheck()  # taking command would acknowledge
    page.get_by_role("button", name="Declare incident").click()
    page.wait_for_url(re.compile(r"/incidents/INC-\d+$"))

    panel = page.locator(".room-paging")
    card = panel.locator(".paging-page")
    expect(card).to_have_count(1)
    expect(card).to_contain_text(policy)
    expect(card).to_contain_text("level by level")
    expect(card.locator(".paging-status")).to_have_text("active")
    expect(card).to_contain_text("level 1 of 2 · round 1")
    expect(card).to_contain_text("Next step")
    expect(card.locator(".paging-steps li")).to_have_text(re.compile(rf"^Level 1:\s+{rita.name} \(email"))
    expect(panel).to_contain_text("Not acknowledged")
    expect(page.locator("#timeline")).to_contain_text(f"Paged {rita.name}: level 1 of {policy}")

    page.get_by_role("button", name="Escalate now").click()
    expect(card).to_contain_text("level 2 of 2 · round 1")
    expect(card.locator(".paging-steps li").nth(1)).to_contain_text(f"Level 2: {sam.name}")

    page.get_by_role("button", name="Acknowledge").click()
    expect(card.locator(".paging-status")).to_have_text("acknowledged")
    expect(card).to_contain_text(f"Acknowledged by {rita.name}")
    expect(panel.locator(".paging-response")).to_contain_text("response target met")
    expect(panel.get_by_role("button", name="Acknowledge")).to_have_count(0)
    expect(page.locator("#timeline li").first).to_contain_text(f"{rita.name} Acknowledged (response target met)")
    expect(page.locator(".room-facts")).to_contain_text("met")

    # On a phone the panel and its buttons fit the screen's width.
    phone = signed_in(rita, **PHONE)
    phone.goto(page.url)
    expect(phone.locator(".room-paging")).to_contain_text(policy)
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the room scrolls sideways"
