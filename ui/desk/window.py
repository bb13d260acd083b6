"""The reception desk app's window: sign-in, today's visits of every kiosk, urgent banners, one
visit's summary, and the link's state always in view.

Everything that talks to the hub or CUPS runs off the GUI thread: the listener thread
(ui/desk/listener.py) for the live list, a Worker for the rest (sign-in, acknowledge, mark
seen, print, open a visit). The list is read-only until someone signs in with the clinic's
staff PIN, and the window locks again after `[desk] idle_lock_minutes` without input.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk.config import Config
from kiosk.hub import desk
from kiosk.hub.desk import BoardRow, HubNotice
from kiosk.model import Visit
from kiosk.staff_pins import SIGN_IN_MIN_DIGITS
from ui.desk.chime import Chime
from ui.desk.listener import HubListener
from ui.idle import IdleWatcher, watch_input
from ui.staff.common import STATUS_WORDS, clock_time, one_line, show
from ui.staff.summary_view import PDF_AVAILABLE, SummaryView, summary_text
from ui.worker import Worker

log = logging.getLogger(__name__)

COLUMNS = ("Kiosk", "Code", "Time", "Status", "Risk", "Printed", "Seen", "Acknowledged")
RISK_WORDS = {"none": "—", "non_acute": "Urgent", "acute": "URGENT (acute)"}
OUTCOME_WORDS = {
    "spoke": "Spoke with the visitor",
    "clinician": "Handed to a clinician",
    "left": "The visitor had left",
    "other": "Other",
}
CONNECTED_TEXT = "Connected to the clinic hub"
MAX_BANNERS = 3
STYLE = """
QWidget { font-size: 15px; }
QLabel#Title { font-size: 22px; font-weight: 600; }
QLabel#LinkState { padding: 6px 10px; border-radius: 4px; background: #e6f4ea; color: #14532d; }
QLabel#LinkState[down="true"] { background: #b91c1c; color: white; font-weight: 600; }
QFrame#UrgentBanner { background: #b91c1c; border-radius: 6px; }
QFrame#UrgentBanner QLabel { color: white; font-size: 17px; font-weight: 600; }
QFrame#UrgentBanner QPushButton { background: white; color: #7f1d1d; font-weight: 700;
    padding: 8px 18px; border-radius: 4px; }
