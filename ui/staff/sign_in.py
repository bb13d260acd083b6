"""PIN sign-in to staff mode: what the PIN pad shows (ready, the wait after wrong PINs and its
countdown, the administrator's lock notice, no PIN set, no database), checking a typed PIN off
the GUI thread, and what an administrator is told on the way in.

The pad (ui/staff/pin_page.py) only shows and asks; the rules (throttle, lockout, audit of every
attempt) are kiosk.staff_pins's. This controller holds the one piece of state in between: whether
the last PIN typed since the pad opened was refused. It emits `signed_in(role, notices)`; the
staff panel then holds the role.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import datetime, tzinfo

from PySide6.QtCore import QObject, QTimer, Signal

from kiosk.staff_pins import (
    ADMIN_LOCK_AFTER,
    ROLES,
    PinStatus,
    has_pin,
    pin_status,
    sign_in,
    weak_pins,
)
from kiosk.staff_pins import SignIn as SignInResult
from kiosk.store import Store, StoreError
from ui.staff.common import clock_time, one_line
from ui.staff.pin_page import PinPage
from ui.worker import Worker

log = logging.getLogger(__name__)

LOCKOUT_TICK_MS = 1_000  # the countdown after wrong PINs counts down each second


class PinSignIn(QObject):
    """Signs staff in at `page`. `signed_in(role, notices)`: the role ("reception" or "admin")
    and, for an administrator, what to be told at once (wrong PINs meanwhile, weak PINs)."""

    signed_in = Signal(str, list)

    def __init__(
        self,
        page: PinPage,
        store: Store | None,
        zone: tzinfo,
        *,
        clock: Callable[[], datetime],
        worker: Worker,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.page = page
        self.store = store
        self.zone = zone
        self.clock = clock
        self.worker = worker
        # The last PIN typed since the pad opened was refused: the pad says so until it is
        # fresh again (a right PIN, the wait over, staff mode locked).
        self.wrong_pin = False
        self.lockout_timer = QTimer(self)
        self.lockout_timer.setInterval(LOCKOUT_TICK_MS)
        self.lockout_timer.timeout.connect(self._lockout_tick)
        page.sign_in_requested.connect(self.check)

    def reset(self) -> None:
        """Staff mode locked: a plain pad, nothing remembered of what was typed."""
        self.wrong_pin = False
        self.lockout_timer.stop()
        self.page.reset()

    def show_state(self) -> None:
        """The pad as it must be now: no PIN set, no database, a wait, or ready."""
        if self.store is None:
            self.page.show_unavailable()
            return
        try:
            any_pin = any(has_pin(self.store, role) for role in ROLES)
            status = pin_status(self.store, self.clock())
        except StoreError as exc:
            self.page.show_unavailable(one_line(exc))
            return
        if not any_pin:
            self.page.show_no_pin()
        else:
            self._show_status(status)

    def check(self, pin: str) -> None:
        """Check a typed PIN on the worker (argon2id takes a moment)."""
        store = self.store
        if store is None:
            self.page.show_unavailable()
            return
        clock = self.clock
        self.worker.run(lambda: sign_in(store, pin, clock=clock), self._checked)

    # -- internals ------------------------------------------------------------------------------

    def _show_status(self, status: PinStatus) -> None:
        self.page.set_admin_lock(self._admin_lock_text(status))
        if status.wait_seconds > 0:
            self.page.show_locked(math.ceil(status.wait_seconds), wrong=self.wrong_pin)
            self.lockout_timer.start()
        elif self.wrong_pin:
            self.page.show_wrong()
        else:
            self.page.show_ready()

    def _admin_lock_text(self, status: PinStatus) -> str:
        until = status.admin_locked_until
        if until is None:
            return ""
        return (
            f"Administrator sign-in is locked after {ADMIN_LOCK_AFTER} wrong PINs. It unlocks "
            f"by itself at {self._when(until)}, or at once with python -m kiosk unlock-pins on "
            "the kiosk computer. The reception PIN still works."
        )

    def _when(self, moment: datetime) -> str:
        local = moment.astimezone(self.zone)
        return f"{clock_time(moment, self.zone)} on {local:%b} {local.day}"

    def _checked(self, result: SignInResult | None, error: BaseException | None) -> None:
        if error is not None or result is None:
            if error is not None and not isinstance(error, StoreError):
                log.error("checking a staff PIN failed: %s", one_line(error))
            self.page.show_ready("The PIN could not be checked. Please try again.")
            return
        if result.role is None:
            assert self.store is not None
            self.wrong_pin = True
            try:
                status = pin_status(self.store, self.clock())
            except StoreError as exc:
                self.page.show_unavailable(one_line(exc))
                return
            self._show_status(status)
            return
        self.wrong_pin = False
        self.page.reset()
        notices = self._admin_notices(result) if result.role == "admin" else []
        self.signed_in.emit(result.role, notices)

    def _admin_notices(self, result: SignInResult) -> list[str]:
        """What an administrator is told at sign-in: wrong PINs since the last one, weak PINs."""
        notices = []
        if result.wrong_pins is not None:
            notices.append(result.wrong_pins.text(self._when))
        if self.store is not None:
            try:
                notices += [f"{weak.message}." for weak in weak_pins(self.store)]
            except StoreError as exc:
                log.error("cannot read the PINs' strength: %s", one_line(exc))
        return notices

    def _lockout_tick(self) -> None:
        if self.store is None or self.page.mode != "locked":
            self.lockout_timer.stop()
            return
        try:
            status = pin_status(self.store, self.clock())
        except StoreError as exc:
            self.lockout_timer.stop()
            self.page.show_unavailable(one_line(exc))
            return
        if status.wait_seconds <= 0:
            # The wait is over: a fresh pad, as if just opened.
            self.lockout_timer.stop()
            self.wrong_pin = False
        self._show_status(status)
