"""warroom integrations, alerts, alert-rules and changes against a real server; the routing key a
command prints is used by a real HTTP client on the server's inbound endpoints."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import httpx
import pytest


def enqueue(server_url: str, key: str, dedup_key: str = "disk-1", severity: str = "critical",
            summary: str = "Disk full on db-1") -> httpx.Response:
    return httpx.post(f"{server_url}/v2/enqueue", json={
        "routing_key": key, "event_action": "trigger", "dedup_key": dedup_key,
        "payload": {"summary": summary, "source": "db-1", "severity": severity}})


def cells(line: str) -> list[str]:
    return [cell.strip() for cell in re.split(r"[┃│]", line)]


@pytest.fixture
def checkout(cli) -> None:
    assert cli("services", "create", "checkout").code == 0
    assert cli("services", "create", "search").code == 0


def test_create_prints_only_the_key_which_then_sends_alerts_handled_from_the_cli(cli, checkout, server_url,
                                                                                responder):
    created = cli("integrations", "create", "checkout", "--type", "pagerduty", "--rate-limit", "100")
    assert created.code == 0, created.err
    key = created.out.removesuffix("\n")
    assert re.fullmatch(r"[0-9a-f]{32}", key), created.out  # the key alone: KEY=$(warroom integrations create ...)
    assert "not shown again" in created.err and "/v2/enqueue" in created.err and key not in created.err
    assert enqueue(server_url, key).status_code == 202
    assert enqueue(server_url, key, "slow-1", "warning", "Search is slow").status_code == 202

    listed = cli("alerts")
    assert listed.code == 0, listed.err
    assert cells(listed.lines[0]) == ["id", "severity", "status", "service", "summary", "incident", "count",
                                      "last seen"]
    rows = [cells(line) for line in listed.lines if "│" in line]
    assert [row[:7] for row in rows] == [["2", "warning", "triggered", "checkout", "Search is slow", "INC-1", "1"],
                                         ["1", "critical", "triggered", "checkout", "Disk full on db-1", "INC-1", "1"]]
    assert listed.lines[-1] == "2 alerts"
    assert [a["dedup_key"] for a in cli("alerts", "--severity", "critical", "--json").json()["items"]] == ["disk-1"]
    assert cli("alerts", "--incident", "INC-1", "--limit", "1").lines[-1] == "1 alert; --all for the rest"

    rita = cli.as_(responder.token)
    acked = rita("alerts", "ack", "1")
    assert acked.code == 0, acked.err
    assert acked.lines == ["Acknowledged alert 1: Disk full on db-1",
                           "  It is part of INC-1; to stop its paging: warroom ack INC-1"]
    again = rita("alerts", "ack", "1")
    assert again.code == 1 and again.out == "" and again.err.startswith("error (alert): alert 1 is acknowledged")
    shown = rita("alerts", "show", "1")
    assert shown.lines[0] == "Alert 1  critical  acknowledged  Disk full on db-1"
    assert re.search(r"acknowledged\s+\d{4}-\d\d-\d\d \d\d:\d\d .*by rita", shown.out), shown.out
    assert "checkout pagerduty (pagerduty)" in shown.out
    assert rita("alerts", "resolve", "1").lines == ["Resolved alert 1: Disk full on db-1"]
    assert rita("alerts", "resolve", "1").code == 1
    assert [a["id"] for a in rita("alerts", "--json").json()["items"]] == [2]
    assert "Disk full" in rita("alerts", "--status", "resolved").out
    assert [a["id"] for a in rita("alerts", "--status", "all", "--json").json()["items"]] == [2, 1]
    assert rita("alerts", "--status", "firing").err.startswith("error (status): unknown alert status 'firing'")
    assert rita("alerts", "show", "99").code == 1

    # Keys: listed by their last 4 characters only; rotation and revocation stop the old ones at once.
    integrations = cli("integrations")
    assert f"…{key[-4:]}" in integrations.out and key not in integrations.out
    assert cli("integrations", "list", "--json").json()[0]["rate_limit_per_minute"] == 100
    assert rita("integrations", "create", "checkout", "--type", "pagerduty").err == "error: only admins can do this\n"
    rotated = cli("integrations", "rotate", "1")
    new_key = rotated.out.removesuffix("\n")
    assert rotated.code == 0 and re.fullmatch(r"[0-9a-f]{32}", new_key) and new_key != key
    assert enqueue(server_url, key).status_code == 400
    assert enqueue(server_url, new_key).status_code == 202
    revoked = cli("integrations", "revoke", "1")
    assert revoked.code == 0 and revoked.out.startswith("Revoked integration 1 (checkout pagerduty) at ")
    assert enqueue(server_url, new_key).status_code == 400
    assert cli("integrations").out.startswith("No integrations.")
    assert re.search(r"revoked\s+\d{4}-\d\d-\d\d \d\d:\d\d", cli("integrations", "show", "1").out)


def test_generic_webhook_with_a_mapping_file_and_testing_it(cli, checkout, server_url, tmp_path):
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"title": "check.name", "dedup_key": "{{ payload.host }}/{{ payload.check.name }}",
                                   "severity": "level", "origin": "host"}))
    sample = tmp_path / "sample.json"
    sample.write_text(json.dumps({"host": "web-3", "check": {"name": "HTTP 500s"}, "level": "crit"}))
    bad = tmp_path / "bad.json"
    bad.write_text('{"title": ')
    wrong = cli("integrations", "create", "checkout", "--type", "generic", "--mapping", str(bad))
    assert wrong.code == 2 and wrong.err.startswith("error (--mapping): ") and "is not JSON" in wrong.err
    assert cli("integrations", "create", "checkout", "--type", "generic").err.startswith("error (mapping.title): ")
    missing = cli("integrations", "create", "checkout", "--type", "generic", "--mapping", str(tmp_path / "no.json"))
    assert missing.code == 2 and "(--mapping)" in missing.err
    created = cli("integrations", "create", "checkout", "--type", "generic", "--mapping", str(mapping),
                  "--name", "Uptime")
    assert created.code == 0, created.err
    key = created.out.strip()
    assert "/hooks/generic/" in created.err

    tried = cli("integrations", "test-mapping", "1", str(sample))
    assert tried.code == 0, tried.err
    assert tried.lines[0] == "The mapping reads this sample as a trigger:"
    assert re.search(r"dedup key\s+web-3/HTTP 500s", tried.out) and re.search(r"severity\s+critical", tried.out)
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"title": "host"}))
    assert re.search(r"summary\s+web-3", cli("integrations", "test-mapping", "1", str(sample), "--mapping", str(other)).out)
    (tmp_path / "empty.json").write_text("{}")
    failed = cli("integrations", "test-mapping", "1", str(tmp_path / "empty.json"))
    assert failed.code == 1 and failed.out == ""
    assert failed.err.startswith("error: the sample does not fit the mapping: title: check.name is not in the payload; ")
    assert cli("integrations", "test-mapping", "1", str(sample), "--json").json()["event"]["origin"] == "web-3"

    sent = httpx.post(f"{server_url}/hooks/generic/{key}", json=json.loads(sample.read_text()))
    assert sent.status_code == 202, sent.text
    assert cli("alerts", "--json").json()["items"][0]["dedup_key"] == "web-3/HTTP 500s"
    edited = cli("integrations", "edit", "1", "--rate-limit", "5", "--default-severity", "warning")
    assert edited.code == 0 and re.search(r"rate limit\s+5 events a minute", edited.out)
    assert cli("integrations", "edit", "1").code == 2


def test_alert_rules_shown_changed_and_reset(cli, checkout, responder):
    shown = cli("alert-rules", "checkout")
    assert shown.code == 0, shown.err
    assert shown.lines[0] == "Alert rules for checkout (the defaults):"
    assert "    critical  → SEV2   declares" in shown.lines and "    info      → none   joins only" in shown.lines
    assert "    warning   → SEV4   joins only" in shown.lines
    changed = cli("alert-rules", "checkout", "--map", "critical=SEV1", "--map", "warning=none",
                  "--declare-at", "critical", "--window", "30")
    assert changed.code == 0, changed.err
    assert changed.lines[0] == "Alert rules for checkout (customized):"
    assert "    critical  → SEV1   declares" in changed.lines and "    error     → SEV3   joins only" in changed.lines
    assert "    warning   → none   joins only" in changed.lines and "Grouping window: 30 min" in changed.out
    off = cli("alert-rules", "checkout", "--no-auto-declare", "--json").json()
    assert (off["auto_declare"], off["declare_at"], off["group_window_minutes"]) == (False, "critical", 30)
    assert "never declare" in cli("alert-rules", "checkout").out
    bad = cli("alert-rules", "checkout", "--map", "critical")
    assert bad.code == 2 and "(--map)" in bad.err
    unknown = cli("alert-rules", "checkout", "--map", "critical=SEV9")
    assert unknown.code == 1 and unknown.err.startswith("error (severity_map.critical): unknown incident severity")
    assert cli("alert-rules", "checkout", "--reset", "--window", "5").code == 2
    assert cli.as_(responder.token)("alert-rules", "checkout", "--reset").code == 1
    assert cli("alert-rules", "nowhere").err.startswith("error (service): no service 'nowhere'")
    assert cli("alert-rules", "checkout", "--reset").lines[0] == "Alert rules for checkout (the defaults):"


def test_changes_listed_filtered_and_before_an_incident(cli, checkout, server_url, clock):
    key = cli("integrations", "create", "checkout", "--type", "pagerduty").out.strip()
    search_key = cli("integrations", "create", "search", "--type", "pagerduty").out.strip()
    earlier = clock.now() - timedelta(hours=3)
    for routing_key, summary, at in ((key, "Deploy checkout v41", earlier), (key, "Deploy checkout v42", None),
                                     (search_key, "Reindex search", None)):
        payload = {"summary": summary, "source": "ci"} | ({"timestamp": at.isoformat()} if at else {})
        assert httpx.post(f"{server_url}/v2/change/enqueue", json={
            "routing_key": routing_key, "payload": payload}).status_code == 202
    listed = cli("changes")
    assert listed.code == 0, listed.err
    rows = [cells(line) for line in listed.lines if "│" in line]  # newest first
    assert [row[1:4] for row in rows] == [["search", "Reindex search", "ci"], ["checkout", "Deploy checkout v42", "ci"],
                                          ["checkout", "Deploy checkout v41", "ci"]]
    local = earlier.astimezone().strftime("%Y-%m-%d %H:%M %Z")
    assert rows[-1][0].startswith(local)  # in this machine's timezone
    assert "Reindex" not in cli("changes", "checkout").out
    recent = cli("changes", "checkout", "--since", "1h", "--json").json()
    assert [c["summary"] for c in recent] == ["Deploy checkout v42"]
    assert cli("changes", "--since", "yesterday").code == 2
    assert cli("changes", "--limit", "1", "--json").json()[0]["summary"] in ("Deploy checkout v42", "Reindex search")
    declared = cli("declare", "Checkout errors", "--sev", "SEV2", "--service", "checkout",
                   "--started-at", (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat())
    assert declared.code == 0, declared.err
    before = cli("changes", "--incident", "INC-1", "--json").json()
    assert [c["summary"] for c in before] == ["Deploy checkout v42", "Deploy checkout v41"]
    assert cli("changes", "checkout", "--incident", "INC-1").code == 2
    assert cli("changes", "nowhere").err.startswith("error (service): unknown service(s): nowhere")
