"""A realistic, reproducible incident history for bench/seeded.py, generated as plain row tuples.

Shape (defaults): 100,000 incidents declared over three years, ~1.5% still open (triage, investigating,
identified, mitigated) and spread over the whole period, the rest mostly closed, some resolved or
canceled; 12 services, 1-3 per incident; a commander for every incident past triage, supporting
roles on ~30%; 1,000,000 timeline events, ~10 per incident, a few long incidents with hundreds, and
one with 5,000. Rows match the tables the real migrations create; datetimes are naive UTC strings
in SQLAlchemy's SQLite format, which PostgreSQL also reads as UTC when the session time zone is UTC.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

SERVICES = ("api-gateway", "auth", "billing", "checkout-api", "search", "notifications", "payments",
            "inventory", "web-frontend", "mobile-backend", "data-pipeline", "dns")
SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")
SEVERITY_WEIGHTS = (5, 20, 45, 30)
RESPONSE_TARGET = {"SEV1": 0, "SEV2": 15 * 60, "SEV3": 3600, "SEV4": 86400}
OPEN = ("triage", "investigating", "identified", "mitigated")
OPEN_WEIGHTS = (20, 35, 25, 20)
DONE = ("closed", "resolved", "canceled")
DONE_WEIGHTS = (82, 14, 4)
SUPPORTING_ROLES = ("deputy", "scribe", "comms_lead", "responder")
SYMPTOMS = ("elevated 5xx rate", "latency above SLO", "requests timing out", "partial outage",
            "errors after deploy", "degraded performance", "intermittent failures", "stale data")
NOTES = ("Looking at the dashboards now.", "Rolled back the last deploy; watching error rates.",
         "Customer support reports more tickets from EU users.", "Scaling out the worker pool.",
         "Database CPU at 95%, investigating slow queries.", "Paged the owning team for help.",
         "Error rate back to baseline for 10 minutes.", "Status page updated.",
         "Found a bad config push at 14:02, reverting.", "Still seeing retries from the mobile app.")
TABLE_COLUMNS = {
    "users": ("id", "email", "name", "handle", "timezone", "role", "created_at", "deactivated_at"),
    "api_tokens": ("id", "user_id", "name", "token_hash", "prefix", "created_at", "last_used_at",
                   "revoked_at"),
    "services": ("id", "name", "description", "owning_team", "created_at"),
    "incidents": ("id", "number", "title", "summary", "impact", "resolution", "severity", "status",
                  "visibility", "labels", "links", "commander_id", "created_by_id", "started_at",
                  "detected_at", "declared_at", "acknowledged_at", "mitigated_at", "resolved_at",
                  "closed_at", "canceled_at", "response_due_at", "updated_at"),
    "incident_services": ("incident_id", "service_id"),
    "incident_roles": ("id", "incident_id", "user_id", "role", "assigned_at"),
    "incident_participants": ("incident_id", "user_id", "added_at"),
    "timers": ("id", "kind", "subject_id", "due_at", "created_at", "fired_at", "canceled_at", "attempts",
               "last_error"),
    "timeline_events": ("id", "incident_id", "kind", "actor_id", "occurred_at", "recorded_at", "body",
                        "data", "starred"),
}
STAFF = 40  # users 2..41 respond to incidents; user 1 is the bench user whose token the bench uses


def ts(moment: datetime) -> str:
    return moment.isoformat(" ", "microseconds")


@dataclass
class Plan:
    """What each incident will look like, decided before any row is generated."""

    size: int
    statuses: list[str]
    notes: list[int]
    roles: list[int]
    restricted: set[int]
    big: int
    long: set[int]
    typical: list[int] = field(default_factory=list)

    @property
    def open_count(self) -> int:
        return sum(1 for s in self.statuses[1:] if s in OPEN)


def _skips_identified(i: int) -> bool:
    """Some incidents go straight from investigating to mitigated (fixed by a rollback)."""
    return (i * 7919) % 10 < 3


def _path(i: int, status: str) -> list[str]:
    full = ["investigating", "identified", "mitigated", "resolved", "closed"]
    if status == "canceled":  # a false alarm, canceled from triage before anyone took command
        return ["canceled"]
    if status == "triage":
        return []
    path = full[:full.index(status) + 1]
    if "identified" in path and status != "identified" and _skips_identified(i):
        path.remove("identified")
    return path


def _structural(i: int, status: str, roles: int) -> int:
    """Events every incident of this shape has: declared, commander, roles, status changes."""
    commander = 0 if status in ("triage", "canceled") else 1
    return 1 + commander + roles + len(_path(i, status))


def plan(incidents: int, events: int, big_events: int, seed: int) -> Plan:
    rng = random.Random(seed)
    statuses = [""] * (incidents + 1)  # 1-based: index = incident id = number
    open_ids = set(rng.sample(range(1, incidents + 1), max(1, round(incidents * 0.015))))
    for i in range(1, incidents + 1):
        statuses[i] = (rng.choices(OPEN, OPEN_WEIGHTS)[0] if i in open_ids
                       else rng.choices(DONE, DONE_WEIGHTS)[0])
    big = max(1, int(incidents * 0.9))
    statuses[big] = "closed"
    roles = [0] * (incidents + 1)
    for i in range(1, incidents + 1):
        if statuses[i] not in ("triage", "canceled") and rng.random() < 0.3:
            roles[i] = rng.randint(1, 3)
    restricted = {i for i in range(1, incidents + 1) if rng.random() < 0.02} - {big}
    structural = [_structural(i, statuses[i], roles[i]) if i else 0 for i in range(incidents + 1)]
    long_ids = set(rng.sample(range(1, incidents + 1), max(1, incidents // 2000))) - {big}
    notes = [0] * (incidents + 1)
    notes[big] = max(0, big_events - structural[big])
    for i in long_ids:
        notes[i] = rng.randint(100, 600)
    budget = events - sum(structural) - sum(notes)
    others = [i for i in range(1, incidents + 1) if i != big and i not in long_ids]
    if budget > 0:  # spread the rest unevenly over the ordinary incidents
        weights = [rng.expovariate(1.0) + 0.3 for _ in others]
        scale = budget / sum(weights)
        for i, w in zip(others, weights):
            notes[i] = int(w * scale)
        for i in rng.sample(others, budget - sum(notes[i] for i in others)):
            notes[i] += 1
    result = Plan(incidents, statuses, notes, roles, restricted, big, long_ids)
    candidates = [i for i in others if statuses[i] == "closed" and i not in restricted
                  and 8 <= structural[i] + notes[i] <= 14]
    result.typical = rng.sample(candidates, min(50, len(candidates)))
    return result


def users(now: datetime, bench_role: str) -> list[tuple]:
    rows = [(1, "bench@example.com", "Bench User", "bench", "UTC", bench_role, ts(now), None)]
    for n in range(2, STAFF + 2):
        rows.append((n, f"engineer{n}@example.com", f"Engineer {n}", f"engineer{n}", "UTC",
                     "admin" if n < 4 else "responder", ts(now - timedelta(days=1200)), None))
    return rows


def services(now: datetime) -> list[tuple]:
    return [(n, name, f"The {name} service", f"team-{n % 4}", ts(now - timedelta(days=1200)))
            for n, name in enumerate(SERVICES, start=1)]


def _snapshot(user_id: int) -> dict:
    return {"id": user_id, "handle": f"engineer{user_id}", "name": f"Engineer {user_id}"}


class Generator:
    """Turns the plan into rows, a chunk of incidents at a time (children follow their incidents)."""

    def __init__(self, p: Plan, now: datetime, seed: int) -> None:
        self.p, self.now, self.rng = p, now, random.Random(seed + 1)
        self.start = now - timedelta(days=3 * 365)
        self.step = (now - timedelta(days=7) - self.start) / p.size
        self.event_id = self.role_id = 0

    def chunks(self, size: int = 5000) -> Iterator[dict[str, list[tuple]]]:
        for first in range(1, self.p.size + 1, size):
            rows: dict[str, list[tuple]] = {t: [] for t in TABLE_COLUMNS if t not in
                                            ("users", "api_tokens", "services")}
            for i in range(first, min(first + size, self.p.size + 1)):
                self._incident(i, rows)
            yield rows

    def _incident(self, i: int, rows: dict[str, list[tuple]]) -> None:
        rng, status = self.rng, self.p.statuses[i]
        severity = "SEV1" if i == self.p.big else rng.choices(SEVERITIES, SEVERITY_WEIGHTS)[0]
        declared = self.start + self.step * i + timedelta(seconds=rng.uniform(0, 60))
        creator = rng.randint(2, STAFF + 1)
        commander = None if status in ("triage", "canceled") else rng.randint(2, STAFF + 1)
        service_ids = rng.sample(range(1, len(SERVICES) + 1), rng.choice((1, 1, 1, 2, 3)))
        title = f"{SERVICES[service_ids[0] - 1]}: {rng.choice(SYMPTOMS)}"
        visibility = "restricted" if i in self.p.restricted else rng.choice(("internal",) * 9 + ("public",))
        events: list[tuple] = [(declared, "declared", creator, "", {
            "severity": severity, "title": title, "visibility": visibility,
            "services": [SERVICES[s - 1] for s in service_ids]}, True)]
        at = {"started_at": declared - timedelta(minutes=rng.uniform(0, 30)),
              "detected_at": declared - timedelta(minutes=rng.uniform(0, 10)), "acknowledged_at": None,
              "mitigated_at": None, "resolved_at": None, "closed_at": None, "canceled_at": None}
        moment = declared
        if commander is not None:
            moment += timedelta(minutes=rng.uniform(1, 20))
            at["acknowledged_at"] = moment
            events.append((moment, "commander_changed", creator, "",
                           {"previous": None, "user": _snapshot(commander)}, False))
        holders = rng.sample(range(2, STAFF + 2), self.p.roles[i])
        for user_id in holders:
            role = rng.choice(SUPPORTING_ROLES)
            self.role_id += 1
            rows["incident_roles"].append((self.role_id, i, user_id, role, ts(moment)))
            events.append((moment, "role_assigned", commander, "",
                           {"role": role, "user": _snapshot(user_id), "replaced": None}, False))
        resolution, previous = "", "triage"
        long_running = i == self.p.big or i in self.p.long
        for step in _path(i, status):
            gap = rng.uniform(600, 3 * 86400) if long_running else rng.uniform(120, 3 * 3600)
            moment += timedelta(seconds=gap if step != "closed" else rng.uniform(3600, 14 * 86400))
            moment = min(moment, self.now - timedelta(minutes=1))
            stamped = {"mitigated": ["mitigated_at"], "resolved": ["resolved_at"], "closed": ["closed_at"],
                       "canceled": ["canceled_at"]}.get(step, [])
            for name in stamped:
                at[name] = moment
            body = ""
            if step == "resolved":
                resolution = body = "Rolled back the change and confirmed recovery."
            events.append((moment, "status_changed", commander or creator, body,
                           {"old": previous, "new": step, "timestamps": stamped}, True))
            previous = step
        end = max(moment, declared + timedelta(hours=2)) if status not in OPEN else self.now
        span = (min(end, self.now) - declared).total_seconds()
        for _ in range(self.p.notes[i]):
            events.append((declared + timedelta(seconds=rng.uniform(0, span)), "note",
                           rng.choice((commander or creator, creator, rng.randint(2, STAFF + 1))),
                           rng.choice(NOTES), {}, rng.random() < 0.05))
        due = declared + timedelta(seconds=RESPONSE_TARGET[severity])
        updated = max(e[0] for e in events)
        rows["incidents"].append((
            i, i, title, f"{title} since {declared:%H:%M} UTC.", "Some customers see errors.", resolution,
            severity, status, visibility, json.dumps(["customer-facing"] if severity == "SEV1" else []),
            "[]", commander, creator, ts(at["started_at"]), ts(at["detected_at"]), ts(declared),
            *(ts(at[k]) if at[k] else None for k in ("acknowledged_at", "mitigated_at", "resolved_at",
                                                    "closed_at", "canceled_at")),
            ts(due), ts(updated)))
        rows["incident_services"].extend((i, s) for s in service_ids)
        for user_id in dict.fromkeys([creator, *([commander] if commander else []), *holders]):
            rows["incident_participants"].append((i, user_id, ts(declared)))
        acked = at["acknowledged_at"]
        pending = acked is None and due > self.now and status in OPEN
        fired = None if pending or (acked and acked <= due) else ts(max(due, declared))
        rows["timers"].append((i, "incident.response_due", i, ts(due), ts(declared), fired,
                               ts(acked) if acked and acked <= due else None, 0, ""))
        events.sort(key=lambda e: e[0])
        for occurred, kind, actor, body, data, starred in events:
            self.event_id += 1
            moment_text = ts(occurred)
            rows["timeline_events"].append((self.event_id, i, kind, actor, moment_text, moment_text,
                                            body, json.dumps(data) if data else "{}", starred))
