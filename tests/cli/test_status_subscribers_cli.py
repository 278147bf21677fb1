"""warroom subscribers (list, add, remove) against a real server, with a real webhook receiver."""

from __future__ import annotations

from standardwebhooks.webhooks import Webhook

from warroom.core.worker import Worker
from warroom.statuspage import components, publishing


def test_add_list_and_remove(cli, runtime, receiver):
    with runtime.db.write_session() as session:
        checkout = components.create_component(runtime.system_context(session), "Checkout").public_id
    pending = cli("subscribers", "add", "Pat@Example.com")
    assert pending.code == 0, pending.err
    assert pending.lines[0] == "Added email subscriber pat@example.com (id 1, pending) for every component."
    assert "confirmation mail is on its way" in pending.out
    active = cli("subscribers", "add", "sam@example.com", "--confirmed", "--component", checkout)
    assert active.code == 0, active.err
    assert active.out == "Added email subscriber sam@example.com (id 2, active) for Checkout.\n"
    hook = cli("subscribers", "add", receiver.url + "/status", "--kind", "webhook")
    assert hook.code == 0, hook.err
    assert "Signing secret (shown once" in hook.out
    secret = hook.lines[-1]
    assert secret.startswith("whsec_")

    listed = cli("subscribers")
    assert listed.code == 0, listed.err
    assert listed.lines[0].replace("┃", " ").split() == ["Id", "Kind", "Target", "Status", "Components", "Added"]
    assert "pat@example.com" in listed.out and "Checkout" in listed.out and "3 of 3" in listed.out
    assert secret not in listed.out and secret not in cli("subscribers", "--json").out
    only = cli("subscribers", "--status", "pending", "--json").json()
    assert [s["target"] for s in only["items"]] == ["pat@example.com"]
    paged = cli("subscribers", "--limit", "1")
    assert "1 of 3; --all for every page." in paged.out
    assert len(cli("subscribers", "--limit", "1", "--all", "--json").json()["items"]) == 3

    with runtime.db.write_session() as session:
        publishing.announce(runtime.system_context(session), publishing.Announcement(
            kind=publishing.MAINTENANCE_STARTED, public_id="mnt123public", title="Database upgrade",
            status="in_progress", body="Maintenance is in progress."))
    Worker(runtime).deliver_once()
    [request] = receiver.wait_for(1)
    event = Webhook(secret).verify(request.body, request.headers)
    assert event["type"] == "maintenance.started" and event["data"]["maintenance"]["title"] == "Database upgrade"

    removed = cli("subscribers", "remove", "1")
    assert removed.code == 0 and removed.out == "Removed email subscriber pat@example.com (id 1).\n"
    again = cli("subscribers", "remove", "1")
    assert again.code == 1 and "error (subscriber): no subscriber 1" in again.err


def test_refusals_are_one_line_with_the_field(cli, responder):
    duplicate = [cli("subscribers", "add", "pat@example.com") for _ in range(2)][1]
    assert duplicate.code == 1 and duplicate.err.startswith("error (target): pat@example.com is already")
    bad_kind = cli("subscribers", "add", "x@example.com", "--kind", "sms")
    assert bad_kind.code == 1 and "error (kind)" in bad_kind.err
    bad_status = cli("subscribers", "--status", "gone")
    assert bad_status.code == 1 and "error (status)" in bad_status.err
    refused = cli.as_(responder.token)("subscribers")
    assert refused.code == 1 and "only admins" in refused.err
