"""Real `warroom` processes for tests: the CLI and `warroom serve --no-worker` servers on
127.0.0.1, always stopped at the end."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

# Run the CLI with the interpreter running the tests, so it is the same installed warroom.
CLI = [sys.executable, "-c", "from warroom.cli.main import main; main()"]
STARTUP_SECONDS = 60


def cli_env(database_url: str, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_")}
    env.update(WARROOM_DATABASE_URL=database_url, WARROOM_DATA_DIR=str(data_dir))
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout


class Servers:
    """Starts `warroom serve --no-worker` processes and always stops them."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.procs: list[tuple[subprocess.Popen, Path]] = []

    def start(self, env: dict[str, str], count: int) -> list[str]:
        bases = []
        for n in range(count):  # all start at once, so their migrations race for the lock
            port = free_port()
            log = self.tmp_path / f"server-{n}-{port}.log"
            with log.open("wb") as out:
                proc = subprocess.Popen(
                    [*CLI, "serve", "--no-worker", "--host", "127.0.0.1", "--port", str(port)],
                    env=env, stdout=out, stderr=subprocess.STDOUT)
            self.procs.append((proc, log))
            bases.append(f"http://127.0.0.1:{port}")
        for base, (proc, log) in zip(bases, self.procs[-count:], strict=True):
            self._wait_healthy(base, proc, log)
        return bases

    @staticmethod
    def _wait_healthy(base: str, proc: subprocess.Popen, log: Path) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"server exited with {proc.returncode}:\n{log.read_text()}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        pytest.fail(f"{base} not healthy after {STARTUP_SECONDS}s:\n{log.read_text()}")

    def logs(self) -> str:
        return "\n".join(log.read_text(errors="replace") for _, log in self.procs)

    def stop(self) -> None:
        for proc, _ in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc, _ in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


def admin_token(env: dict[str, str]) -> str:
    run_cli(env, "user", "create", "ops@example.com", "--name", "Ops Admin", "--role", "admin")
    token = run_cli(env, "token", "create", "ops@example.com", "--name", "load").strip()
    assert token.startswith("wr_") and "\n" not in token
    return token
