"""The insights report over 100,000 incidents, against the same aggregates as one raw SQL query.

1. Creates the schema with the real migrations and bulk-loads bench/_dataset.py's incident history
   (incidents declared over three years, SEV1-SEV4, 12 services, 2% restricted) with the loaders of
   bench/seeded.py (executemany on SQLite, COPY on PostgreSQL); timeline events, roles and timers
   are left out, the report does not read them. This script adds the follow-ups: a postmortem for
   every resolved SEV1/SEV2 (required; published on time, late or not yet) and for 10% of resolved
   SEV3s (not required), and 0-3 action items per postmortem (done on time or late, won't do, open).
2. Times `warroom.insights.service.build_report` in-process for the whole period, as the bench user
   (a responder by default, so the restricted-incident filter applies), --runs times after one
   untimed run: p50 and the spread. PASS/FAIL for the target: under 1 s on PostgreSQL.
3. The baseline, in the same run and session: ONE raw SQL statement computing the same aggregates
   (overall, per severity, per service, per month, target compliance, postmortem and action-item
   counts) inside the database: percentile_cont for the median and p90 on PostgreSQL; counts and
   averages on SQLite, which has no percentile function. It prints both times and their ratio, and
   checks that the report agrees with the baseline (counts everywhere; medians and p90s too on
   PostgreSQL, where percentile_cont interpolates the same way).

    .venv/bin/python bench/insights.py                                   # SQLite, 100,000 incidents
    .venv/bin/python bench/insights.py --incidents 10000                 # a quick try
    .venv/bin/python bench/insights.py \
        --database-url postgresql+psycopg://warroom:warroom@127.0.0.1:5432/warroom_bench
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import text

import _dataset
from _common import default_sqlite_url, is_postgres, machine, print_table, reset_postgres
from seeded import PostgresLoader, SqliteLoader

TARGET_SECONDS = 1.0
LOADED_TABLES = ("incidents", "incident_services", "incident_participants")
# The loaders look a table's columns up in _dataset.TABLE_COLUMNS; these two tables are this
# bench's own additions to the data set.
FOLLOW_UP_COLUMNS = {
    "postmortems": ("id", "incident_id", "status", "required", "due_at", "summary", "impact", "detection",
                    "contributing_factors", "went_well", "went_poorly", "got_lucky", "version", "created_at",
                    "updated_at", "review_requested_at", "published_at", "published_by_id"),
    "action_items": ("id", "incident_id", "postmortem_id", "title", "owner_id", "due_on", "priority", "type",
                     "status", "wont_do_reason", "ticket_url", "created_at", "created_by_id", "updated_at",
                     "completed_at"),
}
_dataset.TABLE_COLUMNS.update(FOLLOW_UP_COLUMNS)
INCIDENT = {name: index for index, name in enumerate(_dataset.TABLE_COLUMNS["incidents"])}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each (after one untimed)")
    parser.add_argument("--as-role", choices=("responder", "admin", "viewer"), default="responder",
                        help="role of the bench user the report is built for (default responder)")
    parser.add_argument("--seed", type=int, default=42, help="random seed of the data set")
    parser.add_argument("--database-url", help="PostgreSQL URL; its public schema is DROPPED first")
    parser.add_argument("--force-reset", action="store_true",
                        help="allow wiping a PostgreSQL database whose name lacks 'bench'")
    parser.add_argument("--reuse", action="store_true",
                        help="PostgreSQL: time the data an earlier run of this script left there; seed nothing")
    args = parser.parse_args()
    if not 100 <= args.incidents <= 2_000_000 or not 1 <= args.runs <= 100:
        parser.error("--incidents must be 100..2,000,000 and --runs 1..100")
    if args.database_url and not is_postgres(args.database_url):
        parser.error("--database-url must be a postgresql+psycopg:// URL (SQLite is the default)")
    if args.reuse and not args.database_url:
        parser.error("--reuse needs --database-url (the SQLite database is a temporary file)")
    return args


# --- seeding ------------------------------------------------------------------------------------

def follow_ups(incidents: list[tuple], rng: random.Random, now: datetime, ids: list[int]
               ) -> tuple[list[tuple], list[tuple]]:
    """Postmortems and action items of a chunk of incident rows. `ids` holds the last ids used."""
    postmortems: list[tuple] = []
    items: list[tuple] = []
    for row in incidents:
        severity, resolved_text = row[INCIDENT["severity"]], row[INCIDENT["resolved_at"]]
        required = severity in ("SEV1", "SEV2")
        if resolved_text is None or not (required or (severity == "SEV3" and rng.random() < 0.1)):
            continue
        resolved = datetime.fromisoformat(resolved_text)
        due = resolved + timedelta(days=5) if required else None
        published = None
        if row[INCIDENT["status"]] == "closed" or rng.random() < 0.5:
            published = min(resolved + timedelta(days=rng.uniform(0.5, 8)), now - timedelta(minutes=1))
        ids[0] += 1
        postmortem_id, incident_id = ids[0], row[INCIDENT["id"]]
        postmortems.append((
            postmortem_id, incident_id, "published" if published else "draft", required,
            _dataset.ts(due) if due else None, "What happened.", "Who was affected.", "How we found out.",
            "[]", "[]", "[]", "[]", 1, _dataset.ts(resolved), _dataset.ts(published or resolved), None,
            _dataset.ts(published) if published else None, row[INCIDENT["commander_id"]] if published else None))
        for _ in range(rng.choice((0, 1, 2, 2, 3))):
            due_on = (resolved + timedelta(days=rng.uniform(7, 45))).date()
            status = rng.choices(("done", "wont_do", "open"), (70, 5, 25))[0]
            completed = None
            if status != "open":
                completed = min(datetime.combine(due_on, datetime.min.time()) + timedelta(days=rng.uniform(-20, 6)),
                                now - timedelta(minutes=1))
            ids[1] += 1
            items.append((ids[1], incident_id, postmortem_id, "Alert on the saturation of the pool",
                          rng.randint(2, _dataset.STAFF + 1), due_on.isoformat(), "medium", "prevent", status,
                          "Superseded by the migration." if status == "wont_do" else "", "",
                          _dataset.ts(resolved), None, _dataset.ts(completed or resolved),
                          _dataset.ts(completed) if completed else None))
    return postmortems, items


def seed(url: str, args: argparse.Namespace) -> dict[str, int]:
    from warroom.core.migrate import upgrade

    started = time.perf_counter()
    upgrade(url)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    # No timeline events beyond each incident's own status changes: the report never reads them.
    plan = _dataset.plan(args.incidents, 0, 0, args.seed)
    loader = PostgresLoader(url) if is_postgres(url) else SqliteLoader(url)
    counts: dict[str, int] = {}
    rng, ids = random.Random(args.seed + 2), [0, 0]

    def insert(table: str, rows: list[tuple]) -> None:
        loader.insert(table, rows)
        counts[table] = counts.get(table, 0) + len(rows)

    insert("users", _dataset.users(now, args.as_role))
    insert("services", _dataset.services(now))
    for chunk in _dataset.Generator(plan, now, args.seed).chunks():
        for table in LOADED_TABLES:
            insert(table, chunk[table])
        postmortems, items = follow_ups(chunk["incidents"], rng, now, ids)
        insert("postmortems", postmortems)
        insert("action_items", items)
    loader.after_load()
    loader.finish(highest_number=args.incidents)
    print(f"seeded in {time.perf_counter() - started:.1f}s: "
          + ", ".join(f"{table} {n:,}" for table, n in counts.items()))
    return counts


# --- the baseline: one raw SQL statement --------------------------------------------------------

def baseline_sql(postgres: bool) -> str:
    """Per group: incidents, then n and median/p90 (PostgreSQL) or n and mean (SQLite) of each
    phase, target met/missed; then postmortem and action-item categories with their counts."""
    if postgres:
        difference = "EXTRACT(EPOCH FROM {end} - {start})"
        month = "to_char(i.declared_at AT TIME ZONE 'UTC', 'YYYY-MM')"
        day_end = "(a.due_on + 1)::timestamp AT TIME ZONE 'UTC'"

        def stats(column: str) -> str:
            return (f"count({column}), percentile_cont(0.5) WITHIN GROUP (ORDER BY {column}), "
                    f"percentile_cont(0.9) WITHIN GROUP (ORDER BY {column})")
    else:
        difference = "(julianday({end}) - julianday({start})) * 86400.0"
        month = "strftime('%Y-%m', i.declared_at)"  # the bench policy's timezone is UTC
        day_end = "datetime(a.due_on, '+1 day')"

        def stats(column: str) -> str:
            return f"count({column}), avg({column}), NULL"
    # NULL while the phase has not happened; never negative (warroom.incidents.durations).
    seconds = f"CASE WHEN {{end}} >= {{start}} THEN {difference} WHEN {{end}} IS NOT NULL THEN 0 END"
    phases = ", ".join(stats(c) for c in ("ack", "mit", "res"))
    grouped = (f"count(*), {phases}, sum(CASE WHEN ack_at <= due THEN 1 ELSE 0 END), "
               "sum(CASE WHEN ack_at > due OR (ack_at IS NULL AND due < :now) THEN 1 ELSE 0 END)")
    blanks = ", ".join(["NULL"] * 11)
    return f"""
