"""A small, fixed incident history for the insights tests (domain, API, CLI and web), written as
plain rows so every timestamp is exactly as chosen. tests/domain/test_insights.py works out every
figure of the report from it by hand.

"Now" is tests/conftest.py's T0, Monday 2026-03-02 10:00 UTC; the default policy (UTC; SEV1 due at
once, SEV2 in 15 min, SEV3 in 60 min). Durations in seconds:

    ref    sev   services            declared (UTC)     ack   mitigate  resolve  target
    INC-1  SEV1  checkout, payments  2026-01-05 10:00      0      3600     9000  met
    INC-2  SEV1  checkout            2026-01-20 08:00    300      7200    14400  missed
    INC-3  SEV2  search              2026-02-03 14:00    600      3600     7200  met
    INC-4  SEV2  checkout, search    2026-02-10 09:00   1200      3600        -  missed
    INC-5  SEV3  payments            2026-02-25 16:00      -         -        -  missed (due 17:00, not acked)
    INC-6  SEV3  -                   2026-03-02 09:30      -         -        -  pending (due 10:30)
    INC-7  SEV2  checkout            2026-01-10 12:00   canceled: never counted
    INC-8  SEV1  payments            2026-02-14 12:00      0      5400     7200  met; restricted, RESTRICTED_PARTICIPANT's
    INC-9  SEV2  search              2025-12-20 10:00    before the period the tests ask for (since 2026-01-01)

Postmortems (required unless said): INC-1 published on time, INC-2 late, INC-3 overdue, INC-4
pending (no due date: not resolved), INC-5 not required, INC-7 late but canceled, INC-8 on time.
Action items: INC-1 done on time (A) and late (B); INC-2 won't do (C) and open past due (D); INC-3
open due today (E) and done exactly at the end of its due day (F: late); INC-7 open past due
(canceled); INC-8 done on time (G); INC-9 done (before the period).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from warroom.catalog.models import Service
from warroom.core.runtime import Runtime
from warroom.incidents.models import Incident, Participant
from warroom.postmortems.models import ActionItem, Postmortem
from warroom.users.models import User

SINCE = "2026-01-01"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


NOW = at("2026-03-02 10:00")  # tests/conftest.py's T0


# number: (severity, services, started, declared, acknowledged, mitigated, resolved, status, visibility)
INCIDENTS = {
    1: ("SEV1", ["checkout", "payments"], "2026-01-05 09:50", "2026-01-05 10:00", "2026-01-05 10:00",
        "2026-01-05 10:50", "2026-01-05 12:20", "closed", "internal"),
    2: ("SEV1", ["checkout"], "2026-01-20 07:30", "2026-01-20 08:00", "2026-01-20 08:05",
        "2026-01-20 09:30", "2026-01-20 11:30", "resolved", "public"),
    3: ("SEV2", ["search"], "2026-02-03 13:40", "2026-02-03 14:00", "2026-02-03 14:10",
        "2026-02-03 14:40", "2026-02-03 15:40", "resolved", "internal"),
    4: ("SEV2", ["checkout", "search"], "2026-02-10 09:00", "2026-02-10 09:00", "2026-02-10 09:20",
        "2026-02-10 10:00", None, "mitigated", "internal"),
    5: ("SEV3", ["payments"], "2026-02-25 15:00", "2026-02-25 16:00", None, None, None, "investigating",
        "internal"),
    6: ("SEV3", [], "2026-03-02 09:30", "2026-03-02 09:30", None, None, None, "triage", "internal"),
    7: ("SEV2", ["checkout"], "2026-01-10 12:00", "2026-01-10 12:00", None, None, None, "canceled", "internal"),
    8: ("SEV1", ["payments"], "2026-02-14 11:00", "2026-02-14 12:00", "2026-02-14 12:00",
        "2026-02-14 12:30", "2026-02-14 13:00", "resolved", "restricted"),
    9: ("SEV2", ["search"], "2025-12-20 10:00", "2025-12-20 10:00", "2025-12-20 10:05",
        "2025-12-20 11:00", "2025-12-20 12:00", "closed", "internal"),
}
# number: (required, due_at, published_at)
POSTMORTEMS = {
    1: (True, "2026-01-12 17:00", "2026-01-09 15:00"),
    2: (True, "2026-01-27 17:00", "2026-01-29 10:00"),
    3: (True, "2026-02-10 17:00", None),
    4: (True, None, None),
    5: (False, None, None),
    7: (True, "2026-01-17 17:00", "2026-01-20 09:00"),
    8: (True, "2026-02-21 17:00", "2026-02-20 12:00"),
}
# (number, title, due_on, status, completed_at)
ACTION_ITEMS = [
    (1, "A: alert on card declines", "2026-01-15", "done", "2026-01-15 18:00"),
    (1, "B: runbook for the gateway", "2026-01-20", "done", "2026-01-21 09:00"),
    (2, "C: rewrite the retry logic", "2026-01-30", "wont_do", "2026-01-25 10:00"),
    (2, "D: load test checkout", "2026-02-01", "open", None),
    (3, "E: index the suggestions", "2026-03-02", "open", None),
    (3, "F: cache warm-up", "2026-02-20", "done", "2026-02-21 00:00"),
    (7, "H: canceled incident's item", "2026-01-15", "open", None),
    (8, "G: rotate the payroll links", "2026-02-28", "done", "2026-02-27 12:00"),
    (9, "I: before the period", "2025-12-30", "done", "2025-12-29 12:00"),
]


def seed(runtime: Runtime, participant: User) -> None:
    """Writes the history above; `participant` may see the restricted INC-8 (and created it)."""
    with runtime.db.write_session() as db:
        created = at("2025-12-01 00:00")
        services = {name: Service(name=name, created_at=created) for name in ("checkout", "payments", "search")}
        db.add_all(services.values())
        incidents: dict[int, Incident] = {}
        for number, (severity, names, started, declared, acked, mitigated, resolved, status,
                     visibility) in INCIDENTS.items():
            declared_at = at(declared)
            incidents[number] = incident = Incident(
                number=number, title=f"Incident {number}", severity=severity, status=status,
                visibility=visibility, started_at=at(started), detected_at=declared_at, declared_at=declared_at,
                acknowledged_at=at(acked) if acked else None, mitigated_at=at(mitigated) if mitigated else None,
                resolved_at=at(resolved) if resolved else None,
                canceled_at=declared_at + timedelta(minutes=5) if status == "canceled" else None,
                response_due_at=runtime.policy.response_due(severity, declared_at), updated_at=declared_at,
                created_by_id=participant.id if visibility == "restricted" else None,
                services=[services[name] for name in names], labels=[], links=[])
            db.add(incident)
        db.flush()
        db.add(Participant(incident_id=incidents[8].id, user_id=participant.id, added_at=at("2026-02-14 12:00")))
        for number, (required, due, published) in POSTMORTEMS.items():
            db.add(Postmortem(
                incident_id=incidents[number].id, status="published" if published else "draft", required=required,
                due_at=at(due) if due else None, published_at=at(published) if published else None,
                created_at=at(INCIDENTS[number][3]), updated_at=at(INCIDENTS[number][3])))
        for number, title, due_on, status, completed in ACTION_ITEMS:
            db.add(ActionItem(
                incident_id=incidents[number].id, title=title, owner_id=participant.id,
                due_on=date.fromisoformat(due_on), status=status, completed_at=at(completed) if completed else None,
                created_at=at(INCIDENTS[number][3]), updated_at=at(INCIDENTS[number][3])))
