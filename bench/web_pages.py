"""Server time of the two busiest web pages, against a bare endpoint of the same server.

Starts `warroom serve --no-worker` (SQLite in a fresh temp data dir, or --database-url PostgreSQL),
seeds through the real services: OPEN open incidents (default 200, spread over the four severities,
with services and commanders) and one incident whose timeline has EVENTS events (default 2,000),
signs a responder in through the real /signin form, then measures, interleaved round-robin:

    GET /                      the dashboard with the 200 open incidents
    GET /incidents             the incidents list (first page)
    GET /incidents/INC-n       the incident room of the 2,000-event incident
    GET /healthz               the baseline: no auth, one SELECT 1

p50 and p95 per page over HTTP on 127.0.0.1 with one keep-alive client, and the ratio to /healthz.
The issue's target: p95 under 100 ms for the dashboard and the room.

    .venv/bin/python bench/web_pages.py
    .venv/bin/python bench/web_pages.py --requests 100
    .venv/bin/python bench/web_pages.py \
        --database-url postgresql+psycopg://warroom:warroom@127.0.0.1:5432/warroom_bench
"""

from __future__ import annotations

import argparse
import re
import subprocess
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx

from _common import (Sample, default_sqlite_url, machine, measure_interleaved, print_table,
                     reset_postgres, run_warroom, warroom_env, warroom_executable,
                     warroom_server)

PASSWORD = "bench password for the web pages"
TARGET_MS = 100.0
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--open", type=int, default=200, help="open incidents on the dashboard")
    parser.add_argument("--events", type=int, default=2000, help="timeline events of the big incident")
    parser.add_argument("--requests", type=int, default=300, help="timed requests per page")
    parser.add_argument("--database-url", help="PostgreSQL URL; its public schema is DROPPED first")
    parser.add_argument("--force-reset", action="store_true",
                        help="allow wiping a PostgreSQL database whose name lacks 'bench'")
    return parser.parse_args()


def seed(database_url: str, data_dir: Path, open_count: int, events: int) -> str:
    """Open incidents and one long timeline, through the domain services; returns the long one's ref."""
    from warroom.catalog.service import create_service
    from warroom.core.config import load_settings
    from warroom.core.context import Context
    from warroom.core.runtime import Runtime
    from warroom.incidents import roles, timeline
    from warroom.incidents.schemas import IncidentCreate
    from warroom.incidents.service import declare, get_incident
    from warroom.users.service import find_user

    runtime = Runtime.from_settings(load_settings({"WARROOM_DATABASE_URL": database_url,
                                                   "WARROOM_DATA_DIR": str(data_dir)}))
    levels = [level.name for level in runtime.policy.severities]
    with runtime.db.write_session() as session:
        system = runtime.system_context(session)
        services = [create_service(system, name=name).name
                    for name in ("checkout-api", "payments", "search", "auth", "web-frontend")]
        user = find_user(session, "oncall@example.com")
        ctx = Context(db=session, actor=user, clock=runtime.clock, policy=runtime.policy)
        for n in range(open_count):
            declare(ctx, IncidentCreate(
                title=f"Elevated error rate on {services[n % len(services)]} #{n}",
                summary="Customers see intermittent 502s.", severity=levels[n % len(levels)],
                services=[services[n % len(services)]],
                commander="oncall@example.com" if n % 3 else None))
        big = declare(ctx, IncidentCreate(title="Checkout down for all EU users", severity=levels[0],
                                          services=["checkout-api", "payments"],
                                          commander="oncall@example.com"))
        ref = big.ref
    with runtime.db.write_session() as session:
        ctx = Context(db=session, actor=find_user(session, "oncall@example.com"), clock=runtime.clock,
                      policy=runtime.policy)
        incident = get_incident(ctx, ref)
        roles.assign_role(ctx, incident, "scribe", ctx.actor)
        start = ctx.now() - timedelta(hours=6)
        for n in range(events - 3):  # declared + commander + scribe events already exist
            timeline.add_note(ctx, incident, f"Observation {n}: error rate {n % 97}% on shard {n % 13}.",
                              occurred_at=start + timedelta(seconds=10 * n), starred=n % 50 == 0)
    runtime.db.dispose()
    return ref


def sign_in(client: httpx.Client) -> None:
    form = client.get("/signin")
    token = CSRF_RE.search(form.text).group(1)
    response = client.post("/signin", data={"csrf_token": token, "email": "oncall@example.com",
                                            "password": PASSWORD, "next": "/"})
    if response.status_code != 303:
        raise SystemExit(f"sign-in failed: {response.status_code} {response.text[:300]}")


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="warroom-web-") as tmp:
        data_dir = Path(tmp)
        if args.database_url:
            reset_postgres(args.database_url, force=args.force_reset)
        url = args.database_url or default_sqlite_url(data_dir)
        env = warroom_env(data_dir, args.database_url)
        run_warroom(["db", "upgrade"], env)
        create_user(env)
        started = time.perf_counter()
        ref = seed(url, data_dir, args.open, args.events)
        print(f"seeded {args.open} open incidents and {args.events} events on {ref} "
              f"in {time.perf_counter() - started:.1f} s")
        with warroom_server(env, data_dir / "server.log") as base_url:
            with httpx.Client(base_url=base_url, timeout=30.0) as client:
                sign_in(client)
                calls = {"dashboard /": lambda: client.get("/"),
                         "incidents list": lambda: client.get("/incidents"),
                         f"room {ref}": lambda: client.get(f"/incidents/{ref}"),
                         "healthz (baseline)": lambda: client.get("/healthz")}
                sizes = {name: len(call().content) for name, call in calls.items()}
                samples = measure_interleaved(calls, args.requests)
        report(samples, sizes, "postgresql" if args.database_url else "sqlite", args)


def create_user(env: dict[str, str]) -> None:
    """The responder the bench signs in as, with the real CLI (password on stdin)."""
    subprocess.run([warroom_executable(), "user", "create", "oncall@example.com", "--name", "On Call",
                    "--role", "responder", "--password-stdin"], input=PASSWORD + "\n", text=True,
                   env=env, check=True, capture_output=True)


def report(samples: list[Sample], sizes: dict[str, int], database: str, args) -> None:
    base = samples[-1]
    print(f"\nweb pages on {database}: {args.open} open incidents, {args.events}-event room, "
          f"{args.requests} requests each; {machine()}\n")
    rows = []
    for sample in samples:
        verdict = ""
        if sample is not base and not sample.name.startswith("incidents list"):
            verdict = "PASS" if sample.ms(95) < TARGET_MS else "FAIL"
        rows.append([sample.name, f"{sizes[sample.name] / 1024:.0f} KiB", f"{sample.ms(50):.1f}",
                     f"{sample.ms(95):.1f}", f"{sample.ms(50) / base.ms(50):.1f}x",
                     f"{sample.ms(95) / base.ms(95):.1f}x", verdict])
    print_table(["page", "size", "p50 ms", "p95 ms", "p50 ratio", "p95 ratio", f"p95<{TARGET_MS:.0f}"], rows)


if __name__ == "__main__":
    main()
