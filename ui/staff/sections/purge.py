"""Purge now: delete the visits older than the retention period, after a confirmation."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from ui.staff.common import one_line, show
from ui.staff.sections import AdminSection, confirm_box, register, section_body
from ui.widgets.basics import TouchButton, label


class PurgeSection(AdminSection):
    key = "purge"
    title = "Purge"
    order = 50

    def build(self) -> QWidget:
        days = self.desk.config.storage.retention_days
        inner, column = section_body(
            "Purge old visits",
            f"Visits are kept for {days} days, then deleted with their answers. The kiosk does "
            "this by itself when it starts and once a day; “Purge now” does it at once.",
        )
        self.purge_button = TouchButton("Purge now")
        self.purge_button.clicked.connect(self._ask)
        column.addWidget(self.purge_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.purge_cancel = TouchButton("Cancel")
        self.purge_confirm = TouchButton("Delete old visits", role="primary")
        self.purge_box = confirm_box(
            f"Delete every visit that started more than {days} days ago? This cannot be undone.",
            self.purge_cancel,
            self.purge_confirm,
        )
        self.purge_cancel.clicked.connect(self.hidden)
        self.purge_confirm.clicked.connect(self._confirm)
        column.addWidget(self.purge_box)
        self.purge_result = label("body")
        column.addWidget(self.purge_result)
        column.addStretch(1)
        show(self.purge_result, "")
        return inner

    def hidden(self) -> None:
        self.purge_box.hide()
        self.purge_button.show()
        self.purge_confirm.setEnabled(True)

    def clear(self) -> None:
        show(self.purge_result, "")

    def _ask(self) -> None:
        show(self.purge_result, "")
        self.purge_button.hide()
        self.purge_box.show()

    def _confirm(self) -> None:
        self.purge_confirm.setEnabled(False)
        show(self.purge_result, "Deleting old visits…")
        self.purge()

    def purge(self) -> None:
        store = self.desk.store
        if store is None or not self.signed_in_admin:
            return
        days = self.desk.config.storage.retention_days

        def done(result: tuple[int, list[str]] | None, error: BaseException | None) -> None:
            if error is not None or result is None:
                self.show_result(f"Nothing deleted: {one_line(error or '')}")
                return
            count, kept = result
            plural = "visit" if count == 1 else "visits"
            text = f"Deleted {count} {plural} older than {days} days."
            if kept:
                # UX.md: retention waits for the acknowledgement, and the purge says so.
                text += (
                    f" Kept {len(kept)} urgent {'visit' if len(kept) == 1 else 'visits'} nobody "
                    f"has acknowledged yet ({', '.join(kept)}): acknowledge "
                    f"{'it' if len(kept) == 1 else 'them'} and the next purge deletes "
                    f"{'it' if len(kept) == 1 else 'them'}."
                )
            self.show_result(text)

        def purge_now() -> tuple[int, list[str]]:
            # Purge writes its own audit entry (actor "admin", the counts, never a visit).
            return store.purge(days, actor="admin"), store.purge_kept(days)

        self.desk.worker.run(purge_now, done)

    def show_result(self, text: str) -> None:
        self.hidden()
        show(self.purge_result, text)
        self.reveal(self.purge_result)


register(PurgeSection)
