"""Status updates through the outbox to a webhook receiver, against a direct POST to the same receiver.

Part 1 (latency): `warroom serve` with its in-process worker (SQLite in a fresh temp dir, or
--database-url), a webhook channel routed `update_posted` to a receiver on 127.0.0.1 in this
process, one SEV1 incident; then UPDATES times: POST /api/v1/incidents/INC-1/updates and wait until
the receiver holds that update (matched by the update id in the signed body). p50/p99 of
"POST sent -> receiver has it", beside a direct POST of the same body to the receiver (the floor).

Part 2 (throughput, --workers 1 2): the server without a worker; PILE updates are posted (so PILE
messages wait in the outbox), then N `warroom worker` processes start and the time until the
receiver holds all of them gives messages/s. Run it on PostgreSQL for several workers.

    .venv/bin/python bench/updates.py
    .venv/bin/python bench/updates.py --updates 100 --workers 1
    .venv/bin/python bench/updates.py --database-url postgresql+psycopg://warroom:warroom@127.0.0.1:5432/warroom_bench \\
        --workers 1 2
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

import _common
from _common import (machine, make_admin, percentile, print_table, reset_postgres, warroom_env,
                     warroom_executable, warroom_server)


class Receiver(_common.Receiver):
    def __init__(self) -> None:
        self.arrived: dict[int, float] = {}
        self.keys: set[str] = set()  # webhook-id of every request: a repeat is a duplicate delivery
        super().__init__("/hook")

    def record(self, path: str, headers, body: bytes) -> None:
        now = time.perf_counter()
        try:
            update = (json.loads(body).get("data") or {}).get("update") or {}
        except ValueError:
            update = {}
        self.keys.add(headers.get("webhook-id", ""))
        if update.get("id") is not None:
            self.arrived.setdefault(int(update["id"]), now)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--updates", type=int, default=500, help="timed updates (default 500)")
    parser.add_argument("--pile", type=int, default=1000, help="messages for the throughput part")
    parser.add_argument("--workers", type=int, nargs="*", default=[], help="worker counts for throughput")
    parser.add_argument("--database-url", help="PostgreSQL URL; its public schema is DROPPED first")
    parser.add_argument("--force-reset", action="store_true")
    return parser.parse_args()


def body(n: int) -> dict:
    next_at = (datetime.now(timezone.utc) + timedelta(minutes=30)).isoformat()
    return {"whats_happening": f"Checkout errors at {n % 50}%.", "who_is_affected": "EU customers paying by card.",
            "what_we_are_doing": "Rolling back the gateway config.", "next_update_at": next_at}


def setup(base_url: str, token: str, receiver: Receiver) -> httpx.Client:
    api = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    r = api.post("/api/v1/channels", json={"name": "bench-hook", "kind": "webhook",
                                           "settings": {"url": receiver.url},
                                           "routes": [{"events": ["update_posted"]}]})
    r.raise_for_status()
    api.post("/api/v1/incidents", json={"title": "Checkout down", "severity": "SEV1",
                                        "commander": "bench@example.com"}).raise_for_status()
    return api


def latency(args, env, data_dir: Path, token: str, receiver: Receiver) -> tuple[list[float], list[float]]:
    with warroom_server(env, data_dir / "server.log", worker=True) as base_url:
        api = setup(base_url, token, receiver)
        for n in range(20):  # warm up
            api.post("/api/v1/incidents/INC-1/updates", json=body(n)).raise_for_status()
        receiver.wait(lambda: receiver.count >= 21, 30)
        through, direct = [], []
        sample = json.dumps({"type": "incident.update_posted", "data": {"text": "x" * 600}}).encode()
        with httpx.Client(timeout=30) as plain:
            for n in range(args.updates):
                start = time.perf_counter()
                r = api.post("/api/v1/incidents/INC-1/updates", json=body(n))
                r.raise_for_status()
                update_id = r.json()["id"]
                if not receiver.wait(lambda: update_id in receiver.arrived, 30):
                    raise SystemExit(f"update {update_id} never reached the receiver; see {data_dir}/server.log")
                through.append(receiver.arrived[update_id] - start)
                start = time.perf_counter()
                plain.post(receiver.url, content=sample, headers={"content-type": "application/json"})
                direct.append(time.perf_counter() - start)
        return through, direct


def throughput(args, env, data_dir: Path, token: str, workers: int) -> float:
    receiver = Receiver()
    with warroom_server(env, data_dir / f"server-{workers}.log") as base_url:
        api = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        api.patch("/api/v1/channels/bench-hook", json={"settings": {"url": receiver.url}}).raise_for_status()
        pile = {api.post("/api/v1/incidents/INC-1/updates", json=body(n)).raise_for_status().json()["id"]
                for n in range(args.pile)}
    start = time.perf_counter()
    procs = [subprocess.Popen([warroom_executable(), "worker"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) for _ in range(workers)]
    try:
        if not receiver.wait(lambda: pile <= receiver.arrived.keys(), 300):
            raise SystemExit(f"only {len(pile & receiver.arrived.keys())} of {args.pile} messages arrived")
        elapsed = time.perf_counter() - start
    finally:
        for p in procs:
            p.terminate()
            p.wait(10)
    # A message of an earlier phase (its worker stopped before recording the attempt) is sent again
    # here once its lease expires: a straggler, not a duplicate within this phase.
    stragglers = len(receiver.arrived.keys() - pile)
    duplicates = receiver.count - len(receiver.keys)
    print(f"  {workers} worker(s): {args.pile} messages in {elapsed:.2f} s incl. worker start-up; "
          f"{duplicates} sent twice (same webhook-id), {stragglers} from an earlier phase")
    return args.pile / elapsed


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="warroom-updates-") as tmp:
        data_dir = Path(tmp)
        if args.database_url:
            reset_postgres(args.database_url, force=args.force_reset)
        env = warroom_env(data_dir, args.database_url)
        subprocess.run([warroom_executable(), "db", "upgrade"], env=env, check=True, capture_output=True)
        token = make_admin(env)
        receiver = Receiver()
        through, direct = latency(args, env, data_dir, token, receiver)
        db = "postgresql" if args.database_url else "sqlite"
        print(f"\nstatus update -> webhook receiver on {db}, {args.updates} updates, in-process worker; {machine()}\n")
        rows = [[name, f"{percentile(v, 50) * 1000:.1f}", f"{percentile(v, 99) * 1000:.1f}"]
                for name, v in (("POST update -> receiver has it", through), ("direct POST to receiver (floor)", direct))]
        rows[0] += [f"{percentile(through, 50) / percentile(direct, 50):.1f}x",
                    "PASS" if percentile(through, 99) < 0.5 else "FAIL"]
        rows[1] += ["1.0x", ""]
        print_table(["path", "p50 ms", "p99 ms", "p50 ratio", "p99<500ms"], rows)
        if args.workers:
            print(f"\noutbox throughput on {db} ({args.pile} queued messages):")
            for workers in args.workers:
                rate = throughput(args, env, data_dir, token, workers)
                print(f"  -> {rate:.0f} messages/s with {workers} worker(s)")


if __name__ == "__main__":
    main()