QPushButton { padding: 6px 14px; }
QLabel#Notice { color: #7f1d1d; }
"""


def button(text: str) -> QPushButton:
    """A push button whose accessible name is its text (house rule)."""
    widget = QPushButton(text)
    widget.setAccessibleName(text)
    return widget


def yes_no(value: bool) -> str:
    return "Yes" if value else "—"


class UrgentBanner(QFrame):
    """One urgent visit not yet acknowledged: red, with its own "Acknowledge"."""

    def __init__(self, row: BoardRow, text: str, on_ack: Callable[[int], None]) -> None:
        super().__init__()
        self.setObjectName("UrgentBanner")
        self.visit_id = row.id
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 8, 14, 8)
        self.text = QLabel(text)
        self.set_text(text)
        self.ack_button = button("Acknowledge")
        self.ack_button.clicked.connect(lambda: on_ack(self.visit_id))
        layout.addWidget(self.text, 1)
        layout.addWidget(self.ack_button)

    def set_text(self, text: str) -> None:
        self.text.setText(text)
        self.text.setAccessibleName(text)


class SignInPage(QWidget):
    def __init__(self, on_submit: Callable[[str], None]) -> None:
        super().__init__()
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        column = QVBoxLayout()
        title = QLabel("Reception desk sign-in")
        title.setObjectName("Title")
        self.message = QLabel("Enter the clinic's staff PIN.")
        self.message.setWordWrap(True)
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(12)
        self.pin.setAccessibleName("Staff PIN")
        self.pin.setPlaceholderText("Staff PIN")
        self.sign_in_button = button("Sign in")
        self.sign_in_button.setDefault(True)
        self.sign_in_button.clicked.connect(lambda: self._submit(on_submit))
        self.pin.returnPressed.connect(lambda: self._submit(on_submit))
        for widget in (title, self.message, self.pin, self.sign_in_button):
            column.addWidget(widget)
        row = QHBoxLayout()
        row.addStretch(1)
        holder = QWidget()
        holder.setLayout(column)
        holder.setFixedWidth(420)
        row.addWidget(holder)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

    def _submit(self, on_submit: Callable[[str], None]) -> None:
        pin = self.pin.text()
        self.pin.clear()  # the typed PIN is not kept in the widget
        if len(pin) < SIGN_IN_MIN_DIGITS or not pin.isdigit():
            self.show_message(f"A staff PIN is at least {SIGN_IN_MIN_DIGITS} digits.")
            return
        on_submit(pin)

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setAccessibleName(text)

    def set_busy(self, busy: bool) -> None:
        self.pin.setEnabled(not busy)
        self.sign_in_button.setEnabled(not busy)
        if not busy:
            self.pin.setFocus()


class VisitPage(QWidget):
    """One visit: its summary as printed, and what reception does with it."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)  # flush with the banners and the list, as the list is
        top = QHBoxLayout()
        self.back_button = button("Back to the list")
        self.title = QLabel("")
        self.title.setObjectName("Title")
        top.addWidget(self.back_button)
        top.addWidget(self.title, 1)
        layout.addLayout(top)
        self.facts = QLabel("")
        self.facts.setWordWrap(True)
        layout.addWidget(self.facts)
        actions = QHBoxLayout()
        self.print_button = button("Print here")
        self.seen_button = button("Mark as seen")
        self.outcome = QComboBox()
        self.outcome.setAccessibleName("Outcome")
        for key, words in OUTCOME_WORDS.items():
            self.outcome.addItem(words, key)
        # On Linux a screen reader names a combo box by its current item; what it is for comes
        # from the label it is the buddy of (Qt reports it as "labelled by").
        self.outcome_label = QLabel("Outcome:")
        self.outcome_label.setBuddy(self.outcome)
        self.ack_button = button("Acknowledge")
        for widget in (
            self.print_button,
            self.seen_button,
            self.outcome_label,
            self.outcome,
            self.ack_button,
        ):
            actions.addWidget(widget)
        actions.addStretch(1)
        layout.addLayout(actions)
        self.notice = QLabel("")
        self.notice.setObjectName("Notice")
        layout.addWidget(self.notice)
        self.summary = SummaryView()
        layout.addWidget(self.summary, 1)
        self.visit_id: int | None = None

    def show_row(self, row: BoardRow, zone: Any) -> None:
        self.visit_id = row.id
        heading = f"Visit {row.code} · {row.location or row.kiosk}"
        self.title.setText(heading)
        self.title.setAccessibleName(heading)
        ack = (
            f"acknowledged {clock_time(row.acknowledged_at, zone)} "
            f"({OUTCOME_WORDS.get(row.outcome or '', row.outcome or '')})"
            if row.acknowledged_at
            else ("NOT acknowledged" if row.urgent else "not urgent")
        )
        facts = (
            f"{row.location or row.kiosk} · started {clock_time(row.started_at, zone)} · "
            f"{STATUS_WORDS.get(row.status, row.status)} · {RISK_WORDS.get(row.risk, row.risk)}"
            f" · {ack} · printed: {yes_no(row.printed)} · seen: {yes_no(row.seen)}"
        )
        self.facts.setText(facts)
        self.ack_button.setEnabled(row.awaiting_acknowledgement)
        self.outcome.setEnabled(row.awaiting_acknowledgement)
        self.seen_button.setEnabled(not row.seen)

    def say(self, text: str) -> None:
        show(self.notice, text)


