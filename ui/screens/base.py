"""The common frame of a visitor screen: a centred, touch-scrollable column and a fixed footer.

Screens know nothing of their siblings: data comes in through methods, intents go out as signals.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import shiboken6
from PySide6 import QtCore
from PySide6.QtWidgets import (
    QAbstractButton,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.config import Config
from kiosk.content import LanguageContent
from ui.widgets.basics import AdaptiveRow, scroll_by_touch, set_enum, touch_scroll_area

COLUMN_MAX_WIDTH = 1040
BUTTON_TEXT_ROLES = ("buttontext", "buttondetail")


def clear_layout(layout: QLayout) -> None:
    """Remove and delete every widget a screen built for the previous content, with the layout
    items that held them: takeAt() hands an item to the caller, and PySide does not own it, so
    an item only dropped stays in native memory (about 2 KB a visit, as every reset shows the
    screens' text again)."""
    while layout.count():
        item = layout.takeAt(0)
        if item is None:  # count() said there was one: nothing else can take it meanwhile
            break
        widget = item.widget()
        nested = item.layout()
        if widget is not None:
            widget.hide()
            widget.deleteLater()
        if nested is not None:
            clear_layout(nested)
            nested.deleteLater()  # the item is the layout itself, a QObject
        else:
            shiboken6.delete(item)  # a widget's item or a spacer (its widget is not deleted)


def in_order(layout: QLayout) -> Iterator[QWidget]:
    """The labels, buttons and other leaf widgets of a layout in layout order (grids row by row),
    looking inside plain containers such as cards."""
    for index in range(layout.count()):
        item = layout.itemAt(index)
        if item is None:
            continue
        widget = item.widget()
        child_layout = item.layout()
        if widget is not None:
            inner = widget.layout()
            if isinstance(widget, QLabel | QAbstractButton) or inner is None:
                yield widget
            else:
                yield from in_order(inner)
        elif child_layout is not None:
            yield from in_order(child_layout)


def will_show(widget: QWidget, root: QWidget) -> bool:
    """Visible within root, or about to be: not hidden on purpose, nor inside something that is."""
    current: QWidget | None = widget
    while current is not None and current is not root:
        explicit = current.testAttribute(QtCore.Qt.WidgetAttribute.WA_WState_ExplicitShowHide)
        if current.isHidden() and explicit:
            return False
        current = current.parentWidget()
    return True


class Screen(QWidget):
    """Base of every visitor screen."""

    def __init__(self, config: Config) -> None:
        super().__init__()
        self.config = config
        self.lc: LanguageContent | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)

        # Finger drags scroll the page from scroll_by_touch(), which the navigator calls when it
        # builds the screen, or right after the window's first frame for the screen in it.
        self.scroll_area = touch_scroll_area(touch=False)
        set_enum(self.scroll_area, "focusPolicy", "NoFocus")  # not a Tab stop of its own
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
        self.scroll_area.setWidget(body)
        outer.addWidget(self.scroll_area, 1)

        footer_widget = QWidget()
        footer_widget.setObjectName("ScreenBody")
        self.footer = QHBoxLayout(footer_widget)
        self.footer.setContentsMargins(24, 8, 24, 16)
        self.footer.setSpacing(16)
        outer.addWidget(footer_widget)
        self.footer_widget = footer_widget
        self.footer_row = AdaptiveRow(footer_widget, self.footer)

    def scroll_by_touch(self) -> None:
        """Finger drags scroll the page (see ui.widgets.basics.touch_scroll_area)."""
        scroll_by_touch(self.scroll_area)

    def set_language(self, lc: LanguageContent) -> None:
        """Show this screen's text in another language, keeping whatever it shows."""
        self.lc = lc
        self.retranslate()

    def retranslate(self) -> None:
        raise NotImplementedError

    def text(self, key: str, **params: object) -> str:
        assert self.lc is not None, "set_language() must be called before a screen is shown"
        return self.lc.strings(key, **params)

    def speech_text(self) -> list[str]:
        """What read-aloud says: the text of the page in reading order, then the footer's buttons.

        Widgets a screen has just built count as shown: Qt shows them only on the next turn of
        the event loop, and the answers of a new question must be read with it."""
        parts: list[str] = []
        for widget in self.reading_order():
            if not will_show(widget, self):
                continue
            if isinstance(widget, QLabel) and widget.property("role") in (
                "buttontext",
                "buttondetail",
            ):
                continue
            if isinstance(widget, QLabel | QPushButton):
                parts.append(widget.text())
            if isinstance(widget, QPushButton) and widget.accessibleDescription():
                parts.append(widget.accessibleDescription())  # a topic's one-line summary
        return [p for p in parts if p.strip()]

    def place_text(self) -> list[str]:
        """Where the visitor is, in a few words (the Help key): the screen's first line."""
        for widget in self.reading_order():
            if isinstance(widget, QLabel) and widget.text().strip() and will_show(widget, self):
                return [widget.text()]
        return []

    def withheld_texts(self) -> set[str]:
        """Texts on screen that read aloud says only to a headset (a safety question)."""
        return set()

    def back_control(self) -> QAbstractButton | None:
        """The control that goes back from this screen (the keypad's Back key), if any."""
        return None

    def reading_order(self) -> list[QWidget]:
        return [*in_order(self.column), *in_order(self.footer)]

    def order_focus(self) -> None:
        """Tab goes through the page top to bottom, then the footer: the order it is read in.
        (Creation order would put a question's footer before answers built later.)"""
        chain = [
            w
            for w in self.reading_order()
            if isinstance(w, QAbstractButton)
            and w.focusPolicy() & QtCore.Qt.FocusPolicy.TabFocus
            and will_show(w, self)
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def scroll_to_top(self) -> None:
        self.scroll_area.verticalScrollBar().setValue(0)

    def set_portrait(self, portrait: bool) -> None:
        """Footers stack vertically on portrait screens (and wherever they would not fit)."""
        self.footer_row.set_portrait(portrait)
