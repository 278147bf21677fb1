"""An SVG status badge in the shields.io "flat" style: the page's name on grey, the overall
status on the indicator's colour, for READMEs and dashboards (<img src=".../status/badge.svg">).

No fonts are embedded, so the text is measured with an approximation of Verdana 11px (what
shields.io lays out for); a few pixels off only changes the padding. Only presentation
attributes, no style attribute or element: the public pages' Content-Security-Policy allows no
inline style, and an SVG opened on its own is subject to it.
"""

from __future__ import annotations

from html import escape

from warroom.statuspage.feeds import xml_text
from warroom.statuspage.snapshot import Snapshot

COLORS = {"none": "#4c1", "minor": "#dfb317", "major": "#fe7d37", "critical": "#e05d44",
          "maintenance": "#007ec6"}
UNKNOWN_COLOR = "#9f9f9f"
MAX_CHARS = 60
PADDING = 6  # each side of a text
HEIGHT = 20
# Approximate Verdana 11px advance widths; anything not listed counts as a lowercase letter.
_NARROW, _SEMI, _WIDE = set("iIjl.,:;'|!` "), set("frt()[]-/\\\""), set("mwMW@%")
_LOWER_WIDTH, _UPPER_WIDTH, _DIGIT_WIDTH = 6.6, 7.6, 7.0


def text_width(text: str) -> float:
    width = 0.0
    for char in text:
        if char in _NARROW:
            width += 3.6
        elif char in _SEMI:
            width += 4.6
        elif char in _WIDE:
            width += 10.5
        elif char.isupper():
            width += _UPPER_WIDTH
        elif char.isdigit():
            width += _DIGIT_WIDTH
        else:
            width += _LOWER_WIDTH
    return width


def _shorten(text: str) -> str:
    text = " ".join(xml_text(text).split())
    return text if len(text) <= MAX_CHARS else text[:MAX_CHARS - 1].rstrip() + "\u2026"


def svg(snap: Snapshot) -> str:
    return render(snap.page.name, snap.description, COLORS.get(snap.indicator, UNKNOWN_COLOR))


def render(label: str, message: str, color: str) -> str:
    label, message = _shorten(label) or "status", _shorten(message)
    left = round(text_width(label) + 2 * PADDING)
    right = round(text_width(message) + 2 * PADDING)
    total = left + right
    title = escape(f"{label}: {message}")
    label_x, message_x = left / 2, left + right / 2

    def text(x: float, words: str) -> str:
        shown = escape(words)  # shadow first, then the text itself, as shields.io draws it
        return (f'<text x="{x:g}" y="15" fill="#010101" fill-opacity=".3">{shown}</text>'
                f'<text x="{x:g}" y="14">{shown}</text>')

    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="{HEIGHT}" role="img" '
        f'aria-label="{title}"><title>{title}</title>'
        '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
        '<stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{total}" height="{HEIGHT}" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r)"><rect width="{left}" height="{HEIGHT}" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="{HEIGHT}" fill="{escape(color)}"/>'
        f'<rect width="{total}" height="{HEIGHT}" fill="url(#s)"/></g>'
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" '
        f'font-size="11">{text(label_x, label)}{text(message_x, message)}</g></svg>'
    )
