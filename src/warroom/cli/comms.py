"""Communication commands: post status updates, and (admins) channels, templates and the outbox."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from warroom.cli.client import connect, segment
from warroom.cli.incidents import IncidentArg
from warroom.cli.output import (
    FUTURE_HELP, USAGE_ERROR, CliError, JsonFlag, ago, local_time, parse_future, print_json, say, table,
)

PANEL = "Communication"
AUDIENCES = ("internal", "public", "customers")
channels_app = typer.Typer(help="Where updates and alerts go (admins).", no_args_is_help=False,
                           invoke_without_command=True)
templates_app = typer.Typer(help="The message templates of each audience and kind (admins).",
                            invoke_without_command=True)
outbox_app = typer.Typer(help="Outgoing messages and their delivery (admins).", invoke_without_command=True)

Audience = Annotated[str, typer.Option("--audience", "-a", help="internal, public (status page) or customers.")]


def _audience(value: str) -> str:
    if value not in AUDIENCES:
        raise CliError(f"unknown audience {value!r}; allowed: {', '.join(AUDIENCES)}", USAGE_ERROR,
                       field="--audience")
    return value


def update(
    key: IncidentArg,
    happening: Annotated[str | None, typer.Option("--happening", help="What is happening.")] = None,
    affected: Annotated[str | None, typer.Option("--affected", help="Who is affected.")] = None,
    doing: Annotated[str | None, typer.Option("--doing", help="What we are doing.")] = None,
    next_at: Annotated[str | None, typer.Option("--next", help=f"When the next update comes: {FUTURE_HELP}. "
                                                "Required until the incident is resolved.")] = None,
    audience: Audience = "internal",
    preview: Annotated[bool, typer.Option("--preview", help="Show the rendered message; post nothing.")] = False,
    json_out: JsonFlag = False,
) -> None:
    """Post a status update: what is happening, who is affected, what we are doing, when next.

    Parts you leave out are taken from the previous update for the same audience."""
    audience = _audience(audience)
    with connect() as api:
        previous = api.get(f"/incidents/{segment(key)}/updates", audience=audience)
        last = previous[-1] if previous else {}
        body: dict[str, Any] = {"audience": audience}
        for field, given, option in (("whats_happening", happening, "--happening"),
                                     ("who_is_affected", affected, "--affected"),
                                     ("what_we_are_doing", doing, "--doing")):
            value = given if given is not None else last.get(field)
            if not value:
                raise CliError(f"{option} is needed (no earlier {audience} update to take it from)",
                               USAGE_ERROR, field=option)
            body[field] = value
        if next_at is not None:
            body["next_update_at"] = parse_future(next_at, "--next")
        path = f"/incidents/{segment(key)}/updates" + ("/preview" if preview else "")
        result = api.post(path, body)
    if json_out:
        print_json(result)
        return
    if preview:
        say(f"Preview ({result['audience']}, {result['kind']}); nothing was posted.", "dim")
    else:
        say(f"Posted {result['kind']} {result['audience']} update to {key.upper()}.")
        if result.get("next_update_at"):
            say(f"Next update promised by {local_time(result['next_update_at'])}.")
    say(result["subject"], "bold")
    say(result["text"])


def updates(key: IncidentArg, audience: Annotated[str | None, typer.Option("--audience", "-a")] = None,
            json_out: JsonFlag = False) -> None:
    """List an incident's status updates, oldest first."""
    with connect() as api:
        found = api.get(f"/incidents/{segment(key)}/updates",
                        **({"audience": _audience(audience)} if audience else {}))
    if json_out:
        print_json(found)
        return
    if not found:
        say("No updates yet.", "dim")
        return
    table(["Posted", "Audience", "Kind", "By", "What is happening", "Next"],
          [[local_time(u["posted_at"]), u["audience"], u["kind"], (u.get("author") or {}).get("name", ""),
            u["whats_happening"], local_time(u["next_update_at"]) if u["next_update_at"] else "final"]
           for u in found])


