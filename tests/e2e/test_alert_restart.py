"""A kiosk killed (SIGKILL) right after the urgent answer delivers the alert after its restart:
the real main.py, driven through its window, with a real SMTP server on loopback that is down
at first and up for the restart."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from tests.support.alert_servers import SmtpServer, free_port, wait_for
from tests.support.process import ROOT

# Loaded by Python at start (PYTHONPATH=<its folder>): once the window is up, a visitor starts
# the check-in and taps "I need to talk to someone now"; the code is printed for the test.
DRIVE_HOOK = """\
import os

if os.environ.get("ALERT_TEST_DRIVE") == "talk_now":
    from PySide6.QtCore import QTimer

    import ui.app

    _show = ui.app.MainWindow.show_kiosk

    def _show_and_drive(self):
        _show(self)

        def drive():
            nav = self.navigator
            nav.welcome.checkin_button.click()
            nav.privacy.agree_button.click()
            nav.name.skip_button.click()
            nav.question.talk_button.click()
            print("URGENT", nav.flow.code, flush=True)

        QTimer.singleShot(300, drive)

    ui.app.MainWindow.show_kiosk = _show_and_drive
"""


class Kiosk:
    """python main.py as a process, its output lines collected."""

    def __init__(self, config: Path, data: Path, hook: Path, drive: str = "") -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
        env.update(
            QT_QPA_PLATFORM="offscreen",
            PYTHONPATH=os.pathsep.join([str(hook), str(ROOT)]),
            ALERT_TEST_DRIVE=drive,
        )
        self.process = subprocess.Popen(
            [sys.executable, "main.py", "--config", str(config), "--data-dir", str(data)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self._reader.join(10)
        if self.process.stdout is not None:
            self.process.stdout.close()


@pytest.fixture
def kiosks() -> Iterator[list[Kiosk]]:
    started: list[Kiosk] = []
    yield started
    for kiosk in started:
        kiosk.kill()


@pytest.mark.slow
def test_sigkill_right_after_the_urgent_answer_delivers_after_the_restart(
    tmp_path: Path, kiosks: list[Kiosk]
) -> None:
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(DRIVE_HOOK, encoding="utf-8")
    smtp = SmtpServer(free_port())  # nothing listens there yet: the e-mail server is down
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[printing]\nprinter = "none"\n[kiosk]\nlocation = "Lobby"\n'
        f'[alerts]\nnotify = ["{smtp.url}"]\n',
        encoding="utf-8",
    )
    data = tmp_path / "data"
    first = Kiosk(config, data, hook, drive="talk_now")
    kiosks.append(first)
    wait_for(
        lambda: any(line.startswith("URGENT ") for line in first.lines),
        timeout=60,
        what=f"the talk-now tap ({first.lines})",
    )
    code = next(line.split()[1] for line in first.lines if line.startswith("URGENT "))
    first.kill()
    with closing(sqlite3.connect(data / "kiosk.db")) as db:
        states = db.execute("SELECT channel, state FROM alerts").fetchall()
    assert states == [("notify", "pending")]  # written with the answer, not delivered

    smtp.start()
    try:
        second = Kiosk(config, data, hook)
        kiosks.append(second)
        wait_for(lambda: smtp.received, timeout=60, what=f"the alert e-mail ({second.lines})")
    finally:
        smtp.stop()
    assert code in smtp.received[0].subject
    assert len(smtp.received) == 1
    with closing(sqlite3.connect(data / "kiosk.db")) as db:
        wait_for(
            lambda: db.execute("SELECT state FROM alerts").fetchall() == [("sent",)],
            what="the row marked sent",
        )
