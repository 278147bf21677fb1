"""`warroom integrations`: where monitoring tools send alerts (admins manage them).

`create` and `rotate` print the routing key alone on stdout, so it can go straight into a secret
store or a tool's configuration (`KEY=$(warroom integrations create checkout --type pagerduty)`);
where to send events, and the reminder that the key is not shown again, go to stderr.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from warroom.cli.client import connect, segment
from warroom.cli.output import (USAGE_ERROR, CliError, JsonFlag, err_console, fields, local_time, print_json, say,
                                table)

integrations_app = typer.Typer(help="Integrations: where monitoring sends alerts, with their routing keys.",
                               invoke_without_command=True)
IdArg = Annotated[int, typer.Argument(metavar="ID", help="Integration id (see `warroom integrations`).",
                                      show_default=False)]
ServiceOption = Annotated[str | None, typer.Option("--service", help="Only this service's.")]
RevokedOption = Annotated[bool, typer.Option("--revoked", help="Revoked ones too.")]
NameOption = Annotated[str | None, typer.Option("--name", help="A name (default: 'SERVICE TYPE').")]
RateOption = Annotated[int | None, typer.Option("--rate-limit", help="Events a minute it accepts (default 600).")]
SeverityOption = Annotated[str | None, typer.Option(
    "--default-severity", help="critical, error, warning or info: for events that name none (default error).")]
MappingOption = Annotated[Path | None, typer.Option(
    "--mapping", help="Generic webhooks: a JSON file saying where title, dedup key, severity ... are "
                      "('-': standard input).", show_default=False)]


def read_json_file(path: Path, option: str) -> Any:
    """A JSON document from a file, or from standard input for '-'."""
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}", USAGE_ERROR, field=option) from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise CliError(f"{path} is not JSON: {exc}", USAGE_ERROR, field=option) from None


def _hint(text: str) -> None:
    err_console.print(text, markup=False, highlight=False, soft_wrap=True)


def _print_key(created: dict[str, Any], what: str) -> None:
    """The key alone on stdout; everything a person needs around it on stderr."""
    sys.stdout.write(created["routing_key"] + "\n")
    sys.stdout.flush()
    _hint(f"{what} {created['type']} integration {created['id']} ({created['name']}) for {created['service']}. "
          f"The routing key above is not shown again: store it now.")
    if created["type"] == "pagerduty":
        base = created["url"].removesuffix("/v2/enqueue")
        _hint(f"Send PagerDuty Events API v2 events to {created['url']} (change events to "
              f"{base}/v2/change/enqueue) with it as routing_key.")
    else:
        _hint(f"Webhook URL for {created['type']}: {created['url']}")


def _show(found: dict[str, Any]) -> None:
    rows = [("id", found["id"]), ("name", found["name"]), ("service", found["service"]), ("type", found["type"]),
            ("url", found["url"]), ("routing key", f"…{found['key_hint']}"),
            ("rate limit", f"{found['rate_limit_per_minute']} events a minute"),
            ("default severity", found["default_severity"]),
            ("created", local_time(found["created_at"])),
            ("key rotated", local_time(found["key_rotated_at"]) if found["key_rotated_at"] else "never"),
            ("revoked", local_time(found["revoked_at"]) if found["revoked_at"] else "no")]
    if found["mapping"]:
        rows.append(("mapping", json.dumps(found["mapping"], indent=2)))
    fields(rows)


def _list(service: str | None, revoked: bool, json_out: bool) -> None:
    with connect() as api:
        found = api.get("/integrations", service=service, include_revoked=revoked)
    if json_out:
        print_json(found)
        return
    if not found:
        say("No integrations. Create one with: warroom integrations create SERVICE --type pagerduty", "dim")
        return
    table(["Id", "Name", "Service", "Type", "Key", "Limit/min", "Default sev", "Created", "Revoked"],
          [[i["id"], i["name"], i["service"], i["type"], f"…{i['key_hint']}", i["rate_limit_per_minute"],
            i["default_severity"], local_time(i["created_at"]),
            local_time(i["revoked_at"]) if i["revoked_at"] else ""] for i in found])


@integrations_app.callback()
def integrations_main(ctx: typer.Context, service: ServiceOption = None, revoked: RevokedOption = False,
                      json_out: JsonFlag = False) -> None:
    """List integrations (the same as `warroom integrations list`)."""
    if ctx.invoked_subcommand is None:
        _list(service, revoked, json_out)


@integrations_app.command("list")
def integrations_list(service: ServiceOption = None, revoked: RevokedOption = False,
                      json_out: JsonFlag = False) -> None:
    """List integrations: id, service, type, the key's last 4 characters, rate limit."""
    _list(service, revoked, json_out)


