"""The settings in force, as read from the config file at start (read-only)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QWidget

from ui.staff.printer_state import queue_label
from ui.staff.sections import AdminSection, register, section_body
from ui.widgets.basics import label


class SettingsSection(AdminSection):
    key = "settings"
    title = "Settings"
    order = 40

    def build(self) -> QWidget:
        inner, column = section_body(
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
        return inner

    def settings_rows(self) -> list[tuple[str, str]]:
        config = self.desk.config
        clinic, kiosk, printing = config.clinic, config.kiosk, config.printing
        return [
            ("Clinic name", clinic.name),
            ("Clinic phone", clinic.phone or "(none: not printed or shown)"),
            ("Time zone", clinic.timezone),
            ("Languages", ", ".join(kiosk.languages)),
            ("Fullscreen", "Yes" if kiosk.fullscreen else "No (windowed)"),
            ("Idle warning after", f"{kiosk.idle_seconds} s without a touch"),
            ("Idle countdown", f"{kiosk.idle_countdown_seconds} s"),
            ("Printer", queue_label(printing.printer)),
            ("Paper", printing.paper.upper() if printing.paper == "a4" else "Letter"),
            ("Print timeout", f"{printing.timeout_seconds} s"),
            ("Retention", f"{config.storage.retention_days} days"),
            ("Data folder", str(config.data_dir)),
            ("Config file", str(config.source) if config.source else "(none: built-in defaults)"),
        ]


register(SettingsSection)
