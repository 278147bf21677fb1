"""warroom components / component-groups / maintenance / statuspage settings against a real server."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from warroom.cli.output import parse_time


def cells(line: str) -> list[str]:
    """One row of a table as its cells."""
    return [cell.strip() for cell in re.split(r"[┃│]", line)]


def test_components_and_groups_are_added_pinned_and_removed(cli):
    assert cli("services", "create", "checkout").code == 0
    assert cli("components").out == "No components yet. Add one with: warroom components add NAME --service SERVICE\n"
    group = cli("component-groups", "add", "Core", "--position", "1")
    assert group.code == 0, group.err
    assert group.out.startswith("Added component group Core (")

    added = cli("components", "add", "Checkout", "--service", "checkout", "--group", "Core", "--position", "2",
                "--description", "Paying for an order")
    assert added.code == 0, added.err
    public_id = cli("components", "--json").json()[0]["public_id"]
    assert added.out == f"Added component Checkout ({public_id}): operational; service checkout, group Core.\n"
    assert cli("components", "add", "Search").code == 0

    listed = cli("components", "list")
    assert listed.code == 0, listed.err
    assert cells(listed.lines[0]) == ["Name", "Status", "Service", "Group", "Position", "Id"]
    assert cells(listed.lines[2])[:5] == ["Search", "operational", "-", "-", "0"]  # position 0 first
    assert cells(listed.lines[3]) == ["Checkout", "operational", "checkout", "Core", "2", public_id]

    pinned = cli("components", "edit", "Checkout", "--override", "major_outage")
    assert pinned.code == 0, pinned.err
    assert pinned.out == (f"Changed component Checkout ({public_id}): major outage (pinned); "
                          "service checkout, group Core.\n")
    assert "major outage (pinned)" in cli("components").out
    cleared = cli("components", "edit", public_id, "--clear-override", "--group", "")
    assert cleared.out == f"Changed component Checkout ({public_id}): operational; service checkout.\n"

    groups = cli("component-groups", "list")
    assert cells(groups.lines[0]) == ["Name", "Components", "Position", "Id"]
    assert cells(groups.lines[2])[:3] == ["Core", "-", "1"]
    cli("components", "edit", "Search", "--group", "Core")
    assert cli("component-groups", "remove", "Core").out == "Removed component group Core; Search now ungrouped.\n"
    assert cli("components", "remove", "Checkout").out == "Removed component Checkout.\n"
    assert [c["name"] for c in cli("components", "--json").json()] == ["Search"]


def test_component_refusals_are_one_line_naming_the_field(cli, responder):
    cli("components", "add", "Checkout")
    bad = cli("components", "edit", "Checkout", "--override", "on_fire")
    assert bad.code == 2 and bad.err.startswith("error (--override): unknown status 'on_fire'")
    both = cli("components", "edit", "Checkout", "--override", "major_outage", "--clear-override")
    assert both.code == 2 and "contradict" in both.err
    assert cli("components", "edit", "Checkout").code == 2
    taken = cli("components", "add", "Checkout")
    assert taken.code == 1 and taken.err == "error (name): a component named 'Checkout' exists\n"
    no_service = cli("components", "add", "Search", "--service", "search")
    assert no_service.code == 1 and no_service.err.startswith("error (service): no service 'search'")
    missing = cli("components", "remove", "Nope")
    assert missing.code == 1 and missing.err == "error (component): no component 'Nope'\n"
    refused = cli.as_(responder.token)("components", "edit", "Checkout", "--override", "major_outage")
    assert refused.code == 1 and refused.err == "error: only admins can do this\n"
    assert cli.as_(responder.token)("components").code == 0  # reading is for everyone
    assert cli("components", "--json").json()[0]["status"] == "operational"


def test_maintenance_is_scheduled_moved_and_listed(cli):
    cli("components", "add", "Checkout")
    scheduled = cli("maintenance", "schedule", "Database upgrade", "--start", "+2h", "--duration", "1h30m",
                    "--component", "Checkout", "--body", "Checkout may be slow.")
    assert scheduled.code == 0, scheduled.err
    [m] = cli("maintenance", "--json").json()
    assert scheduled.lines[0] == f"Scheduled maintenance {m['public_id']}: scheduled."
    assert scheduled.lines[1] == f"{m['public_id']} · scheduled · Database upgrade"
    assert scheduled.lines[2].endswith(" · Checkout")
    start, end = parse_time(m["starts_at"]), parse_time(m["ends_at"])
    assert end - start == timedelta(hours=1, minutes=30)
    assert abs(start - datetime.now(timezone.utc) - timedelta(hours=2)) < timedelta(minutes=2)  # to the minute

    edited = cli("maintenance", "edit", m["public_id"], "--title", "Database upgrade to v16", "--duration", "2h",
                 "--start", "3h")
    assert edited.code == 0, edited.err
    assert edited.lines[1] == f"{m['public_id']} · scheduled · Database upgrade to v16"

    started = cli("maintenance", "start", m["public_id"], "-m", "Starting early.")
    assert started.out == f"Maintenance {m['public_id']} is in progress: Database upgrade to v16\n"
    assert "under maintenance" in cli("components").out
    assert cli("maintenance", "verify", m["public_id"]).code == 0
    assert cli("maintenance", "complete", m["public_id"]).code == 0
    shown = cli("maintenance", "show", m["public_id"])
    assert shown.code == 0, shown.err
    assert shown.lines[2] == "Checkout may be slow."
    assert [cells(line)[1:] for line in shown.lines[5:]] == [
        ["scheduled", "Checkout may be slow."], ["in progress", "Starting early."],
        ["verifying", "Maintenance work is done; we are verifying that everything works."],
        ["completed", "Maintenance has been completed."]]
    again = cli("maintenance", "cancel", m["public_id"])
    assert again.code == 1
    assert again.err == "error (status): a maintenance that is completed can move to nothing, not canceled\n"

    cli("maintenance", "schedule", "Network work", "--start", "+1d", "--end", "+1d2h")
    scheduled = cli("maintenance", "list", "--status", "scheduled", "--json").json()
    assert [x["title"] for x in scheduled] == ["Network work"]
    listed = cli("maintenance", "list")
    assert cells(listed.lines[0]) == ["Id", "Status", "Starts", "Ends", "Title", "Components"]
    assert [cells(line)[1] for line in listed.lines[2:]] == ["scheduled", "completed"]
    assert cells(listed.lines[3])[4:] == ["Database upgrade to v16", "Checkout"]


def test_maintenance_times_are_read_like_other_commands(cli):
    day = (datetime.now() + timedelta(days=2)).date().isoformat()
    typed = cli("maintenance", "schedule", "Failover drill", "--start", f"{day} 22:00", "--end", f"{day} 23:30",
                "--json")
    assert typed.code == 0, typed.err
    created = typed.json()
    local = datetime.fromisoformat(f"{day} 22:00").astimezone()  # the viewer's wall clock
    assert parse_time(created["starts_at"]) == local
    assert parse_time(created["ends_at"]) - parse_time(created["starts_at"]) == timedelta(hours=1, minutes=30)

    for args, field in ((("--start", "soonish", "--duration", "1h"), "--start"),
                        (("--start", "+1h", "--duration", "an hour"), "--duration"),
                        (("--start", "+1h", "--end", "+2h", "--duration", "1h"), "--duration"),
                        (("--start", "+1h"), "--end"),
                        (("--duration", "1h"), "--start")):
        bad = cli("maintenance", "schedule", "Drill", *args)
        assert bad.code == 2 and bad.err.startswith(f"error ({field}):"), (args, bad.err)
    backwards = cli("maintenance", "schedule", "Drill", "--start", "+2h", "--end", "+1h")
    assert backwards.code == 1 and backwards.err == "error (ends_at): ends_at must be after starts_at\n"
    assert len(cli("maintenance", "--json").json()) == 1


def test_statuspage_settings_are_shown_and_changed_one_at_a_time(cli, responder):
    shown = cli("statuspage", "settings")
    assert shown.code == 0, shown.err
    assert shown.lines == ["Name:     Status", "URL:      -", "Logo:     -", "Colour:   #1f6feb", "Timezone: UTC"]
    saved = cli("statuspage", "settings", "--name", "Acme status", "--color", "#AA3300",
                "--url", "https://status.acme.example")
    assert saved.code == 0, saved.err
    assert saved.lines[0] == "Saved the status page settings."
    assert saved.lines[1:] == ["Name:     Acme status", "URL:      https://status.acme.example", "Logo:     -",
                               "Colour:   #aa3300", "Timezone: UTC"]
    zone = cli("statuspage", "settings", "--timezone", "Europe/Berlin", "--json")
    assert zone.json()["name"] == "Acme status" and zone.json()["timezone"] == "Europe/Berlin"

    bad = cli("statuspage", "settings", "--color", "orange")
    assert bad.code == 1 and bad.err == "error (brand_color): brand_color must be a colour as #rrggbb, e.g. #1f6feb\n"
    refused = cli.as_(responder.token)("statuspage", "settings", "--name", "Hacked")
    assert refused.code == 1 and refused.err == "error: only admins can do this\n"
    assert cli("statuspage", "settings", "--json").json()["name"] == "Acme status"