def _changes(name: str | None, rate_limit: int | None, default_severity: str | None,
             mapping: Path | None) -> dict[str, Any]:
    body: dict[str, Any] = {k: v for k, v in (("name", name), ("rate_limit_per_minute", rate_limit),
                                               ("default_severity", default_severity)) if v is not None}
    if mapping is not None:
        body["mapping"] = read_json_file(mapping, "--mapping")
    return body


@integrations_app.command("create")
def integrations_create(
        service: Annotated[str, typer.Argument(metavar="SERVICE", help="The service it alerts about.",
                                               show_default=False)],
        kind: Annotated[str, typer.Option("--type", help="pagerduty, alertmanager, grafana or generic.",
                                          show_default=False)],
        name: NameOption = None, rate_limit: RateOption = None, default_severity: SeverityOption = None,
        mapping: MappingOption = None, json_out: JsonFlag = False) -> None:
    """Create an integration (admins) and print its routing key alone on stdout."""
    body = {"service": service, "type": kind, **_changes(name, rate_limit, default_severity, mapping)}
    with connect() as api:
        created = api.post("/integrations", body)
    print_json(created) if json_out else _print_key(created, "Created")


@integrations_app.command("show")
def integrations_show(integration: IdArg, json_out: JsonFlag = False) -> None:
    """Show an integration: where it receives events, its limit, its mapping."""
    with connect() as api:
        found = api.get(f"/integrations/{segment(integration)}")
    print_json(found) if json_out else _show(found)


@integrations_app.command("edit")
def integrations_edit(integration: IdArg, name: NameOption = None, rate_limit: RateOption = None,
                      default_severity: SeverityOption = None, mapping: MappingOption = None,
                      json_out: JsonFlag = False) -> None:
    """Change an integration's name, rate limit, default severity or mapping (admins)."""
    body = _changes(name, rate_limit, default_severity, mapping)
    if not body:
        raise CliError("nothing to change: give --name, --rate-limit, --default-severity or --mapping",
                       USAGE_ERROR)
    with connect() as api:
        found = api.request("PATCH", f"/integrations/{segment(integration)}", json=body)
    print_json(found) if json_out else _show(found)


@integrations_app.command("rotate")
def integrations_rotate(integration: IdArg, json_out: JsonFlag = False) -> None:
    """A new routing key, printed alone on stdout; the old one stops working at once (admins)."""
    with connect() as api:
        rotated = api.post(f"/integrations/{segment(integration)}/rotate-key", {})
    print_json(rotated) if json_out else _print_key(rotated, "Rotated the key of")


@integrations_app.command("revoke")
def integrations_revoke(integration: IdArg, json_out: JsonFlag = False) -> None:
    """Stop accepting events from an integration; its alerts and changes stay (admins)."""
    with connect() as api:
        revoked = api.post(f"/integrations/{segment(integration)}/revoke", {})
    if json_out:
        print_json(revoked)
        return
    say(f"Revoked integration {revoked['id']} ({revoked['name']}) at {local_time(revoked['revoked_at'])}: its key "
        f"no longer works; its alerts and changes stay.")


@integrations_app.command("test-mapping")
def integrations_test_mapping(
        integration: IdArg,
        sample: Annotated[Path, typer.Argument(metavar="SAMPLE.json", help="A payload as the tool sends it "
                                               "('-': standard input).", show_default=False)],
        mapping: Annotated[Path | None, typer.Option("--mapping", help="Try this mapping (a JSON file) instead "
                                                     "of the saved one.", show_default=False)] = None,
        json_out: JsonFlag = False) -> None:
    """What a generic webhook's mapping makes of a sample payload; saves nothing (admins)."""
    body: dict[str, Any] = {"sample": read_json_file(sample, "SAMPLE.json")}
    if mapping is not None:
        body["mapping"] = read_json_file(mapping, "--mapping")
    with connect() as api:
        result = api.post(f"/integrations/{segment(integration)}/test-mapping", body)
    if json_out:
        print_json(result)
    elif result["ok"]:
        event = result["event"]
        say(f"The mapping reads this sample as a {event['action']}:")
        fields([("dedup key", event["dedup_key"]), ("summary", event["summary"]), ("severity", event["severity"]),
                ("origin", event["origin"] or "-"), ("links", " ".join(link["href"] for link in event["links"]) or "-")])
    if not result["ok"]:
        raise CliError("the sample does not fit the mapping: " + "; ".join(result["errors"]))
