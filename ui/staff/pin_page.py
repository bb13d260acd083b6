"""The staff sign-in page: a big numeric PIN pad, one dot per digit, "Sign in" and "Cancel"."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.security import PIN_MAX_DIGITS, PIN_MIN_DIGITS
from ui.staff.common import show
from ui.widgets.basics import TouchButton, label, set_label, touch_scroll_area
from ui.widgets.pinpad import NumericKeypad

COLUMN_WIDTH = 560
HOW_TO_SET = (
    "On the kiosk computer, in the kiosk's folder, run:\n"
    "python -m kiosk set-pin reception\n"
    "python -m kiosk set-pin admin"
)


class PinPage(QWidget):
    """Emits `sign_in_requested(pin)` (the page forgets the PIN at once) or `cancel_requested`.

    Modes: "ready" (pad usable), "checking", "locked" (a countdown after wrong PINs), "no_pin"
    (no PIN is set for either role: how to set one) and "unavailable" (no database).
    """

    sign_in_requested = Signal(str)
    cancel_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("ScreenBody")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.mode = "ready"
        # In a scroll area so the pad never sets a minimum height for the whole window; at
        # 1280x800 and above it fits without scrolling.
        body = QWidget()
        body.setObjectName("ScreenBody")
        wrapper = QVBoxLayout(self)
        wrapper.setContentsMargins(0, 0, 0, 0)
        wrapper.addWidget(touch_scroll_area(body))
        outer = QHBoxLayout(body)
        outer.setContentsMargins(32, 12, 32, 12)
        column_widget = QWidget()
        column_widget.setObjectName("ScreenBody")
        column_widget.setMaximumWidth(COLUMN_WIDTH)
        column = QVBoxLayout(column_widget)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(16)
        outer.addStretch(1)
        outer.addWidget(column_widget, 100)
        outer.addStretch(1)

        self.title = label("title", "Staff sign-in")
        self.message = label("body")
        self.message.setObjectName("PinMessage")
        self.how_to = label("command", HOW_TO_SET)
        self.how_to.hide()
        self.dots = label("pindots", "")
        self.dots.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.dots.setAccessibleName("PIN entry")
        self.keypad = NumericKeypad(PIN_MAX_DIGITS)
        self.keypad.text_changed.connect(self._digits_changed)
        self.cancel_button = TouchButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.sign_in_button = TouchButton("Sign in", role="primary")
        self.sign_in_button.clicked.connect(self._submit)
        buttons = QHBoxLayout()
        buttons.setSpacing(24)
        buttons.addWidget(self.cancel_button, 1)
        buttons.addWidget(self.sign_in_button, 1)

        column.addStretch(1)
        for widget in (self.title, self.message, self.how_to, self.dots, self.keypad):
            column.addWidget(widget)
        column.addLayout(buttons)
        column.addStretch(1)
        self.show_ready()

    # -- what the panel tells it --------------------------------------------------------------

    def show_ready(self, message: str = "Enter your staff PIN.") -> None:
        self._set_mode("ready", message)

    def show_checking(self) -> None:
        self._set_mode("checking", "Checking the PIN…")

    def show_locked(self, seconds: int, wrong: bool = False) -> None:
        lead = "That PIN did not match. " if wrong else "Too many wrong PINs. "
        self._set_mode("locked", f"{lead}Try again in {seconds} s.")

    def show_no_pin(self) -> None:
        self._set_mode("no_pin", "Staff mode has no PIN yet, so nobody can sign in here.")

    def show_unavailable(self, detail: str = "") -> None:
        text = "The kiosk database is unavailable, so staff mode cannot be used now."
        if detail:
            text += f" ({detail})"
        self._set_mode(
            "unavailable",
            f"{text} Check the kiosk computer: python -m kiosk check",
        )

    def reset(self) -> None:
        """Forget any digits typed; back to the plain pad."""
        self.keypad.clear()
        self.show_ready()

    # -- internals ----------------------------------------------------------------------------

    def _set_mode(self, mode: str, message: str) -> None:
        self.mode = mode
        show(self.message, message)
        usable = mode == "ready"
        has_pad = mode in ("ready", "checking", "locked")
        self.how_to.setVisible(mode == "no_pin")
        self.dots.setVisible(has_pad)
        self.keypad.setVisible(has_pad)
        self.keypad.setEnabled(usable)
        self.sign_in_button.setVisible(has_pad)
        if not usable:
            self.keypad.clear()
        self._digits_changed(self.keypad.text())

    def _digits_changed(self, digits: str) -> None:
        # One dot per digit; the digits themselves are never shown.
        set_label(self.dots, " ".join("●" for _ in digits) if digits else "")
        self.dots.setAccessibleName(f"PIN entry, {len(digits)} digits")
        self.sign_in_button.setEnabled(self.mode == "ready" and len(digits) >= PIN_MIN_DIGITS)

    def _submit(self) -> None:
        pin = self.keypad.text()
        if self.mode != "ready" or len(pin) < PIN_MIN_DIGITS:
            return
        self.keypad.clear()
        self.show_checking()
        self.sign_in_requested.emit(pin)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        # A USB keypad or keyboard at the desk works too.
        if self.mode == "ready":
            if event.text().isdigit():
                self.keypad.type_digit(event.text())
                return
            if event.key() == Qt.Key.Key_Backspace:
                self.keypad.delete()
                return
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._submit()
                return
        if event.key() == Qt.Key.Key_Escape:
            self.cancel_requested.emit()
            return
        super().keyPressEvent(event)
