"""Reference commands: who am I, the service catalog, the severity policy and the triage helper."""

from __future__ import annotations

import contextlib
import sys

from typing import Annotated, Any, Literal

import typer
from rich.table import Table
from rich.text import Text

from warroom.cli.client import connect
from warroom.cli.output import JsonFlag, cell, console, print_json, say

PANEL = "Reference"
services_app = typer.Typer(help="The service catalog.", no_args_is_help=True)

# Only to re-ask a mistyped answer at the prompt; flags go to the server as typed, and it decides.
UserShare = Literal["all", "many", "some", "few"]
Feature = Literal["core", "major", "minor", "cosmetic"]


def whoami(json_out: JsonFlag = False) -> None:
    """Show who the token belongs to, and which server it talks to."""
    with connect() as api:
        me = api.me()
        server = api.base_url
    if json_out:
        print_json(me)
        return
    say(f"{me['name']} <{me['email']}> @{me['handle']}, {me['role']}, timezone {me['timezone']}")
    say(f"  server {server}", "dim")


def list_services(json_out: JsonFlag = False) -> None:
    """List the service catalog."""
    with connect() as api:
        services = api.get("/services")
    if json_out:
        print_json(services)
        return
    if not services:
        say("No services yet; add one with `warroom services create NAME`.", "dim")
        return
    t = Table(show_edge=False, header_style="bold", pad_edge=False)
    t.add_column("name", no_wrap=True)
    t.add_column("team", no_wrap=True)
    t.add_column("description", overflow="fold")
    for service in services:
        t.add_row(cell(service["name"]), cell(service["owning_team"]), cell(service["description"]))
    console.print(t)


def create_service(
    name: Annotated[str, typer.Argument(metavar="NAME", help="Lowercase, e.g. checkout-api.", show_default=False)],
    description: Annotated[str, typer.Option(help="What it is.")] = "",
    team: Annotated[str, typer.Option(help="The team that owns it.")] = "",
    json_out: JsonFlag = False,
) -> None:
    """Add a service to the catalog."""
    with connect() as api:
        service = api.post("/services", {"name": name, "description": description, "owning_team": team})
    if json_out:
        print_json(service)
        return
    say(f"Created service {service['name']}.")


def severities(json_out: JsonFlag = False) -> None:
    """Show the severity policy: levels, response targets, paging, and business hours."""
    with connect() as api:
        policy = api.get("/severities")
    if json_out:
        print_json(policy)
        return
    # Two lines a level (criteria, then targets) stay readable on a phone-sized terminal, where a
    # seven-column table would squeeze the criteria, the part people read, to a few letters.
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for level in policy["severities"]:
        targets = (f"response {level['response_target'].replace('_', ' ')} · "
                   f"paging {level['paging'].replace('_', ' ')} · updates every {level['update_interval']} · "
                   f"postmortem {'required' if level['postmortem_required'] else 'optional'}")
        details = Text(level["criteria"])
        details.append("\n" + targets, style="dim")
        grid.add_row(cell(level["name"]), cell(level["label"]), details)
    console.print(grid)
    hours = policy["business_hours"]
    holidays = policy["holiday_country"] or "none"
    if policy["holiday_country"] and policy["holiday_subdivision"]:
        holidays += f" ({policy['holiday_subdivision']})"
    say(f"Business hours {hours['start']}-{hours['end']} {', '.join(hours['days'])}, "
                  f"timezone {policy['timezone']}; holidays: {holidays}")


def triage(
    down: Annotated[bool | None, typer.Option("--down/--up", show_default=False,
                                              help="Is the service down for its users?")] = None,
    users: Annotated[str | None, typer.Option(help="Share of users affected: all, many, some or few.",
                                              show_default=False)] = None,
    feature: Annotated[str | None, typer.Option(help="Feature impacted: core, major, minor or cosmetic.",
                                                show_default=False)] = None,
    json_out: JsonFlag = False,
) -> None:
    """Propose a severity from a few questions about the impact."""
    # Prompts go to stderr so that `--json` output stays clean for scripts. Click writes the space
    # after a prompt through input(), which would land on stdout: hence the redirect.
    with contextlib.redirect_stdout(sys.stderr):
        if down is None:
            down = typer.confirm("Is the service down for its users?", err=True)
        if users is None:
            users = typer.prompt("How many users are affected?", type=UserShare, err=True)
        if feature is None:
            feature = typer.prompt("What kind of feature is impacted?", type=Feature, err=True)
    with connect() as api:
        proposal = api.post("/triage", {"service_down": down, "users": users, "feature": feature})
    if json_out:
        print_json(proposal)
        return
    level: dict[str, Any] = proposal["level"]
    # The reason repeats the criterion at its end; it is shown on its own line already.
    reason = proposal["reason"].removesuffix(f"; criterion: {level['criteria']}")
    say(f"Proposed severity: {proposal['severity']}" + (f" ({level['label']})" if level["label"] else ""), "bold")
    for label, value in (("criterion", level["criteria"]), ("reason", reason),
                         ("response", level["response_target"].replace("_", " ")),
                         ("paging", level["paging"].replace("_", " "))):
        say(f"  {label:<10} {value}")
    # Taking command when declaring is what meets an immediate response target.
    say(f'  Declare with: warroom declare "TITLE" --sev {proposal["severity"]} --commander me', "dim")


def register(app: typer.Typer) -> None:
    services_app.command("list")(list_services)
    services_app.command("create")(create_service)
    app.add_typer(services_app, name="services", rich_help_panel=PANEL)
    for command in (severities, triage, whoami):
        app.command(rich_help_panel=PANEL)(command)
