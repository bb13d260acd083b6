"""The printer: which CUPS queue, whether it is ready, whether CUPS keeps copies of summaries."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from ui.staff.common import one_line, show
from ui.staff.printer_state import PrinterState, printer_state, queue_label
from ui.staff.sections import AdminSection, register, section_body
from ui.widgets.basics import TouchButton, label, set_label, set_prop


class PrinterSection(AdminSection):
    key = "printer"
    title = "Printer"
    order = 30

    def build(self) -> QWidget:
        self.checking = False
        inner, column = section_body("Printer")
        queue = self.desk.config.printing.printer
        self.printer_queue = label("body", f"Queue: {queue_label(queue)}")
        self.printer_text = label("body")
        self.printer_text.setObjectName("PrinterState")
        self.printer_check_button = TouchButton("Check again")
        self.printer_check_button.clicked.connect(self.check)
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
        return inner

    def shown(self) -> None:
        if self.signed_in_admin:
            self.check()

    def clear(self) -> None:
        self.checking = False  # the staff panel cancels its lpstat as it locks
        set_label(self.printer_text, "")
        show(self.printer_spool, "")

    def check(self) -> None:
        """Ask CUPS (lpstat, which may hang for seconds) on the printer worker."""
        if self.checking:
            return
        self.checking = True
        self.show_checking()
        queue = self.desk.config.printing.printer
        self.desk.printer_worker.run(lambda: printer_state(queue), self._checked)

    def _checked(self, state: PrinterState | None, error: BaseException | None) -> None:
        self.checking = False
        if state is None:
            queue = self.desk.config.printing.printer
            state = PrinterState(queue, "", False, f"Could not check: {one_line(error or '')}.")
        self.show_state(state)

    def show_checking(self) -> None:
        set_label(self.printer_text, "Checking the printer…")
        self.printer_check_button.setEnabled(False)

    def show_state(self, state: PrinterState) -> None:
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


register(PrinterSection)
