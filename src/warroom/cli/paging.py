"""Paging commands: `warroom ack|escalate|repage|pages INC-1`, `warroom escalation-policies`,
`warroom contact-methods` and `warroom notification-rules` (your own).

A level is written "MINUTES: target, target": `--level "5m: alice, schedule:primary"` pages alice
and whoever is on call on schedule primary, then waits 5 minutes for an acknowledgement.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import typer

from warroom.cli.client import ApiClient, connect, segment
from warroom.cli.output import USAGE_ERROR, CliError, JsonFlag, local_time, print_json, say, table

PANEL = "On call"
LEVEL_RE = re.compile(r"^\s*(\d+)\s*(m|min|h)?\s*:\s*(.+)$", re.IGNORECASE)
IncidentArg = Annotated[str, typer.Argument(help="Incident ref or id, e.g. INC-42.", show_default=False)]
PolicyArg = Annotated[str, typer.Argument(help="Escalation policy name or id.", show_default=False)]

policies_app = typer.Typer(help="Escalation policies: who is paged, level by level.", invoke_without_command=True)
contacts_app = typer.Typer(help="Your contact methods for pages (verified with a test message).",
                           invoke_without_command=True)
rules_app = typer.Typer(help="Your notification rules: which contact method, how many minutes into a page.",
                        invoke_without_command=True)


# --- an incident's pages ------------------------------------------------------------------------------

def _show_pages(status: dict[str, Any]) -> None:
    ack = local_time(status["acknowledged_at"]) if status["acknowledged_at"] else "not yet"
    met = {True: " (response target met)", False: " (response target missed)", None: ""}[status["response_target_met"]]
    say(f"{status['incident']}: acknowledged {ack}{met}")
    if not status["pages"]:
        say("Not paged: none of its services has an escalation policy.", "dim")
    for page in status["pages"]:
        step = f", next step {local_time(page['next_step_at'])}" if page["next_step_at"] else ""
        say(f"Page {page['id']} · {page['policy']} · {page['mode']} ({page['urgency']} urgency) · {page['status']} · "
            f"level {page['level']}, round {page['round']}{step}")
        table(["Who", "Level", "Round", "How", "Due", "Sent"],
              [[n["user"]["handle"], n["level"], n["round"], n["kind"], local_time(n["due_at"]),
                local_time(n["sent_at"]) if n["sent_at"] else ("canceled" if n["canceled_at"] else "waiting")]
               for n in page["notifications"]])


def _incident_action(action: str, incident: str, json_out: bool) -> None:
    with connect() as api:
        path = f"/incidents/{segment(incident)}/pages"
        status = api.get(path) if action == "pages" else api.post(path.replace("/pages", f"/{action}"), {})
    if json_out:
        print_json(status)
        return
    _show_pages(status)


def ack(incident: IncidentArg, json_out: JsonFlag = False) -> None:
    """Acknowledge an incident: escalation stops."""
    _incident_action("ack", incident, json_out)


def escalate(incident: IncidentArg, json_out: JsonFlag = False) -> None:
    """Page the next level of the escalation policy now."""
    _incident_action("escalate", incident, json_out)


def repage(incident: IncidentArg, json_out: JsonFlag = False) -> None:
    """Page again from level 1 of each service's escalation policy."""
    _incident_action("repage", incident, json_out)


def pages(incident: IncidentArg, json_out: JsonFlag = False) -> None:
    """Paging status: each page, its level, and who was notified when."""
    _incident_action("pages", incident, json_out)


# --- escalation policies ------------------------------------------------------------------------------

