"""The background worker: fires due timers. Runs in-process under `warroom serve`, or alone as
`warroom worker`; any number of workers can share one PostgreSQL database."""

from __future__ import annotations

import logging
import threading

from warroom.core import timers
from warroom.core.runtime import Runtime
from warroom.jobs import load_all_handlers

log = logging.getLogger("warroom.worker")


class Worker:
    def __init__(self, runtime: Runtime, *, poll_seconds: float = 1.0) -> None:
        load_all_handlers()
        self.runtime = runtime
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        """Fire what is due now; returns how many timers were handled."""
        handled = 0
        while True:
            with self.runtime.db.write_session() as session:
                count = timers.fire_due(self.runtime.system_context, session)
            handled += count
            if count == 0:
                return handled

    def run_forever(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # noqa: BLE001 - keep working through a database hiccup
                log.exception("worker pass failed; retrying")
            self._stop.wait(self.poll_seconds)

    def start_in_thread(self) -> None:
        self._thread = threading.Thread(target=self.run_forever, name="warroom-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
