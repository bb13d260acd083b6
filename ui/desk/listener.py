"""The desk's live link to the hub: a thread that LISTENs on the hub's change channel and reads
the day's board whenever something changed, so the GUI thread never waits on the network.

It reconnects on its own with a growing pause (1 s to 10 s) and says so through `disconnected`;
the window shows the state and never pretends a stale list is live.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QThread, Signal

from kiosk.hub import desk
from kiosk.hub.errors import HubError

log = logging.getLogger(__name__)
MAX_PAUSE_SECONDS = 10.0


class HubListener(QThread):
    """Emits `board(list[BoardRow], list[HubNotice])` after each change, `connected()` once the
    LISTEN is in place, `disconnected(str)` with a one-line reason when the link breaks."""

    board = Signal(object, object)
    connected = Signal()
    disconnected = Signal(str)

    def __init__(
        self,
        url: str,
        day_bounds: Callable[[], tuple[datetime, datetime]],
        *,
        refresh_seconds: float = 30.0,
    ) -> None:
        super().__init__()
        self.url = url
        self.day_bounds = day_bounds
        self.refresh_seconds = refresh_seconds
        self._stop = threading.Event()
        self._reached = False  # this connection got as far as its first read

    def stop(self, timeout_ms: int = 5000) -> None:
        self._stop.set()
        self.wait(timeout_ms)

    def _changed(self, conn: desk.Connection, notices: list[desk.HubNotice]) -> None:
        start, end = self.day_bounds()
        rows = desk.board_rows(conn, start, end)
        if not self._reached:
            self._reached = True
            self.connected.emit()
        self.board.emit(rows, notices)

    def run(self) -> None:
        pause = 1.0
        last_reason = ""
        while not self._stop.is_set():
            self._reached = False
            try:
                desk.listen(
                    self.url, self._stop, self._changed, refresh_seconds=self.refresh_seconds
                )
            except HubError as exc:
                if str(exc) != last_reason:  # once per reason, not once per retry
                    log.warning("desk lost the hub: %s", exc)
                last_reason = str(exc)
                self.disconnected.emit(str(exc))
            except Exception as exc:  # a bug must not end the desk's link for good
                log.exception("desk listener failed")
                self.disconnected.emit(f"{type(exc).__name__}: {exc}")
            else:
                return
            if self._reached:
                pause, last_reason = 1.0, ""  # it had worked: try again soon
            self._stop.wait(pause)
            pause = min(MAX_PAUSE_SECONDS, pause * 2)