def _level(text: str) -> dict[str, Any]:
    match = LEVEL_RE.match(text)
    if not match:
        raise CliError(f"cannot read {text!r}; write e.g. '5m: alice, schedule:primary'", USAGE_ERROR,
                       field="--level")
    minutes = int(match[1]) * (60 if (match[2] or "m").lower() == "h" else 1)
    targets = []
    for part in (p.strip() for p in match[3].split(",")):
        if not part:
            continue
        kind, _, ref = part.partition(":") if part.startswith(("schedule:", "user:")) else ("user", "", part)
        targets.append({"type": kind, "ref": ref})
    return {"delay_minutes": minutes, "targets": targets}


def _level_text(level: dict[str, Any]) -> str:
    names = ", ".join(t["name"] if t["type"] == "user" else f"schedule:{t['name']}" for t in level["targets"])
    return f"  {level['position']}. {names} — then wait {level['delay_minutes']} min"


def _show_policy(policy: dict[str, Any]) -> None:
    repeat = f"repeats {policy['repeat']}×" if policy["repeat"] else "no repeat"
    say(f"{policy['name']} · {repeat} · services: {', '.join(policy['services']) or 'none'}")
    for level in policy["levels"]:
        say(_level_text(level))


@policies_app.callback()
def policies_list(ctx: typer.Context, json_out: JsonFlag = False) -> None:
    """List escalation policies."""
    if ctx.invoked_subcommand is not None:
        return
    with connect() as api:
        found = api.get("/escalation-policies")
    if json_out:
        print_json(found)
        return
    if not found:
        say("No escalation policies yet. Create one with: warroom escalation-policies create NAME "
            "--level '5m: alice'", "dim")
    for policy in found:
        _show_policy(policy)


@policies_app.command("create")
def policies_create(
        name: Annotated[str, typer.Argument(help="A name, e.g. checkout-oncall.", show_default=False)],
        level: Annotated[list[str], typer.Option("--level", help="'MINUTES: who, schedule:NAME' (repeat, in order).")],
        repeat: Annotated[int, typer.Option(help="Run the whole policy again up to N times.")] = 0,
        service: Annotated[list[str] | None, typer.Option("--service", help="Page for this service (repeatable).")] = None,
        json_out: JsonFlag = False) -> None:
    """Create an escalation policy, optionally for services."""
    body = {"name": name, "repeat": repeat, "levels": [_level(text) for text in level]}
    with connect() as api:
        created = api.post("/escalation-policies", body)
        for name_ in service or []:
            api.put(f"/services/{segment(name_)}/escalation-policy", {"escalation_policy": created["name"]})
        created = api.get(f"/escalation-policies/{created['id']}")
    if json_out:
        print_json(created)
        return
    _show_policy(created)


@policies_app.command("show")
def policies_show(policy: PolicyArg, json_out: JsonFlag = False) -> None:
    """Show one escalation policy."""
    with connect() as api:
        found = api.get(f"/escalation-policies/{segment(policy)}")
    print_json(found) if json_out else _show_policy(found)


@policies_app.command("delete")
def policies_delete(policy: PolicyArg) -> None:
    """Delete an escalation policy (admins); its services then page nobody."""
    with connect() as api:
        gone = api.delete(f"/escalation-policies/{segment(policy)}")
    say(f"Deleted escalation policy {gone['name']}.")


# --- your contact methods and rules -------------------------------------------------------------------

def _methods(api: ApiClient) -> list[dict[str, Any]]:
    return api.get("/users/me/contact-methods")


@contacts_app.callback()
def contacts_list(ctx: typer.Context, json_out: JsonFlag = False) -> None:
    """List your contact methods."""
    if ctx.invoked_subcommand is not None:
        return
    with connect() as api:
        found = _methods(api)
    if json_out:
        print_json(found)
        return
    table(["Id", "Kind", "Address", "Label", "Verified"],
          [[m["id"], m["kind"], m["address"], m["label"], local_time(m["verified_at"]) if m["verified"] else "no"]
           for m in found])


