"""Export a day's log to the kiosk's exports folder or a USB drive, in any export format."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.exports import FORMATS
from kiosk.exports.day_log import (
    ExportError,
    ExportExistsError,
    export_day,
    export_filename,
)
from kiosk.store import StoreError
from ui.screens.base import clear_layout
from ui.staff import folders as folder_choice
from ui.staff.common import long_date, one_line, set_direction, show
from ui.staff.sections import AdminSection, register, section_body
from ui.widgets.basics import TouchButton, WrapButton, label, set_label, set_prop

log = logging.getLogger(__name__)

# A format's key ("csv", "json", "fhir" or any registered since): the section offers every
# format of kiosk.exports' registry, read when the section is built.
ExportFormat = str


class ExportSection(AdminSection):
    key = "export"
    title = "Export"
    order = 10

    def build(self) -> QWidget:
        self.today = date.today()
        self.day = self.today
        self.folders: list[Path] = []
        self.folder: Path | None = None
        self.folder_buttons: dict[Path, WrapButton] = {}
        self._last_export: tuple[date, ExportFormat, Path] | None = None
        inner, column = section_body("Export a day's log")
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
        self.rescan_button.clicked.connect(self.load_folders)
        drives.addWidget(self.no_drive, 1)
        drives.addWidget(self.rescan_button)
        column.addLayout(drives)
        self.format_row = QHBoxLayout()
        self.format_row.setSpacing(24)
        self.format_buttons: dict[ExportFormat, TouchButton] = {}
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
        show(self.export_result, "")
        return inner

    def shown(self) -> None:
        # Once per sign-in: the day starts at today, and a drive plugged in since is offered.
        if self.signed_in_admin and not self.folders:
            self.set_today(self.desk.today())
            self.load_folders()

    def set_narrow(self, narrow: bool) -> None:
        set_direction(self.format_row, narrow)

    def clear(self) -> None:
        self._last_export = None
        self.folder = None
        self.set_folders([], Path())

    # -- the day --------------------------------------------------------------------------------

    def set_today(self, today: date) -> None:
        self.today = today
        self.set_day(today)

    def set_day(self, day: date) -> None:
        earliest = self.today - timedelta(days=self.desk.config.storage.retention_days)
        self.day = min(max(day, earliest), self.today)
        suffix = " (today)" if self.day == self.today else ""
        set_label(self.day_label, f"{long_date(self.day)}{suffix}")
        self.next_button.setEnabled(self.day < self.today)
        self.previous_button.setEnabled(self.day > earliest)
        self._clear_result()

    # -- the folder -----------------------------------------------------------------------------

    def load_folders(self) -> None:
        data_dir = self.desk.config.data_dir
        self.set_folders(folder_choice.candidate_folders(data_dir), data_dir)

    def set_folders(self, folders: Sequence[Path], data_dir: Path) -> None:
        clear_layout(self.folder_list)
        self.folders = list(folders)
        self.folder_buttons = {}
        for folder in self.folders:
            title, detail = folder_choice.describe(folder, data_dir)
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
        for format_button in self.format_buttons.values():
            format_button.setEnabled(folder is not None)
        self._clear_result()

    # -- the export -----------------------------------------------------------------------------

    def _export(self, fmt: ExportFormat, *, replace: bool) -> None:
        if self.folder is None:
            return
        self._last_export = (self.day, fmt, self.folder)
        self.export(self.day, fmt, self.folder, replace)

    def _replace(self) -> None:
        if self._last_export is not None:
            day, fmt, folder = self._last_export
            self.replace_button.hide()
            self.export(day, fmt, folder, True)

    def export(self, day: date, fmt: ExportFormat, folder: Path, replace: bool) -> None:
        """Write the day's file off the GUI thread; a file already there is replaced only when
        the administrator says so."""
        desk = self.desk
        store, role = desk.store, desk.role
        if store is None or role != "admin" or fmt not in FORMATS:
            return
        data_dir, zone, content = desk.config.data_dir, desk.config.zone, desk.content
        self.show_busy(day, fmt)

        def job() -> Path:
            folder_choice.prepare(folder, data_dir)
            return export_day(
                store, day, fmt, folder, zone=zone, force=replace, content=content, actor=role
            )

        def done(path: Path | None, error: BaseException | None) -> None:
            if isinstance(error, ExportExistsError):
                name = export_filename(day, fmt)
                self.show_result(
                    f"{name} is already in {folder}. Replace it with a fresh copy?", exists=True
                )
            elif error is not None:
                if not isinstance(error, ExportError | StoreError | OSError):
                    log.error("export failed: %s", error)
                message = one_line(error)
                desk.audit("export_failed", f"{day.isoformat()} as {fmt}: {message}")
                self.show_result(f"Not exported: {message}")
            else:
                self.show_result(f"Saved: {path}")

        desk.worker.run(job, done)

    def show_busy(self, day: date, fmt: ExportFormat) -> None:
        self.replace_button.hide()
        for button in self.format_buttons.values():
            button.setEnabled(False)
        show(self.export_result, f"Writing {export_filename(day, fmt)}…")
        self.reveal(self.export_result)

    def show_result(self, text: str, *, exists: bool = False) -> None:
        for button in self.format_buttons.values():
            button.setEnabled(self.folder is not None)
        show(self.export_result, text)
        self.replace_button.setVisible(exists)
        self.reveal(self.replace_button if exists else self.export_result)

    def _clear_result(self) -> None:
        show(self.export_result, "")
        self.replace_button.hide()


register(ExportSection)