# --- channels -----------------------------------------------------------------------------------------

@channels_app.callback()
def channels_list(ctx: typer.Context, json_out: JsonFlag = False) -> None:
    """List channels with their routes."""
    if ctx.invoked_subcommand:
        return
    with connect() as api:
        found = api.get("/channels")
    if json_out:
        print_json(found)
        return
    if not found:
        say("No channels yet. Add one with: warroom channels add NAME --kind webhook --url URL", "dim")
        return
    table(["Id", "Name", "Kind", "Enabled", "Where", "Routes"],
          [[c["id"], c["name"], c["kind"], "yes" if c["enabled"] else "no",
            ", ".join(c["settings"].get("recipients", [])) or c["settings"].get("url")
            or c["settings"].get("channel") or ("secret set" if c["secrets_set"] else ""),
            "; ".join(_route_text(r) for r in c["routes"])] for c in found])


def _route_text(route: dict) -> str:
    parts = [f"{name}={','.join(route[name])}" for name in ("events", "severities", "services", "audiences")
             if route[name]]
    return " ".join(parts) or "everything"


@channels_app.command("add")
def channels_add(
    name: Annotated[str, typer.Argument(show_default=False)],
    kind: Annotated[str, typer.Option("--kind", help="email, slack, teams or webhook.")],
    url: Annotated[str | None, typer.Option("--url", help="webhook: where to POST.")] = None,
    recipients: Annotated[str | None, typer.Option("--to", help="email: addresses, comma-separated.")] = None,
    slack_channel: Annotated[str | None, typer.Option("--slack-channel", help="slack with a bot token: "
                                                      "the channel id.")] = None,
    secret_stdin: Annotated[bool, typer.Option("--secret-stdin", help="Read the secret from stdin: the Slack "
                                               "or Teams webhook URL, or a Slack bot token (xoxb-...).")] = False,
    events: Annotated[list[str] | None, typer.Option("--event", help="Only these events (repeat).")] = None,
    severities: Annotated[list[str] | None, typer.Option("--severity", help="Only these severities.")] = None,
    services: Annotated[list[str] | None, typer.Option("--service", help="Only these services.")] = None,
    audiences: Annotated[list[str] | None, typer.Option("--audience", help="Only updates for these.")] = None,
    json_out: JsonFlag = False,
) -> None:
    """Add a channel. Secrets are read from stdin, never from the command line."""
    settings: dict[str, Any] = {}
    secrets: dict[str, str] = {}
    if url:
        settings["url"] = url
    if recipients:
        settings["recipients"] = [r.strip() for r in recipients.split(",") if r.strip()]
    if slack_channel:
        settings["channel"] = slack_channel
    if secret_stdin:
        secret = sys.stdin.readline().strip()
        secrets["bot_token" if secret.startswith("xox") else "webhook_url"] = secret
    route = {"events": events or [], "severities": severities or [], "services": services or [],
             "audiences": audiences or []}
    with connect() as api:
        created = api.post("/channels", {"name": name, "kind": kind, "settings": settings, "secrets": secrets,
                                         "routes": [route]})
    if json_out:
        print_json(created)
        return
    say(f"Added {created['kind']} channel {created['name']} (id {created['id']}): {_route_text(created['routes'][0])}.")
    if created.get("signing_secret"):
        say("Signing secret (shown once; receivers verify webhook-signature with it):", "bold")
        print(created["signing_secret"])


@channels_app.command("test")
def channels_test(name: Annotated[str, typer.Argument(show_default=False)]) -> None:
    """Queue a test message; `warroom outbox` shows how its delivery went."""
    with connect() as api:
        queued = api.post(f"/channels/{segment(name)}/test", {})
    say(f"Queued test message {queued['id']} to {name}; see `warroom outbox` for its delivery.")


@channels_app.command("remove")
def channels_remove(name: Annotated[str, typer.Argument(show_default=False)]) -> None:
    """Delete a channel; its waiting messages are dead-lettered."""
    with connect() as api:
        api.delete(f"/channels/{segment(name)}")
    say(f"Removed channel {name}.")