@contacts_app.command("add")
def contacts_add(kind: Annotated[str, typer.Argument(help="email, slack or webhook.", show_default=False)],
                 address: Annotated[str, typer.Argument(help="Address, Slack member id, or URL.", show_default=False)],
                 label: Annotated[str, typer.Option(help="A name for it, e.g. 'work phone'.")] = "",
                 json_out: JsonFlag = False) -> None:
    """Add a contact method and send it a test message with a verification code."""
    with connect() as api:
        method = api.post("/users/me/contact-methods", {"kind": kind, "address": address, "label": label})
        api.post(f"/users/me/contact-methods/{method['id']}/test", {})
    if json_out:
        print_json(method)
        return
    say(f"Added {kind} contact {method['id']} ({address}) and sent it a test message.")
    if method.get("signing_secret"):
        say(f"Webhook signing secret (shown once): {method['signing_secret']}")
    say(f"Enter the code it carries with: warroom contact-methods verify {method['id']} CODE")


@contacts_app.command("test")
def contacts_test(method_id: Annotated[int, typer.Argument(show_default=False)]) -> None:
    """Send a new test message (a new code; the last one stops working)."""
    with connect() as api:
        sent = api.post(f"/users/me/contact-methods/{method_id}/test", {})
    say(f"Test message queued; its code is valid until {local_time(sent['code_expires_at'])}.")


@contacts_app.command("verify")
def contacts_verify(method_id: Annotated[int, typer.Argument(show_default=False)],
                    code: Annotated[str, typer.Argument(show_default=False)]) -> None:
    """Verify a contact method with the code its test message carried."""
    with connect() as api:
        method = api.post(f"/users/me/contact-methods/{method_id}/verify", {"code": code})
    say(f"Verified {method['kind']} contact {method['id']} ({method['address']}).")


@contacts_app.command("remove")
def contacts_remove(method_id: Annotated[int, typer.Argument(show_default=False)]) -> None:
    """Remove a contact method and its notification rules."""
    with connect() as api:
        gone = api.delete(f"/users/me/contact-methods/{method_id}")
    say(f"Removed {gone['kind']} contact {gone['id']} ({gone['address']}).")


@rules_app.callback()
def rules_list(ctx: typer.Context, json_out: JsonFlag = False) -> None:
    """List your notification rules."""
    if ctx.invoked_subcommand is not None:
        return
    with connect() as api:
        found = api.get("/users/me/notification-rules")
    if json_out:
        print_json(found)
        return
    table(["Id", "Urgency", "After", "How"],
          [[r["id"], r["urgency"], f"{r['delay_minutes']} min",
            f"{r['contact_method']['kind']} {r['contact_method']['address']}"] for r in found])


@rules_app.command("add")
def rules_add(method_id: Annotated[int, typer.Argument(help="Contact method id.", show_default=False)],
              urgency: Annotated[str, typer.Option(help="high or low.")] = "high",
              after: Annotated[int, typer.Option(help="Minutes into the page.")] = 0) -> None:
    """Reach you on a contact method some minutes into a page of an urgency."""
    with connect() as api:
        rule = api.post("/users/me/notification-rules",
                        {"contact_method": method_id, "urgency": urgency, "delay_minutes": after})
    say(f"Rule {rule['id']}: {urgency} urgency pages reach {rule['contact_method']['address']} after {after} min.")


@rules_app.command("remove")
def rules_remove(rule_id: Annotated[int, typer.Argument(show_default=False)]) -> None:
    """Remove a notification rule."""
    with connect() as api:
        api.delete(f"/users/me/notification-rules/{rule_id}")
    say(f"Removed rule {rule_id}.")


def register(app: typer.Typer) -> None:
    for command in (ack, escalate, repage, pages):
        app.command(rich_help_panel=PANEL)(command)
    app.add_typer(policies_app, name="escalation-policies", rich_help_panel=PANEL)
    app.add_typer(contacts_app, name="contact-methods", rich_help_panel=PANEL)
    app.add_typer(rules_app, name="notification-rules", rich_help_panel=PANEL)
