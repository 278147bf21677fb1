"""Alert commands: `warroom alerts` (list, show, ack, resolve), `warroom alert-rules SERVICE` (how a
service's alerts become incidents) and `warroom changes` (deploys and other changes), plus
`warroom integrations` (cli/integrations.py). Times are shown in this machine's timezone.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from warroom.cli.client import connect, segment
from warroom.cli.integrations import integrations_app
from warroom.cli.output import (TIME_HELP, USAGE_ERROR, CliError, JsonFlag, ago, cell, console, fields,
                                local_time, parse_when, print_json, say, table)

PANEL = "Alerts"
SEVERITY_STYLES = {"critical": "bold red", "error": "red", "warning": "yellow", "info": "cyan"}
STATUS_STYLES = {"triggered": "bold red", "acknowledged": "yellow", "resolved": "green"}
ALERT_SEVERITIES = ("critical", "error", "warning", "info")

alerts_app = typer.Typer(help="Alerts from monitoring: list, show, acknowledge, resolve.",
                         invoke_without_command=True)
AlertArg = Annotated[int, typer.Argument(metavar="ID", help="Alert id (see `warroom alerts`).", show_default=False)]


def _split(values: list[str] | None) -> list[str]:
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def _when(value: str | None) -> str:
    return "-" if value is None else f"{local_time(value)} ({ago(value)})"


# --- alerts ---------------------------------------------------------------------------------------------

@alerts_app.callback()
def alerts_list(
        ctx: typer.Context,
        status: Annotated[list[str] | None, typer.Option(
            "--status", help="triggered, acknowledged, resolved, open or all; repeatable (default open).")] = None,
        service: Annotated[str | None, typer.Option(help="Only this service's.")] = None,
        severity: Annotated[str | None, typer.Option(help="critical, error, warning or info.")] = None,
        incident: Annotated[str | None, typer.Option(help="Only this incident's, e.g. INC-42.")] = None,
        integration: Annotated[int | None, typer.Option(help="Only this integration's (id).")] = None,
        limit: Annotated[int, typer.Option(help="Page size.")] = 50,
        all_pages: Annotated[bool, typer.Option("--all", help="Fetch every page, not only the first.")] = False,
        json_out: JsonFlag = False) -> None:
    """List alerts, newest first: the open ones unless --status says otherwise."""
    if ctx.invoked_subcommand is not None:
        return
    with connect() as api:
        pages = list(api.pages("/alerts", follow=all_pages, status=_split(status), service=service,
                               severity=severity, incident=incident, integration=integration, limit=limit))
    items = [item for page in pages for item in page["items"]]
    more = pages[-1]["next_cursor"]
    if json_out:
        print_json({"items": items, "next_cursor": more})
        return
    if not items:
        say("No alerts match." if status or service or severity or incident or integration else "No open alerts.",
            "dim")
        return
    t = Table(show_edge=False, header_style="bold", pad_edge=False)
    for name, options in (("id", {"no_wrap": True}), ("severity", {"no_wrap": True}), ("status", {"no_wrap": True}),
                          ("service", {"no_wrap": True}), ("summary", {"overflow": "fold", "ratio": 1}),
                          ("incident", {"no_wrap": True}), ("count", {"no_wrap": True, "justify": "right"}),
                          ("last seen", {"no_wrap": True})):
        t.add_column(name, **options)
    for a in items:
        t.add_row(str(a["id"]), Text(a["severity"], style=SEVERITY_STYLES.get(a["severity"], "")),
                  Text(a["status"], style=STATUS_STYLES.get(a["status"], "")), cell(a["service"]),
                  cell(a["summary"]), a["incident"] or "-", str(a["occurrences"]), ago(a["last_seen_at"]))
    console.print(t)
    say(f"{len(items)} alert{'s' if len(items) != 1 else ''}" + ("; --all for the rest" if more else ""), "dim")


def _show(alert: dict[str, Any]) -> None:
    title = Text(f"Alert {alert['id']}  ", style="bold")
    title.append(alert["severity"], style=SEVERITY_STYLES.get(alert["severity"], ""))
    title.append("  ")
    title.append(alert["status"], style=STATUS_STYLES.get(alert["status"], ""))
    title.append(f"  {alert['summary']}", style="bold")
    say(title)
    acked = f"{_when(alert['acknowledged_at'])} by {alert['acknowledged_by']}" if alert["acknowledged_at"] else "-"
    resolved = f"{_when(alert['resolved_at'])} by {alert['resolved_by']}" if alert["resolved_at"] else "-"
    rows = [("service", alert["service"]), ("integration", f"{alert['integration']} ({alert['source']})"),
            ("incident", alert["incident"] or "none"), ("dedup key", alert["dedup_key"]),
            ("origin", alert["origin"] or "-"), ("occurrences", alert["occurrences"]),
            ("first seen", _when(alert["first_seen_at"])), ("last seen", _when(alert["last_seen_at"])),
            ("acknowledged", acked), ("resolved", resolved),
            ("links", "  ".join(f"{link.get('text') or ''} {link['href']}".strip() for link in alert["links"]) or "-")]
    if alert["details"]:
        rows.append(("details", json.dumps(alert["details"], indent=2, sort_keys=True)))
    fields(rows)


@alerts_app.command("show")
def alerts_show(alert: AlertArg, json_out: JsonFlag = False) -> None:
    """Show an alert: where it came from, how often it fired, its incident, its details."""
    with connect() as api:
        found = api.get(f"/alerts/{segment(alert)}")
    print_json(found) if json_out else _show(found)


def _act(action: str, alert: int, json_out: bool) -> dict[str, Any] | None:
    with connect() as api:
        done = api.post(f"/alerts/{segment(alert)}/{action}", {})
    if json_out:
        print_json(done)
        return None
    return done


@alerts_app.command("ack")
def alerts_ack(alert: AlertArg, json_out: JsonFlag = False) -> None:
    """Acknowledge a triggered alert (paging belongs to the incident: `warroom ack INC-n` stops it)."""
    if done := _act("acknowledge", alert, json_out):
        say(f"Acknowledged alert {done['id']}: {done['summary']}")
        if done["incident"]:
            say(f"  It is part of {done['incident']}; to stop its paging: warroom ack {done['incident']}", "dim")


@alerts_app.command("resolve")
def alerts_resolve(alert: AlertArg, json_out: JsonFlag = False) -> None:
    """Resolve an alert; if the source still fires, its next event opens a new one."""
    if done := _act("resolve", alert, json_out):
        say(f"Resolved alert {done['id']}: {done['summary']}")


# --- rules ----------------------------------------------------------------------------------------------

def _mapping(values: list[str]) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for text in values:
        name, sep, level = text.partition("=")
        if not sep or not name.strip() or not level.strip():
            raise CliError(f"cannot read {text!r}; write ALERT_SEVERITY=INCIDENT_SEVERITY, e.g. critical=SEV1 "
                           "or info=none", USAGE_ERROR, field="--map")
        found[name.strip().lower()] = None if level.strip().lower() in ("none", "null", "-") else level.strip()
    return found


def _show_rules(rules: dict[str, Any]) -> None:
    state = "customized" if rules["customized"] else "the defaults"
    say(f"Alert rules for {rules['service']} ({state}):", "bold")
    floor = ALERT_SEVERITIES.index(rules["declare_at"]) if rules["declare_at"] in ALERT_SEVERITIES else -1
    if rules["auto_declare"]:
        say(f"  Alerts from {rules['declare_at']} up declare an incident of the severity mapped below; the "
            f"others only join an open one.")
    else:
        say("  Alerts never declare incidents (auto-declare is off); they only join an open one.")
    for position, name in enumerate(ALERT_SEVERITIES):
        level = rules["severity_map"].get(name)
        declares = rules["auto_declare"] and level is not None and position <= floor
        say(f"    {name:<9} → {level or 'none':<6} {'declares' if declares else 'joins only'}")
    say(f"  Grouping window: {rules['group_window_minutes']} min: a new alert joins the service's open incident "
        f"declared or joined by an alert within it.")


def alert_rules(
        service: Annotated[str, typer.Argument(metavar="SERVICE", help="Service name.", show_default=False)],
        mapping: Annotated[list[str] | None, typer.Option(
            "--map", help="ALERT=INCIDENT severity, e.g. critical=SEV1, info=none; repeatable.")] = None,
        declare_at: Annotated[str | None, typer.Option(
            "--declare-at", help="The least severe alert that declares: critical, error, warning or info.")] = None,
        window: Annotated[int | None, typer.Option("--window", help="Grouping window in minutes.")] = None,
        auto_declare: Annotated[bool | None, typer.Option(
            "--auto-declare/--no-auto-declare", help="Whether alerts declare incidents at all.",
            show_default=False)] = None,
        reset: Annotated[bool, typer.Option("--reset", help="Back to the default rules.")] = False,
        json_out: JsonFlag = False) -> None:
    """Show how a service's alerts become incidents, or change it (admins)."""
    body: dict[str, Any] = {k: v for k, v in (("declare_at", declare_at), ("group_window_minutes", window),
                                               ("auto_declare", auto_declare)) if v is not None}
    if mapping:
        body["severity_map"] = _mapping(mapping)
    if reset and body:
        raise CliError("--reset goes back to the defaults; give it alone", USAGE_ERROR, field="--reset")
    path = f"/services/{segment(service)}/alert-rules"
    with connect() as api:
        rules = api.delete(path) if reset else api.put(path, body) if body else api.get(path)
    print_json(rules) if json_out else _show_rules(rules)


