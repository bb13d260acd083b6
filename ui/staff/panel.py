"""The staff panel shown by the navigator after the hidden entry (hold the logo for 3 s)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from kiosk.config import Config
from kiosk.content import Content
from kiosk.store import Store
from ui.printer import PrintService


class StaffPanel(QWidget):
    """Owns the staff pages. Emits `exit_requested` to return to Welcome (sign-out, idle lock)
    and `quit_requested` when an administrator exits the application."""

    exit_requested = Signal()
    quit_requested = Signal()

    def __init__(
        self, config: Config, content: Content, store: Store | None, printer: PrintService
    ) -> None:
        super().__init__()
        self.config = config
        self.content = content
        self.store = store
        self.printer = printer
        QVBoxLayout(self)

    def open(self) -> None:
        """Called each time staff mode is entered: always starts at the PIN pad."""

    def lock(self) -> None:
        """Forget the signed-in role and clear every page (idle lock, sign-out)."""
