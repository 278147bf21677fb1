"""Communication admin in Chromium: add a signed webhook channel (only its kind's fields shown),
send it a test message that a real receiver gets, and edit a template with a preview."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from standardwebhooks import Webhook


def test_an_admin_adds_a_webhook_channel_and_its_test_message_arrives(seed, signed_in, receiver):
    page = signed_in(seed.person("admin"))
    page.get_by_role("link", name="Admin", exact=True).click()
    page.get_by_role("link", name="Channels").click()
    name = seed.unique("hook")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Kind").select_option("webhook")
    expect(page.get_by_label("Recipients")).to_be_hidden()  # only the chosen kind's settings
    page.get_by_role("textbox", name="Receiver URL").fill(receiver.url)
    page.get_by_label("declared").check()
    page.get_by_role("button", name="Add channel").click()
    expect(page.locator("h1")).to_have_text(name)
    secret = page.get_by_label(re.compile("^New signing secret")).input_value()
    assert secret.startswith("whsec_")
    page.get_by_role("button", name="Send test message").click()
    expect(page.get_by_role("status")).to_contain_text("Test message queued")
    [request] = receiver.wait_for(1, timeout=30)
    assert Webhook(secret).verify(request.body, dict(request.headers))["type"] == "warroom.test"
    # The worker records the delivery just after the receiver answers: reload until it shows.
    for _ in range(50):
        page.reload()
        if "delivered" in page.locator("#recent-h + ul").inner_text():
            break
        page.wait_for_timeout(200)
    expect(page.locator("#recent-h + ul li")).to_have_count(1)  # reloading sent nothing more
    expect(page.locator("#recent-h + ul")).to_contain_text("delivered")
    assert secret not in page.content()


def test_an_admin_previews_and_saves_a_template(seed, signed_in):
    page = signed_in(seed.person("admin"))
    page.goto("/admin/templates/customers/initial")
    page.get_by_label("Body").fill("Hello,\n\n{{ update.whats_happening }}\n\n{{ update.next_update_at }}")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".preview")).to_contain_text("Card payments fail for some customers.")
    page.get_by_label("Body").fill("{{ update.nope }}")
    page.get_by_role("button", name="Save template").click()
    expect(page.get_by_role("alert")).to_contain_text("body:")
    page.get_by_label("Body").fill("Hello,\n\n{{ update.whats_happening }}")
    page.get_by_role("button", name="Save template").click()
    expect(page.get_by_role("status")).to_contain_text("Saved")
    page.get_by_role("button", name="Reset to the default").click()
    expect(page.locator(".page-head")).to_contain_text("The built-in default.")


def test_communication_admin_pages_fit_a_phone(seed, signed_in):
    page = signed_in(seed.person("admin"), viewport={"width": 375, "height": 800})
    for path in ("/admin/channels", "/admin/templates", "/admin/templates/public/update", "/admin/outbox"):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
