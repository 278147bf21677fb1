"""Message templates: defaults written for Warroom, admins' replacements, and sandboxed rendering.

Templates are Jinja2 in a `SandboxedEnvironment`: they see only the documented variables below,
as plain strings, numbers and dicts (never ORM objects), so no template can reach Python internals,
settings or secrets. A template that fails to parse or to render against a sample is refused when
saved, naming the line and the reason.

The variables (the same for every audience and kind) are listed in VARIABLES below, which the
admin page and docs/configuration.md show.
"""

from __future__ import annotations

from jinja2 import StrictUndefined, TemplateSyntaxError
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from warroom.core.errors import Invalid

AUDIENCES = ("internal", "public", "customers")
KINDS = ("initial", "update", "mitigated", "resolved")
MAX_TEMPLATE = 20_000
# (name, meaning): every variable a template may use.
VARIABLES = (
    ("incident.ref", "the reference, e.g. INC-42"), ("incident.title", "the title"),
    ("incident.severity", "the severity, e.g. SEV2"),
    ("incident.severity_label", "the level's label, e.g. Major"), ("incident.status", "the status, e.g. investigating"),
    ("incident.services", "list of service names"), ("incident.url", "link to the incident page"),
    ("incident.commander", "the commander's name, or empty"),
    ("update.whats_happening", "what is happening"), ("update.who_is_affected", "who is affected"),
    ("update.what_we_are_doing", "what we are doing"),
    ("update.next_update_at", "time of the next update in the policy's timezone; empty on the final one"),
    ("update.kind", "initial, update, mitigated or resolved"), ("update.audience", "internal, public or customers"),
    ("update.author", "who posted it"), ("update.posted_at", "when, in the policy's timezone"),
    ("product", "the product name"),
)

_env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False, trim_blocks=True,
                                     lstrip_blocks=True, keep_trailing_newline=False)

_SUBJECTS = {
    "initial": "[{{ incident.severity }}] {{ incident.ref }} {{ incident.title }} — investigating",
    "update": "[{{ incident.severity }}] {{ incident.ref }} {{ incident.title }} — update",
    "mitigated": "[{{ incident.severity }}] {{ incident.ref }} {{ incident.title }} — mitigated, monitoring",
    "resolved": "[{{ incident.severity }}] {{ incident.ref }} {{ incident.title }} — resolved",
}
_PUBLIC_SUBJECTS = {
    "initial": "Investigating: {{ incident.title }}",
    "update": "Update: {{ incident.title }}",
    "mitigated": "Monitoring a fix: {{ incident.title }}",
    "resolved": "Resolved: {{ incident.title }}",
}
_INTERNAL_BODY = """\
{{ incident.ref }} · {{ incident.severity }} · {{ incident.status }}{% if incident.commander %} · commander {{ incident.commander }}{% endif %}

What is happening: {{ update.whats_happening }}
Who is affected: {{ update.who_is_affected }}
What we are doing: {{ update.what_we_are_doing }}
{% if update.next_update_at %}Next update: {{ update.next_update_at }}{% else %}This is the final update.{% endif %}

{{ incident.url }}
"""
_PUBLIC_BODY = """\
{{ update.whats_happening }}

Who is affected: {{ update.who_is_affected }}
What we are doing: {{ update.what_we_are_doing }}
{% if update.next_update_at %}We will post the next update by {{ update.next_update_at }}.{% else %}This incident is resolved. Thank you for your patience.{% endif %}
"""
_CUSTOMER_BODY = """\
Hello,

{{ update.whats_happening }}

Who is affected: {{ update.who_is_affected }}
What we are doing: {{ update.what_we_are_doing }}
{% if update.next_update_at %}We will write again by {{ update.next_update_at }}, sooner if anything changes.{% else %}The issue is resolved. We are sorry for the disruption.{% endif %}
"""
_BODIES = {"internal": _INTERNAL_BODY, "public": _PUBLIC_BODY, "customers": _CUSTOMER_BODY}


def default_template(audience: str, kind: str) -> tuple[str, str]:
    """(subject, body) of the built-in template."""
    subjects = _SUBJECTS if audience == "internal" else _PUBLIC_SUBJECTS
    return subjects[kind], _BODIES[audience]


SAMPLE = {
    "product": "Warroom",
    "incident": {"ref": "INC-42", "title": "Checkout errors", "severity": "SEV2",
                 "severity_label": "Major", "status": "investigating",
                 "services": ["checkout-api"], "url": "https://warroom.example.com/incidents/INC-42",
                 "commander": "Ada Lovelace"},
    "update": {"whats_happening": "Card payments fail for some customers.",
               "who_is_affected": "EU customers paying by card.",
               "what_we_are_doing": "Rolling back the last deploy.",
               "next_update_at": "2026-03-02 10:30 UTC", "kind": "update", "audience": "internal",
               "author": "Ada Lovelace", "posted_at": "2026-03-02 10:00 UTC"},
}


def _where(exc: Exception, part: str) -> str:
    line = getattr(exc, "lineno", None)
    return f"{part} line {line}" if line else part


def render(source: str, variables: dict, *, part: str = "body") -> str:
    """Render with the sandbox; any failure becomes Invalid naming the part, line and reason."""
    try:
        return _env.from_string(source).render(variables).strip()
    except TemplateSyntaxError as exc:
        raise Invalid(f"{_where(exc, part)}: {exc.message}", field=part) from None
    except SecurityError as exc:
        raise Invalid(f"{part}: not allowed in a template: {exc}", field=part) from None
    except UndefinedError as exc:
        raise Invalid(f"{part}: {exc.message}; see the documented variables", field=part) from None
    except Exception as exc:  # noqa: BLE001 - any other render error is the template's fault
        raise Invalid(f"{part}: cannot render: {type(exc).__name__}: {exc}", field=part) from None


def check_syntax(source: str, *, part: str) -> None:
    """Refuse a template that does not parse, naming the part, line and reason."""
    try:
        _env.parse(source)
    except TemplateSyntaxError as exc:
        raise Invalid(f"{_where(exc, part)}: {exc.message}", field=part) from None


def render_sample(subject: str, body: str) -> tuple[str, str]:
    """A template as it would read, rendered against the sample incident; refused like check()."""
    check(subject, body)
    return render(subject, SAMPLE, part="subject"), render(body, SAMPLE, part="body")


def check(subject: str, body: str) -> None:
    """Refuse a template that does not parse or does not render against the sample variables."""
    for name, source in (("subject", subject), ("body", body)):
        if not source.strip():
            raise Invalid(f"{name} must not be empty", field=name)
        if len(source) > MAX_TEMPLATE:
            raise Invalid(f"{name} must be at most {MAX_TEMPLATE} characters", field=name)
        render(source, SAMPLE, part=name)
    if "\n" in render(subject, SAMPLE, part="subject"):
        raise Invalid("subject must render to a single line", field="subject")
