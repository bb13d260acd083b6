"""The audit trail: the newest entries, who (by role), what, when; read each time it is shown."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from kiosk.store import AuditEntry, StoreError
from ui.staff.common import clock_time, one_line, show
from ui.staff.sections import AdminSection, register, section_body
from ui.widgets.basics import TouchButton, card, label

SHOWN_ENTRIES = 200


class AuditSection(AdminSection):
    key = "audit"
    title = "Audit log"
    order = 20

    def build(self) -> QWidget:
        inner, column = section_body(
            "Audit log",
            f"The newest {SHOWN_ENTRIES} entries, newest first: who (by role), what, when. "
            "Answers and names are never written here.",
        )
        self.refresh_button = TouchButton("Refresh")
        self.refresh_button.clicked.connect(self.load)
        column.addWidget(self.refresh_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.audit_list = QVBoxLayout()
        self.audit_list.setSpacing(8)
        column.addLayout(self.audit_list)
        self.message = label("body")
        column.addWidget(self.message)
        column.addStretch(1)
        self.audit_rows: list[QWidget] = []
        return inner

    def shown(self) -> None:
        if self.signed_in_admin:
            self.load()

    def clear(self) -> None:
        self.set_entries([], str)
        show(self.message, "")

    def load(self) -> None:
        store = self.desk.store
        if store is None:
            self.show_error("The kiosk database is unavailable.")
            return
        try:
            entries = store.audit_log(SHOWN_ENTRIES)
        except StoreError as exc:
            self.show_error(f"Could not read the audit log: {one_line(exc)}")
            return
        zone = self.desk.config.zone
        self.set_entries(
            entries,
            lambda at: (
                f"{at.astimezone(zone):%b} {at.astimezone(zone).day}, {clock_time(at, zone)}"
            ),
        )

    def set_entries(self, entries: Sequence[AuditEntry], when: Callable[[datetime], str]) -> None:
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
        show(self.message, "" if entries else "The audit log is empty.")

    def show_error(self, text: str) -> None:
        self.set_entries([], str)
        show(self.message, text)


register(AuditSection)
