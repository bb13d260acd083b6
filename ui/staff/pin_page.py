"""The staff sign-in page: a big numeric PIN pad, one dot per digit, "Sign in" and "Cancel"."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.staff_pins import PIN_MAX_DIGITS, SIGN_IN_MIN_DIGITS
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
    (no PIN is set for either role: how to set one) and "unavailable" (no database). Apart from
    the mode, a standing notice while administrator sign-in is locked (`set_admin_lock`).
    """

    sign_in_requested = Signal(str)
    cancel_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("ScreenBody")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.mode = "ready"
        self.admin_locked = False
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
        self.lock_notice = label("body")
        self.lock_notice.setObjectName("AdminLockNotice")
        self.lock_notice.hide()
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
        for widget in (
            self.title,
            self.message,
            self.lock_notice,
            self.how_to,
            self.dots,
            self.keypad,
        ):
            column.addWidget(widget)
        column.addLayout(buttons)
        column.addStretch(1)
        self.show_ready()

    # -- what the panel tells it --------------------------------------------------------------

    def show_ready(self, message: str = "Enter your staff PIN.") -> None:
        self._set_mode("ready", message)

    def show_checking(self) -> None:
        self._set_mode("checking", "Checking the PIN…")

    def show_wrong(self) -> None:
        self.show_ready(f"{self._wrong_lead()}Please try again.")

    def show_locked(self, seconds: int, wrong: bool = False) -> None:
        lead = self._wrong_lead() if wrong else "Too many wrong PINs. "
        self._set_mode("locked", f"{lead}Try again in {seconds} s.")

    def set_admin_lock(self, text: str) -> None:
        """Say why the admin PIN is refused (``text``), or nothing when it is not locked."""
        self.admin_locked = bool(text)
        set_label(self.lock_notice, text)
        self.lock_notice.setVisible(self.admin_locked and self._has_pad())

    def _wrong_lead(self) -> str:
        # While the admin role is locked its own PIN is refused too, so "did not match" would
        # be untrue for it; the same words for every refused PIN tell a guesser nothing.
        return "That PIN was not accepted. " if self.admin_locked else "That PIN did not match. "

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
        has_pad = self._has_pad()
        self.how_to.setVisible(mode == "no_pin")
        self.lock_notice.setVisible(self.admin_locked and has_pad)
        self.dots.setVisible(has_pad)
        self.keypad.setVisible(has_pad)
        self.keypad.setEnabled(usable)
        self.sign_in_button.setVisible(has_pad)
        if not usable:
            self.keypad.clear()
        self._digits_changed(self.keypad.text())

    def _has_pad(self) -> bool:
        return self.mode in ("ready", "checking", "locked")

    def _digits_changed(self, digits: str) -> None:
        # One dot per digit; the digits themselves are never shown.
        set_label(self.dots, " ".join("●" for _ in digits) if digits else "")
        self.dots.setAccessibleName(f"PIN entry, {len(digits)} digits")
        # PINs set before 6 digits were required still sign in (check asks for a new one).
        self.sign_in_button.setEnabled(self.mode == "ready" and len(digits) >= SIGN_IN_MIN_DIGITS)

    def _submit(self) -> None:
        pin = self.keypad.text()
        if self.mode != "ready" or len(pin) < SIGN_IN_MIN_DIGITS:
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
