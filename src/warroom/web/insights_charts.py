"""The insights page's charts, drawn on the server as SVG: the geometry is worked out here, the
markup is in templates/insights.html (macro `chart`). No JavaScript.

Every chart is a list of rows, each a line of text saying its values and a bar under it, in a
viewBox WIDTH units wide that the page scales to the width of its box: it fits a 375 px phone and
grows on a desktop. Colour never carries meaning alone: every bar's values are in its row's text,
severities are named, and each chart comes with the same figures as a table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta

from warroom.incidents.durations import format_duration
from warroom.insights.schemas import InsightsReport
from warroom.insights.stats import format_share as percent

WIDTH = 300
TEXT_HEIGHT = 16  # the row's text line, then its bar
BAR_HEIGHT = 12
ROW_GAP = 10
AXIS_HEIGHT = 34  # tick labels, then the axis caption
SECOND_STEPS = (5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
                2 * 86400, 7 * 86400, 14 * 86400, 30 * 86400, 90 * 86400, 365 * 86400)
PHASES = (("mtta", "Time to acknowledge (MTTA)", "declared to acknowledged"),
          ("mttm", "Time to mitigate (MTTM)", "impact start to mitigated"),
          ("mttr", "Time to resolve (MTTR)", "impact start to resolved"))


@dataclass
class Segment:
    x: float
    width: float
    css: str
    title: str  # shown on hover; the row's text or the table says the same
    label: str = ""  # written on the bar, when it is wide enough to hold it

    @property
    def shows_label(self) -> bool:
        return bool(self.label) and self.width >= 8 + 7 * len(self.label)


@dataclass
class Row:
    text: str
    y: float  # baseline of the text; the bar is drawn under it
    segments: list[Segment] = field(default_factory=list)

    @property
    def bar_y(self) -> float:
        return self.y + 4


@dataclass
class Chart:
    id: str
    title: str
    note: str
    rows: list[Row]
    ticks: list[tuple[float, str]]  # (x, label) of the vertical grid lines
    axis: str  # what the bars' length measures
    table_head: list[str]
    table_rows: list[list[str]]
    legend: list[tuple[str, str]] = field(default_factory=list)  # (css class, label)

    @property
    def plot_height(self) -> float:
        return len(self.rows) * (TEXT_HEIGHT + BAR_HEIGHT + ROW_GAP)

    @property
    def height(self) -> float:
        return self.plot_height + AXIS_HEIGHT

    @property
    def description(self) -> str:
        return "; ".join(row.text for row in self.rows)


def duration(seconds: float | None) -> str:
    return format_duration(None if seconds is None else timedelta(seconds=seconds))


def _ticks(maximum: float, steps: tuple[float, ...] | None = None) -> list[float]:
    """Round grid values from 0 past `maximum`: at most 5, on a step of 1, 2 or 5 (times a power
    of ten) or, with `steps`, the first of them that needs no more than 4 steps."""
    if steps is None:
        steps = tuple(m * 10 ** e for e in range(0, 12) for m in (1, 2, 5))
    for step in steps:
        if maximum <= step * 4:
            return [step * i for i in range(max(1, math.ceil(maximum / step)) + 1)]
    return [0, maximum]


def _rows(texts: list[str]) -> list[Row]:
    return [Row(text=text, y=i * (TEXT_HEIGHT + BAR_HEIGHT + ROW_GAP) + TEXT_HEIGHT - 4)
            for i, text in enumerate(texts)]


def _x(value: float, top: float) -> float:
    return round(WIDTH * value / top, 2) if top else 0.0


def phase_chart(report: InsightsReport, phase: str, title: str, note: str, rank: dict[str, int]) -> Chart:
    """One of MTTA, MTTM, MTTR per severity: the p90 as a pale bar, the median as a solid one on it."""
    groups = report.by_severity
    grid = _ticks(max((getattr(g, phase).p90_seconds or 0 for g in groups), default=0), SECOND_STEPS)
    rows = _rows([_phase_text(g.key, getattr(g, phase)) for g in groups])
    for row, group in zip(rows, groups, strict=True):
        spread, css, top = getattr(group, phase), f"sev-{rank.get(group.key, 3)}", grid[-1]
        if spread.n:
            p90, median = spread.p90_seconds, spread.median_seconds
            row.segments = [Segment(0, _x(p90, top), f"{css} p90", f"{group.key} p90 {duration(p90)}"),
                            Segment(0, _x(median, top), css, f"{group.key} median {duration(median)}")]
    return Chart(
        id=phase, title=title, note=f"{note}; solid: median, pale: 90th percentile", rows=rows,
        ticks=[(_x(t, grid[-1]), duration(t) if t else "0") for t in grid], axis="time",
        table_head=["Severity", "Incidents", "Measured", "Median", "90th percentile"],
        table_rows=[[g.key, str(g.incidents), str(getattr(g, phase).n), duration(getattr(g, phase).median_seconds),
                     duration(getattr(g, phase).p90_seconds)] for g in groups])


def _phase_text(key: str, spread) -> str:
    if not spread.n:
        return f"{key}: none measured"
    return f"{key}: median {duration(spread.median_seconds)}, p90 {duration(spread.p90_seconds)} (n {spread.n})"


def months_chart(report: InsightsReport, rank: dict[str, int]) -> Chart:
    """Incidents declared per month, each bar stacked by severity, most severe first."""
    months = report.incidents_by_month
    severities = list(months[0].by_severity) if months else []
    grid = _ticks(max((m.total for m in months), default=0))
    # The counts per severity are written on their part of the bar where it has room (and are
    # all in the table): a row's text with every severity could be wider than a phone.
    rows = _rows([f"{m.month}: {m.total} incident{'' if m.total == 1 else 's'}" for m in months])
    for row, month in zip(rows, months, strict=True):
        x = 0.0
        for severity, count in month.by_severity.items():
            if count:
                width = _x(count, grid[-1])
                row.segments.append(Segment(x, width, f"sev-{rank.get(severity, 3)}",
                                            f"{month.month} {severity}: {count}", str(count)))
                x += width
    return Chart(
        id="months", title="Incidents per month", note=f"by month declared, in {report.timezone}", rows=rows,
        ticks=[(_x(t, grid[-1]), str(t)) for t in grid], axis="incidents",
        legend=[(f"sev-{rank.get(s, 3)}", s) for s in severities],
        table_head=["Month", *severities, "Total"],
        table_rows=[[m.month, *map(str, m.by_severity.values()), str(m.total)] for m in months])


def targets_chart(report: InsightsReport, rank: dict[str, int]) -> Chart:
    """Share of incidents acknowledged within the response target, per severity and in all."""
    targets = report.response_targets
    rows = _rows([_target_text(t) for t in targets])
    for row, target in zip(rows, targets, strict=True):
        if target.share_met is not None:
            css = "all" if target.severity == "all" else f"sev-{rank.get(target.severity, 3)}"
            row.segments = [Segment(0, WIDTH, "track", f"{target.severity}: {target.met + target.missed} due"),
                            Segment(0, _x(target.share_met, 1), css,
                                    f"{target.severity}: {percent(target.share_met)} met")]
    return Chart(
        id="targets", title="Response targets met", note="acknowledged by the severity's response target",
        rows=rows, ticks=[(_x(t, 1), f"{t:.0%}") for t in (0, .25, .5, .75, 1)], axis="share met",
        table_head=["Severity", "Met", "Missed", "Pending", "Share met"],
        table_rows=[[t.severity, str(t.met), str(t.missed), str(t.pending), percent(t.share_met)] for t in targets])


def _target_text(target) -> str:
    pending = f"{target.pending} pending" if target.pending else ""
    due = target.met + target.missed
    if not due:
        return f"{target.severity}: nothing due yet" + (f" ({pending})" if pending else "")
    return (f"{target.severity}: {percent(target.share_met)} met ({target.met} of {due}"
            + (f"; {pending})" if pending else ")"))


OUTCOMES = (("ok", "on time"), ("late", "late"), ("overdue", "overdue"), ("pending", "not yet due"),
            ("dropped", "won't do"))


def follow_up_chart(report: InsightsReport) -> Chart:
    """Postmortems and action items by outcome, each a bar of 100%."""
    pm, items = report.postmortems, report.action_items
    parts = [
        (f"Postmortems: {percent(pm.share_on_time)} on time ({pm.required} required)",
         [("ok", pm.on_time), ("late", pm.late), ("overdue", pm.overdue), ("pending", pm.pending)]),
        (f"Action items: {percent(items.share_closed_on_time)} closed on time ({items.total})",
         [("ok", items.done_on_time), ("late", items.done_late), ("overdue", items.open_overdue),
          ("pending", items.open), ("dropped", items.wont_do)]),
    ]
    labels = dict(OUTCOMES)
    rows = _rows([text for text, _ in parts])
    for row, (_, counts) in zip(rows, parts, strict=True):
        total, x = sum(n for _, n in counts), 0.0
        for css, n in counts:
            if n:
                width = _x(n, total)
                row.segments.append(Segment(x, width, css, f"{labels[css]}: {n}"))
                x += width
    return Chart(
        id="follow-up", title="Postmortems and action items", note="required postmortems by their due time; "
        "action items by the end of their due day", rows=rows,
        ticks=[(_x(t, 1), f"{t:.0%}") for t in (0, .5, 1)], axis="share of each",
        legend=[(css, label) for css, label in OUTCOMES],
        table_head=["", "On time", "Late", "Overdue", "Not yet due", "Won't do"],
        table_rows=[["Postmortems", str(pm.on_time), str(pm.late), str(pm.overdue), str(pm.pending), "—"],
                    ["Action items", str(items.done_on_time), str(items.done_late), str(items.open_overdue),
                     str(items.open), str(items.wont_do)]])


def all_charts(report: InsightsReport, rank: dict[str, int]) -> dict[str, list[Chart]]:
    return {"phases": [phase_chart(report, *phase, rank) for phase in PHASES],
            "counts": [months_chart(report, rank), targets_chart(report, rank)],
            "follow_up": [follow_up_chart(report)]}
