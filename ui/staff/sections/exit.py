"""Exit the application: the only way out of fullscreen, after a confirmation."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from ui.staff.sections import AdminSection, confirm_box, register, section_body
from ui.widgets.basics import TouchButton


class ExitSection(AdminSection):
    key = "exit"
    title = "Exit app"
    order = 60

    def build(self) -> QWidget:
        inner, column = section_body(
            "Exit the application",
            "Closes the kiosk program; this is the only way out of fullscreen mode. A kiosk "
            "installed as a service starts again by itself a few seconds later (a clean restart, "
            "e.g. after changing the config file); otherwise the screen stays without the kiosk "
            "until someone starts it.",
        )
        self.exit_button = TouchButton("Exit the application")
        self.exit_button.clicked.connect(self._ask)
        column.addWidget(self.exit_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.exit_cancel = TouchButton("Cancel")
        self.exit_confirm = TouchButton("Exit now", role="primary")
        self.exit_box = confirm_box(
            "Close the kiosk application now?", self.exit_cancel, self.exit_confirm
        )
        self.exit_cancel.clicked.connect(self.hidden)
        self.exit_confirm.clicked.connect(self.exit_app)
        column.addWidget(self.exit_box)
        column.addStretch(1)
        return inner

    def hidden(self) -> None:
        self.exit_box.hide()
        self.exit_button.show()

    def _ask(self) -> None:
        self.exit_button.hide()
        self.exit_box.show()

    def exit_app(self) -> None:
        if not self.signed_in_admin:
            return
        self.desk.audit("exit_app", "the kiosk application was closed from staff mode")
        self.desk.quit_kiosk()


register(ExitSection)
