"""How late escalation steps fire: 1,000 pending escalation steps due within the same minute.

Setup (in this process, through the service layer): 1,000 SEV2 incidents on a service whose policy
pages rita, then sam after the level's wait; each person has a verified webhook contact pointing at
a receiver on 127.0.0.1 in this process. Every pending level-2 step is then moved to a due time
spread evenly over one minute, starting 20 s after the workers are up (a probe timer has fired); the level-1
messages already sent are marked delivered so only the steps are measured.

Then N `warroom worker` processes run until every step has fired. Lateness = fired_at - due_at per
step (the worker's own stamp), and receiver arrival - due_at for the message each step sends.
Baseline, in the same run: the same number of no-op timers (response-due timers of incidents that
do not exist: the handler reads one row and returns) due the same way, fired by the same workers.

    .venv/bin/python bench/escalation.py                    # SQLite, one worker
    .venv/bin/python bench/escalation.py --workers 2 \\
        --database-url postgresql+psycopg://warroom:warroom@127.0.0.1:5432/warroom_bench
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select, update

import _common
from _common import machine, percentile, print_table, reset_postgres, warroom_env, warroom_executable

from warroom.catalog.service import create_service
from warroom.core.config import load_settings
from warroom.core.outbox import OutboxMessage
from warroom.core.runtime import Runtime
from warroom.core.timers import Timer
from warroom.incidents import service as incidents
from warroom.incidents.deadlines import RESPONSE_DUE
from warroom.incidents.schemas import IncidentCreate
from warroom.oncall import contacts, escalation
from warroom.incidents.models import Incident
from warroom.oncall.models import Page
from warroom.oncall.paging import ESCALATE
from warroom.oncall.paging_schemas import ContactMethodIn, EscalationPolicyIn, LevelIn, TargetIn
from warroom.users import service as users

LEAD = timedelta(seconds=20)
SPREAD = timedelta(seconds=60)
NOOP_BASE = 10 ** 9  # subject ids no incident has


class Receiver(_common.Receiver):
    """Records when each incident's level-2 page (the one to sam) arrives."""

    def __init__(self) -> None:
        self.arrived: dict[str, datetime] = {}
        super().__init__()

    def record(self, path: str, headers, body: bytes) -> None:
        if path == "/sam":
            self.arrived.setdefault(json.loads(body)["data"]["incident"]["ref"], datetime.now(timezone.utc))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=1000, help="pending escalation steps (default 1000)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--database-url", help="PostgreSQL URL; its public schema is DROPPED first")
    parser.add_argument("--force-reset", action="store_true")
    return parser.parse_args()


def seed(runtime: Runtime, steps: int, receiver: Receiver) -> None:
    with runtime.db.write_session() as db:
        ctx = runtime.system_context(db)
        admin = users.create_user(ctx, email="bench@example.com", name="Bench", role="admin")
        for handle in ("rita", "sam"):
            person = users.create_user(ctx, email=f"{handle}@example.com", name=handle.title(), role="responder")
            as_person = runtime.context(db, person)
            method = contacts.add_method(as_person, ContactMethodIn(kind="webhook", address=f"{receiver.url}/{handle}"))
            method.verified_at = ctx.now()
        create_service(ctx, name="checkout")
        escalation.save_policy(ctx, EscalationPolicyIn(name="checkout-oncall", levels=[
            LevelIn(delay_minutes=5, targets=[TargetIn(type="user", ref="rita")]),
            LevelIn(delay_minutes=5, targets=[TargetIn(type="user", ref="sam")])]))
        escalation.set_service_policy(ctx, "checkout", "checkout-oncall")
        admin_id = admin.id
    for start in range(0, steps, 100):
        with runtime.db.write_session() as db:
            ctx = runtime.context(db, db.get(type(admin), admin_id))
            for n in range(start, min(start + 100, steps)):
                incidents.declare(ctx, IncidentCreate(title=f"Checkout failure {n}", severity="SEV2",
                                                      services=["checkout"]))
    with runtime.db.write_session() as db:
        # Only the steps are measured: the level-1 pages and the response/update timers are out of the way.
        db.execute(update(OutboxMessage).values(status="delivered"))
        db.execute(update(Timer).where(Timer.kind != ESCALATE).values(canceled_at=datetime.now(timezone.utc)))


def spread(runtime: Runtime, kind: str) -> datetime:
    """Pending timers of `kind` due evenly over one minute from LEAD on; returns the first due time."""
    first = datetime.now(timezone.utc) + LEAD
    with runtime.db.write_session() as db:
        ids = list(db.scalars(select(Timer.id).where(Timer.kind == kind, Timer.fired_at.is_(None),
                                                     Timer.canceled_at.is_(None)).order_by(Timer.id)))
        for n, timer_id in enumerate(ids):
            db.execute(update(Timer).where(Timer.id == timer_id).values(due_at=first + SPREAD * n / len(ids)))
    return first


