"""Real servers on loopback that receive the kiosk's alerts: SMTP (aiosmtpd) and HTTP (a JSON
webhook, http.server in a thread), each able to refuse (a real error reply) or to hang.

Fixtures `smtp_server` and `webhook` (loaded for every test by tests/conftest.py) start one for the
test and stop it after; `free_port()` gives a port nothing listens on (a channel that is down).
"""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(condition: Callable[[], object], timeout: float = 15.0, what: str = "it") -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"waited {timeout} s for {what}")
        time.sleep(0.02)


@dataclass
class Mail:
    subject: str
    body: str
    raw: str


@dataclass
class SmtpServer:
    """An SMTP server on 127.0.0.1:port; `refusing` answers DATA with 451 (try again later)."""

    port: int
    received: list[Mail] = field(default_factory=list)
    refusing: bool = False
    _controller: Any = None

    @property
    def url(self) -> str:
        return f"mailto://127.0.0.1:{self.port}?from=kiosk@clinic.test&to=desk@clinic.test"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        server = self

        class Handler:
            async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
                if server.refusing:
                    return "451 Requested action aborted: try again later"
                raw = envelope.content.decode("utf-8", "replace")
                message = email.message_from_string(raw, policy=email.policy.default)
                body = message.get_body(("plain",))
                server.received.append(
                    Mail(str(message["Subject"]), body.get_content() if body else "", raw)
                )
                return "250 OK"

        self._controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


class Webhook:
    """A JSON webhook at http://127.0.0.1:port/… (or another loopback address `host`): records
    each POST; `status` is its reply (503: down for maintenance); `hang` makes it hold each
    request until released."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.received: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.status = 200
        self.release = threading.Event()
        self.release.set()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                data = self.rfile.read(length)
                hook.release.wait(60)
                if hook.status == 200:
                    hook.received.append(json.loads(data))
                    hook.paths.append(self.path)
                self.send_response(hook.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str = "alert") -> str:
        return f"json://{self.host}:{self.port}/{path}"

    def hang(self) -> None:
        self.release.clear()

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    yield hook
    hook.stop()
