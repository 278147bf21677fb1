"""The incident story over real HTTP, against the bare endpoint of the same server.

Starts `warroom serve --no-worker` (SQLite in a fresh temp data dir, or --database-url PostgreSQL),
creates an admin and an on-call responder with the real CLI, then runs ROUNDS incident stories:

    declare (SEV1) -> assign commander -> investigating -> mitigated -> resolved (with resolution)

and, in the same run and with the same client setup, as many GET /healthz requests (the cheapest
route: no auth, one `SELECT 1` through the pool) as the story made. Prints ops/s, p50 and p99 per kind
and overall, and their ratio to /healthz.

    .venv/bin/python bench/lifecycle.py                       # SQLite, 300 rounds, 1 client
    .venv/bin/python bench/lifecycle.py --rounds 50           # a quick try
    .venv/bin/python bench/lifecycle.py --concurrency 4       # 4 client threads
    .venv/bin/python bench/lifecycle.py \
        --database-url postgresql+psycopg://warroom:warroom@127.0.0.1:5432/warroom_bench
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

import httpx

from _common import (
    Sample, is_postgres, machine, make_admin, percentile, print_table, reset_postgres, run_warroom,
    timed, warroom_env, warroom_server,
)

KINDS = ("declare", "assign_commander", "investigating", "mitigated", "resolved")
ONCALL = "oncall@example.com"
SERVICE = "checkout-api"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=300, help="incident stories to run (default 300)")
    parser.add_argument("--concurrency", type=int, default=1, help="client threads (default 1)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed stories before measuring")
    parser.add_argument("--database-url", help="PostgreSQL URL; its public schema is DROPPED first")
    parser.add_argument("--force-reset", action="store_true",
                        help="allow wiping a PostgreSQL database whose name lacks 'bench'")
    args = parser.parse_args()
    if not 1 <= args.rounds <= 100_000 or not 1 <= args.concurrency <= 64 or args.warmup < 0:
        parser.error("--rounds must be 1..100000, --concurrency 1..64, --warmup >= 0")
    if args.database_url and not is_postgres(args.database_url):
        parser.error("--database-url must be a postgresql+psycopg:// URL (SQLite is the default)")
    return args


def client(base_url: str, token: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=base_url, headers=headers, timeout=60.0)


def story(http: httpx.Client, n: int, record: dict[str, list[float]] | None) -> None:
    """One incident from declaration to resolution; latencies go into `record` by kind."""
    ref: list[str] = []

    def declare() -> httpx.Response:
        response = http.post("/api/v1/incidents", json={
            "title": f"Checkout returns 500s (bench {n})", "severity": "SEV1", "services": [SERVICE],
            "summary": "Error rate above 20% on /checkout since the last deploy.",
            "impact": "All customers cannot pay."})
        if response.status_code == 201:
            ref.append(response.json()["ref"])
        return response

    steps = [
        ("declare", declare, 201),
        ("assign_commander", lambda: http.post(f"/api/v1/incidents/{ref[0]}/roles",
                                               json={"role": "commander", "user": ONCALL}), 200),
        ("investigating", lambda: http.post(f"/api/v1/incidents/{ref[0]}/status",
                                            json={"status": "investigating"}), 200),
        ("mitigated", lambda: http.post(f"/api/v1/incidents/{ref[0]}/status", json={
            "status": "mitigated", "note": "Rolled back to the previous release."}), 200),
        ("resolved", lambda: http.post(f"/api/v1/incidents/{ref[0]}/status", json={
            "status": "resolved", "resolution": "Reverted the faulty payment-client upgrade."}), 200),
    ]
    for kind, call, expect in steps:
        latency = timed(call, expect)
        if record is not None:
            record[kind].append(latency)


def run_parallel(concurrency: int, total: int, work) -> float:
    """Split `total` units of work over `concurrency` threads; returns the wall time.

    `work(thread_index, unit_numbers)` runs in each thread; the first error stops the bench.
    """
    shares = [list(range(i, total, concurrency)) for i in range(concurrency)]
    errors: list[BaseException] = []

    def target(index: int) -> None:
        try:
            work(index, shares[index])
        except BaseException as exc:  # noqa: BLE001 - reported below, in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=target, args=(i,), daemon=True) for i in range(concurrency)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    if errors:
        raise errors[0]
    return wall


def bench_healthz(base_url: str, count: int, concurrency: int) -> Sample:
    per_thread: list[list[float]] = [[] for _ in range(concurrency)]

    def work(index: int, units: list[int]) -> None:
        with client(base_url) as http:
            for _ in range(10):
                timed(lambda: http.get("/healthz"))
            per_thread[index].extend(timed(lambda: http.get("/healthz")) for _ in units)

    wall = run_parallel(concurrency, count, work)
    return Sample("GET /healthz (baseline)", [x for part in per_thread for x in part], wall)


def bench_story(base_url: str, token: str, rounds: int, concurrency: int,
                warmup: int) -> tuple[dict[str, list[float]], float]:
    records = [{kind: [] for kind in KINDS} for _ in range(concurrency)]

    def work(index: int, units: list[int]) -> None:
        with client(base_url, token) as http:
            for w in range(warmup):
                story(http, -1000 * (index + 1) - w, None)
            for n in units:
                story(http, n, records[index])

    wall = run_parallel(concurrency, rounds, work)
    merged = {kind: [x for rec in records for x in rec[kind]] for kind in KINDS}
    return merged, wall


def setup(env: dict[str, str], base_url: str) -> str:
    token = make_admin(env)
    run_warroom(["user", "create", ONCALL, "--name", "On Call", "--role", "responder"], env)
    with client(base_url, token) as http:
        timed(lambda: http.post("/api/v1/services", json={"name": SERVICE}), 201)
    return token


def report(args: argparse.Namespace, database: str, baseline: Sample,
           by_kind: dict[str, list[float]], wall: float) -> None:
    base_p50 = percentile(baseline.latencies, 50)
    base_rate = baseline.rate
    everything = [x for kind in KINDS for x in by_kind[kind]]
    overall = Sample("story, all operations", everything, wall)
    print(f"\nwarroom lifecycle bench  {datetime.now():%Y-%m-%d %H:%M}  database={database}  "
          f"rounds={args.rounds}  concurrency={args.concurrency}  python={platform.python_version()}")
    print("ops/s per kind = concurrency / mean latency (what that operation alone would sustain); "
          "overall rows = requests / wall time.\n")
    rows = []
    for kind in KINDS:
        lat = by_kind[kind]
        rate = args.concurrency * len(lat) / sum(lat)
        p50 = percentile(lat, 50)
        rows.append([f"POST {kind}", len(lat), f"{rate:,.0f}", f"{p50 * 1000:.2f}",
                     f"{percentile(lat, 99) * 1000:.2f}", f"{rate / base_rate:.3f}", f"{p50 / base_p50:.1f}x"])
    for sample in (overall, baseline):
        p50 = sample.ms(50) / 1000
        rows.append([sample.name, len(sample.latencies), f"{sample.rate:,.0f}", f"{p50 * 1000:.2f}",
                     f"{sample.ms(99):.2f}", f"{sample.rate / base_rate:.3f}", f"{p50 / base_p50:.1f}x"])
    print_table(["operation", "n", "ops/s", "p50 ms", "p99 ms", "ops/s ÷ healthz", "p50 ÷ healthz"], rows)
    print(f"\nincident stories/s: {args.rounds / wall:,.1f}  "
          f"({len(everything)} requests in {wall:.2f}s; healthz: {len(baseline.latencies)} in "
          f"{baseline.wall:.2f}s). After the run: {machine()}.")


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="warroom-bench-") as tmp:
        data_dir = Path(tmp)
        if args.database_url:
            reset_postgres(args.database_url, force=args.force_reset)
        env = warroom_env(data_dir, args.database_url)
        database = "postgresql" if args.database_url else "sqlite"
        with warroom_server(env, data_dir / "server.log") as base_url:
            token = setup(env, base_url)
            print(f"measuring over HTTP ({machine()})")
            # Baseline first, then the story: the same server, client library and thread layout.
            baseline = bench_healthz(base_url, args.rounds * len(KINDS), args.concurrency)
            by_kind, wall = bench_story(base_url, token, args.rounds, args.concurrency, args.warmup)
            with client(base_url, token) as http:
                last = http.get("/api/v1/incidents", params={"status": "resolved", "limit": 1}).json()
            expected = (args.rounds + args.warmup * args.concurrency)
            if last["total"] != expected:
                raise RuntimeError(f"expected {expected} resolved incidents, the API counts {last['total']}")
        report(args, database, baseline, by_kind, wall)


if __name__ == "__main__":
    main()