def wait_until_working(runtime: Runtime, probe_id: int) -> None:
    """A no-op timer due now: once it has fired, a worker is up and polling."""
    with runtime.db.write_session() as db:
        now = datetime.now(timezone.utc)
        db.add(Timer(kind=RESPONSE_DUE, subject_id=probe_id, due_at=now, created_at=now, attempts=0, last_error=""))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with runtime.db.read_session() as db:
            if db.scalar(select(Timer.fired_at).where(Timer.subject_id == probe_id)) is not None:
                return
        time.sleep(0.2)
    raise SystemExit("no worker came up within two minutes")


def phase(runtime: Runtime, env: dict, workers: int, kind: str, expected: int, log_dir: Path,
          done=lambda: True) -> list[tuple[datetime, datetime, int]]:
    """Start the workers, then make `expected` timers of `kind` due over a minute; wait until they
    have fired (and `done()`). Returns (due_at, fired_at, subject_id) of each."""
    procs = [subprocess.Popen([warroom_executable(), "worker"], env=env, stdout=subprocess.DEVNULL,
                              stderr=open(log_dir / f"worker-{kind}-{n}.log", "w")) for n in range(workers)]
    try:
        wait_until_working(runtime, NOOP_BASE - len(kind))
        spread(runtime, kind)
        deadline = time.monotonic() + (LEAD + SPREAD).total_seconds() + 180
        rows: list = []
        while time.monotonic() < deadline:
            with runtime.db.read_session() as db:
                rows = db.execute(select(Timer.due_at, Timer.fired_at, Timer.subject_id).where(
                    Timer.kind == kind, Timer.fired_at.is_not(None), Timer.subject_id != NOOP_BASE - len(kind))).all()
            if len(rows) >= expected and done():
                return rows
            time.sleep(0.5)
        raise SystemExit(f"only {len(rows)} of {expected} {kind} timers fired; see {log_dir}")
    finally:
        for p in procs:
            p.terminate()
            p.wait(20)


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="warroom-escalation-") as tmp:
        data_dir = Path(tmp)
        if args.database_url:
            reset_postgres(args.database_url, force=args.force_reset)
        env = warroom_env(data_dir, args.database_url)
        subprocess.run([warroom_executable(), "db", "upgrade"], env=env, check=True, capture_output=True)
        runtime = Runtime.from_settings(load_settings(env))
        receiver = Receiver()
        seed(runtime, args.steps, receiver)
        # Baseline: no-op timers, due the same way, fired by the same number of workers.
        with runtime.db.write_session() as db:
            now = datetime.now(timezone.utc)
            for n in range(args.steps):
                db.add(Timer(kind=RESPONSE_DUE, subject_id=NOOP_BASE + n, due_at=now + timedelta(days=1),
                             created_at=now, attempts=0, last_error=""))
        baseline = [(f - d).total_seconds()
                    for d, f, _ in phase(runtime, env, args.workers, RESPONSE_DUE, args.steps, data_dir)]
        rows = phase(runtime, env, args.workers, ESCALATE, args.steps, data_dir,
                     done=lambda: len(receiver.arrived) >= args.steps)
        with runtime.db.read_session() as db:
            numbers = dict(db.execute(select(Page.id, Incident.number).join(Incident, Incident.id == Page.incident_id)).all())
        fired = [(f - d).total_seconds() for d, f, _ in rows]
        delivered = [(receiver.arrived[f"INC-{numbers[page_id]}"] - d).total_seconds() for d, _, page_id in rows]
        db_name = "postgresql" if args.database_url else "sqlite"
        print(f"\n{args.steps} escalation steps due within one minute, {args.workers} worker(s) on {db_name}; "
              f"{machine()}\n")
        table = []
        for name, values in (("escalation step fired (fired_at - due_at)", fired),
                             ("its page at the receiver (arrival - due_at)", delivered),
                             ("baseline: no-op timer fired", baseline)):
            table.append([name, f"{percentile(values, 50) * 1000:.0f}", f"{percentile(values, 99) * 1000:.0f}",
                          f"{max(values) * 1000:.0f}"])
        ratio = percentile(fired, 99) / max(percentile(baseline, 99), 1e-3)
        table[0] += [f"{ratio:.2f}x", "PASS" if percentile(fired, 99) < 2 else "FAIL"]
        table[1] += ["", ""]
        table[2] += ["1.00x", ""]
        print_table(["lateness", "p50 ms", "p99 ms", "max ms", "p99 ratio", "p99<2s"], table)
        print(f"\nreceiver: {receiver.count} requests for {args.steps} steps (each step sends one page)")


if __name__ == "__main__":
    main()
