"""The administrator's page: export a day's log, the audit trail, the printer, the settings in
force, purge now and exit the application. One section at a time, picked with the tabs on top.

Like every staff page it only shows and asks; the staff panel does the work (off the GUI thread
where it can be slow) and writes the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.config import Config
from kiosk.exports import FORMATS
from kiosk.exports.day_log import export_filename
from kiosk.store import AuditEntry
from ui.screens.base import clear_layout
from ui.staff.common import long_date, set_direction, show
from ui.staff.folders import describe
from ui.staff.printer_state import PrinterState, queue_label
from ui.widgets.basics import (
    TouchButton,
    WrapButton,
    card,
    label,
    set_label,
    set_prop,
    touch_scroll_area,
)

SECTIONS = (
    ("export", "Export"),
    ("audit", "Audit log"),
    ("printer", "Printer"),
    ("settings", "Settings"),
    ("purge", "Purge"),
    ("exit", "Exit app"),
)
NARROW_WIDTH = 1100  # below this the six tabs go on two rows


def _section(title: str, intro: str = "") -> tuple[QWidget, QVBoxLayout]:
    """A scrollable section body: its title, an optional intro line, then what is added."""
    inner = QWidget()
    inner.setObjectName("ScreenBody")
    column = QVBoxLayout(inner)
    column.setContentsMargins(0, 8, 8, 16)
    column.setSpacing(16)
    column.addWidget(label("heading", title))
    if intro:
        column.addWidget(label("body", intro))
    return inner, column


def _confirm_box(question: str, cancel: TouchButton, confirm: TouchButton) -> QFrame:
    box = card("confirm")
    inner = QVBoxLayout(box)
    inner.setContentsMargins(28, 24, 28, 24)
    inner.setSpacing(20)
    inner.addWidget(label("body", question))
    row = QHBoxLayout()
    row.setSpacing(24)
    row.addWidget(cancel)
    row.addWidget(confirm)
    row.addStretch(1)
    inner.addLayout(row)
    box.hide()
    return box


class AdminPage(QWidget):
    export_requested = Signal(object, str, object, bool)  # day, format, folder, replace
    folders_refresh_requested = Signal()
    audit_refresh_requested = Signal()
    printer_check_requested = Signal()
    purge_requested = Signal()
    exit_app_requested = Signal()
    section_shown = Signal(str)

    def __init__(self, config: Config) -> None:
        super().__init__()
        self.setObjectName("ScreenBody")
        self.config = config
        self.today = date.today()
        self.day = self.today
        self.folders: list[Path] = []
        self.folder: Path | None = None
        self.folder_buttons: dict[Path, WrapButton] = {}
        self._last_export: tuple[date, str, Path] | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 16, 32, 8)
        layout.setSpacing(16)
        # What the administrator must know at sign-in (wrong PINs meanwhile, a weak PIN), above
        # every section so it is seen whichever is open.
        self.notice = label("body")
        self.notice.setObjectName("AdminNotice")
        self.notice.setContentsMargins(16, 12, 16, 12)  # inside its warning frame
        self.notice.hide()
        layout.addWidget(self.notice)
        self.tabs_grid = QGridLayout()
        self.tabs_grid.setSpacing(12)
        self.tabs: dict[str, TouchButton] = {}
        for key, text in SECTIONS:
            tab = TouchButton(text, role="tab")
            tab.clicked.connect(lambda _=False, k=key: self.show_section(k))
            self.tabs[key] = tab
        self._tab_columns = 0
        self._lay_tabs(len(SECTIONS))
        layout.addLayout(self.tabs_grid)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack, 1)
        self.sections: dict[str, QWidget] = {}
        self._build_export()
        self._build_audit()
        self._build_printer()
        self._build_settings()
        self._build_purge()
        self._build_exit()
        self.current = ""
        self.show_section("export")

    # -- sections -----------------------------------------------------------------------------

    def _add(self, key: str, inner: QWidget) -> None:
        area = touch_scroll_area(inner)
        self.sections[key] = area
        self.stack.addWidget(area)

    def _build_export(self) -> None:
        inner, column = _section("Export a day's log")
        days = QHBoxLayout()
        days.setSpacing(16)
        self.previous_button = TouchButton("Previous day")
        self.previous_button.clicked.connect(lambda: self.set_day(self.day - timedelta(days=1)))
        self.next_button = TouchButton("Next day")
        self.next_button.clicked.connect(lambda: self.set_day(self.day + timedelta(days=1)))
        self.day_label = label("question")
        self.day_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        days.addWidget(self.previous_button)
        days.addWidget(self.day_label, 1)
        days.addWidget(self.next_button)
        column.addLayout(days)
        column.addWidget(label("subtitle", "Save to"))
        self.folder_list = QVBoxLayout()
        self.folder_list.setSpacing(12)
        column.addLayout(self.folder_list)
        drives = QHBoxLayout()
        drives.setSpacing(16)
        self.no_drive = label("small", "No USB drive found. Plug one in, wait a few seconds, then:")
        self.rescan_button = TouchButton("Look for USB drives again")
        self.rescan_button.clicked.connect(self.folders_refresh_requested)
        drives.addWidget(self.no_drive, 1)
        drives.addWidget(self.rescan_button)
        column.addLayout(drives)
        self.format_row = QHBoxLayout()
        self.format_row.setSpacing(24)
        self.format_buttons: dict[str, TouchButton] = {}
        for fmt in FORMATS.values():
            button = TouchButton(f"Export {fmt.label}", role="primary")
            button.clicked.connect(lambda _=False, key=fmt.key: self._export(key, replace=False))
            self.format_buttons[fmt.key] = button
            self.format_row.addWidget(button)
        self.format_row.addStretch(1)
        column.addLayout(self.format_row)
        self.export_result = label("body")
        self.export_result.setObjectName("ExportResult")
        column.addWidget(self.export_result)
        self.replace_button = TouchButton("Replace the file")
        self.replace_button.clicked.connect(self._replace)
        self.replace_button.hide()
        column.addWidget(self.replace_button, 0, Qt.AlignmentFlag.AlignLeft)
        what_each_is = "; ".join(f"{fmt.label} {fmt.hint}" for fmt in FORMATS.values())
        column.addWidget(label("small", f"{what_each_is}. Names are never exported."))
        column.addStretch(1)
        self._add("export", inner)
        show(self.export_result, "")

    def _build_audit(self) -> None:
        inner, column = _section(
            "Audit log",
            "The newest 200 entries, newest first: who (by role), what, when. "
            "Answers and names are never written here.",
        )
        self.audit_refresh_button = TouchButton("Refresh")
        self.audit_refresh_button.clicked.connect(self.audit_refresh_requested)
        column.addWidget(self.audit_refresh_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.audit_list = QVBoxLayout()
        self.audit_list.setSpacing(8)
        column.addLayout(self.audit_list)
        self.audit_message = label("body")
        column.addWidget(self.audit_message)
        column.addStretch(1)
        self.audit_rows: list[QWidget] = []
        self._add("audit", inner)

    def _build_printer(self) -> None:
        inner, column = _section("Printer")
        self.printer_queue = label("body", f"Queue: {queue_label(self.config.printing.printer)}")
        self.printer_text = label("body")
        self.printer_text.setObjectName("PrinterState")
        self.printer_check_button = TouchButton("Check again")
        self.printer_check_button.clicked.connect(self.printer_check_requested)
        # Whether CUPS keeps a copy of every printed summary on disk (PreserveJobFiles).
        self.printer_spool = label("body")
        self.printer_spool.setObjectName("SpoolState")
        self.printer_spool.setContentsMargins(16, 12, 16, 12)  # inside its warning frame
        self.printer_spool.hide()
        column.addWidget(self.printer_queue)
        column.addWidget(self.printer_text)
        column.addWidget(self.printer_spool)
        column.addWidget(self.printer_check_button, 0, Qt.AlignmentFlag.AlignLeft)
        column.addWidget(
            label(
                "small",
                "Queues are set up in CUPS on the kiosk computer (docs/deploy.md, “The "
                "printer”); the kiosk uses the queue named by [printing] printer in its config "
                "file, or CUPS's default queue.",
            )
        )
        column.addStretch(1)
        self._add("printer", inner)

    def _build_settings(self) -> None:
        inner, column = _section(
            "Settings in force",
            "Read from the config file when the kiosk started. To change one, edit the config "
            "file on the kiosk computer, then restart the kiosk (Exit app).",
        )
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(12)
        for row, (name, value) in enumerate(self.settings_rows()):
            key = label("small", name)
            key.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            grid.addWidget(key, row, 0)
            grid.addWidget(label("body", value), row, 1)
        grid.setColumnStretch(1, 1)
        column.addLayout(grid)
        column.addStretch(1)
        self._add("settings", inner)

    def settings_rows(self) -> list[tuple[str, str]]:
        c = self.config
        return [
            ("Clinic name", c.clinic.name),
            ("Clinic phone", c.clinic.phone or "(none: not printed or shown)"),
            ("Time zone", c.clinic.timezone),
            ("Languages", ", ".join(c.kiosk.languages)),
            ("Fullscreen", "Yes" if c.kiosk.fullscreen else "No (windowed)"),
            ("Idle warning after", f"{c.kiosk.idle_seconds} s without a touch"),
            ("Idle countdown", f"{c.kiosk.idle_countdown_seconds} s"),
            ("Printer", queue_label(c.printing.printer)),
            ("Paper", c.printing.paper.upper() if c.printing.paper == "a4" else "Letter"),
            ("Print timeout", f"{c.printing.timeout_seconds} s"),
            ("Retention", f"{c.storage.retention_days} days"),
            ("Data folder", str(c.data_dir)),
            ("Config file", str(c.source) if c.source else "(none: built-in defaults)"),
        ]

    def _build_purge(self) -> None:
        days = self.config.storage.retention_days
        inner, column = _section(
            "Purge old visits",
            f"Visits are kept for {days} days, then deleted with their answers. The kiosk does "
            "this by itself when it starts and once a day; “Purge now” does it at once.",
        )
        self.purge_button = TouchButton("Purge now")
        self.purge_button.clicked.connect(self._ask_purge)
        column.addWidget(self.purge_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.purge_cancel = TouchButton("Cancel")
        self.purge_confirm = TouchButton("Delete old visits", role="primary")
        self.purge_box = _confirm_box(
            f"Delete every visit that started more than {days} days ago? This cannot be undone.",
            self.purge_cancel,
            self.purge_confirm,
        )
        self.purge_cancel.clicked.connect(self._cancel_purge)
        self.purge_confirm.clicked.connect(self._confirm_purge)
        column.addWidget(self.purge_box)
        self.purge_result = label("body")
        column.addWidget(self.purge_result)
        column.addStretch(1)
        self._add("purge", inner)
        show(self.purge_result, "")

    def _build_exit(self) -> None:
        inner, column = _section(
            "Exit the application",
            "Closes the kiosk program; this is the only way out of fullscreen mode. A kiosk "
            "installed as a service starts again by itself a few seconds later (a clean restart, "
            "e.g. after changing the config file); otherwise the screen stays without the kiosk "
            "until someone starts it.",
        )
        self.exit_button = TouchButton("Exit the application")
        self.exit_button.clicked.connect(self._ask_exit)
        column.addWidget(self.exit_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.exit_cancel = TouchButton("Cancel")
        self.exit_confirm = TouchButton("Exit now", role="primary")
        self.exit_box = _confirm_box(
            "Close the kiosk application now?", self.exit_cancel, self.exit_confirm
        )
        self.exit_cancel.clicked.connect(self._cancel_exit)
        self.exit_confirm.clicked.connect(self.exit_app_requested)
        column.addWidget(self.exit_box)
        column.addStretch(1)
        self._add("exit", inner)

    # -- navigation ---------------------------------------------------------------------------

    def show_section(self, key: str) -> None:
        self.current = key
        for tab_key, tab in self.tabs.items():
            set_prop(tab, "selected", tab_key == key)
        self.stack.setCurrentWidget(self.sections[key])
        self._cancel_purge()
        self._cancel_exit()
        self.section_shown.emit(key)

    def _lay_tabs(self, columns: int) -> None:
        if columns == self._tab_columns:
            return
        self._tab_columns = columns
        for tab in self.tabs.values():
            self.tabs_grid.removeWidget(tab)
        for index, tab in enumerate(self.tabs.values()):
            self.tabs_grid.addWidget(tab, index // columns, index % columns)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        narrow = event.size().width() < NARROW_WIDTH
        self._lay_tabs(3 if narrow else len(SECTIONS))
        set_direction(self.format_row, narrow)

    # -- export -------------------------------------------------------------------------------

    def set_today(self, today: date) -> None:
        self.today = today
        self.set_day(today)

    def set_day(self, day: date) -> None:
        earliest = self.today - timedelta(days=self.config.storage.retention_days)
        self.day = min(max(day, earliest), self.today)
        suffix = " (today)" if self.day == self.today else ""
        set_label(self.day_label, f"{long_date(self.day)}{suffix}")
        self.next_button.setEnabled(self.day < self.today)
        self.previous_button.setEnabled(self.day > earliest)
        self._clear_export_result()

    def set_folders(self, folders: Sequence[Path], data_dir: Path) -> None:
        clear_layout(self.folder_list)
        self.folders = list(folders)
        self.folder_buttons = {}
        for folder in self.folders:
            title, detail = describe(folder, data_dir)
            button = WrapButton(title, role="answer")
            button.set_detail(detail)
            button.clicked.connect(lambda _=False, f=folder: self.choose_folder(f))
            self.folder_list.addWidget(button)
            self.folder_buttons[folder] = button
        self.no_drive.setVisible(len(self.folders) <= 1)
        keep = self.folder if self.folder in self.folders else None
        # A drive, once plugged in, is the likelier choice than the kiosk's own folder.
        self.choose_folder(keep or (self.folders[-1] if self.folders else None))

    def choose_folder(self, folder: Path | None) -> None:
        self.folder = folder
        for path, button in self.folder_buttons.items():
            set_prop(button, "selected", path == folder)
        for button in self.format_buttons.values():
            button.setEnabled(folder is not None)
        self._clear_export_result()

    def _export(self, fmt: str, *, replace: bool) -> None:
        if self.folder is None:
            return
        self._last_export = (self.day, fmt, self.folder)
        self.export_requested.emit(self.day, fmt, self.folder, replace)

    def _replace(self) -> None:
        if self._last_export is not None:
            day, fmt, folder = self._last_export
            self.replace_button.hide()
            self.export_requested.emit(day, fmt, folder, True)

    def show_export_busy(self, day: date, fmt: str) -> None:
        self.replace_button.hide()
        for button in self.format_buttons.values():
            button.setEnabled(False)
        show(self.export_result, f"Writing {export_filename(day, fmt)}…")
        self._reveal(self.export_result)

    def show_export_result(self, text: str, *, exists: bool = False) -> None:
        for button in self.format_buttons.values():
            button.setEnabled(self.folder is not None)
        show(self.export_result, text)
        self.replace_button.setVisible(exists)
        self._reveal(self.replace_button if exists else self.export_result)

    def _reveal(self, widget: QWidget) -> None:
        # The outcome must be seen without scrolling for it.
        area = self.sections[self.current]
        if isinstance(area, QScrollArea):
            # After the layout has made room for the new text.
            QTimer.singleShot(0, area, lambda: area.ensureWidgetVisible(widget, 0, 24))

    def _clear_export_result(self) -> None:
        show(self.export_result, "")
        self.replace_button.hide()

    # -- audit, printer -------------------------------------------------------------------------

    def set_audit(self, entries: Sequence[AuditEntry], when: Callable[[datetime], str]) -> None:
        for row in self.audit_rows:
            self.audit_list.removeWidget(row)
            row.hide()
            row.deleteLater()
        self.audit_rows = []
        for entry in entries:
            row = card("auditrow")
            inner = QVBoxLayout(row)
            inner.setContentsMargins(20, 10, 20, 10)
            inner.setSpacing(2)
            inner.addWidget(label("rowcode", f"{when(entry.at)} · {entry.actor} · {entry.action}"))
            if entry.detail:
                inner.addWidget(label("small", entry.detail))
            self.audit_list.addWidget(row)
            self.audit_rows.append(row)
        show(self.audit_message, "" if entries else "The audit log is empty.")

    def show_audit_error(self, text: str) -> None:
        self.set_audit([], str)
        show(self.audit_message, text)

    def show_printer_checking(self) -> None:
        set_label(self.printer_text, "Checking the printer…")
        self.printer_check_button.setEnabled(False)

    def show_printer_state(self, state: PrinterState) -> None:
        if state.resolved and state.resolved != state.queue:
            set_label(
                self.printer_queue,
                f"Queue: {queue_label(state.queue)} ({state.resolved})",
            )
        set_label(self.printer_text, state.text)
        set_prop(self.printer_text, "state", "ok" if state.ok else "problem")
        spool = state.spool
        if spool is None:
            show(self.printer_spool, "")
        else:
            show(
                self.printer_spool,
                f"Copies of summaries: {spool.message}."
                if spool.ok
                else f"Warning: {spool.message}.",
            )
            set_prop(self.printer_spool, "state", "ok" if spool.ok else "problem")
        self.printer_check_button.setEnabled(True)

    # -- purge, exit ----------------------------------------------------------------------------

    def _ask_purge(self) -> None:
        show(self.purge_result, "")
        self.purge_button.hide()
        self.purge_box.show()

    def _cancel_purge(self) -> None:
        self.purge_box.hide()
        self.purge_button.show()
        self.purge_confirm.setEnabled(True)

    def _confirm_purge(self) -> None:
        self.purge_confirm.setEnabled(False)
        show(self.purge_result, "Deleting old visits…")
        self.purge_requested.emit()

    def show_purge_result(self, text: str) -> None:
        self._cancel_purge()
        show(self.purge_result, text)
        self._reveal(self.purge_result)

    def _ask_exit(self) -> None:
        self.exit_button.hide()
        self.exit_box.show()

    def _cancel_exit(self) -> None:
        self.exit_box.hide()
        self.exit_button.show()

    # -- notices, reset --------------------------------------------------------------------------

    def set_notices(self, notices: Sequence[str]) -> None:
        show(self.notice, "\n".join(notices))

    def clear(self) -> None:
        self.set_notices([])
        self.set_audit([], str)
        show(self.audit_message, "")
        set_label(self.printer_text, "")
        show(self.printer_spool, "")
        show(self.purge_result, "")
        self._last_export = None
        self.folder = None
        self.set_folders([], Path())
        self.show_section("export")
