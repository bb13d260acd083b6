"""The bar on every visitor screen: the clinic's name (and the hidden staff entry), read aloud,
larger text, high contrast and the language switch."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSignalBlocker, QTimer, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout

from kiosk.config import Config
from kiosk.content import Content, LanguageContent
from ui.widgets.basics import AdaptiveRow, TouchButton, label, row_width

HOLD_MS = 3000
NAME_MIN_WIDTH = 160  # narrowest the wrapped clinic name may get beside the controls


class TopBar(QFrame):
    """On every visitor screen: the clinic's name (the logo), read aloud, larger text, high
    contrast and the language switch. The controls go on a second row on portrait screens and
    wherever they do not fit beside the name (large text, Spanish)."""

    language_requested = Signal(str)
    staff_requested = Signal()
    read_aloud_toggled = Signal(bool)
    large_text_toggled = Signal(bool)
    high_contrast_toggled = Signal(bool)

    def __init__(self, config: Config, content: Content, *, can_speak: bool) -> None:
        super().__init__()
        # A QFrame (without a frame), not a QWidget with Qt.WA_StyledBackground: Qt gives a
        # frame its style-sheet background itself, and the start path names no `Qt.` enum
        # (ui.widgets.basics.set_enum).
        self.setObjectName("TopBar")
        self.lc: LanguageContent | None = None
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(32, 8, 32, 8)
        self.grid.setHorizontalSpacing(12)
        self.grid.setVerticalSpacing(8)
        # The name wraps rather than pushing the controls onto a second row (landscape, large text).
        self.clinic = label("small", config.clinic.name, wrap=True)
        self.clinic.setObjectName("ClinicName")
        # Hidden staff entry (UX.md): press and hold the clinic's name for HOLD_MS.
        self.hold_timer = QTimer(self)
        self.hold_timer.setSingleShot(True)
        self.hold_timer.setInterval(HOLD_MS)
        self.hold_timer.timeout.connect(self.staff_requested)
        self.clinic.installEventFilter(self)
        self.clinic.setMinimumHeight(64)
        self.read_button = TouchButton(role="tool")
        self.read_button.setCheckable(True)
        self.read_button.setVisible(can_speak)
        # Every toggle listens to the state, not to `clicked`: a screen reader's "Toggle" action
        # (the first of a checkable button) flips the state and never clicks.
        self.read_button.toggled.connect(self.read_aloud_toggled)
        self.large_button = TouchButton(role="tool")
        self.large_button.setCheckable(True)
        self.large_button.toggled.connect(self.large_text_toggled)
        self.contrast_button = TouchButton(role="tool")
        self.contrast_button.setCheckable(True)
        self.contrast_button.toggled.connect(self.high_contrast_toggled)
        self.language_buttons: dict[str, TouchButton] = {}
        if len(content.languages) > 1:
            for code, lc in content.languages.items():
                button = TouchButton(lc.strings("language.switch_to"), role="lang")
                button.clicked.connect(lambda _=False, c=code: self.language_requested.emit(c))
                self.language_buttons[code] = button
        self.controls = QHBoxLayout()
        self.controls.setSpacing(12)
        for button in (self.read_button, self.large_button, self.contrast_button):
            self.controls.addWidget(button)
        for button in self.language_buttons.values():
            self.controls.addWidget(button)
        # Takes the room the buttons do not need: on a row of their own they stay at the left
        # (as Qt.AlignLeft would keep them); beside the name their cell is as wide as they are.
        self.controls.addStretch(1)
        self.two_rows: bool | None = None
        # The same "one row or stacked" rule as every screen's footer; here "stacked" puts the
        # controls on a second row under the name, which keeps the width it needs to wrap.
        self.row = AdaptiveRow(
            self, self.controls, needed=self._one_row_width, arrange=self._lay_out_rows
        )
        self.row.update()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.clinic:
            if event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin):
                self.hold_timer.start()
            elif event.type() in (
                QEvent.Type.MouseButtonRelease,
                QEvent.Type.TouchEnd,
                QEvent.Type.TouchCancel,
                QEvent.Type.Leave,
            ):
                self.hold_timer.stop()
        return False

    @property
    def portrait(self) -> bool:
        return self.row.portrait

    def set_portrait(self, portrait: bool) -> None:
        self.row.set_portrait(portrait)

    def _one_row_width(self) -> int:
        margins = self.grid.contentsMargins()
        return (
            margins.left()
            + min(self.clinic.sizeHint().width(), NAME_MIN_WIDTH)
            + self.grid.horizontalSpacing()
            + row_width(self.controls)
            + margins.right()
        )

    def _lay_out_rows(self, two_rows: bool) -> None:
        if two_rows == self.two_rows:
            return
        self.two_rows = two_rows
        self.grid.removeWidget(self.clinic)
        self.grid.removeItem(self.controls)
        self.grid.addWidget(self.clinic, 0, 0)
        if two_rows:
            self.grid.addLayout(self.controls, 1, 0)
        else:
            self.grid.addLayout(self.controls, 0, 1)
        self.grid.setColumnStretch(0, 1)

    def set_language(self, language: str, lc: LanguageContent) -> None:
        # Only the other languages are offered: the current one is already on screen.
        self.lc = lc
        for code, button in self.language_buttons.items():
            button.setVisible(code != language)
        self._label_read_button()
        self.large_button.setText(lc.strings("access.large_text"))
        self.contrast_button.setText(lc.strings("access.high_contrast"))

    def show_reading(self, reading: bool) -> None:
        """Read-aloud mode on or off: the button is ticked and offers the other."""
        self.read_button.setChecked(reading)
        self._label_read_button()

    def _label_read_button(self) -> None:
        if self.lc is not None:
            self.read_button.setText(
                self.lc.strings(
                    "access.stop_reading" if self.read_button.isChecked() else "access.read_aloud"
                )
            )

    def reset(self) -> None:
        """Untick the toggles without announcing each: whoever resets applies the plain look
        once (two toggled signals would restyle what is on screen twice)."""
        for button in (self.read_button, self.large_button, self.contrast_button):
            blocker = QSignalBlocker(button)
            button.setChecked(False)
            blocker.unblock()
