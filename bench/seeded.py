"""Reads on a big database: 100,000 incidents and 1,000,000 timeline events, over real HTTP.

1. Creates the schema with the real migrations (warroom.core.migrate.upgrade), then bulk-loads a
   realistic history (bench/_dataset.py) straight into those tables: sqlite3 executemany on SQLite,
   COPY on PostgreSQL. The raw insert rate (rows/s) is the baseline of this part.
2. Starts `warroom serve --no-worker` on that database and times sequential requests (after a
   warm-up): the open-incident list, the unfiltered list, the timeline of a typical incident (50
   of them in turn) and of the 5,000-event incident; GET /healthz in the same run is the baseline
   for the ratios. Target: p95 < 50 ms for the open list and for one incident's timeline.
3. --explain prints, for each endpoint, every SQL statement the service runs with its plan
   (EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL) and its time in the database alone.

    .venv/bin/python bench/seeded.py                                   # SQLite, full size
    .venv/bin/python bench/seeded.py --incidents 10000 --events 100000 # a quick try
    .venv/bin/python bench/seeded.py --explain \
        --database-url postgresql+psycopg://warroom:warroom@127.0.0.1:5432/warroom_bench
"""

from __future__ import annotations

import argparse
import itertools
import platform
import secrets
import sqlite3
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

import _dataset
from _common import (
    Sample, default_sqlite_url, is_postgres, machine, measure_interleaved, print_table, reset_postgres,
    warroom_env, warroom_server,
)

TARGET_MS = 50.0
CHILD_TABLES = ("incidents", "incident_services", "incident_roles", "incident_participants", "timers",
                "timeline_events")
TABLES_WITH_IDS = ("users", "api_tokens", "services", "incidents", "incident_roles", "timers",
                   "timeline_events")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000, help="timeline events in total")
    parser.add_argument("--big-events", type=int, default=5_000, help="events of the biggest incident")
    parser.add_argument("--requests", type=int, default=300, help="timed requests per endpoint")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per endpoint first")
    parser.add_argument("--as-role", choices=("responder", "admin", "viewer"), default="responder",
                        help="role of the bench user whose token makes the requests (default responder)")
    parser.add_argument("--seed", type=int, default=42, help="random seed of the data set")
    parser.add_argument("--explain", action="store_true", help="print query plans and DB-only times")
    parser.add_argument("--database-url", help="PostgreSQL URL; its public schema is DROPPED first")
    parser.add_argument("--force-reset", action="store_true",
                        help="allow wiping a PostgreSQL database whose name lacks 'bench'")
    parser.add_argument("--keep", metavar="DIR", type=Path,
                        help="put the SQLite database and server log in DIR and keep them")
    args = parser.parse_args()
    if not 100 <= args.incidents <= 2_000_000 or not 1 <= args.requests <= 100_000:
        parser.error("--incidents must be 100..2,000,000 and --requests 1..100,000")
    if args.events < args.incidents * 8 or args.big_events > args.events // 4:
        parser.error("--events must be at least 8 per incident, and --big-events at most a quarter of it")
    if args.database_url and not is_postgres(args.database_url):
        parser.error("--database-url must be a postgresql+psycopg:// URL (SQLite is the default)")
    return args


class SqliteLoader:
    def __init__(self, url: str) -> None:
        self.conn = sqlite3.connect(make_url(url).database, isolation_level=None)
        # Loader-only settings: the server opens its own connections with the product's pragmas.
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.execute("PRAGMA cache_size=-262144")

    def insert(self, table: str, rows: list[tuple]) -> None:
        columns = _dataset.TABLE_COLUMNS[table]
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        self.conn.execute("BEGIN")
        self.conn.executemany(sql, rows)
        self.conn.execute("COMMIT")

    def after_load(self) -> None:
        pass  # foreign keys are off on a plain sqlite3 connection; indexes are kept up to date

    def finish(self, highest_number: int) -> None:
        self.conn.execute("UPDATE counters SET value = ? WHERE name = 'incident'", (highest_number,))
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.conn.close()


