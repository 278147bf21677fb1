"""warroom escalation-policies, contact-methods, notification-rules, and ack/escalate/repage/pages
against a real server."""

from __future__ import annotations

from warroom.core.outbox import OutboxMessage


def test_policies_contacts_rules_and_paging_an_incident(cli, responder, runtime, world):
    world.person("sam")
    rita = cli.as_(responder.token)
    assert cli("services", "create", "checkout").code == 0
    bad = cli("escalation-policies", "create", "checkout-oncall", "--level", "soon: rita")
    assert bad.code == 2 and "--level" in bad.err
    created = cli("escalation-policies", "create", "checkout-oncall", "--level", "5m: rita",
                  "--level", "10m: sam, user:ada", "--repeat", "1", "--service", "checkout")
    assert created.code == 0, created.err
    assert created.lines == ["checkout-oncall · repeats 1× · services: checkout",
                             "  1. rita — then wait 5 min", "  2. sam, ada — then wait 10 min"]
    assert cli("escalation-policies").lines[0].startswith("checkout-oncall")
    added = rita("contact-methods", "add", "email", "rita@pager.example", "--label", "pager")
    assert added.code == 0 and "verify 1 CODE" in added.out
    with runtime.db.read_session() as db:
        code = db.query(OutboxMessage).order_by(OutboxMessage.id.desc()).first().payload["code"]
    assert rita("contact-methods", "verify", "1", "000000" if code != "000000" else "111111").code == 1
    assert rita("contact-methods", "verify", "1", code).out.startswith("Verified email contact 1")
    assert rita("notification-rules", "add", "1", "--urgency", "high", "--after", "0").code == 0
    assert "rita@pager.example" in rita("notification-rules").out
    declared = cli("declare", "Checkout is down", "--sev", "SEV2", "--service", "checkout")
    assert declared.code == 0, declared.err
    status = cli("pages", "INC-1")
    assert status.code == 0 and "level 1, round 1" in status.out and "rita" in status.out
    escalated = cli("escalate", "INC-1")
    assert "level 2, round 1" in escalated.out and "sam" in escalated.out
    acked = rita("ack", "INC-1")
    assert acked.code == 0 and "response target met" in acked.out and "· acknowledged ·" in acked.out
    again = rita("ack", "INC-1")
    assert again.code == 1 and "already acknowledged" in again.err
    assert cli("pages", "INC-1", "--json").json()["pages"][0]["status"] == "acknowledged"
    assert "round 1" in cli("repage", "INC-1").out
    assert rita("contact-methods", "remove", "1").code == 0
    assert cli("escalation-policies", "delete", "checkout-oncall").code == 0
