"""Helpers shared by the benchmarks: a real `warroom serve` subprocess, admin tokens, timing, percentiles.

Nothing here is timed itself; the scripts in bench/ decide what to measure.
"""

from __future__ import annotations

import argparse
import os
import threading
import shutil
import tempfile
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parent.parent
SERVER_START_TIMEOUT = 60.0
SERVER_STOP_TIMEOUT = 15.0


def warroom_executable() -> str:
    """The `warroom` next to the running interpreter (the venv's), else the one on PATH."""
    candidate = Path(sys.executable).parent / "warroom"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("warroom")
    if not found:
        sys.exit("cannot find the `warroom` command: run with the venv's python (.venv/bin/python)")
    return found


def warroom_env(data_dir: Path, database_url: str | None = None) -> dict[str, str]:
    """The environment for every `warroom` subprocess of one bench run: its own data dir and database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_")}
    env["WARROOM_DATA_DIR"] = str(data_dir)
    if database_url:
        env["WARROOM_DATABASE_URL"] = database_url
    return env


def default_sqlite_url(data_dir: Path) -> str:
    """The URL `warroom` itself derives from WARROOM_DATA_DIR when no database URL is set."""
    return f"sqlite:///{data_dir / 'warroom.sqlite3'}"


def run_warroom(args: list[str], env: dict[str, str], timeout: float = 120.0) -> str:
    result = subprocess.run([warroom_executable(), *args], env=env, capture_output=True, text=True,
                            timeout=timeout, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"warroom {' '.join(args)} failed ({result.returncode}):\n"
                           f"{result.stdout}\n{result.stderr}")
    return result.stdout


def make_admin(env: dict[str, str], email: str = "bench@example.com") -> str:
    """Create an admin with the real CLI and return a fresh API token for it."""
    run_warroom(["user", "create", email, "--name", "Bench Admin", "--role", "admin"], env)
    return run_warroom(["token", "create", email, "--name", "bench"], env).strip()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def warroom_server(env: dict[str, str], log_path: Path, *, worker: bool = False) -> Iterator[str]:
    """Run `warroom serve --no-worker` on a free 127.0.0.1 port until the block ends; yields its base URL.

    The server is always stopped (SIGTERM, then SIGKILL after a grace period), even on errors or Ctrl-C.
    """
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [warroom_executable(), "serve", *([] if worker else ["--no-worker"]), "--host", "127.0.0.1",
             "--port", str(port)],
            env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_healthy(process, base_url, log_path)
            yield base_url
        finally:
            _stop(process)


def _wait_healthy(process: subprocess.Popen, base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"warroom serve exited with {process.returncode}; its log:\n"
                               f"{log_path.read_text(encoding='utf-8', errors='replace')}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"warroom serve did not answer /healthz within {SERVER_START_TIMEOUT:.0f}s; "
                       f"see {log_path}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=SERVER_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=SERVER_STOP_TIMEOUT)


def reset_postgres(url: str, *, force: bool = False) -> None:
    """Empty a PostgreSQL database for a bench run (drops its `public` schema).

    Refuses unless the database name contains "bench", so a typo cannot wipe a real database.
    """
    name = make_url(url).database or ""
    if "bench" not in name and not force:
        sys.exit(f"refusing to wipe PostgreSQL database {name!r}: its name does not contain 'bench' "
                 "(pass --force-reset if you really mean it)")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def is_postgres(url: str | None) -> bool:
    return bool(url) and make_url(url).get_backend_name() == "postgresql"


# --- timing ---------------------------------------------------------------------------------------

def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0-100) with linear interpolation between closest ranks."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class Sample:
    """Latencies (seconds) of one kind of request, and the wall time they took together."""

    name: str
    latencies: list[float]
    wall: float

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.wall if self.wall else float("nan")

    def ms(self, p: float) -> float:
        return percentile(self.latencies, p) * 1000.0


def timed(call: Callable[[], httpx.Response], expect: int = 200) -> float:
    """Run one request; return its latency in seconds. A wrong status stops the bench loudly."""
    start = time.perf_counter()
    response = call()
    elapsed = time.perf_counter() - start
    if response.status_code != expect:
        raise RuntimeError(f"{response.request.method} {response.request.url} -> {response.status_code}: "
                           f"{response.text[:500]}")
    return elapsed


def measure_interleaved(calls: dict[str, Callable[[], httpx.Response]], count: int,
                        warmup: int = 20) -> list[Sample]:
    """`warmup` untimed calls of each, then `count` rounds of one timed call of each, in turn.

    Round-robin, so that a burst of load from elsewhere on the machine hits every endpoint alike
    and the ratios to the baseline stay fair. Each sample's wall time is the sum of its latencies.
    """
    for call in calls.values():
        for _ in range(warmup):
            timed(call)
    latencies: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(count):
        for name, call in calls.items():
            latencies[name].append(timed(call))
    return [Sample(name, values, sum(values)) for name, values in latencies.items()]


def machine() -> str:
    """CPUs and load average: on a shared machine, read the figures next to these."""
    one, five, _ = os.getloadavg()
    return f"{os.cpu_count()} CPUs, load average {one:.2f} (1 min) {five:.2f} (5 min)"


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]
    line = "  ".join(("{:<%d}" if i == 0 else "{:>%d}") % w for i, w in enumerate(widths))
    print(line.format(*headers))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line.format(*row))


# --- the usual HTTP load bench: its arguments and its server ----------------------------------------

def load_args(description: str) -> argparse.Namespace:
    """--seconds, --concurrency, --database-url and --force-reset, checked."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8.0, help="load time per phase (default 8)")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--database-url", help="PostgreSQL URL; its public schema is DROPPED first")
    parser.add_argument("--force-reset", action="store_true",
                        help="allow wiping a PostgreSQL database whose name lacks 'bench'")
    args = parser.parse_args()
    if not 0.5 <= args.seconds <= 600 or not 1 <= args.concurrency <= 64:
        parser.error("--seconds must be 0.5..600 and --concurrency 1..64")
    if args.database_url and not is_postgres(args.database_url):
        parser.error("--database-url must be a postgresql+psycopg:// URL (SQLite is the default)")
    return args


@contextmanager
def served(args: argparse.Namespace) -> Iterator[tuple[dict[str, str], str, str]]:
    """A fresh data dir (and emptied PostgreSQL database when given) and `warroom serve --no-worker`
    on it: yields (environment, base URL, database kind)."""
    with tempfile.TemporaryDirectory(prefix="warroom-bench-") as tmp:
        data_dir = Path(tmp)
        if args.database_url:
            reset_postgres(args.database_url, force=args.force_reset)
        env = warroom_env(data_dir, args.database_url)
        with warroom_server(env, data_dir / "server.log") as base_url:
            yield env, base_url, "postgresql" if args.database_url else "sqlite"


# --- a receiver for what Warroom sends ---------------------------------------------------------------

class Receiver:
    """An HTTP server on 127.0.0.1 in the bench's process: it answers every POST 200 and hands it to
    `record(path, headers, body)` under `cond`, which `wait` waits on. Benches subclass `record`."""

    def __init__(self, path: str = "") -> None:
        self.count = 0
        self.cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                with receiver.cond:
                    receiver.count += 1
                    receiver.record(self.path, self.headers, body)
                    receiver.cond.notify_all()
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def record(self, path: str, headers, body: bytes) -> None:
        """Called for each request, holding `cond`."""

    def wait(self, predicate, timeout: float) -> bool:
        with self.cond:
            return self.cond.wait_for(predicate, timeout)