class PostgresLoader:
    def __init__(self, url: str) -> None:
        import psycopg

        conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self.conn = psycopg.connect(conninfo)
        self.conn.execute("SET TIME ZONE 'UTC'")  # the naive UTC strings are read as UTC
        # PostgreSQL's advice for bulk loads ("Populating a Database"): drop foreign keys and
        # secondary indexes, COPY, then re-create them from their exact definitions (after_load).
        foreign_keys = self.conn.execute(
            "SELECT format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname,"
            "              pg_get_constraintdef(oid)),"
            "       format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname)"
            " FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace").fetchall()
        indexes = self.conn.execute(
            "SELECT pg_get_indexdef(i.indexrelid), format('DROP INDEX %s', i.indexrelid::regclass)"
            " FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid"
            " WHERE c.relnamespace = 'public'::regnamespace"
            "   AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)").fetchall()
        for _, drop in foreign_keys + indexes:
            self.conn.execute(drop)
        self.conn.commit()
        self.recreate = [create for create, _ in indexes + foreign_keys]

    def insert(self, table: str, rows: list[tuple]) -> None:
        columns = ", ".join(_dataset.TABLE_COLUMNS[table])
        with self.conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        self.conn.commit()

    def after_load(self) -> None:
        for statement in self.recreate:
            self.conn.execute(statement)
        self.conn.commit()

    def finish(self, highest_number: int) -> None:
        for table in TABLES_WITH_IDS:  # explicit ids were loaded: move the sequences past them
            self.conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                              f"(SELECT max(id) FROM {table}))")
        self.conn.execute("UPDATE counters SET value = %s WHERE name = 'incident'", (highest_number,))
        self.conn.commit()
        self.conn.autocommit = True
        self.conn.execute("VACUUM ANALYZE")  # what autovacuum does soon after a bulk load anyway
        self.conn.close()


def seed(url: str, args: argparse.Namespace) -> tuple[str, _dataset.Plan]:
    """Migrate and load; prints the timings and returns the bench user's token and the plan."""
    from warroom.core.migrate import upgrade
    from warroom.users.service import TOKEN_PREFIX, hash_token

    started = time.perf_counter()
    upgrade(url)
    migrated = time.perf_counter()
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    plan = _dataset.plan(args.incidents, args.events, args.big_events, args.seed)
    loader = PostgresLoader(url) if is_postgres(url) else SqliteLoader(url)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    counts: dict[str, int] = {}
    seconds: dict[str, float] = {}

    def insert(table: str, rows: list[tuple]) -> None:
        start = time.perf_counter()
        loader.insert(table, rows)
        seconds[table] = seconds.get(table, 0.0) + time.perf_counter() - start
        counts[table] = counts.get(table, 0) + len(rows)

    insert("users", _dataset.users(now, args.as_role))
    insert("api_tokens", [(1, 1, "bench", hash_token(token), token[:10], _dataset.ts(now), None, None)])
    insert("services", _dataset.services(now))
    chunks = _dataset.Generator(plan, now, args.seed).chunks()
    while True:
        chunk = next(chunks, None)
        if chunk is None:
            break
        for table in CHILD_TABLES:
            insert(table, chunk[table])
    start = time.perf_counter()
    loader.after_load()
    seconds["(rebuild)"] = time.perf_counter() - start
    loaded = time.perf_counter()
    loader.finish(highest_number=args.incidents)
    finished = time.perf_counter()

    total_rows, insert_time = sum(counts.values()), sum(seconds.values())
    print(f"\nSeeding ({'postgresql, COPY' if is_postgres(url) else 'sqlite, executemany'}): "
          + ", ".join(f"{table} {n:,}" for table, n in counts.items()))
    print(f"  migrations {migrated - started:.1f}s, generate rows {loaded - migrated - insert_time:.1f}s, "
          f"insert {insert_time:.1f}s, finish ({'VACUUM ANALYZE' if is_postgres(url) else 'checkpoint'}) "
          f"{finished - loaded:.1f}s; total {finished - started:.1f}s"
          + (f" (insert includes {seconds['(rebuild)']:.1f}s re-creating indexes and foreign keys)"
             if seconds["(rebuild)"] > 0.05 else ""))
    print(f"  BASELINE raw insert rate: {total_rows / insert_time:,.0f} rows/s "
          f"({total_rows:,} rows in {insert_time:.1f}s; timeline_events "
          f"{counts['timeline_events'] / seconds['timeline_events']:,.0f} rows/s)")
    return token, plan


