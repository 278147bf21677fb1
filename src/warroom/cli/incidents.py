"""Responder commands: declare, list, show, and change incidents on a running Warroom server.

Each command is one or two REST calls. The server decides what is allowed and says why not; the
CLI only reads what people type (times, "me") and shows the answers compactly, in local time.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from warroom.cli import reference
from warroom.cli.client import ApiClient, connect, segment
from warroom.cli.edit import edit
from warroom.cli.output import (
    TIME_HELP, JsonFlag, ago, cell, console, fields, local_time, parse_time, parse_when, print_json, say,
)

PANEL = "Incidents"
incidents_app = typer.Typer(help="List and show incidents.", no_args_is_help=True)

IncidentArg = Annotated[str, typer.Argument(metavar="INCIDENT", help="Incident ref or id, e.g. INC-42.",
                                            show_default=False)]
STATUS_STYLES = {"triage": "bold red", "investigating": "red", "identified": "yellow",
                 "mitigated": "cyan", "resolved": "green", "closed": "dim", "canceled": "dim"}
OPEN = ("triage", "investigating", "identified", "mitigated")

# --- showing incidents --------------------------------------------------------------------------


def who(user: dict[str, Any] | None) -> str:
    return f"@{user['handle']}" if user else "-"


def person(user: dict[str, Any] | None) -> str:
    return f"{user['name']} (@{user['handle']})" if user else "-"


def status_text(status: str) -> Text:
    return Text(status, style=STATUS_STYLES.get(status, ""))


def response_text(incident: dict[str, Any]) -> Text:
    """Was the response target met, or how long is left to meet it."""
    met = incident.get("response_target_met")
    if met is True:
        return Text("met", style="green")
    if met is False:
        return Text("missed", style="red")
    if incident["status"] not in OPEN:
        return Text("-")
    due = incident["response_due_at"]
    late = (datetime.now(timezone.utc) - parse_time(due)).total_seconds()
    if late >= 60:
        return Text("overdue " + ago(due).removesuffix(" ago"), style="bold red")
    return Text("due now" if late >= 0 else "due " + ago(due), style="yellow")


def when(value: str | None) -> str:
    return "-" if value is None else f"{local_time(value)} ({ago(value)})"


def print_summary(incident: dict[str, Any], headline: str) -> None:
    """Two lines after a change: what the incident is now, and what can happen next."""
    line = Text(f"{headline}: ", style="bold")
    line.append(f"{incident['ref']} · {incident['severity']} · ")
    line.append_text(status_text(incident["status"]))
    line.append(f" · {incident['title']}")
    say(line)
    commander = who(incident["commander"]) if incident["commander"] else "none"
    details = f"  commander {commander} · response {response_text(incident).plain}"
    if incident["allowed_transitions"]:
        details += f" · next: {', '.join(incident['allowed_transitions'])}"
    say(details, "dim")


def print_holders(incident: dict[str, Any], role: str) -> None:
    holders = [who(r["user"]) for r in incident["roles"] if r["role"] == role]
    say(f"  {role} now: {', '.join(holders) or 'nobody'}")


def print_incident(incident: dict[str, Any]) -> None:
    title = Text()
    title.append(f"{incident['ref']}  {incident['severity']}  ", style="bold")
    title.append_text(status_text(incident["status"]))
    title.append(f"  {incident['title']}", style="bold")
    say(title)
    roles = "; ".join(f"{r['role']} {person(r['user'])}" for r in incident["roles"]) or "-"
    links = "  ".join(f"{link.get('title') or ''} {link['url']}".strip() for link in incident["links"])
    rows = [
        ("commander", person(incident["commander"])), ("roles", roles),
        ("services", ", ".join(s["name"] for s in incident["services"]) or "-"),
        ("visibility", incident["visibility"]), ("labels", ", ".join(incident["labels"]) or "-"),
        ("links", links or "-"), ("summary", incident["summary"] or "-"),
        ("impact", incident["impact"] or "-"), ("resolution", incident["resolution"] or "-"),
        ("started", when(incident["started_at"])), ("detected", when(incident["detected_at"])),
        ("declared", when(incident["declared_at"])), ("acknowledged", when(incident["acknowledged_at"])),
        ("mitigated", when(incident["mitigated_at"])), ("resolved", when(incident["resolved_at"])),
        ("closed", when(incident["closed_at"])), ("canceled", when(incident["canceled_at"])),
        ("response due", f"{local_time(incident['response_due_at'])} · {response_text(incident).plain}"),
        ("updated", when(incident["updated_at"])),
        ("next", ", ".join(incident["allowed_transitions"]) or "none (final)"),
    ]
    fields(rows)


def describe(event: dict[str, Any]) -> str:
    """One line for a timeline event, from its kind and data."""
    kind, data, body = event["kind"], event.get("data") or {}, event.get("body") or ""
    if kind == "note":
        return body
    if kind == "declared":
        text = f"declared {data.get('severity')}: {data.get('title')}"
        if data.get("services"):
            text += f" (services: {', '.join(data['services'])})"
    elif kind in ("status_changed", "severity_changed"):
        text = f"{kind.split('_')[0]} {data.get('old')} → {data.get('new')}"
    elif kind == "commander_changed":
        text = f"commander {who(data.get('user'))}"
        text += f" (was {who(data['previous'])})" if data.get("previous") else ""
    elif kind == "role_assigned":
        text = f"{data.get('role')} {who(data.get('user'))}"
        text += f" (replaces {who(data['replaced'])})" if data.get("replaced") else ""
    elif kind == "role_removed":
        text = f"{data.get('role')} {who(data.get('user'))} removed"
    elif kind == "field_edited":
        old, new = data.get("old"), data.get("new")
        text = f"{data.get('field')} edited"
        if len(repr(old)) + len(repr(new)) <= 80:
            text += f": {old!r} → {new!r}"
    elif kind == "response_target_missed":
        text = f"response target missed ({data.get('severity')}, due {local_time(data.get('due_at'))})"
    else:
        text = kind.replace("_", " ")
    return f"{text}: {body}" if body else text


def print_timeline(events: list[dict[str, Any]]) -> None:
    if not events:
        console.print("No timeline events.", style="dim")
        return
    moments = [parse_time(e["occurred_at"]).astimezone() for e in events]
    one_day = len({m.date() for m in moments}) == 1
    console.print()
    heading = f"Timeline, oldest first, {moments[0].strftime('%Y-%m-%d ') if one_day else ''}" \
              f"{moments[0].strftime('%Z')}; * = key event"
    say(heading, "bold")
    grid = Table.grid(padding=(0, 1))
    for options in ({"no_wrap": True}, {"justify": "right", "style": "dim"}, {"no_wrap": True},
                    {"no_wrap": True}, {"overflow": "fold"}):
        grid.add_column(**options)
    for event, moment in zip(events, moments, strict=True):
        what = Text(describe(event), style="bold" if event["kind"] == "note" else "")
        recorded = parse_time(event["recorded_at"]).astimezone()
        if abs((recorded - moment).total_seconds()) >= 60:
            what.append(f"  (backdated; logged {recorded.strftime('%H:%M')})", style="dim")
        stamp = moment.strftime("%H:%M:%S" if one_day else "%Y-%m-%d %H:%M")
        grid.add_row(Text("*", style="bold yellow") if event["starred"] else "",
                     str(event["id"]), stamp, cell(who(event["actor"]) if event["actor"] else "system"), what)
    console.print(grid)


def fetch_timeline(api: ApiClient, key: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for page in api.pages(f"/incidents/{segment(key)}/timeline", follow=True, order="oldest", limit=500):
        events.extend(page["items"])
    return events


# --- commands -----------------------------------------------------------------------------------


def _split(values: list[str] | None) -> list[str]:
    """--service a --service b and --service a,b mean the same."""
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def declare(
    title: Annotated[str, typer.Argument(metavar="TITLE", help="What is wrong, in a few words.",
                                         show_default=False)],
    sev: Annotated[str, typer.Option("--sev", help="Severity, e.g. SEV1 (see `warroom severities`).",
                                     show_default=False)],
    service: Annotated[list[str] | None, typer.Option("--service", help="Affected service; repeatable.")] = None,
    summary: Annotated[str | None, typer.Option(help="What is happening.")] = None,
    impact: Annotated[str | None, typer.Option(help="Who is affected, and how.")] = None,
    visibility: Annotated[str | None, typer.Option(help="public, internal (default) or restricted.")] = None,
    commander: Annotated[str | None, typer.Option(help="Email, handle or 'me'.")] = None,
    started_at: Annotated[str | None, typer.Option("--started-at", help=f"When impact began: {TIME_HELP}.")] = None,
    json_out: JsonFlag = False,
) -> None:
    """Declare an incident."""
    body: dict[str, Any] = {"title": title, "severity": sev, "services": _split(service)}
    for name, value in (("summary", summary), ("impact", impact), ("visibility", visibility)):
        if value is not None:
            body[name] = value
    if started_at is not None:
        body["started_at"] = parse_when(started_at, "--started-at")
    with connect() as api:
        if commander is not None:
            body["commander"] = api.user_key(commander)
        incident = api.post("/incidents", body)
    if json_out:
        print_json(incident)
        return
    print_summary(incident, "Declared")
    if incident["commander"] is None:
        say(f"  Next: warroom assign {incident['ref']} commander me")
    say(f"  Then tell people: warroom update {incident['ref']} --happening ... --affected ... --doing ... "
        f"--next 30m")


def list_incidents(
    open_only: Annotated[bool, typer.Option("--open", help="Open ones (not resolved, closed or canceled); with --status, those too.")]
    = False,
    status: Annotated[list[str] | None, typer.Option("--status", help="e.g. investigating; repeatable.")] = None,
    sev: Annotated[list[str] | None, typer.Option("--sev", help="e.g. SEV1; repeatable.")] = None,
    service: Annotated[str | None, typer.Option(help="Only incidents affecting this service.")] = None,
    search: Annotated[str | None, typer.Option(help="Text in the title or summary.")] = None,
    limit: Annotated[int, typer.Option(help="Page size.")] = 50,
    all_pages: Annotated[bool, typer.Option("--all", help="Fetch every page, not only the first.")] = False,
    json_out: JsonFlag = False,
) -> None:
    """List incidents, newest first."""
    statuses = (["open"] if open_only else []) + _split(status)
    with connect() as api:
        pages = list(api.pages("/incidents", follow=all_pages, status=statuses, severity=_split(sev),
                               service=service, q=search, limit=limit))
    items = [item for page in pages for item in page["items"]]
    total, more = pages[-1]["total"], pages[-1]["next_cursor"]
    if json_out:
        print_json({"items": items, "total": total, "next_cursor": more})
        return
    if not items:
        console.print("No incidents match.", style="dim")
        return
    t = Table(show_edge=False, header_style="bold", pad_edge=False)
    for name, options in (("ref", {"no_wrap": True}), ("sev", {"no_wrap": True}), ("status", {"no_wrap": True}),
                          ("title", {"overflow": "fold", "ratio": 1}), ("commander", {"no_wrap": True}),
                          ("age", {"no_wrap": True}), ("response", {"no_wrap": True})):
        t.add_column(name, **options)
    for i in items:
        t.add_row(i["ref"], i["severity"], status_text(i["status"]), cell(i["title"]), cell(who(i["commander"])),
                  ago(i["declared_at"]).removesuffix(" ago"), response_text(i))
    console.print(t)
    footer = f"{len(items)} of {total}" + ("; --all for the rest" if more else "")
    say(footer, "dim")


def show(key: IncidentArg, json_out: JsonFlag = False) -> None:
    """Show an incident: every field, then its timeline (oldest first).

    With --json: the incident as the API gives it, with its events under "timeline".
    """
    with connect() as api:
        incident = api.get(f"/incidents/{segment(key)}")
        events = fetch_timeline(api, key)
    if json_out:
        print_json({**incident, "timeline": events})
        return
    print_incident(incident)
    print_timeline(events)


def status(
    key: IncidentArg,
    new_status: Annotated[str, typer.Argument(metavar="STATUS", show_default=False, help=(
        "investigating, identified, mitigated, resolved, closed or canceled."))],
    note: Annotated[str | None, typer.Option(help="Why, for the timeline.")] = None,
    resolution: Annotated[str | None, typer.Option(help="What fixed it (needed to resolve).")] = None,
    json_out: JsonFlag = False,
) -> None:
    """Move an incident to another status."""
    body = {"status": new_status, **({"note": note} if note else {}),
            **({"resolution": resolution} if resolution else {})}
    with connect() as api:
        incident = api.post(f"/incidents/{segment(key)}/status", body)
    if json_out:
        print_json(incident)
        return
    print_summary(incident, "Status changed")
    if incident["status"] == "resolved":
        say(f"  Next: post the final update: warroom update {incident['ref']} --happening ... --doing ... "
            "(no --next)")
        say(f"  The postmortem draft is started: warroom postmortem {incident['ref']} --edit")


def sev(
    key: IncidentArg,
    severity: Annotated[str, typer.Argument(metavar="SEVERITY", show_default=False, help="e.g. SEV2.")],
    json_out: JsonFlag = False,
) -> None:
    """Change an incident's severity."""
    with connect() as api:
        incident = api.request("PATCH", f"/incidents/{segment(key)}", json={"severity": severity})
    if json_out:
        print_json(incident)
        return
    print_summary(incident, "Severity changed")


