"""Small readers shared by the sources: timestamps, links, text limits."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

SUMMARY_MAX = 1024
DEDUP_KEY_MAX = 255


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 timestamp as aware UTC; None when it is not one (a naive time is taken as UTC)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.year < 1971:  # Alertmanager's "0001-01-01T00:00:00Z" means "not set"
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def clip(text: Any, limit: int = SUMMARY_MAX) -> str:
    """Text cut to `limit` characters (with an ellipsis): a long summary is shortened, not refused,
    so an alert is never lost for its length."""
    text = "" if text is None else str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def read_links(value: Any, field: str, errors: list[str]) -> list[dict[str, str]]:
    """[{href, text}] from a list of link objects; each needs an `href`."""
    if value is None:
        return []
    if not isinstance(value, list):
        errors.append(f"'{field}' is invalid (must be an array of objects)")
        return []
    links = []
    for index, item in enumerate(value[:50]):
        if not isinstance(item, dict) or not isinstance(item.get("href"), str) or not item["href"].strip():
            errors.append(f"'{field}[{index}].{'src' if field == 'images' else 'href'}' is missing or blank")
            continue
        links.append({"href": clip(item["href"], 2000), "text": clip(item.get("text") or item.get("alt") or "", 200)})
    return links


_SEVERITY_WORDS = {
    "critical": ("critical", "crit", "fatal", "emergency", "emerg", "alert", "page", "p1", "sev1", "disaster"),
    "error": ("error", "err", "high", "major", "p2", "sev2", "severe"),
    "warning": ("warning", "warn", "medium", "minor", "average", "p3", "sev3"),
    "info": ("info", "information", "informational", "low", "notice", "debug", "none", "ok", "p4", "p5", "sev4", "sev5"),
}
_SEVERITY_OF = {word: severity for severity, words in _SEVERITY_WORDS.items() for word in words}


def severity_of(value: Any, default: str) -> str:
    """An alert severity from a source's word for it (critical, P2, warn, high, ...); `default` when
    there is none or it is not one we know."""
    return _SEVERITY_OF.get(str(value).strip().lower(), default) if value is not None else default
