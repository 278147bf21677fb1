"""Postmortem and action-item commands: read, start, edit in $EDITOR, move through review, export;
list action items across incidents, add and close them."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from warroom.cli.client import ApiClient, connect, segment
from warroom.cli.incidents import IncidentArg
from warroom.cli.output import USAGE_ERROR, CliError, JsonFlag, local_time, print_json, say, table
from warroom.cli.postmortem_text import from_text, to_text
from warroom.incidents.durations import format_duration

PANEL = "Postmortems"
actions_app = typer.Typer(help="Action items across incidents: list, add, close.", invoke_without_command=True)
DUE_RE = re.compile(r"^\+?(\d+)\s*([dw])$", re.IGNORECASE)


def _print(pm: dict[str, Any]) -> None:
    say(f"Postmortem of {pm['incident']} · {pm['incident_title']} · {pm['status'].replace('_', ' ')}"
        f"{' · required' if pm['required'] else ''}{' · due ' + local_time(pm['due_at']) if pm['due_at'] else ''}"
        f" · version {pm['version']}")
    spans = pm["durations"]
    say("  " + " · ".join(f"time to {phase} {format_duration(timedelta(seconds=s) if s is not None else None)}"
                          for phase, s in spans.items()))
    for title, name in (("Summary", "summary"), ("Impact", "impact"), ("Detection", "detection")):
        say(f"\n{title}\n  " + (pm[name].replace("\n", "\n  ") or "—"))
    say("\n5 whys")
    for n, why in enumerate(pm["whys"], 1):
        say(f"  {n}. {why['question']}\n     {why['answer']}")
    if not pm["whys"]:
        say("  — (at least one is needed before review)")
    for title, name in (("Contributing factors", "contributing_factors"), ("What went well", "went_well"),
                        ("What went poorly", "went_poorly"), ("Where we got lucky", "got_lucky")):
        say(f"\n{title}")
        say("\n".join(f"  - {item}" for item in pm[name]) or "  —")
    say(f"\nTimeline ({len(pm['timeline'])} entries), action items: {len(pm['action_items'])}")
    if pm["warnings"]:
        say(f"\nBlameless check: {len(pm['warnings'])} phrase(s) to reframe")
        for w in pm["warnings"]:
            say(f"  {w['section']}: \"{w['phrase']}\" — {w['suggestion']}")


def _edit_in_editor(api: ApiClient, key: str, pm: dict[str, Any]) -> dict[str, Any]:
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.TemporaryDirectory(prefix="warroom-") as folder:
        path = Path(folder) / f"postmortem-{pm['incident']}.md"
        path.write_text(to_text(pm), encoding="utf-8")
        if subprocess.run([*shlex.split(editor), str(path)]).returncode != 0:
            raise CliError(f"the editor ({editor}) failed; nothing was saved", USAGE_ERROR)
        body = from_text(path.read_text(encoding="utf-8"))
    return api.put(f"/incidents/{segment(key)}/postmortem", {"version": pm["version"], **body})


def postmortem(
    key: IncidentArg,
    start: Annotated[bool, typer.Option("--start", help="Start it now (it also starts on resolving).")] = False,
    edit: Annotated[bool, typer.Option("--edit", help="Edit it in $VISUAL or $EDITOR; saved when you quit.")] = False,
    status: Annotated[str | None, typer.Option(help="Move it: in_review, published or draft.")] = None,
    confirm_warnings: Annotated[bool, typer.Option("--confirm-warnings",
                                                   help="Publish despite blameless-check warnings.")] = False,
    reviewer: Annotated[list[str] | None, typer.Option("--reviewer", help="Add a reviewer (email or handle).")] = None,
    approve: Annotated[bool, typer.Option("--approve", help="Approve it as one of its reviewers.")] = False,
    export: Annotated[str | None, typer.Option(help="Print it as md, html or json.")] = None,
    json_out: JsonFlag = False,
) -> None:
    """Show an incident's postmortem; --start, --edit, --reviewer, --approve, --status, --export."""
    path = f"/incidents/{segment(key)}/postmortem"
    with connect() as api:
        if export is not None:
            if export not in ("md", "html", "json"):
                raise CliError("--export takes md, html or json", USAGE_ERROR, field="--export")
            print(api.request("GET", f"{path}/export", params={"format": export}, text=True), end="")
            return
        pm = api.post(path, {}) if start else api.get(path)
        for who in reviewer or []:
            pm = api.post(f"{path}/reviewers", {"user": who})
        if edit:
            pm = _edit_in_editor(api, key, pm)
        if approve:
            pm = api.post(f"{path}/approve", {})
        if status is not None:
            pm = api.post(f"{path}/status", {"status": status, "confirm_warnings": confirm_warnings})
    if json_out:
        print_json(pm)
        return
    _print(pm)


