"""The CLI against a real Warroom server: uvicorn on 127.0.0.1 in a thread, serving the test runtime.

`cli(...)` runs the whole `warroom` command in-process (its main(), error handling included) with
WARROOM_URL and WARROOM_TOKEN in the environment, and returns the exit code, stdout and stderr.
"""

from __future__ import annotations

import json
import socket
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import pytest
from typer.testing import CliRunner

from warroom.cli.main import main
from warroom.core.clock import ManualClock

DEFAULT = object()


@pytest.fixture
def clock() -> ManualClock:
    # The CLI reads relative times ("10m ago") against the machine's clock; the server must agree
    # on "now" or a backdated note would look postdated to it.
    return ManualClock(datetime.now(timezone.utc))


@pytest.fixture
def nothing_listening() -> str:
    """The URL of a port that was free a moment ago: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()


class Cli:
    def __init__(self, url: str, token: str | None = None) -> None:
        self.url = url
        self.token = token

    def as_(self, token: str | None) -> Cli:
        return Cli(self.url, token)

    def __call__(self, *args: str, input: str | None = None, url: Any = DEFAULT,
                 token: Any = DEFAULT, config: str | None = None) -> Run:
        env = {
            "WARROOM_URL": self.url if url is DEFAULT else url,
            "WARROOM_TOKEN": self.token if token is DEFAULT else token,
            "WARROOM_CONFIG": config,
            # Wide, plain output, whatever terminal the tests run in.
            "COLUMNS": "200", "FORCE_COLOR": None, "TTY_COMPATIBLE": None, "TTY_INTERACTIVE": None,
        }
        code = 0
        with CliRunner().isolation(input=input, env=env) as (out, err, _):
            try:
                main(list(args))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
            sys.stdout.flush()  # print_json writes to sys.stdout, which buffers
            sys.stderr.flush()
            return Run(code, out.getvalue().decode(), err.getvalue().decode())


@pytest.fixture
def cli(server_url: str, admin) -> Cli:
    """The CLI as Ada, an admin; `cli.as_(token)` for someone else."""
    return Cli(server_url, admin.token)
