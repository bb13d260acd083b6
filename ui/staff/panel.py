"""The staff panel shown by the navigator after the hidden entry (hold the logo for 3 s).

Pages: the PIN pad, reception's list of today's visits, one visit's summary, and the
administrator's tools. The pages only show and ask; this panel does the work: it reads the store,
hands slow work (PIN hashing, rendering, export, purge, lpstat) to worker threads, prints through
the shared PrintService, and writes every staff action to the audit trail (by role, never with
answers or names). Staff mode is English only.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import UTC, date, datetime

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QStackedWidget, QVBoxLayout, QWidget

from kiosk.config import Config
from kiosk.content import Content
from kiosk.exports.day_log import day_range
from kiosk.model import Visit
from kiosk.printing import PrintOutcome, render_summary  # ReportLab loads on first use
from kiosk.staff_pins import (
    ADMIN_LOCK_AFTER,
    ROLES,
    PinStatus,
    Role,
    SignIn,
    has_pin,
    pin_status,
    sign_in,
    weak_pins,
)
from kiosk.store import Store, StoreError
from ui.idle import IdleWatcher, watch_input
from ui.printer import PrintService
from ui.staff.admin import AdminPage
from ui.staff.common import clock_time, one_line
from ui.staff.pin_page import PinPage
from ui.staff.printer_state import queue_label
from ui.staff.reception import ReceptionPage, VisitLine, VisitPage
from ui.staff.summary_view import PDF_AVAILABLE, summary_text
from ui.widgets.basics import TouchButton, label, set_label
from ui.worker import Worker

log = logging.getLogger(__name__)

IDLE_LOCK_MS = 60_000  # staff mode locks after 60 s without a touch (UX.md)
REFRESH_MS = 5_000  # today's visits are re-read this often while the list is shown
LOCKOUT_TICK_MS = 1_000
ROLE_NAMES = {"reception": "Reception", "admin": "Administrator"}


def _utc_now() -> datetime:
    return datetime.now(UTC)


class StaffBar(QWidget):
    """On every staff page: who is signed in, the admin's switch between pages, "Sign out"."""

    switch_requested = Signal()
    sign_out_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("StaffBar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setMinimumHeight(88)  # the same with or without buttons: pages do not jump
        row = QHBoxLayout(self)
        row.setContentsMargins(32, 8, 32, 8)
        row.setSpacing(16)
        self.title = label("staffbar", "Staff mode", wrap=False)
        self.switch_button = TouchButton(role="staffbar")
        self.switch_button.clicked.connect(self.switch_requested)
        self.sign_out_button = TouchButton("Sign out", role="staffbar")
        self.sign_out_button.clicked.connect(self.sign_out_requested)
        row.addWidget(self.title, 1)
        row.addWidget(self.switch_button)
        row.addWidget(self.sign_out_button)

    def set_state(self, role: Role | None, page: str) -> None:
        name = ROLE_NAMES.get(role or "", "")
        set_label(self.title, f"Staff mode · {name}" if name else "Staff mode")
        self.sign_out_button.setVisible(role is not None)
        self.switch_button.setVisible(role == "admin")
        self.switch_button.setText("Admin tools" if page != "admin" else "Today's visits")


class StaffPanel(QWidget):
    """Owns the staff pages. Emits `exit_requested` to return to Welcome (sign-out, idle lock)
    and `quit_requested` when an administrator exits the application."""

    exit_requested = Signal()
    quit_requested = Signal()

    def __init__(
        self, config: Config, content: Content, store: Store | None, printer: PrintService
    ) -> None:
        super().__init__()
        self.setObjectName("StaffPanel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.config = config
        self.content = content
        self.store = store
        self.printer = printer
        self.role: Role | None = None
        # The clinic's "now"; tests replace it to walk through the wrong-PIN delays.
        self.clock: Callable[[], datetime] = _utc_now
        self._reprinting: set[str] = set()
        self._watching: QObject | None = None  # where the idle watcher is installed
        self._wrong_pin = False  # the last PIN typed since the pad opened was refused

        self.worker = Worker(2, self)
        # lpstat may hang for seconds: it never holds up an export or a sign-in.
        self.printer_worker = Worker(1, self)

        # While staff mode is open any touch, click or key restarts the 60 s lock: the same
        # application-wide watcher the visitor screens use, with its own timer.
        self.idle = IdleWatcher(IDLE_LOCK_MS // 1000, self)
        self.idle.warning.connect(self._idle_lock)
        self.idle_timer = self.idle.timer
        # Precise: a coarse 60 s timer may fire up to 3 s late and reports a rounded remaining time.
        self.idle_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.refresh_timer = QTimer(self)
        self.refresh_timer.setInterval(REFRESH_MS)
        self.refresh_timer.timeout.connect(self.refresh_visits)
        self.lockout_timer = QTimer(self)
        self.lockout_timer.setInterval(LOCKOUT_TICK_MS)
        self.lockout_timer.timeout.connect(self._lockout_tick)
        self.printer.finished.connect(self._print_finished)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(0)
        # The pages are built the first time staff mode opens: most days nobody opens it, and
        # the kiosk's start and memory need not pay for them.
        self.built = False

    def _build(self) -> None:
        if self.built:
            return
        self.built = True
        self.bar = StaffBar()
        self.pin_page = PinPage()
        self.reception = ReceptionPage()
        self.visit_page = VisitPage()
        self.admin = AdminPage(self)
        self.stack = QStackedWidget()
        for page in (self.pin_page, self.reception, self.visit_page, self.admin):
            self.stack.addWidget(page)
        self._layout.addWidget(self.bar)
        self._layout.addWidget(self.stack, 1)
        self.bar.sign_out_requested.connect(self.sign_out)
        self.bar.switch_requested.connect(self._switch)
        self.pin_page.sign_in_requested.connect(self._sign_in)
        self.pin_page.cancel_requested.connect(self._cancel)
        self.reception.visit_requested.connect(self.open_visit)
        self.visit_page.back_requested.connect(self.show_reception)
        self.visit_page.reprint_requested.connect(self.reprint)
        self.visit_page.seen_requested.connect(self.mark_seen)
        self._update_portrait()

    # -- entering and leaving -------------------------------------------------------------------

    def open(self) -> None:
        """Called each time staff mode is entered: always starts at the PIN pad."""
        self._build()
        self.lock()
        self._watching = watch_input(self, self.idle)
        self.idle.set_armed(True)
        self._show_pin_state()
        # After the navigator has shown the page (it takes the focus then): a desk keypad types.
        QTimer.singleShot(0, self.pin_page, self._focus_pin_page)

    def _focus_pin_page(self) -> None:
        if self.stack.currentWidget() is self.pin_page:
            self.pin_page.setFocus(Qt.FocusReason.OtherFocusReason)

    def lock(self) -> None:
        """Forget the signed-in role and clear every page (idle lock, sign-out)."""
        self.role = None
        self._wrong_pin = False
        self.worker.cancel_all()
        self.printer_worker.cancel_all()
        self._reprinting.clear()
        self.idle.set_armed(False)
        for timer in (self.refresh_timer, self.lockout_timer):
            timer.stop()
        if self._watching is not None:
            self._watching.removeEventFilter(self.idle)
            self._watching = None
        if not self.built:
            return
        self.pin_page.reset()
        self.reception.clear()
        self.visit_page.clear()
        self.admin.clear()
        self._show_page(self.pin_page)

    def sign_out(self) -> None:
        self.audit("sign_out", "signed out of staff mode")
        self.lock()
        self.exit_requested.emit()

    def _cancel(self) -> None:
        self.lock()
        self.exit_requested.emit()

    def _idle_lock(self) -> None:
        self.audit("idle_lock", f"staff mode locked after {IDLE_LOCK_MS // 1000} s without a touch")
        self.lock()
        self.exit_requested.emit()

    def wait(self, msecs: int = 10_000) -> None:
        """Let running staff work (an export, a purge) finish before the database closes."""
        self.worker.wait(msecs)
        self.printer_worker.wait(msecs)

    # -- PIN ------------------------------------------------------------------------------------

    def _show_pin_state(self) -> None:
        if self.store is None:
            self.pin_page.show_unavailable()
            return
        try:
            any_pin = any(has_pin(self.store, role) for role in ROLES)
            status = pin_status(self.store, self.clock())
        except StoreError as exc:
            self.pin_page.show_unavailable(one_line(exc))
            return
        if not any_pin:
            self.pin_page.show_no_pin()
        else:
            self._show_status(status)

    def _show_status(self, status: PinStatus) -> None:
        self.pin_page.set_admin_lock(self._admin_lock_text(status))
        if status.wait_seconds > 0:
            self.pin_page.show_locked(math.ceil(status.wait_seconds), wrong=self._wrong_pin)
            self.lockout_timer.start()
        elif self._wrong_pin:
            self.pin_page.show_wrong()
        else:
            self.pin_page.show_ready()

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
        local = moment.astimezone(self.config.zone)
        return f"{clock_time(moment, self.config.zone)} on {local:%b} {local.day}"

    def _sign_in(self, pin: str) -> None:
        store = self.store
        if store is None:
            self.pin_page.show_unavailable()
            return
        clock = self.clock
        self.worker.run(lambda: sign_in(store, pin, clock=clock), self._checked)

    def _checked(self, result: SignIn | None, error: BaseException | None) -> None:
        if error is not None or result is None:
            if error is not None and not isinstance(error, StoreError):
                log.error("checking a staff PIN failed: %s", one_line(error))
            self.pin_page.show_ready("The PIN could not be checked. Please try again.")
            return
        if result.role is None:
            assert self.store is not None
            self._wrong_pin = True
            try:
                status = pin_status(self.store, self.clock())
            except StoreError as exc:
                self.pin_page.show_unavailable(one_line(exc))
                return
            self._show_status(status)
            return
        self.role = result.role
        self._wrong_pin = False
        self.pin_page.reset()
        if result.role == "admin":
            self.admin.set_notices(self._admin_notices(result))
            self.show_admin()
        else:
            self.show_reception()

    def _admin_notices(self, result: SignIn) -> list[str]:
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
        if self.store is None or self.pin_page.mode != "locked":
            self.lockout_timer.stop()
            return
        try:
            status = pin_status(self.store, self.clock())
        except StoreError as exc:
            self.lockout_timer.stop()
            self.pin_page.show_unavailable(one_line(exc))
            return
        if status.wait_seconds <= 0:
            # The wait is over: a fresh pad, as if just opened.
            self.lockout_timer.stop()
            self._wrong_pin = False
        self._show_status(status)

    # -- pages ----------------------------------------------------------------------------------

    def _show_page(self, page: QWidget) -> None:
        self.stack.setCurrentWidget(page)
        name = "admin" if page is self.admin else "pin" if page is self.pin_page else "visits"
        self.bar.set_state(self.role, name)

    def _switch(self) -> None:
        if self.role != "admin":
            return
        if self.stack.currentWidget() is self.admin:
            self.show_reception()
        else:
            self.visit_page.clear()
            self.show_admin()

    def today(self) -> date:
        return self.clock().astimezone(self.config.zone).date()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._update_portrait()

    def _update_portrait(self) -> None:
        if self.built:
            size = self.size()
            self.visit_page.set_portrait(size.height() > 0 and size.width() / size.height() <= 1)

    # -- reception ------------------------------------------------------------------------------

    def show_reception(self) -> None:
        if self.role is None:
            return
        self.visit_page.clear()
        self._show_page(self.reception)
        self.refresh_visits()
        self.refresh_timer.start()

    def refresh_visits(self) -> None:
        if self.role is None or self.stack.currentWidget() is not self.reception:
            self.refresh_timer.stop()
            return
        if self.store is None:
            self.reception.show_error("The kiosk database is unavailable.")
            return
        today = self.today()
        start, end = day_range(today, self.config.zone)
        try:
            visits = self.store.list_visit_summaries(start, end)
        except StoreError as exc:
            self.reception.show_error(f"Could not read today's visits: {one_line(exc)}")
            return
        self.reception.set_visits(visits, f"{today:%A, %B} {today.day}", self.config.zone)

    def open_visit(self, code: str) -> None:
        if self.role is None or self.store is None:
            return
        try:
            visit = self.store.get_visit(code)
        except StoreError as exc:
            self.reception.show_error(one_line(exc))
            return
        self.audit("open_visit", visit.code)
        self.refresh_timer.stop()
        self.visit_page.show_visit(VisitLine.of(visit, self.config.zone))
        self._show_page(self.visit_page)
        self.visit_page.summary.show_waiting()
        lc = self.content.for_visit(visit.language)
        config = self.config
        self.worker.run(
            lambda: render_summary(visit, lc, config),
            lambda pdf, error: self._summary_ready(visit, pdf, error),
        )

    def _summary_ready(self, visit: Visit, pdf: bytes | None, error: BaseException | None) -> None:
        if self.visit_page.code != visit.code:
            return
        summary = self.visit_page.summary
        if error is not None or pdf is None:
            log.error("could not render the summary of %s: %s", visit.code, error)
            summary.show_text(
                "The printed summary could not be made (see the kiosk log). In short:\n\n"
                + summary_text(visit, self.config)
            )
        elif not PDF_AVAILABLE or not summary.set_pdf(pdf):
            summary.show_text(summary_text(visit, self.config))

    def _reload_visit_line(self, code: str) -> None:
        if self.store is None or self.visit_page.code != code:
            return
        try:
            visit = self.store.get_visit(code)
        except StoreError as exc:
            log.error("cannot re-read visit %s: %s", code, exc)
            return
        self.visit_page.show_visit(VisitLine.of(visit, self.config.zone))

    def reprint(self, code: str) -> None:
        if self.role is None or code in self._reprinting:
            return
        queue = self.config.printing.printer
        self.audit("reprint", f"{code} to {queue_label(queue)}")
        self._reprinting.add(code)
        self.visit_page.show_status("Printing…", busy=True)
        self.printer.print_visit(code)

    def _print_finished(self, code: str, outcome: PrintOutcome) -> None:
        if code not in self._reprinting:
            return  # a visitor's own print, or one started before staff mode locked
        self._reprinting.discard(code)
        if self.visit_page.code != code:
            return
        if outcome.state == "completed":
            where = f" on {outcome.queue}" if outcome.queue else ""
            text = f"Printed{where}. The summary is at the printer."
        elif outcome.state == "saved":
            text = (
                'Not printed: this kiosk has no printer set up (printer = "none"). '
                "The visit stays saved here."
            )
        else:
            text = f"Could not print: {outcome.error or 'unknown error'}."
        self.visit_page.show_status(text)
        self._reload_visit_line(code)

    def mark_seen(self, code: str) -> None:
        if self.role is None or self.store is None:
            return
        try:
            self.store.mark_seen(code)
        except StoreError as exc:
            self.visit_page.show_status(f"Could not save: {one_line(exc)}")
            return
        self.audit("mark_seen", code)
        self._reload_visit_line(code)

    # -- admin ----------------------------------------------------------------------------------

    def show_admin(self) -> None:
        if self.role != "admin":
            return
        self.refresh_timer.stop()
        self._show_page(self.admin)
        self.admin.refresh()

    def quit_kiosk(self) -> None:
        """An administrator closes the kiosk application (the exit section)."""
        self.quit_requested.emit()

    # -- audit ----------------------------------------------------------------------------------

    def audit(self, action: str, detail: str) -> None:
        """One audit entry by the signed-in role; a failing database never stops staff work."""
        if self.role is None or self.store is None:
            return
        try:
            self.store.audit(self.role, action, detail)
        except StoreError as exc:
            log.error("cannot write the audit entry %s: %s", action, exc)
