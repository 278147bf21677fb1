"""`warroom edit`: change an incident's fields; each change is a timeline event on the server."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from warroom.cli.client import connect, segment
from warroom.cli.output import TIME_HELP, JsonFlag, fail, parse_when, print_json, say


def edit(
    key: Annotated[str, typer.Argument(metavar="INCIDENT", help="Incident ref or id, e.g. INC-42.",
                                       show_default=False)],
    title: Annotated[str | None, typer.Option(help="New title.")] = None,
    summary: Annotated[str | None, typer.Option(help="What is happening.")] = None,
    impact: Annotated[str | None, typer.Option(help="Who is affected, and how.")] = None,
    visibility: Annotated[str | None, typer.Option(help="public, internal or restricted.")] = None,
    service: Annotated[list[str] | None, typer.Option(
        "--service", help="Affected service; repeatable; replaces the list.")] = None,
    label: Annotated[list[str] | None, typer.Option(
        "--label", help="Label; repeatable; replaces the list.")] = None,
    link: Annotated[list[str] | None, typer.Option(
        "--link", help="URL, or 'Title=URL'; repeatable; replaces the list.")] = None,
    started_at: Annotated[str | None, typer.Option("--started-at", help=f"When impact began: {TIME_HELP}.")] = None,
    detected_at: Annotated[str | None, typer.Option("--detected-at", help=f"When we found out: {TIME_HELP}.")] = None,
    json_out: JsonFlag = False,
) -> None:
    """Edit an incident's title, summary, impact, visibility, services, labels, links or times."""
    body: dict[str, Any] = {name: value for name, value in (
        ("title", title), ("summary", summary), ("impact", impact), ("visibility", visibility),
        ("services", service), ("labels", label)) if value is not None}
    if link is not None:
        body["links"] = [_link(text) for text in link]
    for name, value, option in (("started_at", started_at, "--started-at"),
                                ("detected_at", detected_at, "--detected-at")):
        if value is not None:
            body[name] = parse_when(value, option)
    if not body:
        fail("nothing to change: give at least one option (see `warroom edit --help`)", exit_code=2)
    with connect() as api:
        incident = api.request("PATCH", f"/incidents/{segment(key)}", json=body)
    if json_out:
        print_json(incident)
        return
    say(f"Updated {incident['ref']}: {', '.join(sorted(body))}.")


def _link(text: str) -> dict[str, str]:
    title, separator, url = text.partition("=")
    return {"title": title.strip(), "url": url.strip()} if separator and "://" not in title else {
        "title": "", "url": text.strip()}