def bench_http(base_url: str, token: str, plan: _dataset.Plan, args: argparse.Namespace) -> list[Sample]:
    headers = {"Authorization": f"Bearer {token}"}
    typical = itertools.cycle(plan.typical)
    n, warm = args.requests, args.warmup
    with httpx.Client(base_url=base_url, headers=headers, timeout=60.0) as http:
        expected_open = (plan.open_count if args.as_role == "admin" else
                         sum(1 for i in range(1, plan.size + 1) if plan.statuses[i] in _dataset.OPEN
                             and i not in plan.restricted))
        response = http.get("/api/v1/incidents", params={"status": "open"})
        if response.status_code != 200:
            raise RuntimeError(f"GET /api/v1/incidents?status=open -> {response.status_code}: {response.text}")
        got = response.json()["total"]
        if got != expected_open:
            raise RuntimeError(f"open list counts {got} incidents, the seed made {expected_open}")
        big = http.get(f"/api/v1/incidents/INC-{plan.big}/timeline").json()
        if len(big["items"]) != 100 or big["next_cursor"] is None:
            raise RuntimeError("the big incident's timeline does not page as expected")
        print(f"\nmeasuring over HTTP ({machine()})")
        return measure_interleaved({
            "GET /healthz (baseline)": lambda: http.get("/healthz"),
            "GET /incidents?status=open": lambda: http.get("/api/v1/incidents?status=open"),
            "GET /incidents (no filter)": lambda: http.get("/api/v1/incidents"),
            "GET timeline, typical": lambda: http.get(f"/api/v1/incidents/INC-{next(typical)}/timeline"),
            f"GET timeline, {args.big_events:,} events":
                lambda: http.get(f"/api/v1/incidents/INC-{plan.big}/timeline"),
        }, n, warm)


def report(samples: list[Sample], database: str, args: argparse.Namespace, plan: _dataset.Plan) -> None:
    base = samples[0]
    print(f"\nwarroom seeded read bench  {datetime.now():%Y-%m-%d %H:%M}  database={database}  "
          f"incidents={args.incidents:,} (open {plan.open_count:,})  events={args.events:,}  "
          f"as={args.as_role}  python={platform.python_version()}")
    print(f"{args.requests} sequential requests each, round-robin over the endpoints, after {args.warmup} "
          "warm-up each; one keep-alive client; pages are the API defaults (50 incidents, 100 events). "
          f"After the run: {machine()}.\n")
    rows = []
    for i, s in enumerate(samples):
        target = ""
        if i in (1, 3, 4):
            target = ("PASS" if s.ms(95) < TARGET_MS else "FAIL") + f" (p95<{TARGET_MS:.0f}ms)"
        rows.append([s.name, f"{s.rate:,.0f}", f"{s.ms(50):.2f}", f"{s.ms(95):.2f}", f"{s.ms(99):.2f}",
                     f"{s.ms(50) / base.ms(50):.1f}x", f"{s.rate / base.rate:.3f}", target])
    print_table(["endpoint", "req/s", "p50 ms", "p95 ms", "p99 ms", "p50 ÷ healthz", "req/s ÷ healthz",
                 "target"], rows)