# --- action items -------------------------------------------------------------------------------------

def _due(text: str) -> str:
    """YYYY-MM-DD, or +7d / 2w from today."""
    value = text.strip()
    if match := DUE_RE.match(value):
        days = int(match[1]) * (7 if match[2].lower() == "w" else 1)
        return (date.today() + timedelta(days=days)).isoformat()
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise CliError(f"cannot read {text!r} as a date; use YYYY-MM-DD, or +7d / 2w from today", USAGE_ERROR,
                       field="--due") from None


def _items_table(items: list[dict[str, Any]]) -> None:
    if not items:
        say("No action items match.", "dim")
        return
    table(["Id", "Incident", "Action", "Owner", "Due", "Priority", "Type", "Status"],
          [[i["id"], i["incident"], i["title"], i["owner"]["name"], i["due_on"] + (" overdue" if i["overdue"] else ""),
            i["priority"], i["type"], i["status"].replace("_", " ")] for i in items])


@actions_app.callback()
def actions_list(ctx: typer.Context,
                 mine: Annotated[bool, typer.Option("--mine", help="Only mine.")] = False,
                 overdue: Annotated[bool, typer.Option("--overdue", help="Only open ones past their due date.")] = False,
                 owner: Annotated[str | None, typer.Option(help="Only this person's (email or handle).")] = None,
                 status: Annotated[str | None, typer.Option(help="open, done or wont_do.")] = None,
                 service: Annotated[str | None, typer.Option(help="Only for incidents of this service.")] = None,
                 json_out: JsonFlag = False) -> None:
    """Action items across incidents, soonest due first."""
    if ctx.invoked_subcommand:
        return
    with connect() as api:
        items = api.get("/action-items", owner="me" if mine else owner, status=status,
                        overdue="true" if overdue else None, service=service)
    if json_out:
        print_json(items)
        return
    _items_table(items)


@actions_app.command("add")
def actions_add(key: IncidentArg, title: Annotated[str, typer.Argument(show_default=False)],
                owner: Annotated[str, typer.Option(help="Email, handle or 'me'.", show_default=False)],
                due: Annotated[str, typer.Option(help="YYYY-MM-DD, or +7d / 2w from today.", show_default=False)],
                priority: Annotated[str, typer.Option(help="high, medium or low.")] = "medium",
                kind: Annotated[str, typer.Option("--type", help="mitigate, prevent, detect or process.")] = "prevent",
                ticket: Annotated[str, typer.Option(help="Link to the ticket.")] = "",
                json_out: JsonFlag = False) -> None:
    """Add an action item to an incident."""
    with connect() as api:
        owner_key = str(api.user_key(owner))
        item = api.post(f"/incidents/{segment(key)}/action-items", {
            "title": title, "owner": owner_key, "due_on": _due(due), "priority": priority, "type": kind,
            "ticket_url": ticket})
    if json_out:
        print_json(item)
        return
    say(f"Added action item {item['id']} to {item['incident']}: {item['title']} · {item['owner']['name']} · "
        f"due {item['due_on']}")


def _close(item_id: int, body: dict[str, Any]) -> None:
    with connect() as api:
        item = api.request("PATCH", f"/action-items/{item_id}", json=body)
    say(f"Action item {item['id']} is {item['status'].replace('_', ' ')}: {item['title']}")


@actions_app.command("done")
def actions_done(item_id: int) -> None:
    """Mark an action item done."""
    _close(item_id, {"status": "done"})


@actions_app.command("wont-do")
def actions_wont_do(item_id: int, reason: Annotated[str, typer.Option(help="Why it will not be done.",
                                                                      show_default=False)]) -> None:
    """Drop an action item, saying why."""
    _close(item_id, {"status": "wont_do", "wont_do_reason": reason})


@actions_app.command("reopen")
def actions_reopen(item_id: int) -> None:
    """Open a done or dropped action item again."""
    _close(item_id, {"status": "open"})


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel=PANEL)(postmortem)
    app.add_typer(actions_app, name="actions", rich_help_panel=PANEL)
