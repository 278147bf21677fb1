"""The public status page's admin commands: components and their groups, scheduled maintenance, and
the page's settings. Anyone may list; changes need an admin token (the server says so if not)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any

import typer

from warroom.cli.client import connect, segment
from warroom.cli.output import (
    FUTURE_HELP, RELATIVE_PART_RE, UNIT_SECONDS, USAGE_ERROR, CliError, JsonFlag, local_time, parse_future,
    parse_time, print_json, say, table,
)

PANEL = "Status page"
COMPONENT_STATUSES = ("operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance")
components_app = typer.Typer(help="What customers see the status of (changes: admins).", invoke_without_command=True)
groups_app = typer.Typer(help="Headings that components are shown under (changes: admins).",
                         invoke_without_command=True)
maintenance_app = typer.Typer(help="Scheduled maintenance windows (changes: admins).", invoke_without_command=True)
statuspage_app = typer.Typer(help="The public status page at /status.", no_args_is_help=True)

NameArg = Annotated[str, typer.Argument(metavar="NAME", help="The component's name or public id.", show_default=False)]
MaintenanceArg = Annotated[str, typer.Argument(metavar="ID", help="The maintenance's public id.", show_default=False)]
Description = Annotated[str | None, typer.Option("--description", "-d", help="One line customers read under it.")]
Position = Annotated[int | None, typer.Option("--position", help="Order on the page, smallest first.")]


def _words(status: str) -> str:
    return status.replace("_", " ")


def _send(method: str, path: str, body: dict[str, Any], json_out: bool) -> dict | None:
    """One change through the API: its answer for a line to people, or None once printed as JSON."""
    with connect() as api:
        answer = api.request(method, path, json=body)
    if json_out:
        print_json(answer)
        return None
    return answer


def _given(**fields: Any) -> dict[str, Any]:
    """The options that were given: those left out keep the server's default or current value."""
    return {name: value for name, value in fields.items() if value is not None}


def _listing(path: str, json_out: bool, *, empty: str, columns: list[str], row: Callable[[dict], list],
             **params: Any) -> None:
    """A list from the API: its JSON with --json, a hint when there is nothing, else a table."""
    with connect() as api:
        found = api.get(path, **params)
    if json_out:
        print_json(found)
    elif not found:
        say(empty, "dim")
    else:
        table(columns, [row(item) for item in found])


# --- components -----------------------------------------------------------------------------------

@components_app.command("list")
def components_list(json_out: JsonFlag = False) -> None:
    """Components in page order: status (pinned or derived), service, group."""
    _listing("/status/components", json_out,
             empty="No components yet. Add one with: warroom components add NAME --service SERVICE",
             columns=["Name", "Status", "Service", "Group", "Position", "Id"],
             row=lambda c: [c["name"], _words(c["status"]) + (" (pinned)" if c["override"] else ""),
                            c["service"] or "-", c["group"] or "-", c["position"], c["public_id"]])


def _override(value: str | None) -> str | None:
    if value is not None and value not in COMPONENT_STATUSES:
        raise CliError(f"unknown status {value!r}; allowed: {', '.join(COMPONENT_STATUSES)}", USAGE_ERROR,
                       field="--override")
    return value


def _say_component(verb: str, c: dict) -> None:
    where = ", ".join(part for part in (f"service {c['service']}" if c["service"] else "",
                                        f"group {c['group']}" if c["group"] else "") if part)
    pinned = " (pinned)" if c["override"] else ""
    say(f"{verb} component {c['name']} ({c['public_id']}): {_words(c['status'])}{pinned}"
        + (f"; {where}" if where else "") + ".")


@components_app.command("add")
def components_add(
    name: Annotated[str, typer.Argument(show_default=False)],
    service: Annotated[str | None, typer.Option("--service", "-s", help="A catalog service: its public "
                                                "incidents set the status.")] = None,
    group: Annotated[str | None, typer.Option("--group", "-g", help="A component group's name.")] = None,
    position: Position = None,
    description: Description = None,
    override: Annotated[str | None, typer.Option("--override", help="Pin a status from the start.")] = None,
    json_out: JsonFlag = False,
) -> None:
    """Add a component to the status page."""
    body = {"name": name, "service": service, "group": group, "override": _override(override),
            **_given(position=position, description=description)}
    if created := _send("POST", "/status/components", body, json_out):
        _say_component("Added", created)


