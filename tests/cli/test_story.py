"""An incident from declaration to resolution, driven only through the CLI against a real server."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone


def test_checkout_outage_from_declare_to_resolved(cli, admin):
    assert cli("services", "create", "checkout", "--team", "payments").code == 0

    declared = cli("declare", "Checkout is down", "--sev", "SEV1", "--service", "checkout",
                   "--summary", "500s on /checkout", "--impact", "No customer can pay")
    assert declared.code == 0, declared.err
    assert declared.lines[0] == "Declared: INC-1 · SEV1 · triage · Checkout is down"
    assert "commander none" in declared.out
    assert "Next: warroom assign INC-1 commander me" in declared.out
    assert "Then tell people: warroom update INC-1 --happening" in declared.out

    assigned = cli("assign", "INC-1", "commander", "me")
    assert assigned.code == 0, assigned.err
    assert "commander @ada" in assigned.out

    for status in ("investigating", "mitigated"):
        moved = cli("status", "INC-1", status, "--note", f"now {status}")
        assert moved.code == 0, moved.err
        assert moved.lines[0] == f"Status changed: INC-1 · SEV1 · {status} · Checkout is down"

    assert cli("note", "INC-1", "rolled back deploy 4512").code == 0
    backdated = cli("note", "INC-1", "first 500s in the logs", "--at", "10m", "--star")
    assert backdated.code == 0, backdated.err
    assert backdated.out.startswith("Added starred backdated note ")

    resolved = cli("status", "INC-1", "resolved", "--resolution", "rolled back deploy 4512")
    assert resolved.code == 0, resolved.err
    assert "next: closed, investigating" in resolved.out
    assert "Next: post the final update: warroom update INC-1" in resolved.out
    assert "The postmortem draft is started: warroom postmortem INC-1 --edit" in resolved.out

    shown = cli("incidents", "show", "INC-1")
    assert shown.code == 0, shown.err
    out = shown.out
    assert shown.lines[0] == "INC-1  SEV1  resolved  Checkout is down"
    for label, value in (("commander", "Ada (@ada)"), ("services", "checkout"), ("summary", "500s on /checkout"),
                         ("impact", "No customer can pay"), ("resolution", "rolled back deploy 4512"),
                         ("next", "closed, investigating"), ("canceled", "-")):
        assert any(line.split() [:1] == [label] and value in line for line in shown.lines), (label, out)
    assert "ago)" in next(line for line in shown.lines if line.startswith("mitigated"))

    timeline = shown.lines[shown.lines.index(next(line for line in shown.lines if line.startswith("Timeline"))) + 1:]
    descriptions = [line[line.index("@ada") + 5:].strip() if "@ada" in line else line for line in timeline]
    # Oldest first: the backdated note happened before the incident was even declared.
    assert descriptions[0].startswith("first 500s in the logs  (backdated; logged ")
    assert timeline[0].startswith("*")
    assert descriptions[1:] == [
        "declared SEV1: Checkout is down (services: checkout)",
        "commander @ada",
        "status triage → investigating: now investigating",
        "status investigating → mitigated: now mitigated",
        "rolled back deploy 4512",
        "status mitigated → resolved: rolled back deploy 4512",
    ]
    starred = [line.startswith("*") for line in timeline]
    assert starred == [True, True, False, True, True, False, True]

    # The backdated time reached the server as an aware time ten minutes ago.
    events = cli("incidents", "show", "INC-1", "--json").json()["timeline"]
    note = next(e for e in events if e["body"] == "first 500s in the logs")
    occurred = datetime.fromisoformat(note["occurred_at"])
    assert abs(datetime.now(timezone.utc) - timedelta(minutes=10) - occurred) < timedelta(seconds=30)


def test_roles_with_me_and_handles(cli, world, admin):
    rita = world.person("rita")
    cli("declare", "Search is slow", "--sev", "SEV3", "--commander", "rita")
    assert "commander @rita" in cli("incidents", "show", "INC-1").out

    deputy = cli("assign", "INC-1", "deputy", "me")
    assert deputy.code == 0, deputy.err
    assert "deputy now: @ada" in deputy.out
    assert cli("assign", "INC-1", "scribe", rita.email).code == 0
    removed = cli("unassign", "INC-1", "deputy", "me")
    assert removed.code == 0, removed.err
    assert "deputy now: nobody" in removed.out
    roles = cli("incidents", "show", "INC-1").out
    assert "scribe Rita (@rita)" in roles

    handover = cli.as_(rita.token)("assign", "INC-1", "commander", "@ada")
    assert handover.code == 0, handover.err
    assert "commander @ada" in handover.out


def test_severity_change_and_star(cli):
    cli("declare", "Login errors", "--sev", "SEV3")
    changed = cli("sev", "INC-1", "SEV2")
    assert changed.code == 0, changed.err
    assert changed.lines[0] == "Severity changed: INC-1 · SEV2 · triage · Login errors"

    note = cli("note", "INC-1", "errors from the EU region only", "--json").json()
    starred = cli("star", "INC-1", str(note["id"]))
    assert starred.code == 0, starred.err
    assert starred.out == f"Starred event {note['id']}: errors from the EU region only\n"
    assert cli("star", "INC-1", str(note["id"]), "--off").out.startswith("Unstarred")
    events = cli("incidents", "show", "INC-1", "--json").json()["timeline"]
    assert [e["starred"] for e in events if e["kind"] == "note"] == [False]


def test_user_text_is_shown_as_typed_not_as_markup(cli):
    title = "Queue [bold]stuck[/bold] [/] at 100%"
    assert cli("declare", title, "--sev", "SEV4").code == 0
    assert title in cli("incidents", "list").out
    assert title in cli("incidents", "show", "INC-1").out


def test_edit_changes_fields_and_each_change_is_on_the_timeline(cli, admin):
    assert cli("services", "create", "checkout").code == 0
    assert cli("declare", "Checkout slow", "--sev", "SEV3").code == 0
    edited = cli("edit", "INC-1", "--title", "Checkout down", "--impact", "No one can pay",
                 "--service", "checkout", "--label", "payments", "--link", "Dashboard=https://grafana.example/d/1")
    assert edited.code == 0, edited.err
    assert edited.out.strip() == "Updated INC-1: impact, labels, links, services, title."
    incident = cli("incidents", "show", "INC-1", "--json").json()
    assert (incident["title"], incident["impact"], incident["labels"]) == ("Checkout down", "No one can pay", ["payments"])
    assert incident["links"] == [{"title": "Dashboard", "url": "https://grafana.example/d/1"}]
    assert [s["name"] for s in incident["services"]] == ["checkout"]
    timeline = admin.client.get("/api/v1/incidents/INC-1/timeline").json()["items"]
    assert sorted(e["data"]["field"] for e in timeline if e["kind"] == "field_edited") == [
        "impact", "labels", "links", "services", "title"]


def test_edit_with_nothing_to_change_is_a_usage_error(cli):
    assert cli("declare", "Checkout slow", "--sev", "SEV3").code == 0
    result = cli("edit", "INC-1")
    assert result.code == 2
    assert "nothing to change" in result.err
