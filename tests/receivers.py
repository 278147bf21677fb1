"""Real receivers on 127.0.0.1 for outgoing messages: an HTTP server that records requests and
answers as told (webhook receivers, Slack, Teams), and an SMTP server (aiosmtpd) that keeps mails."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    """`answers` is consumed one per request: (status, body); when empty, `default` is used."""

    server: ThreadingHTTPServer
    requests: list[Received] = field(default_factory=list)
    answers: list[tuple[int, str]] = field(default_factory=list)
    default: tuple[int, str] = (200, "ok")
    respond: Callable[[Received], tuple[int, str]] | None = None
    arrived: threading.Condition = field(default_factory=threading.Condition)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.requests) >= count, timeout)
        return list(self.requests)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_receiver() -> Receiver:
    holder: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server API
            length = int(self.headers.get("content-length") or 0)
            received = Received(self.path, {k.lower(): v for k, v in self.headers.items()},
                                self.rfile.read(length))
            receiver = holder["r"]
            with receiver.arrived:
                receiver.requests.append(received)
                respond = receiver.respond
                if respond is None:
                    status, text = receiver.answers.pop(0) if receiver.answers else receiver.default
                receiver.arrived.notify_all()
            if respond is not None:  # may block (a slow receiver): outside the lock
                status, text = respond(received)
            payload = text.encode()
            self.send_response(status)
            self.send_header("content-type", "application/json" if text.startswith("{") else "text/plain")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder["r"] = receiver = Receiver(server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver


class MailBox:
    """An aiosmtpd SMTP server on 127.0.0.1 keeping every message it receives."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.arrived = threading.Condition()
        box = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
                with box.arrived:
                    box.messages.append(message_from_bytes(envelope.original_content or envelope.content,
                                                           policy=policy.default))
                    box.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
                    box.arrived.notify_all()
                return "250 OK"

        with socket.socket() as probe:  # aiosmtpd cannot listen on port 0: take a free one
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[EmailMessage]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.messages) >= count, timeout)
        return list(self.messages)

    def close(self) -> None:
        self.controller.stop()


def with_smtp(runtime, mailbox: MailBox, sender: str = "warroom@example.com"):
    """The runtime, sending mail to `mailbox` (plain SMTP on 127.0.0.1)."""
    import dataclasses

    from warroom.core.config import SmtpSettings

    smtp = SmtpSettings(host="127.0.0.1", port=mailbox.port, starttls=False, sender=sender)
    return dataclasses.replace(runtime, settings=dataclasses.replace(runtime.settings, smtp=smtp))