@components_app.command("edit")
def components_edit(
    ref: NameArg,
    new_name: Annotated[str | None, typer.Option("--name", help="Rename it.")] = None,
    service: Annotated[str | None, typer.Option("--service", "-s", help="Follow this service; '' for none.")] = None,
    group: Annotated[str | None, typer.Option("--group", "-g", help="Move it into this group; '' for none.")] = None,
    position: Position = None,
    description: Description = None,
    override: Annotated[str | None, typer.Option("--override", help="Pin this status: " + ", ".join(
        COMPONENT_STATUSES) + ".")] = None,
    clear_override: Annotated[bool, typer.Option("--clear-override", help="Unpin: back to the status "
                                                 "incidents and maintenance give it.")] = False,
    json_out: JsonFlag = False,
) -> None:
    """Change a component; only the options given change."""
    if override is not None and clear_override:
        raise CliError("--override and --clear-override contradict each other", USAGE_ERROR, field="--override")
    body = _given(name=new_name, service=service, group=group, position=position, description=description,
                  override=_override(override))
    if clear_override:
        body["override"] = None
    if not body:
        raise CliError("nothing to change; give --name, --service, --group, --position, --description, "
                       "--override or --clear-override", USAGE_ERROR)
    if changed := _send("PATCH", f"/status/components/{segment(ref)}", body, json_out):
        _say_component("Changed", changed)


@components_app.command("remove")
def components_remove(ref: NameArg) -> None:
    """Remove a component from the page, with its history."""
    with connect() as api:
        gone = api.delete(f"/status/components/{segment(ref)}")
    say(f"Removed component {gone['name']}.")


# --- groups ---------------------------------------------------------------------------------------

@groups_app.command("list")
def groups_list(json_out: JsonFlag = False) -> None:
    """Groups in page order, with their components."""
    _listing("/status/component-groups", json_out,
             empty="No component groups. Add one with: warroom component-groups add NAME",
             columns=["Name", "Components", "Position", "Id"],
             row=lambda g: [g["name"], ", ".join(g["components"]) or "-", g["position"], g["public_id"]])


@groups_app.command("add")
def groups_add(name: Annotated[str, typer.Argument(show_default=False)], position: Position = None,
               description: Description = None, json_out: JsonFlag = False) -> None:
    """Add a group; put components in it with `components add/edit --group`."""
    body = {"name": name, **_given(position=position, description=description)}
    if created := _send("POST", "/status/component-groups", body, json_out):
        say(f"Added component group {created['name']} ({created['public_id']}).")


@groups_app.command("remove")
def groups_remove(name: Annotated[str, typer.Argument(show_default=False)]) -> None:
    """Remove a group; its components stay on the page, ungrouped."""
    with connect() as api:
        gone = api.delete(f"/status/component-groups/{segment(name)}")
    kept = f"; {', '.join(gone['components'])} now ungrouped" if gone["components"] else ""
    say(f"Removed component group {gone['name']}{kept}.")


# --- maintenance ----------------------------------------------------------------------------------

WINDOW_HELP = f"{FUTURE_HELP}; also +2h or now"
DURATION_RE = re.compile(r"^\s*(?:\d+\s*(?:min|s|m|h|d)\s*)+$", re.IGNORECASE)


def _when(text: str, option: str, now: datetime) -> str:
    """A start or end as typed: "+2h" and "2h" are from now, "now", HH:MM or a local date and time.
    To the minute: customers read a window as 22:00-23:00, not 22:00:37."""
    value = text.strip()
    moment = now if value.lower() == "now" else parse_time(parse_future(value.removeprefix("+"), option, now=now))
    return moment.replace(second=0, microsecond=0).isoformat()


