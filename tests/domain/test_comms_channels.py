"""E-mail, Slack and Teams deliveries against real local receivers: formats, threads, failures."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from receivers import with_smtp
from warroom.comms import channels
from warroom.comms.schemas import ChannelIn, ChannelPatch
from warroom.core.clock import ManualClock
from warroom.core.errors import Invalid
from warroom.core.outbox import OutboxMessage
from warroom.core.worker import Worker


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime.now(timezone.utc).replace(microsecond=0))


def add_channel(desk, admin, **fields):
    with desk.ctx(admin) as ctx:
        channel, _ = channels.create_channel(ctx, ChannelIn(**fields))
        return channel.id


def statuses(runtime) -> list[tuple[str, str]]:
    with runtime.db.read_session() as db:
        return [(m.status, m.last_error) for m in db.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def test_email_is_multipart_and_one_incident_is_one_thread(desk, runtime, ada, rita, mailbox):
    add_channel(desk, ada, name="ops-mail", kind="email", settings={"recipients": ["ops@example.com"]})
    ref = desk.declare(rita, "Checkout is failing", "SEV2")
    desk.assign(rita, ref, "commander", rita)
    desk.status(rita, ref, "investigating")
    worker = Worker(with_smtp(runtime, mailbox))
    worker.deliver_once()
    worker.deliver_once()
    first, second = mailbox.wait_for(2)
    assert first["To"] == "ops@example.com" and first["From"] == "warroom@example.com"
    assert f"{ref} Checkout is failing" in first["Subject"]
    assert first.get_content_type() == "multipart/alternative"
    text = first.get_body(("plain",)).get_content()
    html = first.get_body(("html",)).get_content()
    assert "declared as SEV2" in text and f"/incidents/{ref}" in text
    assert "<h2" in html and f"/incidents/{ref}" in html
    assert first["In-Reply-To"] is None
    assert second["In-Reply-To"] == first["Message-ID"] == second["References"]
    assert statuses(runtime) == [("delivered", ""), ("delivered", "")]


def test_email_without_smtp_settings_waits_with_a_clear_error(desk, runtime, ada, rita):
    add_channel(desk, ada, name="ops-mail", kind="email", settings={"recipients": ["ops@example.com"]})
    desk.declare(rita)
    Worker(runtime).deliver_once()
    [(status, error)] = statuses(runtime)
    assert status == "pending" and "WARROOM_SMTP_HOST" in error


def test_slack_bot_threads_replies_under_the_first_message(desk, runtime, ada, rita, receiver):
    posted = []

    def slack_api(request):
        posted.append(request)
        if request.headers.get("authorization") != "Bearer xoxb-test":
            return 200, '{"ok": false, "error": "invalid_auth"}'
        return 200, '{"ok": true, "channel": "C123", "ts": "1700000000.%06d"}' % len(posted)

    receiver.respond = slack_api
    add_channel(desk, ada, name="slack-inc", kind="slack", settings={"channel": "C123", "api_base": receiver.url},
                secrets={"bot_token": "xoxb-test"})
    ref = desk.declare(rita, "Checkout is failing", "SEV1")
    worker = Worker(runtime)
    worker.deliver_once()
    desk.severity(rita, ref, "SEV2")
    worker.deliver_once()
    first, second = (r.json() for r in receiver.wait_for(2))
    assert posted[0].path == "/chat.postMessage"
    assert first["channel"] == "C123" and "thread_ts" not in first
    assert first["blocks"][0]["type"] == "header" and ref in first["text"]
    assert any(b["type"] == "actions" for b in first["blocks"])
    assert second["thread_ts"] == "1700000000.000001"
    assert "SEV1 → SEV2" in second["text"]


def test_slack_permanent_errors_dead_letter_and_rate_limits_retry(desk, runtime, ada, rita, receiver):
    receiver.answers = [(429, "rate limited"), (200, '{"ok": false, "error": "channel_not_found"}')]
    add_channel(desk, ada, name="slack-inc", kind="slack", settings={"channel": "C404", "api_base": receiver.url},
                secrets={"bot_token": "xoxb-test"})
    desk.declare(rita)
    worker = Worker(runtime)
    worker.deliver_once()
    assert statuses(runtime)[0][0] == "pending"
    runtime.clock.advance(minutes=1)
    worker.deliver_once()
    assert statuses(runtime) == [("dead", "Slack error: channel_not_found")]


def test_slack_incoming_webhook_and_teams_adaptive_card(desk, runtime, ada, rita, receiver):
    add_channel(desk, ada, name="slack-hook", kind="slack", secrets={"webhook_url": receiver.url + "/slack"})
    add_channel(desk, ada, name="teams", kind="teams", secrets={"webhook_url": receiver.url + "/teams"})
    ref = desk.declare(rita, "Checkout is failing", "SEV2")
    Worker(runtime).deliver_once()
    by_path = {r.path: r.json() for r in receiver.wait_for(2)}
    assert by_path["/slack"]["blocks"][0]["text"]["text"].startswith("[SEV2]")
    card = by_path["/teams"]["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["type"] == "AdaptiveCard"
    facts = {f["title"]: f["value"] for f in card["content"]["body"][2]["facts"]}
    assert facts["Incident"] == ref and facts["Severity"] == "SEV2"
    assert card["content"]["actions"][0]["url"].endswith(f"/incidents/{ref}")


@pytest.mark.parametrize(("fields", "field"), [
    ({"kind": "email", "settings": {"recipients": []}}, "settings.recipients"),
    ({"kind": "email", "settings": {"recipients": ["not-an-address"]}}, "settings.recipients"),
    ({"kind": "slack"}, "secrets"),
    ({"kind": "slack", "secrets": {"bot_token": "xoxb"}}, "settings.channel"),
    ({"kind": "teams", "secrets": {"webhook_url": "ftp://x"}}, "secrets.webhook_url"),
    ({"kind": "webhook", "settings": {"url": "http://x", "colour": "red"}}, "settings.colour"),
    ({"kind": "webhook", "settings": {}}, "settings.url"),
])
def test_bad_channel_settings_are_refused_naming_the_field(desk, runtime, ada, fields, field):
    with pytest.raises(Invalid) as refused, desk.ctx(ada) as ctx:
        channels.create_channel(ctx, ChannelIn(name="bad", **fields))
    assert refused.value.field == field
    with desk.reading() as ctx:
        assert channels.list_channels(ctx) == []


def test_secrets_are_kept_when_other_settings_change(desk, runtime, ada, receiver):
    channel_id = add_channel(desk, ada, name="teams", kind="teams", secrets={"webhook_url": receiver.url})
    with desk.ctx(ada) as ctx:
        channel = channels.get_channel(ctx, channel_id)
        channels.update_channel(ctx, channel, ChannelPatch(name="teams-ops", enabled=False))
    with desk.ctx(ada) as ctx:
        channel = channels.get_channel(ctx, "teams-ops")
        assert channel.secrets == {"webhook_url": receiver.url} and not channel.enabled
