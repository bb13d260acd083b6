"""The running kiosk listens on no network port (the unit forbids IP anyway: belt and braces)."""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.deploy import ROOT, listening_sockets
from tests.support.supervisor import descendants


def test_the_scanner_sees_a_listening_socket() -> None:
    """Proof the check below can fail: a TCP listener of this process is found."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        assert listening_sockets([os.getpid()]) == []  # bound, not yet listening
        server.listen()
        assert [line.split()[0] for line in listening_sockets([os.getpid()])] == ["tcp"]
    with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as udp:
        udp.bind(("::1", 0))
        assert [line.split()[0] for line in listening_sockets([os.getpid()])] == ["udp6"]


@pytest.mark.slow
def test_running_kiosk_has_no_listening_ports(tmp_path: Path) -> None:
    notify_path = tmp_path / "notify.sock"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("KIOSK_", "WATCHDOG_")) and k != "NOTIFY_SOCKET"
    }
    env.update(QT_QPA_PLATFORM="offscreen", NOTIFY_SOCKET=str(notify_path))
    log = (tmp_path / "kiosk.log").open("wb")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify, log:
        notify.bind(str(notify_path))
        process = subprocess.Popen(
            [sys.executable, "main.py", "--data-dir", str(tmp_path / "data")],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            ready = False
            while not ready and time.monotonic() < deadline and process.poll() is None:
                if select.select([notify], [], [], 0.2)[0]:
                    ready = notify.recv(4096).startswith(b"READY=1")
            assert ready, (tmp_path / "kiosk.log").read_text()
            time.sleep(2)  # a couple of seconds of running: idle timers, workers, anything
            assert process.poll() is None, (tmp_path / "kiosk.log").read_text()
            pids = [process.pid, *descendants(process.pid)]
            # The scan must see the app's open files (offscreen Qt may well have no socket).
            assert list(Path(f"/proc/{process.pid}/fd").iterdir())
            assert listening_sockets(pids) == []
        finally:
            process.terminate()
            process.wait(timeout=30)
