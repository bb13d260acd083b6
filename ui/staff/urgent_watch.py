"""Keeps the "Urgent: acknowledge" banner true while someone is signed in to staff mode: today's
urgent visits and the alert channels' state are read every few seconds on a worker thread (an
urgent visit that arrives while staff mode is open shows up by itself), and an outcome chosen
in the banner or in "Urgent today" is saved with the signed-in role.

The acknowledgement needs no second PIN: staff mode is entered with the role's PIN and locks
after 60 s without a touch, so whoever taps the banner is the one who signed in, and the role
is what the store records and audits (docs/staff.md, "Urgent visits").
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from typing import cast

from PySide6.QtCore import QObject, QTimer, Signal

from kiosk.config import Config
from kiosk.exports.day_log import day_range
from kiosk.model import ChannelStatus, Outcome, UrgentVisit
from kiosk.staff_pins import Role
from kiosk.store import Store
from ui.staff.common import one_line
from ui.staff.urgent import UrgentBanner, failing_lines, unacknowledged
from ui.worker import Worker

log = logging.getLogger(__name__)

REFRESH_MS = 5_000  # how often today's urgent visits are read while staff mode is signed in

Acknowledged = Callable[[bool | None, BaseException | None], None]


class UrgentWatch(QObject):
    """Works the banner. The staff panel calls `start` at sign-in and `stop` when it locks;
    `changed` is emitted after each acknowledgement saved here."""

    changed = Signal()
    read = Signal()  # a reading of the store has been shown

    def __init__(
        self,
        banner: UrgentBanner,
        *,
        config: Config,
        store: Callable[[], Store | None],
        role: Callable[[], Role | None],
        today: Callable[[], date],
        now: Callable[[], datetime],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.banner = banner
        self.config = config
        self.store = store
        self.role = role
        self.today = today
        self.now = now
        # Its own thread: a long export or a hanging lpstat never holds up the banner.
        self.worker = Worker(1, self)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self._reading = False
        banner.acknowledge_requested.connect(self._banner_acknowledges)

    def start(self) -> None:
        self.refresh()
        self.timer.start()

    def stop(self) -> None:
        """Staff mode locked: nothing is read or shown until the next sign-in."""
        self.timer.stop()
        self.worker.cancel_all()
        self._reading = False
        self.banner.clear()

    def wait(self, msecs: int) -> bool:
        return self.worker.wait(msecs)

    # -- reading --------------------------------------------------------------------------------

    def refresh(self) -> None:
        store = self.store()
        if self.role() is None or self._reading:
            return
        if store is None:
            self.banner.show_status("Cannot check for urgent visits: the database is unavailable.")
            return
        self._reading = True
        start, end = day_range(self.today(), self.config.zone)

        def read() -> tuple[list[UrgentVisit], list[ChannelStatus]]:
            return store.urgent_visits(start, end), store.alert_channel_status()

        self.worker.run(read, self._read_done)

    def _read_done(
        self,
        result: tuple[list[UrgentVisit], list[ChannelStatus]] | None,
        error: BaseException | None,
    ) -> None:
        self._reading = False
        if self.role() is None:
            return
        if error is not None or result is None:
            log.error("cannot read today's urgent visits: %s", error)
            self.banner.show_status(f"Cannot check for urgent visits: {one_line(error or '')}")
            return
        visits, statuses = result
        self.banner.show_status("")
        failing = failing_lines(statuses, self.config, self.now())
        self.banner.show_state(unacknowledged(visits), failing, self.config.zone)
        self.read.emit()

    # -- acknowledging --------------------------------------------------------------------------

    def acknowledge(self, code: str, outcome: Outcome, done: Acknowledged) -> None:
        """Save the outcome with the signed-in role (the store audits it in the same commit);
        `done(saved, error)` on the GUI thread: saved is False when someone was first."""
        store, role = self.store(), self.role()
        if store is None or role is None:
            done(None, RuntimeError("nobody is signed in" if role is None else "no database"))
            return

        def finished(saved: bool | None, error: BaseException | None) -> None:
            done(saved, error)
            if error is None:
                self.changed.emit()
                self.refresh()

        self.worker.run(lambda: store.acknowledge(code, role, outcome), finished)

    def _banner_acknowledges(self, code: str, outcome: str) -> None:
        def done(saved: bool | None, error: BaseException | None) -> None:
            if error is not None:
                self.banner.save_failed(code, f"{code} was not acknowledged: {one_line(error)}")
            else:
                self.banner.acknowledged(code)

        self.acknowledge(code, cast(Outcome, outcome), done)  # one of those the banner offers
