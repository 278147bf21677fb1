"""`warroom subscribers`: who gets the public status page's announcements (admins)."""

from __future__ import annotations

from typing import Annotated

import typer

from warroom.cli.client import connect, segment
from warroom.cli.output import JsonFlag, ago, print_json, say, table

PANEL = "Status page"
subscribers_app = typer.Typer(help="Subscribers of the public status page: list, add, remove (admins).",
                              invoke_without_command=True)


@subscribers_app.callback()
def subscribers_list(
    ctx: typer.Context,
    kind: Annotated[str | None, typer.Option("--kind", help="email or webhook.")] = None,
    status: Annotated[str | None, typer.Option("--status", help="pending, active or unsubscribed.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="How many per page (1-200).")] = 50,
    all_pages: Annotated[bool, typer.Option("--all", help="Every page, not only the first.")] = False,
    json_out: JsonFlag = False,
) -> None:
    """List subscribers, newest first."""
    if ctx.invoked_subcommand:
        return
    with connect() as api:
        pages = list(api.pages("/status/subscribers", follow=all_pages, kind=kind, status=status, limit=limit))
    found = [item for page in pages for item in page["items"]]
    if json_out:
        print_json(pages[0] if len(pages) == 1 else {"items": found, "total": pages[0]["total"],
                                                     "next_cursor": None})
        return
    if not found:
        say("No subscribers. People subscribe on the status page (/status/subscribe); add one with: "
            "warroom subscribers add ADDRESS-OR-URL --kind email|webhook", "dim")
        return
    table(["Id", "Kind", "Target", "Status", "Components", "Added"],
          [[s["id"], s["kind"], s["target"], s["status"], ", ".join(s["component_names"]) or "all",
            ago(s["created_at"])] for s in found])
    more = pages[-1]["next_cursor"]
    shown = f"{len(found)} of {pages[0]['total']}"
    say(f"{shown}; --all for every page." if more else shown, "dim")


@subscribers_app.command("add")
def subscribers_add(
    target: Annotated[str, typer.Argument(help="An e-mail address, or a webhook's http(s) URL.",
                                          show_default=False)],
    kind: Annotated[str, typer.Option("--kind", help="email or webhook.")] = "email",
    components: Annotated[list[str] | None, typer.Option(
        "--component", help="Only announcements about this component (public id or name; repeat).")] = None,
    confirmed: Annotated[bool, typer.Option(
        "--confirmed", help="E-mail: the person already agreed; send no confirmation mail.")] = False,
    json_out: JsonFlag = False,
) -> None:
    """Add an e-mail or webhook subscriber.

    An e-mail address gets a confirmation mail unless --confirmed; a webhook is active at once and
    its signing secret is printed this once."""
    with connect() as api:
        created = api.post("/status/subscribers", {"kind": kind, "target": target,
                                                   "components": components or [], "confirmed": confirmed})
    if json_out:
        print_json(created)
        return
    scope = ", ".join(created["component_names"]) or "every component"
    say(f"Added {created['kind']} subscriber {created['target']} (id {created['id']}, {created['status']}) "
        f"for {scope}.")
    if created["status"] == "pending":
        say("A confirmation mail is on its way; nothing is sent until its link is followed.", "dim")
    if created.get("secret"):
        say("Signing secret (shown once; the receiver verifies webhook-signature with it):", "bold")
        print(created["secret"])


@subscribers_app.command("remove")
def subscribers_remove(subscriber_id: Annotated[int, typer.Argument(help="The id from `warroom subscribers`.")],
                       json_out: JsonFlag = False) -> None:
    """Remove a subscriber; messages still waiting for it are not sent."""
    with connect() as api:
        gone = api.delete(f"/status/subscribers/{segment(subscriber_id)}")
    if json_out:
        print_json(gone)
        return
    say(f"Removed {gone['kind']} subscriber {gone['target']} (id {gone['id']}).")


def register(app: typer.Typer) -> None:
    app.add_typer(subscribers_app, name="subscribers", rich_help_panel=PANEL)
