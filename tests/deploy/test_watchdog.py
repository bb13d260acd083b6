"""ui.watchdog against a real AF_UNIX datagram socket, the way systemd listens for sd_notify."""

from __future__ import annotations

import logging
import os
import select
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from ui.watchdog import Watchdog, notify, watchdog_interval_ms

ROOT = Path(__file__).resolve().parent.parent.parent


class Listener:
    """The systemd end: a bound datagram socket; `messages()` returns what arrived so far."""

    def __init__(self, sock: socket.socket, address: str) -> None:
        self.sock = sock
        self.address = address

    def messages(self, wait: float = 0.0) -> list[str]:
        got: list[str] = []
        if wait and not select.select([self.sock], [], [], wait)[0]:
            return got
        self.sock.setblocking(False)
        while True:
            try:
                got.append(self.sock.recv(4096).decode())
            except BlockingIOError:
                return got


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[Listener]:
    path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(path))
        yield Listener(sock, str(path))


@pytest.fixture
def abstract_listener() -> Iterator[Listener]:
    name = f"clinic-kiosk-test-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        yield Listener(sock, "@" + name)


# -- notify -----------------------------------------------------------------------------------


def test_notify_without_socket_does_nothing() -> None:
    assert notify("READY=1", {}) is False
    assert notify("READY=1", {"NOTIFY_SOCKET": ""}) is False


def test_notify_sends_one_datagram_to_a_path_socket(listener: Listener) -> None:
    assert notify("READY=1\nSTATUS=hello", {"NOTIFY_SOCKET": listener.address}) is True
    assert listener.messages(wait=2) == ["READY=1\nSTATUS=hello"]


def test_notify_reaches_an_abstract_socket(abstract_listener: Listener) -> None:
    assert notify("WATCHDOG=1", {"NOTIFY_SOCKET": abstract_listener.address}) is True
    assert abstract_listener.messages(wait=2) == ["WATCHDOG=1"]


def test_notify_to_a_missing_socket_logs_and_carries_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    gone = str(tmp_path / "nobody-listens.sock")
    with caplog.at_level(logging.WARNING, logger="ui.watchdog"):
        assert notify("READY=1", {"NOTIFY_SOCKET": gone}) is False
    assert gone in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="ui.watchdog"):
        assert notify("READY=1", {"NOTIFY_SOCKET": gone}, log_errors=False) is False
    assert caplog.text == ""


def test_notify_ignores_a_vsock_address() -> None:
    assert notify("READY=1", {"NOTIFY_SOCKET": "vsock:2:1234"}) is False


# -- watchdog_interval_ms ---------------------------------------------------------------------


def test_interval_is_half_of_watchdog_usec(listener: Listener) -> None:
    env = {"NOTIFY_SOCKET": listener.address, "WATCHDOG_USEC": "30000000"}
    assert watchdog_interval_ms(env) == 15000
    assert watchdog_interval_ms({**env, "WATCHDOG_PID": str(os.getpid())}) == 15000


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"WATCHDOG_USEC": "30000000"},  # no socket to ping
        {"NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": ""},
        {"NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": "0"},
        {"NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": "soon"},
        {"NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"},
    ],
)
def test_no_interval_when_the_watchdog_is_not_ours(env: dict[str, str]) -> None:
    assert watchdog_interval_ms(env) is None


def test_watchdog_pid_of_the_parent_is_accepted() -> None:
    """Under cage, WATCHDOG_PID is cage's pid (the service's main process): the app's parent."""
    code = (
        "from ui.watchdog import watchdog_interval_ms; import os; "
        "print(watchdog_interval_ms({'NOTIFY_SOCKET': '/run/x', 'WATCHDOG_USEC': '4000000', "
        f"'WATCHDOG_PID': '{os.getpid()}'}}))"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip() == "2000", done.stderr


def test_watchdog_pid_of_the_grandparent_is_accepted() -> None:
    """In the unit, WATCHDOG_PID is dbus-run-session's (the main process), the parent of cage,
    the app's parent: here the test is the app's grandparent through a shell in between."""
    code = (
        "from ui.watchdog import watchdog_interval_ms; "
        "print(watchdog_interval_ms({'NOTIFY_SOCKET': '/run/x', 'WATCHDOG_USEC': '4000000', "
        f"'WATCHDOG_PID': '{os.getpid()}'}}))"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    # "; true" keeps sh from exec'ing python: sh stays between the test and the app.
    done = subprocess.run(
        ["sh", "-c", '"$0" -c "$1"; true', sys.executable, code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.strip() == "2000", done.stderr


# -- Watchdog (the QObject main.py uses) ------------------------------------------------------


def test_disabled_without_notify_socket(qtbot: QtBot) -> None:
    watchdog = Watchdog(environ={"WATCHDOG_USEC": "100000"})
    assert not watchdog.enabled
    watchdog.ready()
    assert not watchdog.timer.isActive()
    watchdog.stopping()  # harmless


def test_ready_then_pings_from_the_event_loop_then_stopping(
    qtbot: QtBot, listener: Listener
) -> None:
    watchdog = Watchdog(environ={"NOTIFY_SOCKET": listener.address, "WATCHDOG_USEC": "100000"})
    assert watchdog.interval_ms == 50
    watchdog.ready()
    first = listener.messages(wait=2)
    assert first[0].startswith("READY=1\n")
    assert "STATUS=" in first[0]
    assert first[1:] == ["WATCHDOG=1"]  # one ping at once, so the first deadline is met
    assert watchdog.timer.isActive()

    pings: list[str] = []

    def three_pings() -> bool:
        pings.extend(listener.messages())
        return len(pings) >= 3

    qtbot.waitUntil(three_pings, timeout=3000)
    assert set(pings) == {"WATCHDOG=1"}

    watchdog.stopping()
    assert not watchdog.timer.isActive()
    assert listener.messages(wait=2)[-1] == "STOPPING=1"


def test_ready_without_watchdog_sends_no_pings(qtbot: QtBot, listener: Listener) -> None:
    watchdog = Watchdog(environ={"NOTIFY_SOCKET": listener.address})
    watchdog.ready()
    assert [m.split("\n")[0] for m in listener.messages(wait=2)] == ["READY=1"]
    assert not watchdog.timer.isActive()


def test_a_blocked_gui_thread_sends_no_pings(qtbot: QtBot, listener: Listener) -> None:
    """The pings prove the Qt event loop turns: while the GUI thread is stuck, none go out."""
    watchdog = Watchdog(environ={"NOTIFY_SOCKET": listener.address, "WATCHDOG_USEC": "40000"})
    watchdog.ready()
    qtbot.wait(100)
    listener.messages()  # drain
    time.sleep(0.5)  # the GUI thread is busy: ten intervals pass without the event loop
    assert listener.messages() == []
    qtbot.wait(100)  # the loop turns again: the pings resume
    assert "WATCHDOG=1" in listener.messages(wait=1)
    watchdog.stopping()


def test_a_broken_socket_warns_once(
    qtbot: QtBot, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    gone = str(tmp_path / "gone.sock")
    watchdog = Watchdog(environ={"NOTIFY_SOCKET": gone, "WATCHDOG_USEC": "40000"})
    with caplog.at_level(logging.WARNING, logger="ui.watchdog"):
        watchdog.ready()
        qtbot.wait(200)
    watchdog.stopping()
    assert len(caplog.records) == 1
