"""main.py as a whole process with a speech service that accepts and never answers (issue 14,
defect 2): under the watchdog protocol the kiosk keeps pinging, and it still exits cleanly."""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.support.process import ROOT, run_python
from tests.support.speech_service import SilentService, require_speechd_engine, short_socket_path

# Loaded at start through PYTHONPATH: SIGUSR2 quits the application the way staff mode's exit
# ends the event loop (Python runs the handler at the next Python slot: a watchdog ping at most).
QUIT_HOOK = """\
import signal


def _quit(signum, frame):
    from PySide6.QtWidgets import QApplication

    QApplication.quit()


signal.signal(signal.SIGUSR2, _quit)
"""


def datagrams(sock: socket.socket, seconds: float, until: str | None = None) -> list[str]:
    """What arrives on the sd_notify socket within the next `seconds` (or until a message that
    starts with `until`)."""
    got: list[str] = []
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        if select.select([sock], [], [], left)[0]:
            got.append(sock.recv(4096).decode())
            if until is not None and got[-1].startswith(until):
                break
    return got


def test_self_check_is_unaffected_by_a_silent_speech_service(tmp_path: Path) -> None:
    service = SilentService(short_socket_path("silent.sock"))
    env = {"SPEECHD_ADDRESS": service.address, "KIOSK_TTS_ENGINE": "speechd"}
    result = run_python("main.py", "--self-check", "--data-dir", str(tmp_path / "data"), env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ready in ")


def test_kiosk_answers_and_exits_with_a_silent_speech_service(tmp_path: Path) -> None:
    require_speechd_engine()
    service = SilentService(short_socket_path("silent.sock"))
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(QUIT_HOOK, encoding="utf-8")
    notify_path = short_socket_path("notify.sock")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env.update(
        SPEECHD_ADDRESS=service.address,
        KIOSK_TTS_ENGINE="speechd",
        NOTIFY_SOCKET=str(notify_path),
        WATCHDOG_USEC="1000000",  # a ping every 0.5 s
        PYTHONPATH=str(hook),
        QT_QPA_PLATFORM="offscreen",
    )
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
        notify.bind(str(notify_path))
        kiosk = subprocess.Popen(
            [sys.executable, "main.py", "--data-dir", str(tmp_path / "data")],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            ready = datagrams(notify, 30, until="READY=1")  # at the event loop's first turn
            assert any(m.startswith("READY=1") for m in ready), ready
            # The warm-up starts the engine, which connects and then waits for good.
            assert service.accepted.wait(30), "the kiosk never tried its speech engine"
            pings = datagrams(notify, 3)
            # The GUI thread goes on turning its event loop (it used to stop here for good, and
            # systemd's watchdog restarted the kiosk into the same hang, again and again).
            assert pings.count("WATCHDOG=1") >= 3, pings
            kiosk.send_signal(signal.SIGUSR2)
            _, stderr = kiosk.communicate(timeout=20)
        finally:
            if kiosk.poll() is None:
                kiosk.kill()
                kiosk.communicate()
        stopping = datagrams(notify, 0.5)
    assert kiosk.returncode == 0, stderr
    assert "STOPPING=1" in stopping
    assert "Traceback" not in stderr
    assert "QThread" not in stderr  # no "QThread: Destroyed while thread is still running"
    assert "leaving it behind" in stderr  # the stuck engine was left to the process's end
