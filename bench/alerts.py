"""Alert intake over HTTP: events/s and latency of PagerDuty's `POST /v2/enqueue`, against a bare
endpoint of the same server in the same run.

Starts `warroom serve --no-worker` (SQLite in a fresh temp data dir, or --database-url PostgreSQL),
creates a service and an Events API v2 integration with no effective rate limit, then from
--concurrency keep-alive client threads, --seconds each, one phase after the other:

    GET /healthz               the baseline: no auth, one `SELECT 1` (the bare endpoint)
    POST /v2/enqueue distinct  every event a new dedup key: a new alert, joined to the open incident
                               (the first one declares it)
    POST /v2/enqueue repeats   50 keys over and over: an occurrence added to an open alert (a storm)

Prints events/s, p50 and p99 of each and throughput ÷ the baseline; the target is at least 0.3
on SQLite. The clients run in this process and share the machine's CPUs with the server, alike for
every phase. Afterwards it checks that the database holds what was sent: one alert per distinct
key, and occurrences adding up to the repeats sent.

    .venv/bin/python bench/alerts.py                        # SQLite, 4 clients, 8 s each
    .venv/bin/python bench/alerts.py --seconds 3            # a quick try
    .venv/bin/python bench/alerts.py \\
        --database-url postgresql+psycopg://warroom:warroom@127.0.0.1:5432/warroom_bench
"""

from __future__ import annotations

import argparse
import itertools
import platform
import threading
import time
from datetime import datetime

import httpx
from sqlalchemy import func, select

from _common import Sample, load_args, machine, print_table, served, timed

from warroom.alerts import integrations
from warroom.alerts.models import Alert
from warroom.catalog.service import create_service
from warroom.core.config import load_settings
from warroom.core.runtime import Runtime

TARGET = 0.3
REPEAT_KEYS = 50


def make_integration(runtime: Runtime) -> str:
    with runtime.db.write_session() as session:
        ctx = runtime.system_context(session)
        create_service(ctx, name="checkout")
        return integrations.create_integration(ctx, service="checkout", kind="pagerduty",
                                               rate_limit_per_minute=integrations.MAX_RATE_LIMIT)[1]


def event(key: str, dedup_key: str) -> dict:
    return {"routing_key": key, "event_action": "trigger", "dedup_key": dedup_key,
            "payload": {"summary": f"Disk almost full on {dedup_key}", "source": dedup_key,
                        "severity": "critical", "custom_details": {"free": "3%", "mount": "/var"}}}


def load(base_url: str, name: str, request, seconds: float, concurrency: int) -> Sample:
    """`concurrency` keep-alive clients call request(http, n) for `seconds`; n counts up across them."""
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors: list[BaseException] = []
    counter = itertools.count()
    stop = time.perf_counter() + seconds

    def client(index: int) -> None:
        try:
            with httpx.Client(base_url=base_url, timeout=30) as http:
                for _ in range(3):  # connect and warm up, untimed
                    request(http, next(counter))
                while time.perf_counter() < stop:
                    n = next(counter)
                    latencies[index].append(timed(lambda: request(http, n), request.expect))
        except BaseException as exc:  # noqa: BLE001 - reported in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(concurrency)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return Sample(name, [x for part in latencies for x in part], time.perf_counter() - start)


class Request:
    def __init__(self, call, expect: int) -> None:
        self.call, self.expect = call, expect

    def __call__(self, http: httpx.Client, n: int) -> httpx.Response:
        return self.call(http, n)


def main() -> None:
    args = load_args(__doc__)
    with served(args) as (env, base_url, database):
        runtime = Runtime.from_settings(load_settings(env))
        key = make_integration(runtime)
        healthz = Request(lambda http, n: http.get("/healthz"), 200)
        distinct = Request(lambda http, n: http.post("/v2/enqueue", json=event(key, f"host-{n}")), 202)
        repeats = Request(lambda http, n: http.post("/v2/enqueue", json=event(key, f"disk-{n % REPEAT_KEYS}")), 202)
        print(f"measuring over HTTP ({machine()})")
        samples = [load(base_url, "GET /healthz (bare endpoint)", healthz, args.seconds, args.concurrency),
                   load(base_url, "POST /v2/enqueue, distinct keys", distinct, args.seconds, args.concurrency),
                   load(base_url, f"POST /v2/enqueue, {REPEAT_KEYS} keys repeated", repeats, args.seconds,
                        args.concurrency)]
        warmups = 3 * args.concurrency
        check(runtime, len(samples[1].latencies) + warmups, len(samples[2].latencies) + warmups)
        runtime.db.dispose()
    report(args, database, samples)


def check(runtime: Runtime, distinct_sent: int, repeats_sent: int) -> None:
    """The database holds what was sent: nothing lost, nothing doubled."""
    with runtime.db.read_session() as session:
        hosts = session.scalar(select(func.count()).select_from(Alert).where(Alert.dedup_key.like("host-%")))
        disks = session.execute(select(func.count(), func.sum(Alert.occurrences)).where(
            Alert.dedup_key.like("disk-%"))).one()
    assert hosts == distinct_sent, (hosts, distinct_sent)
    assert tuple(disks) == (REPEAT_KEYS, repeats_sent), (tuple(disks), repeats_sent)
    print(f"checked: {hosts:,} alerts for {distinct_sent:,} distinct keys sent; {REPEAT_KEYS} alerts counting "
          f"{disks[1]:,} occurrences for {repeats_sent:,} repeats sent")


def report(args: argparse.Namespace, database: str, samples: list[Sample]) -> None:
    baseline = samples[0]
    print(f"\nwarroom alert intake bench  {datetime.now():%Y-%m-%d %H:%M}  database={database}  "
          f"clients={args.concurrency}  seconds each={args.seconds:g}  python={platform.python_version()}")
    print(f"After the run: {machine()}.\n")
    rows = []
    for sample in samples:
        ratio = sample.rate / baseline.rate
        verdict = "" if sample is baseline else ("PASS" if ratio >= TARGET else "FAIL")
        rows.append([sample.name, f"{len(sample.latencies):,}", f"{sample.rate:,.0f}", f"{sample.ms(50):.2f}",
                     f"{sample.ms(99):.2f}", f"{ratio:.2f}", verdict])
    print_table(["request", "n", "per s", "p50 ms", "p99 ms", "÷ bare endpoint", f"≥ {TARGET}"], rows)


if __name__ == "__main__":
    main()
