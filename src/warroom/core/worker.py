"""The background worker: fires due timers and delivers the outbox. Runs in-process under
`warroom serve`, or alone as `warroom worker`; any number of workers can share one PostgreSQL
database (timers and messages are claimed with FOR UPDATE SKIP LOCKED, so each is handled once)."""

from __future__ import annotations

import logging
import signal
import threading
from concurrent.futures import ThreadPoolExecutor

from warroom.core import outbox, timers
from warroom.core.runtime import Runtime
from warroom.jobs import load_all_handlers

log = logging.getLogger("warroom.worker")
# Longer than a transport's HTTP timeout, so a send in flight ends and is recorded before exit.
STOP_GRACE_SECONDS = 20


class Worker:
    def __init__(self, runtime: Runtime, *, poll_seconds: float = 1.0, senders: int = 4) -> None:
        load_all_handlers()
        self.runtime = runtime
        self.poll_seconds = poll_seconds
        self.senders = senders
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def run_once(self) -> int:
        """Fire what is due now; returns how many timers were handled."""
        handled = 0
        while True:
            with self.runtime.db.write_session() as session:
                count = timers.fire_due(self.runtime.system_context, session)
            handled += count
            if count == 0:
                return handled

    def deliver_once(self, pool: ThreadPoolExecutor | None = None) -> int:
        """Claim the messages due now and send them (in `pool` if given); returns how many."""
        clock = self.runtime.clock
        with self.runtime.db.write_session() as session:
            envelopes = outbox.claim(session, clock.now())
        if pool is None:
            for envelope in envelopes:
                self._send_and_record(envelope)
        else:
            list(pool.map(self._send_and_record, envelopes))
        return len(envelopes)

    def _send_and_record(self, envelope: outbox.Envelope) -> None:
        started = self.runtime.clock.now()
        outcome = outbox.send(self.runtime, envelope)
        with self.runtime.db.write_session() as session:
            outbox.record(session, envelope, outcome, started, self.runtime.clock.now())

    def _timers_forever(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # noqa: BLE001 - keep working through a database hiccup
                log.exception("timer pass failed; retrying")
            self._stop.wait(self.poll_seconds)

    def _outbox_forever(self) -> None:
        wakeup = outbox.wakeup_event()
        with ThreadPoolExecutor(self.senders, thread_name_prefix="warroom-send") as pool:
            while not self._stop.is_set():
                wakeup.clear()
                try:
                    while self.deliver_once(pool) and not self._stop.is_set():
                        pass
                except Exception:  # noqa: BLE001
                    log.exception("outbox pass failed; retrying")
                # Woken at once by a commit that enqueued something in this process; the poll
                # covers other processes' messages and retries coming due.
                wakeup.wait(self.poll_seconds)

    def run_forever(self) -> None:
        """Work until SIGTERM or Ctrl-C, then finish the sends in flight and record them: a stopped
        worker leaves no message leased (which would be sent again only when the lease runs out)."""
        def stop_gracefully(signum: int, frame: object) -> None:
            if self._stop.is_set():  # asked twice: stop now
                raise SystemExit(1)
            log.info("stopping after the sends in flight (again to stop at once)")
            self._stop.set()

        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, stop_gracefully)
        self.start_in_thread()
        while not self._stop.wait(1):
            pass
        self.stop()

    def start_in_thread(self) -> None:
        for name, loop in (("warroom-timers", self._timers_forever), ("warroom-outbox", self._outbox_forever)):
            thread = threading.Thread(target=loop, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        outbox.wakeup_event().set()
        for thread in self._threads:
            thread.join(timeout=STOP_GRACE_SECONDS)
