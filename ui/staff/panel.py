"""The staff panel shown by the navigator after the hidden entry (hold the logo for 3 s).

Pages: the PIN pad, reception's list of today's visits, one visit's summary, and the
administrator's tools. The panel builds them and their controllers (PIN sign-in in
ui/staff/sign_in.py, reception's work in ui/staff/reception_desk.py, the admin sections in
ui/staff/sections/), switches between them, holds the signed-in role and the 60 s lock, and
writes every staff action to the audit trail (by role, never with answers or names). Slow work
goes to its worker threads. Staff mode is English only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QStackedWidget, QVBoxLayout, QWidget

from kiosk.config import Config
from kiosk.content import Content
from kiosk.model import Outcome
from kiosk.staff_pins import Role
from kiosk.store import Store, StoreError
from ui.idle import IdleWatcher, watch_input
from ui.printer import PrintService
from ui.staff.admin import AdminPage
from ui.staff.hub_sync import HubSync
from ui.staff.pin_page import PinPage
from ui.staff.reception import ReceptionPage, VisitPage
from ui.staff.reception_desk import ReceptionDesk
from ui.staff.sign_in import PinSignIn
from ui.staff.urgent import UrgentBanner, staff_mode_words
from ui.staff.urgent_watch import Acknowledged, UrgentWatch
from ui.widgets.basics import TouchButton, label, set_label
from ui.worker import Worker

log = logging.getLogger(__name__)

IDLE_LOCK_MS = 60_000  # staff mode locks after 60 s without a touch (UX.md)
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
    urgent_changed = Signal()  # an urgent visit was acknowledged here: "Urgent today" re-reads

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
        self._watching: QObject | None = None  # where the idle watcher is installed
        # The window's shipper to the clinic hub, None without one (its line on the list).
        self.hub_sync: Callable[[], HubSync | None] = lambda: None

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
        # Above every page once someone is signed in (ui/staff/urgent.py).
        self.banner = UrgentBanner(staff_mode_words(self.content))
        self.pin_page = PinPage()
        self.reception = ReceptionPage()
        self.visit_page = VisitPage()
        self.admin = AdminPage(self)
        self.stack = QStackedWidget()
        for page in (self.pin_page, self.reception, self.visit_page, self.admin):
            self.stack.addWidget(page)
        self._layout.addWidget(self.bar)
        self._layout.addWidget(self.banner)
        self._layout.addWidget(self.stack, 1)
        # The controllers read the panel's clock at each use: a test may replace it any time.
        self._sign_in = PinSignIn(
            self.pin_page,
            self.store,
            self.config.zone,
            clock=lambda: self.clock(),
            worker=self.worker,
            parent=self,
        )
        self._desk = ReceptionDesk(
            self.reception,
            self.visit_page,
            config=self.config,
            content=self.content,
            store=self.store,
            printer=self.printer,
            worker=self.worker,
            today=self.today,
            audit=self.audit,
            hub_sync=lambda: self.hub_sync(),
            parent=self,
        )
        self._urgent = UrgentWatch(
            self.banner,
            config=self.config,
            store=lambda: self.store,
            role=lambda: self.role,
            today=self.today,
            now=lambda: self.clock(),
            parent=self,
        )
        self._urgent.changed.connect(self.urgent_changed)
        self.bar.sign_out_requested.connect(self.sign_out)
        self.bar.switch_requested.connect(self._switch)
        self._sign_in.signed_in.connect(self._signed_in)
        self.pin_page.cancel_requested.connect(self._cancel)
        self._desk.visit_opened.connect(lambda: self._show_page(self.visit_page))
        self.visit_page.back_requested.connect(self.show_reception)
        self._update_portrait()

    # -- the controllers (built with the pages, the first time one is needed) --------------------

    @property
    def sign_in(self) -> PinSignIn:
        self._build()
        return self._sign_in

    @property
    def reception_desk(self) -> ReceptionDesk:
        self._build()
        return self._desk

    @property
    def urgent(self) -> UrgentWatch:
        """Keeps the urgent banner true while someone is signed in."""
        self._build()
        return self._urgent

    def acknowledge(self, code: str, outcome: Outcome, done: Acknowledged) -> None:
        """Acknowledge an urgent visit as the signed-in role (banner and "Urgent today")."""
        self.urgent.acknowledge(code, outcome, done)

    @property
    def lockout_timer(self) -> QTimer:
        """The wrong-PIN countdown's tick (tests shorten it before staff mode opens)."""
        return self.sign_in.lockout_timer

    @property
    def refresh_timer(self) -> QTimer:
        """Re-reads today's visits while the list is shown."""
        return self.reception_desk.refresh_timer

    def refresh_visits(self) -> None:
        """What the refresh timer does: read today's visits again if the list is shown."""
        self.reception_desk.refresh_visits()

    # -- entering and leaving -------------------------------------------------------------------

    def open(self) -> None:
        """Called each time staff mode is entered: always starts at the PIN pad."""
        self._build()
        self.lock()
        self._watching = watch_input(self, self.idle)
        self.idle.set_armed(True)
        self._sign_in.show_state()
        # After the navigator has shown the page (it takes the focus then): a desk keypad types.
        QTimer.singleShot(0, self.pin_page, self._focus_pin_page)

    def _focus_pin_page(self) -> None:
        if self.stack.currentWidget() is self.pin_page:
            self.pin_page.setFocus(Qt.FocusReason.OtherFocusReason)

    def lock(self) -> None:
        """Forget the signed-in role and clear every page (idle lock, sign-out)."""
        self.role = None
        self.worker.cancel_all()
        self.printer_worker.cancel_all()
        self.idle.set_armed(False)
        if self._watching is not None:
            self._watching.removeEventFilter(self.idle)
            self._watching = None
        if not self.built:
            return
        self._urgent.stop()
        self._sign_in.reset()
        self._desk.clear()
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
        if self.built:
            self._urgent.wait(msecs)

    def _signed_in(self, role: Role, notices: list[str]) -> None:
        self.role = role
        self._urgent.start()
        if role == "admin":
            self.admin.set_notices(notices)
            self.show_admin()
        else:
            self.show_reception()

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

    def show_reception(self) -> None:
        if self.role is None:
            return
        self._show_page(self.reception)
        self._desk.show_list()

    def show_admin(self) -> None:
        if self.role != "admin":
            return
        self._desk.leave()
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