# --- changes --------------------------------------------------------------------------------------------

def changes(
        service: Annotated[str | None, typer.Argument(metavar="[SERVICE]", help="Only this service's.",
                                                      show_default=False)] = None,
        since: Annotated[str | None, typer.Option(help=f"At or after: {TIME_HELP}.")] = None,
        until: Annotated[str | None, typer.Option(help="At or before (same formats).")] = None,
        incident: Annotated[str | None, typer.Option(
            help="The changes of this incident's services in the 4 hours before it started.")] = None,
        limit: Annotated[int, typer.Option(help="At most this many.")] = 50,
        json_out: JsonFlag = False) -> None:
    """List change events (deploys, flag flips ...), newest first."""
    if incident and (service or since or until):
        raise CliError("--incident picks the window itself; give it without SERVICE, --since or --until",
                       USAGE_ERROR, field="--incident")
    params = {"service": service, "limit": limit,
              "since": parse_when(since, "--since") if since else None,
              "until": parse_when(until, "--until") if until else None}
    with connect() as api:
        found = api.get(f"/incidents/{segment(incident)}/changes") if incident else api.get("/changes", **params)
    if json_out:
        print_json(found)
        return
    if not found:
        say("No changes match.", "dim")
        return
    table(["When", "Service", "Summary", "Origin", "Links"],
          [[f"{local_time(c['happened_at'])} ({ago(c['happened_at'])})", c["service"], c["summary"],
            c["origin"] or "-", " ".join(link["href"] for link in c["links"]) or "-"] for c in found])


def register(app: typer.Typer) -> None:
    app.add_typer(alerts_app, name="alerts", rich_help_panel=PANEL)
    app.command("alert-rules", rich_help_panel=PANEL)(alert_rules)
    app.command(rich_help_panel=PANEL)(changes)
    app.add_typer(integrations_app, name="integrations", rich_help_panel=PANEL)
