"""An in-app numeric keypad for staff PINs: big keys, no system keyboard needed."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QWidget

from ui.widgets.basics import TouchButton

DIGITS = ("123", "456", "789")


class NumericKeypad(QWidget):
    """Digits 0-9, "Clear" and "Delete". Emits `text_changed` with the digits typed so far.

    The digits never appear on screen; the owner shows one dot per digit.
    """

    text_changed = Signal(str)

    def __init__(self, max_digits: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ScreenBody")
        self.max_digits = max_digits
        self._text = ""
        grid = QGridLayout(self)
        grid.setSpacing(12)
        grid.setContentsMargins(0, 0, 0, 0)
        self.keys: dict[str, TouchButton] = {}
        for row, digits in enumerate(DIGITS):
            for col, digit in enumerate(digits):
                self._add_key(grid, digit, row, col)
        self.clear_button = TouchButton("Clear", role="pinkey")
        self.clear_button.setProperty("small", True)
        self.clear_button.clicked.connect(self.clear)
        self.delete_button = TouchButton("Delete", role="pinkey")
        self.delete_button.setProperty("small", True)
        self.delete_button.clicked.connect(self.delete)
        grid.addWidget(self.clear_button, 3, 0)
        self._add_key(grid, "0", 3, 1)
        grid.addWidget(self.delete_button, 3, 2)

    def _add_key(self, grid: QGridLayout, digit: str, row: int, col: int) -> None:
        button = TouchButton(digit, role="pinkey")
        button.clicked.connect(lambda _=False, d=digit: self.type_digit(d))
        grid.addWidget(button, row, col)
        self.keys[digit] = button

    def text(self) -> str:
        return self._text

    def type_digit(self, digit: str) -> None:
        if len(digit) != 1 or not digit.isdigit() or len(self._text) >= self.max_digits:
            return
        self._text += digit
        self.text_changed.emit(self._text)

    def delete(self) -> None:
        if self._text:
            self._text = self._text[:-1]
            self.text_changed.emit(self._text)

    def clear(self) -> None:
        self._text = ""
        self.text_changed.emit(self._text)
