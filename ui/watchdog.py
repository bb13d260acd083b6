"""systemd notifications: READY=1 once the kiosk shows, WATCHDOG=1 from the GUI thread, STOPPING=1.

Under deploy/clinic-kiosk.service (Type=notify, WatchdogSec=) systemd waits for READY=1 and then
expects WATCHDOG=1 at least every WatchdogSec; a GUI thread that stops turning its event loop
(a hang, a deadlock, an endless loop in a slot) stops the pings, and systemd kills and restarts
the kiosk. The pings come from a QTimer, so they prove the Qt event loop runs, not merely that
the process exists. Everywhere else (development, tests, `--self-check`) NOTIFY_SOCKET is unset
and everything here does nothing.

The protocol (sd_notify(3)) is one datagram of "KEY=value" lines to the AF_UNIX socket named in
NOTIFY_SOCKET ("@name" for an abstract socket). It is written by hand with the socket module
rather than with the `sdnotify` package: it is a dozen lines, and that package is unmaintained
and swallows every error without a word.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping

from PySide6.QtCore import QObject, QTimer

log = logging.getLogger(__name__)


def notify(
    message: str, environ: Mapping[str, str] | None = None, *, log_errors: bool = True
) -> bool:
    """Send one sd_notify datagram. False when there is no NOTIFY_SOCKET or sending failed."""
    env = os.environ if environ is None else environ
    address = env.get("NOTIFY_SOCKET", "")
    if not address or address[0] not in "/@":
        # Unset, or a vsock address (AF_VSOCK) this kiosk never runs under.
        return False
    target = "\0" + address[1:] if address[0] == "@" else address
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(target)
            sock.sendall(message.encode())
    except OSError as exc:
        # Never fatal: a kiosk that cannot tell systemd it is alive still serves visitors; if
        # the pings stop reaching systemd it restarts the kiosk, which is the right outcome.
        if log_errors:
            log.warning("sd_notify %r to %s failed: %s", message.split("\n")[0], address, exc)
        return False
    return True


def watchdog_interval_ms(environ: Mapping[str, str] | None = None) -> int | None:
    """Half of WATCHDOG_USEC in milliseconds, as sd_watchdog_enabled(3) advises; None when off.

    WATCHDOG_PID names the process systemd expects pings from: the service's main process, which
    is `dbus-run-session` (the kiosk's private session bus), the parent of `cage`, the kiosk's
    parent. So the kiosk accepts its own pid and its ancestors' (init apart, up to MAX_ANCESTORS);
    any other means the variables leaked from an unrelated service and are not meant for us.
    """
    env = os.environ if environ is None else environ
    if not env.get("NOTIFY_SOCKET"):
        return None
    try:
        usec = int(env.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    if usec <= 0:
        return None
    pid = env.get("WATCHDOG_PID", "")
    if pid and pid not in {str(p) for p in (os.getpid(), *_ancestors())}:
        return None
    return max(1, usec // 2000)


MAX_ANCESTORS = 4


def _ancestors() -> list[int]:
    """The parent, its parent... (from /proc), init and what is above MAX_ANCESTORS left out."""
    found: list[int] = []
    pid = os.getppid()
    while pid > 1 and len(found) < MAX_ANCESTORS:
        found.append(pid)
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
                pid = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
    return found


class Watchdog(QObject):
    """Tells systemd the kiosk is ready, alive (from the GUI thread) and stopping."""

    def __init__(
        self, parent: QObject | None = None, environ: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(parent)
        # A snapshot: the variables in force when the kiosk started are the ones systemd set.
        self._environ = dict(os.environ if environ is None else environ)
        self.enabled = bool(self._environ.get("NOTIFY_SOCKET"))
        self.interval_ms = watchdog_interval_ms(self._environ)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.ping)
        if self.interval_ms is not None:
            self.timer.setInterval(self.interval_ms)
        self._failing = False

    def notify(self, message: str) -> bool:
        if not self.enabled:
            return False
        # One warning when the socket stops working, not one every few seconds.
        sent = notify(message, self._environ, log_errors=not self._failing)
        self._failing = not sent
        return sent

    def ready(self, status: str = "Kiosk window shown") -> None:
        """The first screen is up: READY=1 (with a line for `systemctl status`), then the pings."""
        if not self.enabled:
            return
        self.notify(f"READY=1\nSTATUS={status}")
        if self.interval_ms is not None:
            self.ping()
            self.timer.start()

    def ping(self) -> None:
        self.notify("WATCHDOG=1")

    def stopping(self) -> None:
        self.timer.stop()
        self.notify("STOPPING=1")
