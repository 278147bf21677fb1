"""How incidents are called on the public page: the words of Atlassian Statuspage's public API, so
its consumers understand Warroom unchanged.

    incident status   triage, investigating -> investigating; identified -> identified;
                      mitigated -> monitoring; resolved, closed -> resolved
                      (canceled -> resolved: a public false alarm is over, not erased)
    impact            from the severity level's `public_impact` in the policy (default SEV1
                      critical, SEV2 major, SEV3 minor, SEV4 none)
    component status  impact critical -> major_outage, major -> partial_outage, minor ->
                      degraded_performance, none -> operational; at most degraded_performance
                      while the incident is monitoring (the fix is in, we are watching)
"""

from __future__ import annotations

from warroom.incidents.policy import SeverityPolicy

PUBLIC_STATUS = {"triage": "investigating", "investigating": "investigating", "identified": "identified",
                 "mitigated": "monitoring", "resolved": "resolved", "closed": "resolved",
                 "canceled": "resolved"}
IMPACTS = ("none", "minor", "major", "critical")
_IMPACT_BY_RANK = ("critical", "major", "minor")
_COMPONENT_STATUS = {"critical": "major_outage", "major": "partial_outage", "minor": "degraded_performance",
                     "none": "operational"}
# The overall indicator and its words, from the worst component status (Statuspage's status.json).
INDICATOR = {"operational": ("none", "All Systems Operational"),
             "under_maintenance": ("maintenance", "Service Under Maintenance"),
             "degraded_performance": ("minor", "Minor Service Outage"),
             "partial_outage": ("major", "Partial System Outage"),
             "major_outage": ("critical", "Major System Outage")}
IMPACT_RANK = {name: rank for rank, name in enumerate(IMPACTS)}


def public_status(status: str) -> str:
    return PUBLIC_STATUS[status]


def impact_of(policy: SeverityPolicy, severity: str) -> str:
    level = policy.level(severity)
    if level is not None and level.public_impact is not None:
        return level.public_impact
    rank = policy.names.index(severity) if severity in policy.names else len(_IMPACT_BY_RANK)
    return _IMPACT_BY_RANK[rank] if rank < len(_IMPACT_BY_RANK) else "none"


def component_status_for(policy: SeverityPolicy, severity: str, incident_status: str) -> str:
    status = _COMPONENT_STATUS[impact_of(policy, severity)]
    if public_status(incident_status) == "monitoring" and status in ("partial_outage", "major_outage"):
        return "degraded_performance"
    return status