class DeskWindow(QMainWindow):
    def __init__(self, config: Config, *, refresh_seconds: float = 30.0) -> None:
        super().__init__()
        self.config = config
        self.url = config.hub.url
        self.zone = config.zone
        self.role: str | None = None  # who is signed in
        self.rows: dict[int, BoardRow] = {}
        self.order: list[int] = []
        self.live = False
        self.last_update: datetime | None = None
        self.wait_until = 0.0
        self.pending_ack: int | None = None  # an Acknowledge pressed while signed out
        self._content: Any = None
        self.setWindowTitle("Reception desk — clinic hub")
        self.setMinimumSize(1024, 640)
        self.resize(1366, 768)
        self.setStyleSheet(STYLE)
        self.worker = Worker(threads=2, parent=self)
        self.chime = Chime(config.desk.chime_volume, self)

        central = QWidget()
        self.setCentralWidget(central)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(14, 10, 14, 10)
        header = QHBoxLayout()
        title = QLabel("Reception desk")
        title.setObjectName("Title")
        header.addWidget(title)
        header.addStretch(1)
        self.link_state = QLabel("Connecting to the clinic hub…")
        self.link_state.setObjectName("LinkState")
        self.link_state.setProperty("down", True)
        header.addWidget(self.link_state)
        self.signed_in_as = QLabel("")
        header.addWidget(self.signed_in_as)
        self.lock_button = button("Lock")
        self.lock_button.clicked.connect(self.lock)
        header.addWidget(self.lock_button)
        layout.addLayout(header)

        # The banners' own widget, made before the pages: screen readers read the window in the
        # order of its widgets, and a banner parented later to the window would come after the
        # whole list.
        self.banner_box = QWidget()
        self.banner_box.hide()
        self.banner_area = QVBoxLayout(self.banner_box)
        self.banner_area.setContentsMargins(0, 0, 0, 0)
        self.banner_area.setSpacing(6)
        layout.addWidget(self.banner_box)
        self.banners: dict[int, UrgentBanner] = {}
        # Past a few banners the list would vanish under them: the rest are counted in one line
        # (they are red in the list, and each shows again as those above are acknowledged).
        self.more_urgent = QLabel("")
        self.more_urgent.setObjectName("Notice")
        self.more_urgent.hide()
        layout.addWidget(self.more_urgent)

        self.pages = QStackedWidget()
        layout.addWidget(self.pages, 1)
        self.sign_in_page = SignInPage(self._sign_in)
        self.list_page = QWidget()
        list_layout = QVBoxLayout(self.list_page)
        list_layout.setContentsMargins(0, 0, 0, 0)
        self.list_title = QLabel("Today's visits")
        list_layout.addWidget(self.list_title)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setAccessibleName("Today's visits")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header_view = self.table.horizontalHeader()
        header_view.setMinimumSectionSize(110)
        header_view.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header_view.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.cellActivated.connect(lambda row, _col: self._open_row(row))
        self.table.cellDoubleClicked.connect(lambda row, _col: self._open_row(row))
        list_layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.open_button = button("Open visit")
        self.open_button.clicked.connect(lambda: self._open_row(self._chosen_row()))
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        list_layout.addLayout(buttons)
        self.visit_page = VisitPage()
        self.visit_page.back_button.clicked.connect(self.show_list)
        self.visit_page.ack_button.clicked.connect(self._ack_open_visit)
        self.visit_page.seen_button.clicked.connect(self._mark_seen)
        self.visit_page.print_button.clicked.connect(self._print_here)
        for page in (self.sign_in_page, self.list_page, self.visit_page):
            self.pages.addWidget(page)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self.visit_page, self.show_list)

        self.idle = IdleWatcher(config.desk.idle_lock_minutes * 60, self)
        self.idle.warning.connect(self.lock)
        self._watching: Any = None
        self.stale_timer = QTimer(self)  # the "last update" line keeps its age honest
        self.stale_timer.setInterval(15_000)
        self.stale_timer.timeout.connect(self._show_link_state)
        self.stale_timer.start()

        self.listener = HubListener(self.url, self._today, refresh_seconds=refresh_seconds)
        self.listener.board.connect(self._board)
        self.listener.connected.connect(self._connected)
        self.listener.disconnected.connect(self._disconnected)
        self.lock()
        if self.url:
            self.listener.start()
        else:
            self._disconnected("no hub is set: put the desk's [hub] url in its config")

    # -- the link ---------------------------------------------------------------------------------

    def _today(self) -> tuple[datetime, datetime]:
        return desk.day_bounds(datetime.now(self.zone).date(), self.zone)

    def _connected(self) -> None:
        self.live = True
        self._show_link_state()

    def _disconnected(self, reason: str) -> None:
        self.live = False
        self.link_detail = reason
        self._show_link_state()

    def _show_link_state(self) -> None:
        if self.live:
            text = CONNECTED_TEXT
        elif self.last_update is None:
            text = "Not connected to the clinic hub — no visits shown yet. Retrying…"
        else:
            text = f"Reconnecting… last update {clock_time(self.last_update, self.zone)}"
        self.link_state.setText(text)
        self.link_state.setAccessibleName(text)
        self.link_state.setToolTip("" if self.live else getattr(self, "link_detail", ""))
        self.link_state.setProperty("down", not self.live)
        self.link_state.style().unpolish(self.link_state)
        self.link_state.style().polish(self.link_state)
        self.list_title.setText(
            "Today's visits" if self.live else "Today's visits — NOT live, as of the last update"
        )
        self.list_title.setStyleSheet("" if self.live else "color: #b91c1c; font-weight: 600;")

    def _board(self, rows: list[BoardRow], notices: list[HubNotice]) -> None:
        self.live = True
        self.last_update = datetime.now(self.zone)
        self._show_link_state()
        self.rows = {row.id: row for row in rows}
        self.order = [row.id for row in rows]
        self._fill_table()
        waiting = [row for row in rows if row.awaiting_acknowledgement]
        new = [row for row in waiting if row.id not in self.banners]
        waiting_ids = {row.id for row in waiting}
        for visit_id in list(self.banners):
            if visit_id not in waiting_ids:
                self.banners.pop(visit_id).deleteLater()
        for row in waiting:  # a kiosk's location may have arrived since
            if row.id in self.banners:
                self.banners[row.id].set_text(self._banner_text(row))
        for row in new:
            banner = UrgentBanner(row, self._banner_text(row), self._ack_from_banner)
            self.banner_area.addWidget(banner)
            self.banners[row.id] = banner
        self._show_banners()
        if new:
            self._alert()
        if self.visit_page.visit_id in self.rows and self.pages.currentWidget() is self.visit_page:
            self.visit_page.show_row(self.rows[self.visit_page.visit_id], self.zone)

    def _show_banners(self) -> None:
        # Newest first: the one that just arrived is always in view; older ones stay red in the
        # list until acknowledged.
        waiting = sorted(
            self.banners.values(),
            key=lambda b: (self.rows[b.visit_id].started_at, b.visit_id),
            reverse=True,
        )
        for index, banner in enumerate(waiting):
            self.banner_area.removeWidget(banner)
            self.banner_area.insertWidget(index, banner)
            banner.setVisible(index < MAX_BANNERS)
            banner.raise_()  # last raised, last read: the reading order is the one on screen
        self.banner_box.setVisible(bool(waiting))
        hidden = len(waiting) - MAX_BANNERS
        text = (
            f"…and {hidden} more urgent visit{'s' if hidden > 1 else ''} not yet acknowledged "
            "(red in the list)"
            if hidden > 0
            else ""
        )
        self.more_urgent.setText(text)
        self.more_urgent.setAccessibleName(text)
        self.more_urgent.setVisible(hidden > 0)

    def _banner_text(self, row: BoardRow) -> str:
        level = "ACUTE" if row.risk == "acute" else "Urgent"
        return (
            f"{level}: visit {row.code} at {row.location or row.kiosk} "
            f"({clock_time(row.started_at, self.zone)}) needs someone now"
        )

    def _alert(self) -> None:
        if self.isMinimized():
            self.showNormal()
        self.raise_()
        self.activateWindow()
        self.chime.play()

    def _fill_table(self) -> None:
        selected = self._selected_id()
        self.table.setRowCount(len(self.order))
        for index, visit_id in enumerate(self.order):
            row = self.rows[visit_id]
            acknowledged = (
                clock_time(row.acknowledged_at, self.zone)
                if row.acknowledged_at
                else ("NO" if row.urgent else "—")
            )
            cells = (
                row.location or row.kiosk,
                row.code,
                clock_time(row.started_at, self.zone),
                STATUS_WORDS.get(row.status, row.status),
                RISK_WORDS.get(row.risk, row.risk) if row.urgent else "—",
                yes_no(row.printed),
                yes_no(row.seen),
                acknowledged,
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, visit_id)
                if row.awaiting_acknowledgement:
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.table.setItem(index, column, item)
            if visit_id == selected:
                self.table.selectRow(index)

    def _chosen_row(self) -> int:
        """The selected row: a screen reader selects a row without moving the current cell
        (keys and clicks move both)."""
        selected = self.table.selectionModel().selectedRows()
        return selected[0].row() if selected else self.table.currentRow()

    def _selected_id(self) -> int | None:
        item = self.table.item(self._chosen_row(), 0)
        return None if item is None else int(item.data(Qt.ItemDataRole.UserRole))

    # -- signing in and out -----------------------------------------------------------------------

    def lock(self) -> None:
        self.role = None
        self.worker.cancel_all()
        self.idle.set_armed(False)
        self.visit_page.visit_id = None
        self.visit_page.summary.clear()
        show(self.signed_in_as, "")
        self.lock_button.setEnabled(False)
        self.sign_in_page.set_busy(False)
        self.pages.setCurrentWidget(self.sign_in_page)

    def _sign_in(self, pin: str) -> None:
        wait = self.wait_until - time.monotonic()
        if wait > 0:
            self.sign_in_page.show_message(f"Wrong PIN. Try again in {math.ceil(wait)} s.")
            return
        self.sign_in_page.set_busy(True)
        self.sign_in_page.show_message("Checking the PIN…")
        url = self.url
        self.worker.run(lambda: desk.sign_in(url, pin), self._signed_in)

    def _signed_in(self, outcome: object, error: BaseException | None) -> None:
        self.sign_in_page.set_busy(False)
        if error is not None:
            self.sign_in_page.show_message(f"Cannot check the PIN now: {one_line(error)}")
            return
        assert isinstance(outcome, desk.SignIn)
        # The hub counts the wrong PINs and keeps the wait; this copy only spares it the asking.
        self.wait_until = time.monotonic() + outcome.wait_seconds
        if outcome.role is None:
            delay = math.ceil(outcome.wait_seconds)
            again = f" Try again in {delay} s." if delay else " Try again."
            lead = "Wrong PIN." if outcome.checked else "Too many wrong PINs."
            self.sign_in_page.show_message(lead + again)
            return
        self.role = outcome.role
        show(self.signed_in_as, f"Signed in: {self.role}")
        self.lock_button.setEnabled(True)
        self.sign_in_page.show_message("Enter the clinic's staff PIN.")
        if self._watching is None:
            self._watching = watch_input(self, self.idle)
        self.idle.set_armed(True)
        self.show_list()
        if self.pending_ack is not None:
            visit_id, self.pending_ack = self.pending_ack, None
            self.open_visit(visit_id)

    # -- the list and one visit -------------------------------------------------------------------

    def show_list(self) -> None:
        if self.role is None:
            return
        self.visit_page.visit_id = None
        self.visit_page.summary.clear()
        self.pages.setCurrentWidget(self.list_page)
        self.table.setFocus()

    def _open_row(self, index: int) -> None:
        item = self.table.item(index, 0)
        if item is not None:
            self.open_visit(int(item.data(Qt.ItemDataRole.UserRole)))

    def _ack_from_banner(self, visit_id: int) -> None:
        if self.role is None:
            self.pending_ack = visit_id
            self.sign_in_page.show_message("Sign in to acknowledge the urgent visit.")
            self.pages.setCurrentWidget(self.sign_in_page)
            self.sign_in_page.pin.setFocus()
            return
        self.open_visit(visit_id)
        self.visit_page.outcome.setFocus()

    def open_visit(self, visit_id: int) -> None:
        if self.role is None or visit_id not in self.rows:
            return
        page = self.visit_page
        page.show_row(self.rows[visit_id], self.zone)
        page.say("")
        page.summary.show_waiting()
        self.pages.setCurrentWidget(page)
        url, config = self.url, self.config
        self.worker.run(
            lambda: self._render(url, visit_id, config),
            lambda result, error: self._summary_ready(visit_id, result, error),
        )

    def _content_for(self, language: str) -> Any:
        if self._content is None:
            from kiosk.content import load_content

            self._content = load_content(self.config.content_dir, self.config.languages)
        return self._content.for_visit(language)

    def _render(self, url: str, visit_id: int, config: Config) -> tuple[Visit, bytes | None]:
        from kiosk.printing import render_summary

        _kiosk, visit = desk.fetch_visit(url, visit_id)
        try:
            return visit, render_summary(visit, self._content_for(visit.language), config)
        except Exception:
            log.exception("could not render the summary of visit %s", visit.code)
            return visit, None

    def _summary_ready(self, visit_id: int, result: Any, error: BaseException | None) -> None:
        if self.visit_page.visit_id != visit_id:
            return
        summary = self.visit_page.summary
        if error is not None:
            summary.show_error(f"Cannot read the visit from the hub: {one_line(error)}")
            return
        visit, pdf = result
        text = summary_text(visit, self.config)
        if pdf is None or not PDF_AVAILABLE or not summary.set_pdf(pdf, text=text):
            summary.show_text(text)

    def _ack_open_visit(self) -> None:
        page = self.visit_page
        visit_id, role = page.visit_id, self.role
        if visit_id is None or role is None:
            return
        outcome = str(page.outcome.currentData())
        page.ack_button.setEnabled(False)
        url = self.url
        self.worker.run(
            lambda: desk.acknowledge(url, visit_id, role, outcome),
            lambda first, error: self._acknowledged(visit_id, first, error),
        )

    def _acknowledged(self, visit_id: int, first: object, error: BaseException | None) -> None:
        if self.visit_page.visit_id != visit_id:
            return
        if error is not None:
            self.visit_page.ack_button.setEnabled(True)
            self.visit_page.say(f"Not acknowledged: {one_line(error)}")
        elif first:
            self.visit_page.say("Acknowledged. The kiosk will say someone is coming.")
        else:
            self.visit_page.say("Someone else acknowledged this visit first.")

    def _mark_seen(self) -> None:
        visit_id, role, url = self.visit_page.visit_id, self.role, self.url
        if visit_id is None or role is None:
            return
        self.worker.run(
            lambda: desk.mark_seen(url, visit_id, role),
            lambda _r, error: self.visit_page.say(
                f"Not marked: {one_line(error)}" if error else "Marked as seen."
            ),
        )

    def _print_here(self) -> None:
        visit_id, role, url = self.visit_page.visit_id, self.role, self.url
        if visit_id is None or role is None:
            return
        config = self.config
        self.visit_page.print_button.setEnabled(False)
        self.visit_page.say("Printing…")
        self.worker.run(lambda: self._print(url, visit_id, role, config), self._printed_outcome)

    def _print(self, url: str, visit_id: int, role: str, config: Config) -> str:
        from kiosk.printing.job import PrintAttempt, render_and_submit

        _kiosk, visit = desk.fetch_visit(url, visit_id)
        queue = config.printing.printer
        # The desk keeps no store: job id 0 stands for "not a kiosk job"; the outcome goes to
        # the hub's desk_prints instead.
        attempt = PrintAttempt(job_id=0, visit=visit, queue=queue)
        outcome = render_and_submit(attempt, self._content_for(visit.language), config)
        if outcome.state != "saved":
            desk.record_print(url, visit_id, queue or "default", outcome.ok, outcome.error, role)
        if outcome.state == "saved":
            return 'No printer is set for this desk ([printing] printer = "none").'
        return "Printed." if outcome.ok else f"Not printed: {outcome.error}"

    def _printed_outcome(self, message: object, error: BaseException | None) -> None:
        self.visit_page.print_button.setEnabled(True)
        self.visit_page.say(f"Not printed: {one_line(error)}" if error else str(message))

    # -- closing ----------------------------------------------------------------------------------

    def shutdown(self) -> None:
        self.listener.stop()
        self.worker.cancel_all()
        self.worker.wait(5000)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.shutdown()
        super().closeEvent(event)