def _window(start: str | None, end: str | None, duration: str | None) -> dict[str, str]:
    """starts_at/ends_at for the API from --start, --end or --duration (a duration counts from the start)."""
    if end is not None and duration is not None:
        raise CliError("give --end or --duration, not both", USAGE_ERROR, field="--duration")
    now = datetime.now(timezone.utc)
    window: dict[str, str] = {}
    if start is not None:
        window["starts_at"] = _when(start, "--start", now)
    if end is not None:
        window["ends_at"] = _when(end, "--end", now)
    if duration is not None:
        if not DURATION_RE.match(duration):
            raise CliError(f"cannot read {duration!r} as a duration; use 30m, 1h, 1h30m or 2d", USAGE_ERROR,
                           field="--duration")
        if start is None:
            raise CliError("--duration counts from --start: give --start too", USAGE_ERROR, field="--duration")
        seconds = sum(int(n) * UNIT_SECONDS[unit.lower()] for n, unit in RELATIVE_PART_RE.findall(duration))
        window["ends_at"] = (parse_time(window["starts_at"]) + timedelta(seconds=seconds)).isoformat()
    return window


def _say_maintenance(m: dict) -> None:
    names = ", ".join(c["name"] for c in m["components"]) or "no components"
    say(f"{m['public_id']} · {_words(m['status'])} · {m['title']}")
    say(f"{local_time(m['starts_at'])} → {local_time(m['ends_at'])} · {names}")


@maintenance_app.command("list")
def maintenance_list(
    status: Annotated[str | None, typer.Option("--status", help="scheduled, in_progress, verifying, completed "
                                               "or canceled; several comma-separated.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many, latest start first.")] = 50,
    json_out: JsonFlag = False,
) -> None:
    """Maintenance windows, latest start first."""
    _listing("/status/maintenances", json_out, status=status, limit=limit,
             empty="No maintenance. Schedule some with: warroom maintenance schedule TITLE --start ... --duration ...",
             columns=["Id", "Status", "Starts", "Ends", "Title", "Components"],
             row=lambda m: [m["public_id"], _words(m["status"]), local_time(m["starts_at"]), local_time(m["ends_at"]),
                            m["title"], ", ".join(c["name"] for c in m["components"]) or "-"])


@maintenance_app.command("show")
def maintenance_show(ref: MaintenanceArg, json_out: JsonFlag = False) -> None:
    """One maintenance with its public updates."""
    with connect() as api:
        found = api.get(f"/status/maintenances/{segment(ref)}")
    if json_out:
        print_json(found)
        return
    _say_maintenance(found)
    if found["body"]:
        say(found["body"])
    table(["At", "Status", "Update"], [[local_time(u["at"]), _words(u["status"]), u["body"]] for u in found["updates"]])


Start = Annotated[str | None, typer.Option("--start", help=f"When it starts: {WINDOW_HELP}.")]
End = Annotated[str | None, typer.Option("--end", help=f"When it ends: {WINDOW_HELP}.")]
Duration = Annotated[str | None, typer.Option("--duration", help="How long from --start: 30m, 1h, 1h30m, 2d.")]
Components = Annotated[list[str] | None, typer.Option("--component", "-c", help="A component it touches "
                                                      "(repeat); shown under maintenance while it runs.")]
Body = Annotated[str | None, typer.Option("--body", help="What customers are told about it.")]


@maintenance_app.command("schedule")
def maintenance_schedule(title: Annotated[str, typer.Argument(show_default=False)], start: Start = None,
                         end: End = None, duration: Duration = None, components: Components = None,
                         body: Body = None, json_out: JsonFlag = False) -> None:
    """Schedule maintenance; it starts and completes by itself at its window."""
    if start is None or (end is None and duration is None):
        raise CliError("a window needs --start and either --end or --duration", USAGE_ERROR,
                       field="--start" if start is None else "--end")
    request = {"title": title, "body": body or "", "components": components or [],
               **_window(start, end, duration)}
    if created := _send("POST", "/status/maintenances", request, json_out):
        say(f"Scheduled maintenance {created['public_id']}: {_words(created['status'])}.")
        _say_maintenance(created)