def assign(
    key: IncidentArg,
    role: Annotated[str, typer.Argument(metavar="ROLE", show_default=False,
                                        help="commander, deputy, scribe, comms_lead or responder.")],
    user: Annotated[str, typer.Argument(metavar="USER", show_default=False, help="Email, handle or 'me'.")],
    json_out: JsonFlag = False,
) -> None:
    """Give someone a role; assigning a commander hands over command."""
    with connect() as api:
        incident = api.post(f"/incidents/{segment(key)}/roles", {"role": role, "user": api.user_key(user)})
    if json_out:
        print_json(incident)
        return
    print_summary(incident, f"Assigned {role}")
    if role != "commander":
        print_holders(incident, role)


def unassign(
    key: IncidentArg,
    role: Annotated[str, typer.Argument(metavar="ROLE", show_default=False,
                                        help="deputy, scribe, comms_lead or responder.")],
    user: Annotated[str, typer.Argument(metavar="USER", show_default=False, help="Email, handle or 'me'.")],
    json_out: JsonFlag = False,
) -> None:
    """Take a role away from someone."""
    with connect() as api:
        path = f"/incidents/{segment(key)}/roles/{segment(role)}/{segment(api.user_key(user))}"
        incident = api.delete(path)
    if json_out:
        print_json(incident)
        return
    print_summary(incident, f"Removed {role}")
    print_holders(incident, role)


