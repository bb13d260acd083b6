"""The safety screen's truth about the alert (UX.md): while it is on screen, ask the store every
second whether a channel has accepted this visit's alert and whether staff acknowledged it, and
tell the screen. The questions run on a worker thread (the screen thread never waits on the
database); the answer is shown only if the same visit is still on the safety screen.

With no alert channel configured nobody is told by the kiosk, so "told" is never said; an
acknowledgement (staff came over, or `python -m kiosk ack`) is still true and is shown.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from kiosk.store import Store, StoreError
from ui.worker import Worker

if TYPE_CHECKING:
    from ui.screens.checkin import AlertStatus, SafetyScreen

log = logging.getLogger(__name__)

POLL_MS = 1_000  # how often the store is asked while the safety screen is shown


def read_alert_status(store: Store, code: str, configured: bool) -> AlertStatus:
    """What the visitor may be told of their visit's alert now (on a worker thread)."""
    if store.get_visit(code).acknowledged_at is not None:
        return "coming"
    if configured and store.alert_accepted(code):
        return "told"
    return "none"


class AlertWatch(QObject):
    """Polls for one visit while `watch` is in force; `stop` ends it (the screen left).
    Emits `read(status)` each time the store has answered for the visit being watched."""

    read = Signal(str)

    def __init__(
        self, parent: QObject, store: Callable[[], Store | None], configured: bool
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.configured = configured
        self.worker = Worker(1, self)
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        self.code: str | None = None
        self.screen: SafetyScreen | None = None
        self._asking = False  # one question at a time: a slow disk never piles them up

    def watch(self, code: str, screen: SafetyScreen) -> None:
        if code != self.code:
            screen.show_alert_status("none")  # another visitor's status never carries over
        self.code, self.screen = code, screen
        self.poll()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        self.worker.cancel_all()
        self._asking = False
        self.code = None
        if self.screen is not None:
            self.screen.show_alert_status("none")
            self.screen = None

    @property
    def watching(self) -> bool:
        return self.timer.isActive()

    def poll(self) -> None:
        store, code = self.store(), self.code
        if store is None or code is None or self._asking:
            return
        self._asking = True
        configured = self.configured
        self.worker.run(
            lambda: read_alert_status(store, code, configured),
            lambda status, error: self._answered(code, status, error),
        )

    def _answered(self, code: str, status: AlertStatus | None, error: BaseException | None) -> None:
        self._asking = False
        if code != self.code or self.screen is None:
            return
        if error is not None or status is None:
            # Said nothing new: the screen keeps what was last true and asks again.
            if not isinstance(error, StoreError):
                log.error("cannot read the alert's state for %s: %s", code, error)
            return
        self.screen.show_alert_status(status)
        self.read.emit(status)
        if status == "coming":
            self.timer.stop()  # nothing truer to say: staff are on their way

    def wait(self, msecs: int) -> bool:
        return self.worker.wait(msecs)
