"""warroom update / updates / channels / templates / outbox against a real server and receiver."""

from __future__ import annotations

import pytest
from standardwebhooks.webhooks import Webhook

from warroom.core.worker import Worker


def test_update_posts_previews_and_reuses_the_previous_parts(cli, runtime, receiver):
    added = cli("channels", "add", "ops-hook", "--kind", "webhook", "--url", receiver.url,
                "--event", "update_posted")
    assert added.code == 0, added.err
    assert "Added webhook channel ops-hook" in added.out and "events=update_posted" in added.out
    secret = added.lines[-1]
    assert secret.startswith("whsec_")
    cli("declare", "Checkout is down", "--sev", "SEV1", "--commander", "me")

    missing = cli("update", "INC-1", "--happening", "Checkout fails.", "--next", "30m")
    assert missing.code == 2 and "--affected is needed" in missing.err

    preview = cli("update", "INC-1", "--happening", "Checkout fails.", "--affected", "Everyone.",
                  "--doing", "Rolling back.", "--next", "30m", "--preview")
    assert preview.code == 0, preview.err
    assert "nothing was posted" in preview.out and "What is happening: Checkout fails." in preview.out
    assert cli("updates", "INC-1").out == "No updates yet.\n"

    posted = cli("update", "INC-1", "--happening", "Checkout fails.", "--affected", "Everyone.",
                 "--doing", "Rolling back.", "--next", "30m")
    assert posted.code == 0, posted.err
    assert "Posted initial internal update to INC-1." in posted.out and "Next update promised by" in posted.out
    again = cli("update", "INC-1", "--doing", "Rollback done; watching errors.", "--next", "1h")
    assert again.code == 0, again.err
    listed = cli("updates", "INC-1", "--json").json()
    assert [u["kind"] for u in listed] == ["initial", "update"]
    assert listed[1]["whats_happening"] == "Checkout fails." and listed[1]["what_we_are_doing"].startswith("Rollback")

    Worker(runtime).deliver_once()
    first, second = receiver.wait_for(2)
    assert Webhook(secret).verify(first.body, first.headers)["type"] == "incident.update_posted"
    outbox = cli("outbox")
    assert outbox.code == 0 and outbox.out.count("delivered") == 2
    newest = cli("outbox", "--json").json()[0]
    shown = cli("outbox", "show", str(newest["id"]))
    assert shown.code == 0, shown.err
    assert shown.lines[0] == f"Message {newest['id']} · update_posted → ops-hook · delivered · key {newest['key']}"
    assert "ok" in shown.out and "HTTP 200" in shown.out
    assert cli("outbox", "show", "999999").code != 0


def test_bad_next_time_is_a_usage_error(cli):
    cli("declare", "Checkout is down", "--sev", "SEV2")
    bad = cli("update", "INC-1", "--happening", "a", "--affected", "b", "--doing", "c", "--next", "soonish")
    assert bad.code == 2 and "(--next)" in bad.err


def test_channels_secrets_come_from_stdin_and_templates_round_trip(cli, tmp_path):
    added = cli("channels", "add", "teams", "--kind", "teams", "--secret-stdin",
                input="https://example.invalid/teams-hook\n")
    assert added.code == 0, added.err
    listed = cli("channels")
    assert "teams" in listed.out and "secret set" in listed.out and "example.invalid" not in listed.out
    body = tmp_path / "body.txt"
    body.write_text("{{ update.whats_happening }}\n{% if %}\n")
    refused = cli("templates", "set", "public", "update", "--subject", "Update", "--body-file", str(body))
    assert refused.code == 1 and "body line 2" in refused.err
    body.write_text("{{ update.whats_happening }}\n")
    assert cli("templates", "set", "public", "update", "--subject", "Update", "--body-file", str(body)).code == 0
    rows = [[w for w in line.split() if w != "│"] for line in cli("templates").lines]
    assert next(row for row in rows if row[:2] == ["public", "update"])[2] == "yes"
    assert cli("templates", "show", "public", "update").out == "Update\n{{ update.whats_happening }}\n\n"
    assert cli("templates", "reset", "public", "update").code == 0
    assert cli("channels", "remove", "teams").code == 0
    assert "No channels yet" in cli("channels").out