@maintenance_app.command("edit")
def maintenance_edit(ref: MaintenanceArg, title: Annotated[str | None, typer.Option("--title")] = None,
                     start: Start = None, end: End = None, duration: Duration = None, components: Components = None,
                     body: Body = None, json_out: JsonFlag = False) -> None:
    """Change its title, text, window or components (--component replaces the list)."""
    request = {**_given(title=title, body=body, components=components), **_window(start, end, duration)}
    if not request:
        raise CliError("nothing to change; give --title, --body, --start, --end, --duration or --component",
                       USAGE_ERROR)
    if changed := _send("PATCH", f"/status/maintenances/{segment(ref)}", request, json_out):
        say("Changed maintenance:")
        _say_maintenance(changed)


Message = Annotated[str | None, typer.Option("--message", "-m", help="The public update's text (default: "
                                             "standard words for the status).")]


def _mover(status: str, doc: str) -> Callable[..., None]:
    """The command that moves a maintenance to `status` (start, verify, complete, cancel)."""
    def command(ref: MaintenanceArg, message: Message = None, json_out: JsonFlag = False) -> None:
        body = {"status": status, "body": message or ""}
        if moved := _send("POST", f"/status/maintenances/{segment(ref)}/status", body, json_out):
            say(f"Maintenance {moved['public_id']} is {_words(moved['status'])}: {moved['title']}")
    command.__doc__ = doc
    return command


MOVES = {"start": ("in_progress", "Start it now (before its window starts, or when the timer has not)."),
         "verify": ("verifying", "The work is done; say you are checking that everything works."),
         "complete": ("completed", "Complete it now; its components are back to their own status."),
         "cancel": ("canceled", "Cancel it before it starts.")}
for _name, (_status, _doc) in MOVES.items():
    maintenance_app.command(_name)(_mover(_status, _doc))


# --- the page's settings --------------------------------------------------------------------------

@statuspage_app.command("settings")
def settings(
    name: Annotated[str | None, typer.Option("--name", help="The page's title.")] = None,
    url: Annotated[str | None, typer.Option("--url", help="Where customers reach it (http(s)://...); "
                                            "'' for none.")] = None,
    logo: Annotated[str | None, typer.Option("--logo", help="Logo: http(s)://... or /path on this site; "
                                             "'' for none.")] = None,
    color: Annotated[str | None, typer.Option("--color", help="Brand colour, #rrggbb.")] = None,
    zone: Annotated[str | None, typer.Option("--timezone", help="IANA name; the page's days are counted "
                                             "in it.")] = None,
    json_out: JsonFlag = False,
) -> None:
    """Show the page's settings, or change the ones given."""
    given = {key: value for key, value in (("name", name), ("url", url), ("logo_url", logo), ("brand_color", color),
                                           ("timezone", zone)) if value is not None}
    with connect() as api:
        current = api.get("/status/settings")
        if given:
            keep = {key: current[key] for key in ("name", "url", "logo_url", "brand_color", "timezone")}
            current = api.put("/status/settings", {**keep, **given})
    if json_out:
        print_json(current)
        return
    if given:
        say("Saved the status page settings.")
    for label, key in (("Name", "name"), ("URL", "url"), ("Logo", "logo_url"), ("Colour", "brand_color"),
                       ("Timezone", "timezone")):
        say(f"{label + ':':<10}{current[key] or '-'}")


def _lists_by_default(group: typer.Typer, lister: Callable[[bool], None]) -> None:
    """`warroom GROUP` alone lists, as `warroom GROUP list` does (with --json too)."""
    def default(ctx: typer.Context, json_out: JsonFlag = False) -> None:
        if not ctx.invoked_subcommand:
            lister(json_out)
    group.callback()(default)


_lists_by_default(components_app, components_list)
_lists_by_default(groups_app, groups_list)
_lists_by_default(maintenance_app, lambda json_out: maintenance_list(None, 50, json_out))


def register(app: typer.Typer) -> None:
    app.add_typer(components_app, name="components", rich_help_panel=PANEL)
    app.add_typer(groups_app, name="component-groups", rich_help_panel=PANEL)
    app.add_typer(maintenance_app, name="maintenance", rich_help_panel=PANEL)
    app.add_typer(statuspage_app, name="statuspage", rich_help_panel=PANEL)
