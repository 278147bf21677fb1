"""The postmortem page's section forms: what each form shows, and what a submitted form asks for.

A section's values travel in one shape both ways, so a refused form comes back exactly as typed:
text sections are a string, list sections one item per line, the 5 whys a list of
{question, answer}, the timeline a list of {at, at_was, text}. Timeline times are typed in the
viewer's timezone (datetime-local, to the minute); `at_was` carries the stored UTC time of a row,
so a row whose time nobody touched keeps it exactly instead of being rounded to the minute it shows.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from starlette.datastructures import FormData

from warroom.api.errors import first_problem
from warroom.core.clock import as_utc, iso_utc
from warroom.core.errors import Invalid
from warroom.postmortems.models import Postmortem
from warroom.postmortems.schemas import PostmortemPatch
from warroom.postmortems.service import LIST_SECTIONS, TEXT_SECTIONS

ROW_SECTIONS = ("whys", "timeline")
# The page's order, which is also the exported document's.
SECTIONS = (*TEXT_SECTIONS, "whys", *LIST_SECTIONS, "timeline")
ROW_FIELDS = {"whys": ("question", "answer"), "timeline": ("at", "at_was", "text")}
_ROW_PROBLEM = re.compile(r"^(whys|timeline)\.(\d+)\.(\w+)")


def local_input(moment: datetime, zone: ZoneInfo) -> str:
    """A stored time as a datetime-local field shows it: the viewer's wall clock, to the minute."""
    return as_utc(moment).astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def stored_values(postmortem: Postmortem, zone: ZoneInfo) -> dict:
    """Every section's values as its form shows them."""
    values: dict = {name: getattr(postmortem, name) for name in TEXT_SECTIONS}
    values.update({name: "\n".join(getattr(postmortem, name)) for name in LIST_SECTIONS})
    values["whys"] = [{"question": w.question, "answer": w.answer} for w in postmortem.whys]
    values["timeline"] = [{"at": local_input(e.at, zone), "at_was": iso_utc(e.at), "text": e.text}
                          for e in postmortem.timeline]
    return values


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def submitted_values(form: FormData, section: str) -> str | list[dict]:
    """One section's values as submitted. Row sections drop wholly blank rows (the empty row the
    page always offers) and the row whose Remove button was pressed (the no-JavaScript way)."""
    if section not in SECTIONS:
        raise Invalid(f"section: unknown section {section!r}; known: {', '.join(SECTIONS)}", field="section")
    if section not in ROW_SECTIONS:
        return _field(form, section)
    names = ROW_FIELDS[section]
    columns = [[v if isinstance(v, str) else "" for v in form.getlist(name)] for name in names]
    removed = _field(form, "remove_row")
    rows = []
    for index, cells in enumerate(zip(*columns)):
        row = dict(zip(names, cells))
        if str(index + 1) == removed or not any(row[name].strip() for name in names if name != "at_was"):
            continue
        rows.append(row)
    return rows


def _moment(row: dict, number: int, zone: ZoneInfo) -> datetime:
    typed = row["at"].strip()
    if not typed:
        raise Invalid(f"timeline entry {number}: enter when it happened", field="timeline")
    if row.get("at_was"):
        try:
            was = datetime.fromisoformat(row["at_was"])
        except ValueError:
            was = None
        if was is not None and local_input(was, zone) == typed:
            return as_utc(was)
    try:
        moment = datetime.fromisoformat(typed)
    except ValueError:
        raise Invalid(f"timeline entry {number}: {typed!r} is not a date and time", field="timeline") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _version(text: str) -> int:
    if not text.strip().isdigit():
        raise Invalid("version is missing: reload the page and apply your edit again", field="version")
    return int(text)


def section_patch(section: str, values: str | list[dict], version: str, zone: ZoneInfo) -> PostmortemPatch:
    """The change one submitted section asks for, checked by the API's own schema."""
    if section in TEXT_SECTIONS:
        data: object = values
    elif section in LIST_SECTIONS:
        data = str(values).splitlines()
    elif section == "whys":
        data = [{"question": row["question"], "answer": row["answer"]} for row in values]
    else:
        data = [{"at": _moment(row, n, zone), "text": row["text"]} for n, row in enumerate(values, 1)]
    try:
        return PostmortemPatch.model_validate({"version": _version(version), section: data})
    except ValidationError as exc:
        field, message = first_problem(exc.errors())
        raise Invalid(_readable(field, message), field=section) from None


def _readable(field: str | None, message: str) -> str:
    """"whys.1.answer must not be empty" -> "why 2, answer: must not be empty" (rows count from 1,
    as the page numbers them)."""
    if not field:
        return message
    match = _ROW_PROBLEM.match(field)
    if not match:
        return field.replace("_", " ") + message[len(field):]
    section, index, part = match.groups()
    row = f"why {int(index) + 1}" if section == "whys" else f"timeline entry {int(index) + 1}"
    return f"{row}, {part}:{message[len(field):]}"


def as_text(section: str, values: str | list[dict]) -> str:
    """A section's submitted values as plain text, to show someone the edit that was not saved."""
    if section == "whys":
        return "\n".join(f"Why {n}: {row['question']}\n  {row['answer']}" for n, row in enumerate(values, 1))
    if section == "timeline":
        return "\n".join(f"{row['at'].replace('T', ' ')}  {row['text']}" for row in values)
    return str(values)
