"""The postmortem as a plain-text file to edit in $EDITOR (`warroom postmortem INC-1 --edit`), and
back. Headings ("## Summary") name the sections; list sections are "- " items; the 5 whys are
"Q:" / "A:" pairs; timeline lines are "- 2026-03-02 10:08Z | what happened" (UTC). Lines starting
with "#" but not "##" are comments."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from warroom.cli.output import CliError, USAGE_ERROR

TEXT = (("summary", "Summary"), ("impact", "Impact"), ("detection", "Detection"))
LISTS = (("contributing_factors", "Contributing factors"), ("went_well", "What went well"),
         ("went_poorly", "What went poorly"), ("got_lucky", "Where we got lucky"))
HEADINGS = {title.casefold(): name for name, title in (*TEXT, ("whys", "5 whys"), *LISTS, ("timeline", "Timeline"))}


def _utc(value: str) -> str:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%MZ")


def to_text(postmortem: dict[str, Any]) -> str:
    out = [f"# Postmortem of {postmortem['incident']}: {postmortem['incident_title']} "
           f"(version {postmortem['version']}, {postmortem['status'].replace('_', ' ')})",
           "# Write under the '## ' headings and keep them. Lines starting with a single '#' are ignored.",
           "# 5 whys: 'Q:' and 'A:' lines, in order; the last answer names the systemic cause.",
           "# Timeline: '- YYYY-MM-DD HH:MMZ | text' (UTC).", ""]
    for name, title in TEXT:
        out += [f"## {title}", postmortem[name], ""]
    out.append("## 5 whys")
    for why in postmortem["whys"]:
        out += [f"Q: {why['question']}", f"A: {why['answer']}", ""]
    if not postmortem["whys"]:
        out += ["Q: ", "A: ", ""]
    for name, title in LISTS:
        out += [f"## {title}"] + [f"- {item}" for item in postmortem[name]] + [""]
    out.append("## Timeline")
    out += [f"- {_utc(entry['at'])} | {entry['text']}" for entry in postmortem["timeline"]]
    return "\n".join(out).rstrip() + "\n"


def _items(lines: list[str], section: str) -> list[str]:
    items: list[str] = []
    for line in lines:
        if line.startswith("- "):
            items.append(line[2:].strip())
        elif line.strip() and items:
            items[-1] += " " + line.strip()  # a wrapped item
        elif line.strip():
            raise CliError(f"{section}: items start with '- ' (got {line.strip()[:40]!r})", USAGE_ERROR)
    return [item for item in items if item]


def _whys(lines: list[str]) -> list[dict[str, str]]:
    whys: list[dict[str, str]] = []
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("Q:"):
            whys.append({"question": stripped[2:].strip(), "answer": ""})
        elif stripped.startswith("A:"):
            if not whys or whys[-1]["answer"]:
                raise CliError("5 whys: every 'A:' needs a 'Q:' before it", USAGE_ERROR)
            whys[-1]["answer"] = stripped[2:].strip()
        elif stripped and whys:
            key = "answer" if whys[-1]["answer"] else "question"
            whys[-1][key] += " " + stripped
    return [w for w in whys if w["question"] or w["answer"]]


def _timeline(lines: list[str]) -> list[dict[str, str]]:
    entries = []
    for item in _items(lines, "Timeline"):
        when, sep, text = item.partition("|")
        if not sep:
            raise CliError(f"Timeline: write '- YYYY-MM-DD HH:MMZ | text' (got {item[:40]!r})", USAGE_ERROR)
        try:
            moment = datetime.fromisoformat(when.strip().replace("Z", "+00:00"))
        except ValueError:
            raise CliError(f"Timeline: {when.strip()!r} is not a time like 2026-03-02 10:08Z", USAGE_ERROR) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        entries.append({"at": moment.isoformat(), "text": text.strip()})
    return entries


def from_text(text: str) -> dict[str, Any]:
    """The sections of an edited file, as a PUT body (without version)."""
    sections: dict[str, list[str]] = {}
    current: str | None = None
    for line in text.splitlines():
        if line.startswith("## "):
            title = line[3:].strip().casefold()
            if title not in HEADINGS:
                raise CliError(f"unknown heading {line.strip()!r}; keep the headings as they were", USAGE_ERROR)
            current = HEADINGS[title]
            sections[current] = []
        elif line.startswith("#"):
            continue
        elif current is not None:
            sections[current].append(line)
    body: dict[str, Any] = {}
    for name, _ in TEXT:
        if name in sections:
            body[name] = "\n".join(sections[name]).strip()
    for name, title in LISTS:
        if name in sections:
            body[name] = _items(sections[name], title)
    if "whys" in sections:
        body["whys"] = _whys(sections["whys"])
    if "timeline" in sections:
        body["timeline"] = _timeline(sections["timeline"])
    return body
