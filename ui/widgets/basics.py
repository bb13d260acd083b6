"""Small builders for the kiosk's touch widgets.

Roles are dynamic properties styled by resources/styles/kiosk.qss; every button's accessible name
is kept equal to its visible text (screen readers and tests find buttons by it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6 import QtCore
from PySide6.QtCore import QEvent, QObject, QSize
from PySide6.QtGui import QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QLabel,
    QLayout,
    QPushButton,
    QScrollArea,
    QScroller,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from PySide6.QtGui import QEnterEvent


def set_enum(widget: QObject, name: str, key: str) -> None:
    """Set an enum-typed Qt property by the name of its value ("AlignCenter", "TabFocus").

    What builds the first frame names no `Qt.` enum (docs/architecture.md, start-path rules):
    the first Python use of PySide6's `Qt` namespace makes its ~100 enum classes, ~14 ms of a
    cold start. Qt's meta-object system reads the name in C++ instead. A misspelt property or
    value raises (setProperty says whether a declared property took the value)."""
    if not widget.setProperty(name, key):
        raise ValueError(f"{type(widget).__name__} has no property {name!r} with a value {key!r}")


def set_prop(widget: QWidget, name: str, value: object) -> None:
    """Change a styling property and make Qt re-apply the stylesheet to this widget."""
    if widget.property(name) == value:
        return
    widget.setProperty(name, value)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


def touch_scroll_area(content: QWidget | None = None, *, touch: bool = True) -> QScrollArea:
    """A scroll area that finger drags scroll (no scrollbar needs a mouse), frameless, vertical.

    Without ``touch``, finger drags scroll it only once scroll_by_touch(area) is called: that
    call makes PySide6's `Qt` namespace (it returns a `Qt.GestureType`), which a screen built
    before the window's first frame leaves for after it (ui.shell.navigator).

    Its viewport is made here rather than by Qt: the first Python call that returns a widget
    Qt made itself (``viewport()``) has shiboken look for its class among every widget class
    and create the ~20 it had not, with their ~80 enums (~8 ms of the kiosk's start).
    """
    area = QScrollArea()
    viewport = QWidget()
    # What QScrollArea's own viewport has (QAbstractScrollArea names it and fills its
    # background; QScrollArea then takes the role away, so the window's colour shows).
    viewport.setObjectName("qt_scrollarea_viewport")
    viewport.setAutoFillBackground(True)
    viewport.setBackgroundRole(QPalette.ColorRole.NoRole)
    area.setViewport(viewport)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    set_enum(area, "horizontalScrollBarPolicy", "ScrollBarAlwaysOff")
    if touch:
        scroll_by_touch(area)
    if content is not None:
        area.setWidget(content)
    return area


def scroll_by_touch(area: QScrollArea) -> None:
    """Finger drags scroll the area (a kinetic QScroller on its viewport)."""
    viewport = area.viewport()
    if not QScroller.hasScroller(viewport):
        QScroller.grabGesture(viewport, QScroller.ScrollerGestureType.TouchGesture)


def label(role: str = "body", text: str = "", *, wrap: bool = True) -> QLabel:
    widget = QLabel(text)
    widget.setProperty("role", role)
    widget.setWordWrap(wrap)
    set_enum(widget, "textFormat", "PlainText")
    # Kiosk text is never selectable: a long press must not start a selection.
    set_enum(widget, "textInteractionFlags", "NoTextInteraction")
    widget.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    return widget


def set_label(widget: QLabel, text: str) -> None:
    widget.setText(text)
    widget.setAccessibleName(text)


class TouchButton(QPushButton):
    """A QPushButton whose accessible name follows its text."""

    def __init__(self, text: str = "", role: str = "", parent: QWidget | None = None) -> None:
        # Not QPushButton(text, parent): resolving that overload creates QIcon's enums.
        super().__init__(parent)
        self.setText(text)
        if role:
            self.setProperty("role", role)
        self.setAccessibleName(text)
        self._hand = False  # the pointing-hand cursor, set when a pointer first comes over it
        # Tab reaches every button (switch devices); a tap does not leave a focus ring behind.
        set_enum(self, "focusPolicy", "TabFocus")
        self.setAutoDefault(False)

    def enterEvent(self, event: QEnterEvent) -> None:  # noqa: N802 - Qt override
        # Here, not when built: a QCursor is made from a `Qt.CursorShape` (see set_enum), and a
        # cursor only shows once a pointer is over the button.
        if not self._hand:
            self._hand = True
            self.setCursor(QtCore.Qt.CursorShape.PointingHandCursor)
        super().enterEvent(event)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt override
        super().setText(text)
        self.setAccessibleName(text)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        # Switch devices send Enter as well as Space: both press the focused button.
        keys = (QtCore.Qt.Key.Key_Return, QtCore.Qt.Key.Key_Enter)
        if event.key() in keys and not event.isAutoRepeat():
            self.animateClick()
            return
        super().keyPressEvent(event)


def card(role: str = "card") -> QFrame:
    frame = QFrame()
    frame.setProperty("role", role)
    return frame


class WrapButton(TouchButton):
    """A full-width touch row whose text wraps (long answers, large text, Spanish)."""

    def __init__(self, text: str = "", role: str = "answer", parent: QWidget | None = None) -> None:
        super().__init__("", role, parent)
        self._label = QLabel(text)
        self._label.setWordWrap(True)
        self._label.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self._label.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._label.setProperty("role", "buttontext")
        self._detail = QLabel("")
        self._detail.setWordWrap(True)
        self._detail.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self._detail.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._detail.setProperty("role", "buttondetail")
        self._detail.hide()
        layout = QVBoxLayout(self)
        self._column = layout  # typed: QWidget.layout() may be None for mypy
        layout.setContentsMargins(28, 10, 28, 10)
        layout.setSpacing(4)
        layout.addWidget(self._label)
        layout.addWidget(self._detail)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.setAccessibleName(text)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt override
        if hasattr(self, "_label"):
            self._label.setText(text)
        self.setAccessibleName(text)

    def text(self) -> str:
        return self._label.text()

    def set_detail(self, detail: str) -> None:
        """A second, smaller line under the text (e.g. a topic's one-line summary)."""
        self._detail.setText(detail)
        self._detail.setVisible(bool(detail))
        self.setAccessibleDescription(detail)

    def text_label(self) -> QLabel:
        return self._label

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt override
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt override
        margins = self._column.contentsMargins()
        inner = max(1, width - margins.left() - margins.right())
        text_height = self._label.heightForWidth(inner)
        if self._detail.isVisibleTo(self):
            text_height += self._detail.heightForWidth(inner) + self._column.spacing()
        return max(self.minimumSizeHint().height(), text_height + margins.top() + margins.bottom())

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        hint = self._column.sizeHint()
        return QSize(hint.width(), max(64, hint.height()))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(64, 64)


def row_width(layout: QLayout) -> int:
    """The width a row of widgets needs to show every visible one at its size hint, side by side."""
    widths = []
    for index in range(layout.count()):
        item = layout.itemAt(index)
        widget = item.widget() if item is not None else None
        nested = item.layout() if item is not None else None
        if widget is not None and not widget.isHidden():
            widths.append(widget.sizeHint().width())
        elif widget is None and nested is not None:
            widths.append(row_width(nested))
    widths = [w for w in widths if w > 0]
    margins = layout.contentsMargins()
    spacing = max(layout.spacing(), 0) * max(len(widths) - 1, 0)
    return sum(widths) + spacing + margins.left() + margins.right()


class AdaptiveRow(QObject):
    """Lays a row of buttons out vertically when they would not fit side by side.

    Large text and Spanish make labels wider than the screen allows; squeezing them clips their
    text, so the row first tries the shorter texts it was given (set_text), then stacks.
    Portrait screens always stack (UX.md). Re-checked whenever
    the row is resized or its buttons change text or font (both post a LayoutRequest).
    """

    def __init__(
        self,
        widget: QWidget,
        layout: QBoxLayout,
        *,
        needed: Callable[[], int] | None = None,
        arrange: Callable[[bool], None] | None = None,
    ) -> None:
        """`needed` is the width the row takes on one line (by default the layout's own);
        `arrange(stacked)` lays it out (by default the layout turns top to bottom)."""
        super().__init__(widget)
        self.widget = widget
        self.layout = layout
        self._needed = needed or (lambda: row_width(layout))
        self._arrange = arrange or self._set_direction
        self.portrait = False
        # button -> (full text, shorter text tried before stacking a landscape row)
        self.texts: dict[QPushButton, tuple[str, str]] = {}
        widget.installEventFilter(self)

    def set_portrait(self, portrait: bool) -> None:
        self.portrait = portrait
        self.update()

    def set_text(self, button: QPushButton, full: str, short: str) -> None:
        self.texts[button] = (full, short)
        button.setText(full)
        self.update()

    def _width_with(self, which: int) -> int:
        """The row's width if every button with two texts showed texts[which]."""
        width = self._needed()
        for button, texts in self.texts.items():
            if not button.isHidden():
                metrics = button.fontMetrics()
                width += metrics.horizontalAdvance(texts[which]) - metrics.horizontalAdvance(
                    button.text()
                )
        return width

    def update(self) -> None:
        # Deterministic from sizes alone, so the LayoutRequest that a change posts settles here.
        which, stack = 0, True
        if not self.portrait:
            room = self.widget.width()
            if self._width_with(0) <= room:
                stack = False
            elif self.texts and self._width_with(1) <= room:
                which, stack = 1, False
        for button, texts in self.texts.items():
            if button.text() != texts[which]:
                button.setText(texts[which])
        self._arrange(stack)

    def _set_direction(self, stack: bool) -> None:
        direction = QBoxLayout.Direction.TopToBottom if stack else QBoxLayout.Direction.LeftToRight
        if self.layout.direction() != direction:
            self.layout.setDirection(direction)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.widget and event.type() in (
            QEvent.Type.Resize,
            QEvent.Type.LayoutRequest,
        ):
            self.update()
        return False