def note(
    key: IncidentArg,
    text: Annotated[str, typer.Argument(metavar="TEXT", help="The note.", show_default=False)],
    at: Annotated[str | None, typer.Option("--at", help=f"When it happened: {TIME_HELP}.")] = None,
    star: Annotated[bool, typer.Option("--star", help="Mark it as a key event.")] = False,
    json_out: JsonFlag = False,
) -> None:
    """Add a note to the timeline, optionally backdated."""
    body: dict[str, Any] = {"body": text, "starred": star}
    if at is not None:
        body["occurred_at"] = parse_when(at, "--at")
    with connect() as api:
        event = api.post(f"/incidents/{segment(key)}/timeline", body)
    if json_out:
        print_json(event)
        return
    backdated = parse_time(event["occurred_at"]) < parse_time(event["recorded_at"])
    flags = (" starred" if event["starred"] else "") + (" backdated" if backdated else "")
    say(f"Added{flags} note {event['id']} to {key.upper() if key.lower().startswith('inc-') else key} "
        f"at {local_time(event['occurred_at'])}.")


def star(
    key: IncidentArg,
    event_id: Annotated[int, typer.Argument(metavar="EVENT_ID", show_default=False,
                                            help="The number left of the time in `incidents show`.")],
    off: Annotated[bool, typer.Option("--off", help="Unstar instead.")] = False,
    json_out: JsonFlag = False,
) -> None:
    """Star a timeline event as a key event (or unstar it with --off)."""
    with connect() as api:
        event = api.put(f"/incidents/{segment(key)}/timeline/{event_id}/star", {"starred": not off})
    if json_out:
        print_json(event)
        return
    verb = "Starred" if event["starred"] else "Unstarred"
    say(f"{verb} event {event['id']}: {describe(event)}")


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel=PANEL)(declare)
    incidents_app.command("list")(list_incidents)
    incidents_app.command("show")(show)
    app.add_typer(incidents_app, name="incidents", rich_help_panel=PANEL)
    for command in (status, sev, edit, assign, unassign, note, star):
        app.command(rich_help_panel=PANEL)(command)
    reference.register(app)