WITH scope AS (
  SELECT i.id, i.severity, {month} AS month, i.acknowledged_at AS ack_at, i.response_due_at AS due,
         {seconds.format(end="i.acknowledged_at", start="i.declared_at")} AS ack,
         {seconds.format(end="i.mitigated_at", start="i.started_at")} AS mit,
         {seconds.format(end="i.resolved_at", start="i.started_at")} AS res
  FROM incidents i
  WHERE i.declared_at >= :since AND i.declared_at < :until AND i.status <> 'canceled'
    AND (i.visibility <> 'restricted'
         OR i.id IN (SELECT incident_id FROM incident_participants WHERE user_id = :me))
)
SELECT 'overall', 'all', {grouped} FROM scope
UNION ALL SELECT 'severity', severity, {grouped} FROM scope GROUP BY severity
UNION ALL SELECT 'month', month, {grouped} FROM scope GROUP BY month
UNION ALL SELECT 'service', s.name, {grouped} FROM scope
  JOIN incident_services x ON x.incident_id = scope.id JOIN services s ON s.id = x.service_id GROUP BY s.name
UNION ALL SELECT 'postmortems', CASE
    WHEN p.published_at IS NOT NULL AND (p.due_at IS NULL OR p.published_at <= p.due_at) THEN 'on_time'
    WHEN p.published_at IS NOT NULL THEN 'late' WHEN p.due_at < :now THEN 'overdue' ELSE 'pending' END,
  count(*), {blanks} FROM postmortems p JOIN scope ON scope.id = p.incident_id WHERE p.required GROUP BY 2