# --- templates ----------------------------------------------------------------------------------------

@templates_app.callback()
def templates_list(ctx: typer.Context, json_out: JsonFlag = False) -> None:
    """List templates: which are customized."""
    if ctx.invoked_subcommand:
        return
    with connect() as api:
        found = api.get("/templates")
    if json_out:
        print_json(found)
        return
    table(["Audience", "Kind", "Customized", "Subject"],
          [[t["audience"], t["kind"], "yes" if t["customized"] else "default", t["subject"]] for t in found])


@templates_app.command("show")
def templates_show(audience: str, kind: str) -> None:
    """Print one template (subject, then body)."""
    with connect() as api:
        found = [t for t in api.get("/templates") if t["audience"] == audience and t["kind"] == kind]
    if not found:
        raise CliError(f"no template {audience}/{kind}", USAGE_ERROR)
    say(found[0]["subject"], "bold")
    print(found[0]["body"])


@templates_app.command("set")
def templates_set(
    audience: str, kind: str,
    subject: Annotated[str, typer.Option("--subject", help="Jinja2 subject line.")],
    body_file: Annotated[typer.FileText, typer.Option("--body-file", help="Jinja2 body; - for stdin.")],
) -> None:
    """Replace a template; refused, with line and reason, if it does not render."""
    with connect() as api:
        api.put(f"/templates/{segment(audience)}/{segment(kind)}", {"subject": subject, "body": body_file.read()})
    say(f"Saved the {audience} {kind} template.")


@templates_app.command("reset")
def templates_reset(audience: str, kind: str) -> None:
    """Go back to the built-in template."""
    with connect() as api:
        api.delete(f"/templates/{segment(audience)}/{segment(kind)}")
    say(f"The {audience} {kind} template is the default again.")


# --- outbox -------------------------------------------------------------------------------------------

@outbox_app.callback()
def outbox_list(ctx: typer.Context,
                status: Annotated[str | None, typer.Option("--status", help="pending, sending, delivered or dead.")] = None,
                json_out: JsonFlag = False) -> None:
    """Recent outgoing messages, newest first."""
    if ctx.invoked_subcommand:
        return
    with connect() as api:
        found = api.get("/outbox", **({"status": status} if status else {}))
    if json_out:
        print_json(found)
        return
    if not found:
        say("No messages.", "dim")
        return
    table(["Id", "Created", "Event", "To", "Status", "Tries", "Last error"],
          [[m["id"], ago(m["created_at"]), m["event"], m["channel"] or m["transport"], m["status"],
            m["attempts"], m["last_error"]] for m in found])


@outbox_app.command("show")
def outbox_show(message_id: int, json_out: JsonFlag = False) -> None:
    """One message and every attempt at sending it."""
    with connect() as api:
        message = api.get(f"/outbox/{message_id}")
    if json_out:
        print_json(message)
        return
    say(f"Message {message['id']} · {message['event'] or 'message'} → {message['channel'] or message['transport']} · "
        f"{message['status']} · key {message['key']}")
    if not message["attempts_made"]:
        say("Not tried yet.", "dim")
        return
    table(["#", "Started", "Result", "Detail"],
          [[a["number"], local_time(a["started_at"]), "ok" if a["ok"] else "failed", a["detail"]]
           for a in message["attempts_made"]])


@outbox_app.command("retry")
def outbox_retry(message_id: int) -> None:
    """Send a dead message again (same idempotency key)."""
    with connect() as api:
        retried = api.post(f"/outbox/{message_id}/retry", {})
    say(f"Message {retried['id']} is {retried['status']} again.")


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel=PANEL)(update)
    app.command(rich_help_panel=PANEL)(updates)
    app.add_typer(channels_app, name="channels", rich_help_panel=PANEL)
    app.add_typer(templates_app, name="templates", rich_help_panel=PANEL)
    app.add_typer(outbox_app, name="outbox", rich_help_panel=PANEL)
