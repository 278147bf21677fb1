"""Listing, reference commands, triage and --json, against a real server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def declare_three(cli) -> None:
    cli("services", "create", "checkout")
    cli("declare", "Checkout is down", "--sev", "SEV1", "--service", "checkout", "--commander", "me")
    cli("declare", "Search is slow", "--sev", "SEV3", "--summary", "p95 over 2s")
    cli("declare", "Typo on the pricing page", "--sev", "SEV4")
    cli("status", "INC-1", "resolved", "--resolution", "rolled back")


def rows(run) -> list[str]:
    """The refs in a table, in order."""
    return [line.split()[0] for line in run.lines if line.startswith("INC-")]


def test_list_is_a_table_newest_first_with_paging_on_request(cli):
    declare_three(cli)
    listed = cli("incidents", "list")
    assert listed.code == 0, listed.err
    header = listed.lines[0].split()
    assert [h for h in header if h.isalpha()] == ["ref", "sev", "status", "title", "commander", "age", "response"]
    assert rows(listed) == ["INC-3", "INC-2", "INC-1"]
    inc1 = next(line for line in listed.lines if line.startswith("INC-1"))
    assert "SEV1" in inc1 and "resolved" in inc1 and "@ada" in inc1 and "met" in inc1
    inc3 = next(line for line in listed.lines if line.startswith("INC-3"))
    assert "triage" in inc3 and "due " in inc3  # SEV4: next business day, nobody in command yet
    assert listed.lines[-1] == "3 of 3"

    first_page = cli("incidents", "list", "--limit", "2")
    assert rows(first_page) == ["INC-3", "INC-2"]
    assert first_page.lines[-1] == "2 of 3; --all for the rest"
    assert rows(cli("incidents", "list", "--limit", "2", "--all")) == ["INC-3", "INC-2", "INC-1"]

    everything = cli("incidents", "list", "--limit", "1", "--all", "--json").json()
    assert [i["ref"] for i in everything["items"]] == ["INC-3", "INC-2", "INC-1"]
    assert everything["total"] == 3 and everything["next_cursor"] is None
    one_page = cli("incidents", "list", "--limit", "1", "--json").json()
    assert len(one_page["items"]) == 1 and one_page["next_cursor"]


def test_list_filters_go_to_the_server(cli):
    declare_three(cli)
    assert rows(cli("incidents", "list", "--open")) == ["INC-3", "INC-2"]
    assert rows(cli("incidents", "list", "--status", "resolved")) == ["INC-1"]
    assert rows(cli("incidents", "list", "--status", "triage,resolved")) == ["INC-3", "INC-2", "INC-1"]
    assert rows(cli("incidents", "list", "--sev", "SEV1", "--sev", "SEV4")) == ["INC-3", "INC-1"]
    assert rows(cli("incidents", "list", "--service", "checkout")) == ["INC-1"]
    assert rows(cli("incidents", "list", "--search", "P95")) == ["INC-2"]
    empty = cli("incidents", "list", "--search", "nothing like this")
    assert empty.code == 0 and empty.out == "No incidents match.\n"
    bad = cli("incidents", "list", "--status", "sleeping")
    assert bad.code == 1 and bad.err.startswith("error (status): unknown status 'sleeping'")


def test_every_command_speaks_json(cli):
    outputs = {
        "service": cli("services", "create", "checkout", "--description", "Checkout API", "--json"),
        "declare": cli("declare", "Checkout is down", "--sev", "SEV1", "--json"),
        "assign": cli("assign", "INC-1", "commander", "me", "--json"),
        "status": cli("status", "INC-1", "investigating", "--json"),
        "sev": cli("sev", "INC-1", "SEV2", "--json"),
        "responder": cli("assign", "INC-1", "responder", "me", "--json"),
        "unassign": cli("unassign", "INC-1", "responder", "me", "--json"),
        "note": cli("note", "INC-1", "hello", "--json"),
        "list": cli("incidents", "list", "--json"),
        "show": cli("incidents", "show", "INC-1", "--json"),
        "services": cli("services", "list", "--json"),
        "severities": cli("severities", "--json"),
        "triage": cli("triage", "--up", "--users", "some", "--feature", "minor", "--json"),
        "whoami": cli("whoami", "--json"),
    }
    data = {name: run.json() for name, run in outputs.items()}
    assert all(run.code == 0 and run.err == "" for run in outputs.values())
    assert data["service"]["name"] == "checkout"
    assert data["declare"]["ref"] == "INC-1" and data["declare"]["status"] == "triage"
    assert data["assign"]["commander"]["email"] == "ada@example.com"
    assert data["status"]["status"] == "investigating" and data["sev"]["severity"] == "SEV2"
    assert [r["role"] for r in data["responder"]["roles"]] == ["responder"] and data["unassign"]["roles"] == []
    assert data["note"]["kind"] == "note"
    star = cli("star", "INC-1", str(data["note"]["id"]), "--json").json()
    assert star["starred"] is True
    assert data["list"]["total"] == 1
    assert data["show"]["ref"] == "INC-1"
    assert [e["kind"] for e in data["show"]["timeline"]][-1] == "note"
    assert data["services"][0]["description"] == "Checkout API"
    assert [s["name"] for s in data["severities"]["severities"]] == ["SEV1", "SEV2", "SEV3", "SEV4"]
    assert data["triage"]["severity"] == "SEV3"
    assert data["whoami"]["handle"] == "ada"


def test_reference_commands(cli):
    assert cli("services", "list").out.startswith("No services yet")
    created = cli("services", "create", "checkout", "--description", "Checkout API", "--team", "payments")
    assert created.out == "Created service checkout.\n"
    services = cli("services", "list").lines
    assert services[0].split("┃")[0].strip() == "name"
    assert services[-1].split() == ["checkout", "│", "payments", "│", "Checkout", "API"]
    duplicate = cli("services", "create", "checkout")
    assert duplicate.code == 1 and duplicate.err == "error (name): service 'checkout' already exists\n"

    policy = cli("severities").out
    for text in ("SEV1  Critical  Service down, all users affected",
                 "response immediate · paging all hands · updates every 30m · postmortem required",
                 "response next business day · paging low urgency",
                 "Business hours 09:00-17:00 mon, tue, wed, thu, fri, timezone UTC; holidays: none"):
        assert text in policy, text

    me = cli("whoami")
    assert me.lines[0] == "Ada <ada@example.com> @ada, admin, timezone UTC"
    assert me.lines[1] == f"  server {cli.url}"


def answers(run) -> list[str]:
    """stdout without the typed answers, which the test runner echoes there as a terminal would."""
    return [line for line in run.lines if not line.startswith(" ") or line.startswith("  ")]


def test_triage_asks_for_what_is_not_given(cli):
    asked = cli("triage", input="y\nall\ncore\n")
    assert asked.code == 0, asked.err
    assert "Is the service down for its users?" in asked.err  # prompts stay off stdout
    assert answers(asked)[:3] == ["Proposed severity: SEV1 (Critical)",
                               "  criterion  Service down, all users affected",
                               "  reason     SEV1: the service is down"]
    assert 'warroom declare "TITLE" --sev SEV1' in asked.out

    partly = cli("triage", "--up", input="some\nminor\n")
    assert answers(partly)[0] == "Proposed severity: SEV3 (Minor)"
    assert "How many users are affected?" in partly.err

    retyped = cli("triage", "--up", "--feature", "cosmetic", input="lots\nfew\n")
    assert answers(retyped)[0] == "Proposed severity: SEV4 (Low)"

    flags = cli("triage", "--up", "--users", "many", "--feature", "major")
    assert flags.err == "" and flags.lines[0] == "Proposed severity: SEV2 (Major)"
    refused = cli("triage", "--up", "--users", "everyone", "--feature", "major")
    assert refused.code == 1 and refused.err.startswith("error (users): users must be")


def test_url_and_token_can_come_from_the_config_file(cli, admin, tmp_path):
    config = tmp_path / "warroom.toml"
    config.write_text(f'url = "{cli.url}"\ntoken = "{admin.token}"\n', encoding="utf-8")
    me = cli("whoami", url=None, token=None, config=str(config))
    assert me.code == 0, me.err
    assert me.lines[0].startswith("Ada <ada@example.com>")
    config.write_text(f'url = "{cli.url}"\ntoken = "wr_revoked"\n', encoding="utf-8")
    refused = cli("whoami", url=None, token=None, config=str(config))
    assert refused.code == 1
    assert refused.err.startswith("error: invalid or revoked token (WARROOM_CONFIG)")


def test_the_installed_command_runs_as_a_process(cli, server_url, admin):
    """The console script itself: output on stdout, the one-line reason on stderr, the exit code."""
    warroom = Path(sys.executable).with_name("warroom")
    env = {**os.environ, "WARROOM_URL": server_url, "WARROOM_TOKEN": admin.token, "COLUMNS": "200"}
    env.pop("WARROOM_CONFIG", None)
    ok = subprocess.run([warroom, "declare", "Checkout is down", "--sev", "SEV1"], env=env,
                        capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("Declared: INC-1 · SEV1 · triage · Checkout is down\n")
    refused = subprocess.run([warroom, "status", "INC-1", "closed"], env=env,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.startswith("error (status): cannot move INC-1 from triage to closed; allowed: ")
    assert refused.stderr.count("\n") == 1