UNION ALL SELECT 'action_items', CASE
    WHEN a.status = 'wont_do' THEN 'wont_do'
    WHEN a.status = 'done' AND a.completed_at < {day_end} THEN 'done_on_time'
    WHEN a.status = 'done' THEN 'done_late' WHEN {day_end} < :now THEN 'open_overdue' ELSE 'open' END,
  count(*), {blanks} FROM action_items a JOIN scope ON scope.id = a.incident_id GROUP BY 2
"""


def run_baseline(session, postgres: bool, params: dict) -> list[tuple]:
    if not postgres:  # SQLite compares the stored text: give it the stored format
        params = {k: v.astimezone(timezone.utc).replace(tzinfo=None).isoformat(" ", "microseconds")
                  if isinstance(v, datetime) else v for k, v in params.items()}
    return session.execute(text(baseline_sql(postgres)), params).all()


def check_agreement(report, rows: list[tuple], postgres: bool) -> int:
    """Compares every count (and on PostgreSQL every median and p90) of the report with the
    baseline's; returns how many figures were compared. A disagreement stops the bench."""
    groups = {("overall", "all"): report.overall,
              **{("severity", g.key): g for g in report.by_severity},
              **{("month", g.key): g for g in report.by_month},
              **{("service", g.key): g for g in report.by_service}}
    targets = {t.severity: t for t in report.response_targets}
    compared = 0
    for kind, key, incidents, *rest in rows:
        if kind in ("postmortems", "action_items"):
            assert getattr(getattr(report, kind), key) == incidents, (kind, key, incidents)
            compared += 1
            continue
        group = groups[kind, key]
        assert group.incidents == incidents, (kind, key, group.incidents, incidents)
        for index, metric in enumerate(("mtta", "mttm", "mttr")):
            n, middle, p90 = rest[3 * index: 3 * index + 3]
            spread = getattr(group, metric)
            assert spread.n == n, (kind, key, metric, spread.n, n)
            compared += 2
            if postgres and n:
                assert abs(spread.median_seconds - middle) < 0.01, (kind, key, metric, spread, middle)
                assert abs(spread.p90_seconds - p90) < 0.01, (kind, key, metric, spread, p90)
                compared += 2
        if kind in ("overall", "severity"):
            target = targets["all" if kind == "overall" else key]
            assert (target.met, target.missed) == tuple(rest[9:11]), (kind, key, target, rest[9:11])
            compared += 2
    return compared


