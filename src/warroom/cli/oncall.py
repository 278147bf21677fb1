"""On-call commands: `warroom oncall` (who is on call now or at a time) and `warroom schedules`
(schedules, their rotation layers and overrides, the final schedule, calendar feeds).

Times people type are local to this machine unless they carry an offset (as everywhere in the CLI);
a layer's --start and --handoff are wall-clock times in the schedule's own timezone.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

from warroom.cli.client import ApiClient, connect, segment
from warroom.cli.output import (FUTURE_HELP, USAGE_ERROR, CliError, JsonFlag, cell, parse_future, parse_time,
                                print_json, say, table)
from warroom.incidents.durations import format_duration

PANEL = "On call"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EVERY_RE = re.compile(r"^(\d+)\s*(h|hours?|d|days?|w|weeks?)$", re.IGNORECASE)
ONLY_RE = re.compile(r"^(?:([a-z,\-]+)\s+)?(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})$", re.IGNORECASE)
UNITS = {"h": "hours", "d": "days", "w": "weeks"}
MOMENT_HELP = f"'now', {FUTURE_HELP}"

schedules_app = typer.Typer(help="On-call schedules: rotation layers, overrides, the final schedule, calendar feeds.",
                            invoke_without_command=True)
ScheduleArg = Annotated[str, typer.Argument(help="Schedule name or id.", show_default=False)]
TzOption = Annotated[str | None, typer.Option("--tz", help="Show times in this IANA timezone (default: this "
                                              "machine's).")]


# --- reading what people type -------------------------------------------------------------------------

def _moment(text: str, option: str) -> str:
    if text.strip().lower() == "now":
        return datetime.now(timezone.utc).isoformat()
    return parse_future(text, option)


def _every(text: str) -> tuple[int, str]:
    match = EVERY_RE.match(text.strip())
    if not match or int(match[1]) < 1:
        raise CliError(f"cannot read {text!r} as a shift length; use e.g. 12h, 1d or 1w", USAGE_ERROR,
                       field="--every")
    return int(match[1]), UNITS[match[2][0].lower()]


def _days(text: str) -> list[str]:
    """'mon-fri', 'sat,sun', 'fri-mon' (wraps) -> weekday names in week order."""
    days: set[str] = set()
    for part in text.lower().split(","):
        first, _, last = part.strip().partition("-")
        if first not in WEEKDAYS or (last and last not in WEEKDAYS):
            raise CliError(f"cannot read {part!r} as weekdays; use mon..sun, ranges like mon-fri, commas",
                           USAGE_ERROR, field="--only")
        start, end = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
        days.update(WEEKDAYS[(start + n) % 7] for n in range((end - start) % 7 + 1))
    return [day for day in WEEKDAYS if day in days]


def _only(text: str) -> dict[str, Any]:
    """'mon-fri 09:00-17:00' or '22:00-06:00' (every day) -> a restriction."""
    match = ONLY_RE.match(text.strip())
    if not match:
        raise CliError(f"cannot read {text!r}; use e.g. 'mon-fri 09:00-17:00' or '22:00-06:00'", USAGE_ERROR,
                       field="--only")
    restriction: dict[str, Any] = {"start": match[2].zfill(5), "end": match[3].zfill(5)}
    if match[1]:
        restriction["days"] = _days(match[1])
    return restriction


def _zone(name: str | None) -> ZoneInfo | None:
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CliError(f"unknown timezone {name!r}; use an IANA name such as Europe/Berlin", USAGE_ERROR,
                       field="--tz") from None


def _at(value: str | None, zone: ZoneInfo | None = None) -> str:
    """An API time shown in `zone` (default: this machine's), '-' for none."""
    moment = parse_time(value)
    if moment is None:
        return "-"
    return moment.astimezone(zone).strftime("%a %Y-%m-%d %H:%M %Z")


# --- showing ------------------------------------------------------------------------------------------

def _layer_names(schedule: dict[str, Any]) -> dict[int, str]:
    return {layer["id"]: layer["name"] or f"layer {layer['position']}" for layer in schedule["layers"]}


def _via(item: dict[str, Any], names: dict[int, str]) -> str:
    if item.get("source") == "override":
        return f"override {item['override_id']}"
    if item.get("source") == "layer":
        return names.get(item["layer_id"], f"layer {item['layer_id']}")
    return ""


def _person(user: dict[str, Any] | None) -> str:
    return f"{user['name']} (@{user['handle']})" if user else "nobody"


def _restriction_text(item: dict[str, Any]) -> str:
    days = item["days"]
    names = "every day" if len(days) == 7 else ",".join(days)
    return f"{names} {item['start']}-{item['end']}"


def _layer_line(layer: dict[str, Any]) -> str:
    unit = layer["shift_unit"][:-1] if layer["shift_length"] == 1 else layer["shift_unit"]
    only = "; only " + "; ".join(_restriction_text(r) for r in layer["restrictions"]) if layer["restrictions"] else ""
    gone = {u["id"] for u in layer.get("deactivated_users", [])}
    people = ", ".join(u["handle"] + (" (deactivated)" if u["id"] in gone else "") for u in layer["users"])
    return (f"  {layer['position']}. {layer['name'] or 'layer ' + str(layer['position'])} (id {layer['id']}): "
            f"{people} · every {layer['shift_length']} {unit}, handoff {layer['handoff']}, from {layer['start']}{only}")


def _warn_deactivated(schedules: list[dict[str, Any]]) -> None:
    """A warning for each layer with a deactivated person: their turns are skipped."""
    for schedule in schedules:
        for layer in schedule["layers"]:
            if layer.get("deactivated_users"):
                people = ", ".join(_person(u) for u in layer["deactivated_users"])
                say(f"Warning: {schedule['name']} · {layer['name'] or 'layer ' + str(layer['position'])} (id "
                    f"{layer['id']}) includes {people}, deactivated: their turns are skipped (a lower layer "
                    "covers, or nobody is on call and nobody is paged). Take them out of the layer.", "yellow")


def _skipped(answer: dict[str, Any]) -> str:
    gone = answer.get("skipped_user")
    if not gone:
        return ""
    return f" ({gone['name']}'s turn, deactivated: {'covering' if answer['user'] else 'nobody is paged'})"


def _show(api: ApiClient, schedule: dict[str, Any]) -> None:
    say(f"{schedule['name']} · {schedule['timezone']}" + (f" · {schedule['description']}"
                                                          if schedule["description"] else ""))
    say("Layers (a later one wins where it has someone):" if schedule["layers"] else "No layers yet. Add one with: "
        f"warroom schedules layer-add {schedule['name']} --users a,b --every 1w --handoff 'mon 09:00' --start DATE")
    for layer in schedule["layers"]:
        say(_layer_line(layer))
    overrides = api.get(f"/schedules/{segment(schedule['name'])}/overrides")
    if overrides:
        say("Overrides:")
        for o in overrides:
            say(f"  {o['id']}. {_person(o['user'])} from {_at(o['starts_at'])} to {_at(o['ends_at'])}")
    now = api.get(f"/schedules/{segment(schedule['name'])}/oncall")
    say(f"On call now: {_on_call_text(now, _layer_names(schedule))}")
    _warn_deactivated([schedule])


def _on_call_text(answer: dict[str, Any], names: dict[int, str]) -> str:
    if answer["user"] is None:
        return "nobody" + (f" (a gap until {_at(answer['until'])})" if answer["until"] else " (a gap)") + _skipped(answer)
    until = f" until {_at(answer['until'])}" if answer["until"] else ""
    return f"{_person(answer['user'])}{until} · {_via(answer, names)}{_skipped(answer)}"


# --- commands -----------------------------------------------------------------------------------------

def oncall(schedule: Annotated[str | None, typer.Argument(help="Schedule name or id; default: every schedule.",
                                                          show_default=False)] = None,
           at: Annotated[str | None, typer.Option("--at", help=f"At this time instead of now: {MOMENT_HELP}.")] = None,
           json_out: JsonFlag = False) -> None:
    """Who is on call now (or --at a time), on one schedule or on every one."""
    params = {"at": _moment(at, "--at")} if at else {}
    with connect() as api:
        if schedule is not None:
            found = [api.get(f"/schedules/{segment(schedule)}")]
            answers = [api.get(f"/schedules/{segment(schedule)}/oncall", **params)]
        else:
            answers = api.get("/oncall", **params)
            found = api.get("/schedules") if answers else []
    names = {s["name"]: _layer_names(s) for s in found}
    if json_out:
        print_json(answers[0] if schedule is not None else answers)
        return
    if not answers:
        say("No schedules yet. Create one with: warroom schedules create NAME --timezone Europe/Berlin", "dim")
        return
    if schedule is not None:
        say(f"{answers[0]['schedule']}: {_on_call_text(answers[0], names[answers[0]['schedule']])}")
    else:
        table(["Schedule", "On call", "Since", "Until", "Via"],
              [[a["schedule"], cell(_person(a["user"]) + _skipped(a), "" if a["user"] else "red"), _at(a["since"]),
                _at(a["until"]), _via(a, names.get(a["schedule"], {}))] for a in answers])
    _warn_deactivated(found)


@schedules_app.callback()
def schedules_list(ctx: typer.Context, json_out: JsonFlag = False) -> None:
    """List schedules with who is on call on each now."""
    if ctx.invoked_subcommand:
        return
    with connect() as api:
        found = api.get("/schedules")
        answers = {a["schedule"]: a for a in api.get("/oncall")} if found else {}
    if json_out:
        print_json(found)
        return
    if not found:
        say("No schedules yet. Create one with: warroom schedules create NAME --timezone Europe/Berlin", "dim")
        return
    table(["Id", "Name", "Timezone", "Layers", "On call now", "Until"],
          [[s["id"], s["name"], s["timezone"], len(s["layers"]), _person(answers[s["name"]]["user"]),
            _at(answers[s["name"]]["until"])] for s in found])


@schedules_app.command("show")
def schedules_show(schedule: ScheduleArg, json_out: JsonFlag = False) -> None:
    """A schedule's layers, upcoming overrides and who is on call now."""
    with connect() as api:
        found = api.get(f"/schedules/{segment(schedule)}")
        if json_out:
            print_json(found)
            return
        _show(api, found)


@schedules_app.command("create")
def schedules_create(name: Annotated[str, typer.Argument(help="lowercase, e.g. payments-primary",
                                                         show_default=False)],
                     tz: Annotated[str, typer.Option("--timezone", help="IANA zone the rotation's wall-clock "
                                                     "times are in, e.g. Europe/Berlin.", show_default=False)],
                     description: Annotated[str, typer.Option(help="What the schedule covers.")] = "",
                     json_out: JsonFlag = False) -> None:
    """Create a schedule; then add rotation layers with layer-add."""
    with connect() as api:
        created = api.post("/schedules", {"name": name, "timezone": tz, "description": description})
    if json_out:
        print_json(created)
        return
    say(f"Created schedule {created['name']} ({created['timezone']}). Add a rotation with: warroom schedules "
        f"layer-add {created['name']} --users a,b --every 1w --handoff 'mon 09:00' --start YYYY-MM-DD")


@schedules_app.command("delete")
def schedules_delete(schedule: ScheduleArg) -> None:
    """Delete a schedule with its layers, overrides and feeds (admins)."""
    with connect() as api:
        gone = api.delete(f"/schedules/{segment(schedule)}")
    say(f"Deleted schedule {gone['name']} and its {len(gone['layers'])} layer(s).")


@schedules_app.command("layer-add")
def layer_add(
    schedule: ScheduleArg,
    users: Annotated[str, typer.Option("--users", help="Turns in order, comma-separated (emails or handles; "
                                       "'me').", show_default=False)],
    every: Annotated[str, typer.Option("--every", help="Shift length: 12h, 1d, 1w, 2w ...", show_default=False)],
    start: Annotated[str, typer.Option("--start", help="When it begins covering: YYYY-MM-DD[THH:MM], "
                                       "in the schedule's timezone.", show_default=False)],
    handoff: Annotated[str | None, typer.Option("--handoff", help="When shifts change: 'HH:MM', or 'mon 09:00' "
                                                "for weekly shifts; default: the start's.")] = None,
    only: Annotated[list[str] | None, typer.Option("--only", help="Cover only these hours, e.g. 'mon-fri "
                                                   "09:00-17:00' (repeat for more windows).")] = None,
    name: Annotated[str, typer.Option(help="A name for the layer.")] = "",
    position: Annotated[int | None, typer.Option(help="1 = lowest priority; default: on top.")] = None,
    json_out: JsonFlag = False,
) -> None:
    """Add a rotation layer: who takes turns, how long a shift is, when shifts change."""
    length, unit = _every(every)
    body: dict[str, Any] = {"name": name, "shift_length": length, "shift_unit": unit, "start": start.strip(),
                            "restrictions": [_only(text) for text in only or []]}
    if handoff is not None:
        body["handoff"] = handoff.strip()
    if position is not None:
        body["position"] = position
    with connect() as api:
        body["users"] = [api.user_key(u) for u in users.split(",") if u.strip()]
        layer = api.post(f"/schedules/{segment(schedule)}/layers", body)
    if json_out:
        print_json(layer)
        return
    say(f"Added to {schedule}:")
    say(_layer_line(layer))


@schedules_app.command("layer-remove")
def layer_remove(schedule: ScheduleArg, layer_id: Annotated[int, typer.Argument(show_default=False)]) -> None:
    """Remove a rotation layer."""
    with connect() as api:
        gone = api.delete(f"/schedules/{segment(schedule)}/layers/{layer_id}")
    say(f"Removed layer {gone['id']} ({gone['name'] or 'layer ' + str(gone['position'])}) from {schedule}.")


@schedules_app.command("override")
def override_add(
    schedule: ScheduleArg,
    user: Annotated[str, typer.Option("--user", help="Who takes over (email, handle or 'me').", show_default=False)],
    start: Annotated[str, typer.Option("--from", help=f"From: {MOMENT_HELP}.", show_default=False)],
    end: Annotated[str, typer.Option("--to", help=f"Until: {MOMENT_HELP}.", show_default=False)],
    json_out: JsonFlag = False,
) -> None:
    """Put someone on call for a window, above every layer."""
    body = {"starts_at": _moment(start, "--from"), "ends_at": _moment(end, "--to")}
    with connect() as api:
        created = api.post(f"/schedules/{segment(schedule)}/overrides", {"user": api.user_key(user), **body})
    if json_out:
        print_json(created)
        return
    say(f"Override {created['id']} on {schedule}: {_person(created['user'])} from {_at(created['starts_at'])} "
        f"to {_at(created['ends_at'])}.")


@schedules_app.command("override-remove")
def override_remove(schedule: ScheduleArg, override_id: Annotated[int, typer.Argument(show_default=False)]) -> None:
    """Remove an override."""
    with connect() as api:
        gone = api.delete(f"/schedules/{segment(schedule)}/overrides/{override_id}")
    say(f"Removed override {gone['id']} ({_person(gone['user'])}) from {schedule}.")


@schedules_app.command("final")
def final(schedule: ScheduleArg,
          days: Annotated[int, typer.Option("--days", min=1, max=366, help="How many days ahead.")] = 14,
          start: Annotated[str | None, typer.Option("--from", help=f"From (default now): {MOMENT_HELP}.")] = None,
          tz: TzOption = None, json_out: JsonFlag = False) -> None:
    """The final schedule: who is on call when, layers and overrides resolved, and the gaps."""
    zone = _zone(tz)
    since = parse_time(_moment(start or "now", "--from"))
    assert since is not None
    with connect() as api:
        found = api.get(f"/schedules/{segment(schedule)}")
        result = api.get(f"/schedules/{segment(schedule)}/final", since=since.isoformat(),
                         until=(since + timedelta(days=days)).isoformat())
    if json_out:
        print_json(result)
        return
    names = _layer_names(found)
    rows = [(s["start"], [_at(s["start"], zone), _at(s["end"], zone), _person(s["user"]), _via(s, names)])
            for s in result["spans"]]
    rows += [(g["start"], [_at(g["start"], zone), _at(g["end"], zone), cell("nobody", "red"),
                           f"gap: {_person(g['skipped_user'])}'s turn, deactivated" if g.get("skipped_user") else "gap"])
             for g in result["gaps"]]
    table(["From", "To", "On call", "Via"], [row for _, row in sorted(rows, key=lambda r: parse_time(r[0]))],
          title=f"{result['schedule']} ({result['timezone']}), next {days} days")
    uncovered = sum(((parse_time(g["end"]) - parse_time(g["start"])) for g in result["gaps"]), timedelta())
    say(f"{len(result['gaps'])} gap(s): {format_duration(uncovered)} with nobody on call." if result["gaps"]
        else "No gaps: someone is on call throughout.")


@schedules_app.command("feed")
def feed(schedule: Annotated[str | None, typer.Argument(help="The schedule's feed; or --user.",
                                                        show_default=False)] = None,
         user: Annotated[str | None, typer.Option("--user", help="A person's feed across schedules ('me').")] = None,
         json_out: JsonFlag = False) -> None:
    """Make a secret iCalendar URL (shown once) to subscribe to in a calendar app."""
    if (schedule is None) == (user is None):
        raise CliError("name a schedule, or give --user (e.g. --user me)", USAGE_ERROR, field="--user")
    with connect() as api:
        body = {"schedule": schedule} if schedule is not None else {"user": api.user_key(user or "")}
        created = api.post("/calendar-feeds", body)
    if json_out:
        print_json(created)
        return
    whose = created["schedule"] or created["user"]["name"]
    say(f"Calendar feed {created['id']} of {whose} (shown once; anyone with the URL can read it; revoke with "
        f"`warroom schedules feed-revoke {created['id']}`):", "bold")
    print(created["url"])


@schedules_app.command("feeds")
def feeds(json_out: JsonFlag = False) -> None:
    """Calendar feeds: every schedule's, and your own (admins: everyone's)."""
    with connect() as api:
        found = api.get("/calendar-feeds")
    if json_out:
        print_json(found)
        return
    if not found:
        say("No calendar feeds yet. Make one with: warroom schedules feed SCHEDULE (or --user me)", "dim")
        return
    table(["Id", "Of", "Prefix", "Created", "Revoked"],
          [[f["id"], f["schedule"] or f["user"]["name"], f["prefix"] + "…", _at(f["created_at"]),
            _at(f["revoked_at"])] for f in found])


@schedules_app.command("feed-revoke")
def feed_revoke(feed_id: Annotated[int, typer.Argument(show_default=False)]) -> None:
    """Revoke a calendar feed: its URL stops working at once."""
    with connect() as api:
        gone = api.delete(f"/calendar-feeds/{feed_id}")
    say(f"Revoked calendar feed {gone['id']} ({gone['schedule'] or gone['user']['name']}).")


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel=PANEL)(oncall)
    app.add_typer(schedules_app, name="schedules", rich_help_panel=PANEL)
