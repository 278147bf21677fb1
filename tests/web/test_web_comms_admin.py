"""Admin pages for communication: channels (settings, secrets, routes, test message), message
templates (preview, refused saves, reset) and the outbox (attempts, retry of dead messages)."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from standardwebhooks import Webhook

from conftest import csrf_of
from warroom.core.clock import ManualClock
from warroom.core.worker import Worker


@pytest.fixture
def clock() -> ManualClock:
    # Receivers check a signed message's timestamp against the real time.
    return ManualClock(datetime.now(timezone.utc).replace(microsecond=0))


def _add_webhook(boss, receiver, **route):
    token = csrf_of(boss.get("/admin/channels").text)
    return boss.post("/admin/channels", {"csrf_token": token, "name": "ops-hook", "kind": "webhook",
                                         "webhook_url": receiver.url, "recipients": "ignored", **route})


def test_add_a_webhook_channel_see_its_secret_once_and_send_a_test_message(world, web, admin, receiver):
    boss = web.browser(admin)
    created = _add_webhook(boss, receiver, events=["declared", "resolved"], severities=["SEV1"])
    assert created.status_code == 201
    secret = re.search(r'id="signing-secret"[^>]*value="(whsec_[^"]+)"', created.text).group(1)
    [channel] = admin.client.get("/api/v1/channels").json()
    assert channel["settings"] == {"url": receiver.url}  # the e-mail field of the form was not read
    assert channel["secrets_set"] == ["signing_secret"]
    assert channel["routes"][0]["events"] == ["declared", "resolved"] and channel["routes"][0]["severities"] == ["SEV1"]
    page = boss.get(f"/admin/channels/{channel['id']}").text
    assert secret not in page and "set — leave blank to keep it" in page  # never shown again
    assert "declared, resolved · SEV1 · every service · every audience" in page

    sent = boss.post(f"/admin/channels/{channel['id']}/test", {"csrf_token": csrf_of(page)})
    assert sent.status_code == 303  # a reload of the page it lands on does not send another
    assert "Test message queued" in boss.get(sent.headers["location"]).text
    Worker(world.runtime).deliver_once()
    [request] = receiver.wait_for(1)
    payload = Webhook(secret).verify(request.body, dict(request.headers))
    assert payload["type"] == "warroom.test"
    page = boss.get(f"/admin/channels/{channel['id']}").text
    assert "delivered" in page and ">test</a>" in page


def test_settings_routes_and_refusals_change_exactly_what_they_say(world, web, admin, receiver):
    boss = web.browser(admin)
    _add_webhook(boss, receiver)
    [channel] = admin.client.get("/api/v1/channels").json()
    path = f"/admin/channels/{channel['id']}"
    token = csrf_of(boss.get(path).text)

    bad = boss.post(f"{path}/settings", {"csrf_token": token, "name": "ops-hook", "webhook_url": "ftp://nope",
                                         "enabled": "1"})
    assert bad.status_code == 422 and "settings.url must be an http:// or https:// URL" in bad.text
    assert admin.client.get(f"/api/v1/channels/{channel['id']}").json()["settings"]["url"] == receiver.url

    # A blank secret keeps the one that is set; unticking Enabled disables the channel.
    saved = boss.post(f"{path}/settings", {"csrf_token": token, "name": "ops-webhook", "webhook_url": receiver.url,
                                           "signing_secret": ""})
    assert saved.status_code == 303
    after = admin.client.get(f"/api/v1/channels/{channel['id']}").json()
    assert after["name"] == "ops-webhook" and not after["enabled"] and after["secrets_set"] == ["signing_secret"]

    unknown = boss.post(f"{path}/routes", {"csrf_token": token, "severities": ["SEV9"]})
    assert unknown.status_code == 422 and "unknown severity &#39;SEV9&#39;; allowed: SEV1, SEV2, SEV3, SEV4" in unknown.text
    added = boss.post(f"{path}/routes", {"csrf_token": token, "events": ["update_overdue"], "services": "checkout, api"})
    assert added.status_code == 303
    routes = admin.client.get(f"/api/v1/channels/{channel['id']}").json()["routes"]
    assert [r["events"] for r in routes] == [[], ["update_overdue"]] and routes[1]["services"] == ["checkout", "api"]
    removed = boss.post(f"{path}/routes/{routes[0]['id']}/remove", {"csrf_token": token})
    assert removed.status_code == 303
    assert [r["events"] for r in admin.client.get(f"/api/v1/channels/{channel['id']}").json()["routes"]] == [["update_overdue"]]

    assert boss.post(f"{path}/delete", {"csrf_token": token}).status_code == 303
    assert admin.client.get("/api/v1/channels").json() == []


def test_a_channel_form_with_a_bad_kind_or_missing_settings_adds_nothing_and_keeps_the_words(world, web, admin):
    boss = web.browser(admin)
    token = csrf_of(boss.get("/admin/channels").text)
    no_recipients = boss.post("/admin/channels", {"csrf_token": token, "name": "exec mail", "kind": "email",
                                                  "recipients": "not-an-address"})
    assert no_recipients.status_code == 422
    assert "recipients must be a non-empty list of e-mail addresses" in no_recipients.text
    assert 'value="exec mail"' in no_recipients.text
    bad_kind = boss.post("/admin/channels", {"csrf_token": token, "name": "pager", "kind": "pigeon"})
    assert bad_kind.status_code == 422 and "kind" in bad_kind.text
    slack = boss.post("/admin/channels", {"csrf_token": token, "name": "slack", "kind": "slack"})
    assert slack.status_code == 422 and "Slack needs secrets.webhook_url" in slack.text
    assert admin.client.get("/api/v1/channels").json() == []


def test_templates_preview_refuse_broken_ones_with_the_line_save_and_reset(world, web, admin):
    boss = web.browser(admin)
    overview = boss.get("/admin/templates").text
    assert overview.count("default</span>") == 12
    path = "/admin/templates/public/update"
    page = boss.get(path).text
    assert "Update: {{ incident.title }}" in page and "{{ update.next_update_at }}" in page
    token = csrf_of(page)
    preview = boss.post(path, {"csrf_token": token, "action": "preview", "subject": "News: {{ incident.title }}",
                               "body": "{{ update.whats_happening }}\r\nBy {{ update.author }}"})
    assert preview.status_code == 200
    assert "News: Checkout errors" in preview.text and "Card payments fail for some customers.\nBy Ada Lovelace" in preview.text
    broken = boss.post(path, {"csrf_token": token, "action": "save", "subject": "x",
                              "body": "fine\n{% for x in %}"})
    assert broken.status_code == 422 and "body line 2" in broken.text and "{% for x in %}" in broken.text
    sneaky = boss.post(path, {"csrf_token": token, "action": "save", "subject": "{{ ''.__class__.__mro__ }}",
                              "body": "x"})
    assert sneaky.status_code == 422
    assert not any(t["customized"] for t in admin.client.get("/api/v1/templates").json())
    saved = boss.post(path, {"csrf_token": token, "action": "save", "subject": "News: {{ incident.title }}",
                             "body": "{{ update.whats_happening }}\r\n"})
    assert saved.status_code == 303
    [custom] = [t for t in admin.client.get("/api/v1/templates").json() if t["customized"]]
    assert (custom["audience"], custom["kind"], custom["body"]) == ("public", "update", "{{ update.whats_happening }}\n")
    assert "Saved: updates posted from now on use it." in boss.get(saved.headers["location"]).text
    assert boss.post(f"{path}/reset", {"csrf_token": token}).status_code == 303
    assert not any(t["customized"] for t in admin.client.get("/api/v1/templates").json())
    assert boss.get("/admin/templates/public/sideways").status_code == 404


def test_the_outbox_shows_attempts_and_an_admin_retries_a_dead_message(world, web, admin, responder, receiver):
    admin.client.post("/api/v1/channels", json={"name": "gone", "kind": "webhook", "settings": {"url": receiver.url}})
    receiver.default = (410, "gone for good")
    responder.client.post("/api/v1/incidents", json={"title": "Checkout is down", "severity": "SEV2"})
    Worker(world.runtime).deliver_once()
    boss = web.browser(admin)
    dead = boss.get("/admin/outbox?status=dead").text
    assert "declared → gone" in dead and "HTTP 410" in dead
    message_id = re.search(r'href="/admin/outbox/(\d+)"', dead).group(1)
    detail = boss.get(f"/admin/outbox/{message_id}").text
    assert "failed" in detail and "gone for good" in detail
    receiver.default = (200, "ok")
    retried = boss.post(f"/admin/outbox/{message_id}/retry", {"csrf_token": csrf_of(detail)})
    assert retried.status_code == 303
    Worker(world.runtime).deliver_once()
    detail = boss.get(f"/admin/outbox/{message_id}").text
    assert "delivered" in detail and detail.count('class="tag tag-warn">failed') == 1
    again = boss.post(f"/admin/outbox/{message_id}/retry", {"csrf_token": csrf_of(detail)})
    assert again.status_code == 409 and "only dead messages can be retried" in again.text
    assert boss.get("/admin/outbox?status=lost").status_code == 422


def test_non_admins_get_403_on_every_communication_admin_page(world, web, admin, responder, receiver):
    channel = admin.client.post("/api/v1/channels", json={"name": "hook", "kind": "webhook",
                                                          "settings": {"url": receiver.url}}).json()
    browser = web.browser(responder)
    token = browser.csrf()
    for path in ("/admin/channels", f"/admin/channels/{channel['id']}", "/admin/templates",
                 "/admin/templates/public/update", "/admin/outbox"):
        assert browser.get(path).status_code == 403, path
    for path in ("/admin/channels", f"/admin/channels/{channel['id']}/settings", f"/admin/channels/{channel['id']}/test",
                 f"/admin/channels/{channel['id']}/routes", f"/admin/channels/{channel['id']}/delete",
                 "/admin/templates/public/update", "/admin/templates/public/update/reset"):
        assert browser.post(path, {"csrf_token": token, "name": "x", "kind": "webhook", "webhook_url": receiver.url,
                                   "subject": "a", "body": "b"}).status_code == 403, path
    assert [c["name"] for c in admin.client.get("/api/v1/channels").json()] == ["hook"]
    assert ">Admin<" not in browser.get("/").text
