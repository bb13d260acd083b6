"""An in-app letter keypad: big keys, Spanish letters, no system keyboard needed."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QWidget

from ui.widgets.basics import TouchButton

ROWS = ("ABCDEFGHIJ", "KLMNÑOPQRS", "TUVWXYZÁÉÍ", "ÓÚÜ.-'")
MAX_LENGTH = 24


class LetterKeypad(QWidget):
    """Emits `text_changed` with the whole text after every key."""

    text_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ScreenBody")
        self._text = ""
        grid = QGridLayout(self)
        grid.setSpacing(8)
        grid.setContentsMargins(0, 0, 0, 0)
        self.keys: dict[str, TouchButton] = {}
        for row, letters in enumerate(ROWS):
            for col, letter in enumerate(letters):
                button = TouchButton(letter, role="key")
                button.clicked.connect(lambda _=False, ch=letter: self._type(ch))
                grid.addWidget(button, row, col)
                self.keys[letter] = button
        last = len(ROWS) - 1
        self.space_button = TouchButton(role="key")
        self.delete_button = TouchButton(role="key")
        self.space_button.clicked.connect(lambda: self._type(" "))
        self.delete_button.clicked.connect(self._delete)
        grid.addWidget(self.space_button, last, len(ROWS[last]), 1, 2)
        grid.addWidget(self.delete_button, last, len(ROWS[last]) + 2, 1, 2)

    def set_labels(self, space: str, delete: str) -> None:
        self.space_button.setText(space)
        self.delete_button.setText(delete)

    def text(self) -> str:
        return self._text

    def clear(self) -> None:
        self._text = ""
        self.text_changed.emit(self._text)

    def _type(self, char: str) -> None:
        if len(self._text) >= MAX_LENGTH or (
            char == " " and (not self._text or self._text[-1] == " ")
        ):
            return
        # Names are shown as typed; the first letter of each word upper, the rest lower.
        if char.isalpha() and self._text and self._text[-1] not in " -'.":
            char = char.lower()
        self._text += char
        self.text_changed.emit(self._text)

    def _delete(self) -> None:
        self._text = self._text[:-1]
        self.text_changed.emit(self._text)
