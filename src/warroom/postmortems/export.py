"""A postmortem as a document: Markdown (for a wiki or a repository) and a standalone,
print-friendly HTML page (no scripts, no external files, escaped throughout). Both are made from
the same `document()` outline, so they always say the same thing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from jinja2 import Environment, select_autoescape

from warroom.core.clock import as_utc
from warroom.core.context import Context
from warroom.incidents import durations
from warroom.incidents.models import Incident
from warroom.postmortems.models import ActionItem, Postmortem


@dataclass
class Document:
    title: str
    facts: list[tuple[str, str]]
    text_sections: list[tuple[str, str]]
    whys: list[tuple[str, str]]
    list_sections: list[tuple[str, list[str]]]
    timeline: list[tuple[str, str]]
    actions: list[dict[str, str]]


def _local(ctx: Context, moment: datetime | None) -> str:
    return as_utc(moment).astimezone(ctx.policy.zone).strftime("%Y-%m-%d %H:%M %Z") if moment else "—"


def document(ctx: Context, incident: Incident, postmortem: Postmortem, items: list[ActionItem]) -> Document:
    spans = durations.of_incident(incident)
    facts = [("Incident", f"{incident.ref} · {incident.severity} · {incident.status}"),
             ("Commander", incident.commander.name if incident.commander else "—"),
             ("Services", ", ".join(s.name for s in incident.services) or "—"),
             ("Impact began", _local(ctx, incident.started_at)), ("Resolved", _local(ctx, incident.resolved_at)),
             ("Time to detect", durations.format_duration(spans.detect)),
             ("Time to acknowledge", durations.format_duration(spans.acknowledge)),
             ("Time to mitigate", durations.format_duration(spans.mitigate)),
             ("Time to resolve", durations.format_duration(spans.resolve)),
             ("Postmortem", postmortem.status.replace("_", " ") + (
                 f", published {_local(ctx, postmortem.published_at)}" if postmortem.published_at else ""))]
    return Document(
        title=f"Postmortem: {incident.ref} {incident.title}", facts=facts,
        text_sections=[("Summary", postmortem.summary), ("Impact", postmortem.impact),
                       ("Detection", postmortem.detection)],
        whys=[(w.question, w.answer) for w in postmortem.whys],
        list_sections=[("Contributing factors", postmortem.contributing_factors),
                       ("What went well", postmortem.went_well), ("What went poorly", postmortem.went_poorly),
                       ("Where we got lucky", postmortem.got_lucky)],
        timeline=[(_local(ctx, e.at), e.text) for e in postmortem.timeline],
        actions=[{"title": i.title, "owner": i.owner.name, "due": i.due_on.isoformat(), "priority": i.priority,
                  "type": i.type, "status": i.status.replace("_", " "), "ticket": i.ticket_url} for i in items])


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(doc: Document) -> str:
    out = [f"# {doc.title}", "", "| | |", "|---|---|"]
    out += [f"| {name} | {_md_cell(value)} |" for name, value in doc.facts]
    for name, text in doc.text_sections:
        out += ["", f"## {name}", "", text.strip() or "_Not written yet._"]
    out += ["", "## Root cause: 5 whys", ""]
    out += [f"{n}. **{q.strip()}**  \n   {a.strip()}" for n, (q, a) in enumerate(doc.whys, 1)] or ["_Not written yet._"]
    for name, items in doc.list_sections:
        out += ["", f"## {name}", ""] + ([f"- {item}" for item in items] or ["_None listed._"])
    out += ["", "## Timeline", ""] + ([f"- **{at}** — {text}" for at, text in doc.timeline] or ["_Empty._"])
    out += ["", "## Action items", ""]
    if doc.actions:
        out += ["| Action | Owner | Due | Priority | Type | Status |", "|---|---|---|---|---|---|"]
        out += [f"| {_md_cell(a['title'])}{' ([ticket](' + a['ticket'] + '))' if a['ticket'] else ''} | "
                f"{_md_cell(a['owner'])} | {a['due']} | {a['priority']} | {a['type']} | {a['status']} |"
                for a in doc.actions]
    else:
        out.append("_None yet._")
    return "\n".join(out) + "\n"


_HTML = Environment(autoescape=select_autoescape(default=True, default_for_string=True)).from_string("""\
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ doc.title }}</title>
<style>
body { font: 16px/1.55 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1c2330; max-width: 46rem;
  margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #d9dde3; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .3rem .5rem;
  border-bottom: 1px solid #e4e7eb; vertical-align: top; }
.facts th { width: 12rem; color: #5b6472; font-weight: 600; } .prose { white-space: pre-wrap; }
ol.whys li { margin-bottom: .5rem; } .muted { color: #5b6472; }
@media print { body { margin: 0; max-width: none; font-size: 11pt; } h2 { break-after: avoid; }
  tr, li { break-inside: avoid; } a { color: inherit; } }
</style></head>
<body>
<h1>{{ doc.title }}</h1>
<table class="facts">{% for name, value in doc.facts %}<tr><th scope="row">{{ name }}</th><td>{{ value }}</td></tr>{% endfor %}</table>
{% for name, text in doc.text_sections %}<h2>{{ name }}</h2>
{% if text.strip() %}<p class="prose">{{ text }}</p>{% else %}<p class="muted">Not written yet.</p>{% endif %}{% endfor %}
<h2>Root cause: 5 whys</h2>
{% if doc.whys %}<ol class="whys">{% for q, a in doc.whys %}<li><strong>{{ q }}</strong><br>{{ a }}</li>{% endfor %}</ol>
{% else %}<p class="muted">Not written yet.</p>{% endif %}
{% for name, items in doc.list_sections %}<h2>{{ name }}</h2>
{% if items %}<ul>{% for item in items %}<li>{{ item }}</li>{% endfor %}</ul>{% else %}<p class="muted">None listed.</p>{% endif %}{% endfor %}
<h2>Timeline</h2>
{% if doc.timeline %}<table>{% for at, text in doc.timeline %}<tr><td style="white-space:nowrap">{{ at }}</td><td>{{ text }}</td></tr>{% endfor %}</table>
{% else %}<p class="muted">Empty.</p>{% endif %}
<h2>Action items</h2>
{% if doc.actions %}<table><tr><th>Action</th><th>Owner</th><th>Due</th><th>Priority</th><th>Type</th><th>Status</th></tr>
{% for a in doc.actions %}<tr><td>{{ a.title }}{% if a.ticket %} (<a href="{{ a.ticket }}">ticket</a>){% endif %}</td><td>{{ a.owner }}</td><td>{{ a.due }}</td><td>{{ a.priority }}</td><td>{{ a.type }}</td><td>{{ a.status }}</td></tr>{% endfor %}</table>
{% else %}<p class="muted">None yet.</p>{% endif %}
</body></html>
""")


def to_html(doc: Document) -> str:
    return _HTML.render(doc=doc)