# --- timing -------------------------------------------------------------------------------------

def measure(url: str, args: argparse.Namespace) -> None:
    from warroom.core.clock import ManualClock
    from warroom.core.context import Context
    from warroom.core.db import Database
    from warroom.incidents.policy import load_policy
    from warroom.insights.service import build_report
    from warroom.models import load_all_models
    from warroom.users.models import User

    load_all_models()
    db, policy, postgres = Database(url), load_policy(None), is_postgres(url)
    now = datetime.now(timezone.utc)
    since = now - timedelta(days=3 * 365 + 31)  # the whole history the data set spans
    # Wall time, and this process's own CPU time: on a shared machine the gap between them is time
    # spent waiting, for the database server or for a core.
    report_times: list[float] = []
    report_cpu: list[float] = []
    baseline_times: list[float] = []
    baseline_cpu: list[float] = []
    before = machine()
    try:
        with db.read_session() as session:
            actor = session.get(User, 1)
            ctx = Context(db=session, actor=actor, clock=ManualClock(now), policy=policy)
            params = {"since": since, "until": now, "now": now, "me": actor.id}
            report, rows = build_report(ctx, since), run_baseline(session, postgres, params)  # warm-up
            compared = check_agreement(report, rows, postgres)
            for _ in range(args.runs):  # interleaved, so load from elsewhere hits both alike
                for call, times, cpu in ((lambda: build_report(ctx, since), report_times, report_cpu),
                                         (lambda: run_baseline(session, postgres, params), baseline_times,
                                          baseline_cpu)):
                    start, start_cpu = time.perf_counter(), time.process_time()
                    call()
                    times.append(time.perf_counter() - start)
                    cpu.append(time.process_time() - start_cpu)
    finally:
        db.dispose()
    database = "postgresql" if postgres else "sqlite"
    print(f"\nwarroom insights bench  {datetime.now():%Y-%m-%d %H:%M}  database={database}  "
          f"incidents in scope={report.incidents:,} (of {args.incidents:,}, as {args.as_role})  "
          f"months={len(report.by_month)}  python={platform.python_version()}")
    print(f"report and baseline agree on {compared} figures. {args.runs} runs each after one untimed, "
          f"interleaved. Before the run: {before}; after: {machine()}.\n")
    report_p50, base_p50 = statistics.median(report_times), statistics.median(baseline_times)
    target = ("PASS" if report_p50 < TARGET_SECONDS else "FAIL") + f" (< {TARGET_SECONDS:.0f} s on PostgreSQL)"
    print_table(["what", "p50 ms", "min ms", "max ms", "÷ baseline", "CPU ms here (p50)", "target"], [
        ["build_report (4 queries + Python)", f"{report_p50 * 1000:.1f}", f"{min(report_times) * 1000:.1f}",
         f"{max(report_times) * 1000:.1f}", f"{report_p50 / base_p50:.2f}x",
         f"{statistics.median(report_cpu) * 1000:.1f}", target if postgres else ""],
        ["baseline: one raw SQL query", f"{base_p50 * 1000:.1f}", f"{min(baseline_times) * 1000:.1f}",
         f"{max(baseline_times) * 1000:.1f}", "1.00x", f"{statistics.median(baseline_cpu) * 1000:.1f}", ""],
    ])
    print(f"\nreport: {report.incidents:,} incidents, MTTA p50 {report.overall.mtta.median_seconds:.0f} s, "
          f"MTTR p50 {report.overall.mttr.median_seconds:.0f} s, response targets met "
          f"{report.response_targets[-1].share_met}, postmortems on time {report.postmortems.share_on_time}, "
          f"action items closed on time {report.action_items.share_closed_on_time}")


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="warroom-insights-") as tmp:
        url = args.database_url or default_sqlite_url(Path(tmp))
        if not args.reuse:
            if args.database_url:
                reset_postgres(args.database_url, force=args.force_reset)
            seed(url, args)
        measure(url, args)


if __name__ == "__main__":
    main()
