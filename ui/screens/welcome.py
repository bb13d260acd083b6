"""Welcome (attract) screen: the clinic, and the two things a visitor can do here."""

from __future__ import annotations

from PySide6.QtCore import Signal

from kiosk.config import Config
from ui.screens.base import Screen
from ui.widgets.basics import TouchButton, label, set_enum, set_label


class WelcomeScreen(Screen):
    learn_requested = Signal()
    checkin_requested = Signal()

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        self.greeting = label("subtitle")
        self.clinic = label("title", config.clinic.name)
        self.tagline = label("body")
        # Welcome is the first frame: its alignment by name, not `Qt.` (see set_enum).
        for widget in (self.greeting, self.clinic, self.tagline):
            set_enum(widget, "alignment", "AlignCenter")
        self.learn_button = TouchButton(role="big")
        self.checkin_button = TouchButton(role="big")
        self.checkin_button.setProperty("role", "big")
        self.checkin_button.setProperty("primary", True)
        self.checkin_hint = label("small")
        set_enum(self.checkin_hint, "alignment", "AlignCenter")
        self.learn_button.clicked.connect(self.learn_requested)
        self.checkin_button.clicked.connect(self.checkin_requested)

        self.column.addStretch(2)
        self.column.addWidget(self.greeting)
        self.column.addWidget(self.clinic)
        self.column.addWidget(self.tagline)
        self.column.addSpacing(32)
        self.column.addWidget(self.learn_button)
        self.column.addWidget(self.checkin_button)
        self.column.addWidget(self.checkin_hint)
        self.column.addStretch(3)
        # Welcome has no footer buttons: give its height to the page.
        self.footer_widget.hide()

    def retranslate(self) -> None:
        set_label(self.greeting, self.text("welcome.greeting"))
        set_label(self.tagline, self.text("welcome.tagline"))
        self.learn_button.setText(self.text("welcome.learn"))
        self.checkin_button.setText(self.text("welcome.checkin"))
        set_label(self.checkin_hint, self.text("welcome.checkin_hint"))
