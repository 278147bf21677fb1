"""What the dashboard shows: the open incidents the viewer may see, grouped by severity."""

from __future__ import annotations

from dataclasses import dataclass, field

from warroom.core.context import Context
from warroom.incidents.models import Incident
from warroom.incidents.service import MAX_PAGE, IncidentFilter, list_incidents


@dataclass
class SeverityGroup:
    name: str
    label: str
    criteria: str
    rank: int  # 0 for the most severe: picks the colour
    incidents: list[Incident] = field(default_factory=list)


@dataclass
class Dashboard:
    groups: list[SeverityGroup]
    total: int
    shown: int


def open_by_severity(ctx: Context) -> Dashboard:
    """Most severe first, newest first within a level. Restricted incidents the viewer may not see
    are not there: list_incidents applies the visibility rules."""
    incidents, total, _ = list_incidents(ctx, IncidentFilter(statuses=["open"]), limit=MAX_PAGE, with_roles=False)
    groups = {level.name: SeverityGroup(level.name, level.label, level.criteria, rank)
              for rank, level in enumerate(ctx.policy.severities)}
    for incident in incidents:
        group = groups.get(incident.severity)
        if group is None:  # a level since removed from the policy: shown last, not hidden
            group = groups[incident.severity] = SeverityGroup(incident.severity, "", "", len(groups))
        group.incidents.append(incident)
    return Dashboard(groups=[g for g in groups.values() if g.incidents], total=total, shown=len(incidents))