def explain(url: str, token: str, plan: _dataset.Plan) -> None:
    """Run each endpoint's service calls in-process, capture their SQL, and explain and time it."""
    from sqlalchemy import event

    from warroom.core.clock import SystemClock
    from warroom.core.context import Context
    from warroom.core.db import Database
    from warroom.incidents import service, timeline
    from warroom.incidents.schemas import IncidentOut, TimelineEventOut
    from warroom.incidents.policy import load_policy
    from warroom.models import load_all_models
    from warroom.users.service import authenticate

    load_all_models()
    db, policy = Database(url), load_policy(None)
    captured: list[tuple[str, object]] = []
    event.listen(db.engine, "before_cursor_execute",
                 lambda conn, cur, stmt, params, ctx, many: captured.append((stmt, params)))
    typical = plan.typical[0]
    calls = {
        "auth (every API request)": lambda ctx: authenticate(ctx.db, SystemClock(), token),
        "GET /incidents?status=open": lambda ctx: [IncidentOut.model_validate(i) for i in service.list_incidents(
            ctx, service.IncidentFilter(statuses=["open"]))[0]],
        "GET /incidents": lambda ctx: [IncidentOut.model_validate(i) for i in service.list_incidents(
            ctx, service.IncidentFilter())[0]],
        f"GET timeline INC-{typical}": lambda ctx: [TimelineEventOut.model_validate(e) for e in timeline.list_events(
            ctx, service.get_incident(ctx, f"INC-{typical}"), limit=101)],
        f"GET timeline INC-{plan.big}": lambda ctx: [TimelineEventOut.model_validate(e) for e in timeline.list_events(
            ctx, service.get_incident(ctx, f"INC-{plan.big}"), limit=101)],
    }
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if is_postgres(url) else "EXPLAIN QUERY PLAN "
    try:
        for name, call in calls.items():
            with db.read_session() as session:
                actor = authenticate(session, SystemClock(), token)[0]
                captured.clear()
                start = time.perf_counter()
                call(Context(db=session, actor=actor, clock=SystemClock(), policy=policy))
                in_process = (time.perf_counter() - start) * 1000
                statements = [(s, p) for s, p in captured if s.lstrip().upper().startswith("SELECT")]
            print(f"\n=== {name}: {len(statements)} SELECTs, {in_process:.1f} ms in-process (cold) ===")
            for stmt, params in statements:
                with db.engine.connect() as conn:
                    runs = []
                    for _ in range(20):
                        start = time.perf_counter()
                        conn.exec_driver_sql(stmt, params).fetchall()
                        runs.append(time.perf_counter() - start)
                    plan_rows = conn.exec_driver_sql(prefix + stmt, params).fetchall()
                print(f"--- {sorted(runs)[10] * 1000:.2f} ms median in the database driver alone:\n"
                      f"{' '.join(stmt.split())[:600]}")
                for row in plan_rows:
                    print("    " + " | ".join(str(c) for c in row))
    finally:
        db.dispose()


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="warroom-seeded-") as tmp:
        data_dir = args.keep or Path(tmp)
        data_dir.mkdir(parents=True, exist_ok=True)
        if args.database_url:
            reset_postgres(args.database_url, force=args.force_reset)
        url = args.database_url or default_sqlite_url(data_dir)
        if not args.database_url and Path(make_url(url).database).exists():
            raise SystemExit(f"{make_url(url).database} exists; give --keep an empty directory")
        token, plan = seed(url, args)
        env = warroom_env(data_dir, args.database_url)
        with warroom_server(env, data_dir / "server.log") as base_url:
            samples = bench_http(base_url, token, plan, args)
        report(samples, "postgresql" if args.database_url else "sqlite", args, plan)
        if args.explain:
            explain(url, token, plan)


if __name__ == "__main__":
    main()
