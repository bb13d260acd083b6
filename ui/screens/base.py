"""The common frame of a visitor screen: a centred, touch-scrollable column and a fixed footer.

Screens know nothing of their siblings: data comes in through methods, intents go out as signals.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QScrollArea,
    QScroller,
    QVBoxLayout,
    QWidget,
)

from kiosk.config import Config
from kiosk.content import LanguageContent
from ui.widgets.basics import AdaptiveRow

COLUMN_MAX_WIDTH = 1040


def clear_layout(layout: QLayout) -> None:
    """Remove and delete every widget a screen built for the previous content."""
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget()
        if widget is not None:
            widget.hide()
            widget.deleteLater()
        elif item.layout() is not None:
            clear_layout(item.layout())


class Screen(QWidget):
    """Base of every visitor screen."""

    def __init__(self, config: Config) -> None:
        super().__init__()
        self.config = config
        self.lc: LanguageContent | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)

        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        # Finger drags scroll the page; no scrollbar needs a mouse.
        QScroller.grabGesture(self.scroll.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        body = QWidget()
        body.setObjectName("ScreenBody")
        row = QHBoxLayout(body)
        row.setContentsMargins(32, 24, 32, 16)
        column_widget = QWidget()
        column_widget.setObjectName("ScreenBody")
        column_widget.setMaximumWidth(COLUMN_MAX_WIDTH)
        self.column = QVBoxLayout(column_widget)
        self.column.setContentsMargins(0, 0, 0, 0)
        self.column.setSpacing(24)
        row.addStretch(1)
        row.addWidget(column_widget, 100)
        row.addStretch(1)
        self.scroll.setWidget(body)
        outer.addWidget(self.scroll, 1)

        footer_widget = QWidget()
        footer_widget.setObjectName("ScreenBody")
        self.footer = QHBoxLayout(footer_widget)
        self.footer.setContentsMargins(24, 8, 24, 16)
        self.footer.setSpacing(16)
        outer.addWidget(footer_widget)
        self.footer_widget = footer_widget
        self.footer_row = AdaptiveRow(footer_widget, self.footer)

    def set_language(self, lc: LanguageContent) -> None:
        """Show this screen's text in another language, keeping whatever it shows."""
        self.lc = lc
        self.retranslate()

    def retranslate(self) -> None:
        raise NotImplementedError

    def t(self, key: str, **params: object) -> str:
        assert self.lc is not None, "set_language() must be called before a screen is shown"
        return self.lc.strings(key, **params)

    def speech_text(self) -> list[str]:
        """What read-aloud says: the visible text of the page, top to bottom, then the buttons."""
        parts: list[str] = []
        for widget in self.scroll.widget().findChildren(QWidget):
            if not widget.isVisibleTo(self):
                continue
            if (
                isinstance(widget, QLabel)
                and widget.property("role")
                not in (
                    "buttontext",
                    "buttondetail",
                )
            ) or isinstance(widget, QPushButton):
                parts.append(widget.text())
        for index in range(self.footer.count()):
            button = self.footer.itemAt(index).widget()
            if isinstance(button, QPushButton) and button.isVisibleTo(self):
                parts.append(button.text())
        return [p for p in parts if p.strip()]

    def scroll_to_top(self) -> None:
        self.scroll.verticalScrollBar().setValue(0)

    def set_portrait(self, portrait: bool) -> None:
        """Footers stack vertically on portrait screens (and wherever they would not fit)."""
        self.footer_row.set_portrait(portrait)
