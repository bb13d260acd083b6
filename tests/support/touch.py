"""Input the way the platform delivers it: to the window first, then to the widget under it.

QTest's widget overloads hand events straight to the widget, past the window; the kiosk watches
touches (idle reset, staff lock) and context-menu requests on the window, as Qt routes them.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget


def tap(widget: QWidget, pos: QPoint | None = None) -> None:
    """A press and release on ``widget`` (at ``pos`` in its coordinates; its centre if None)."""
    window = widget.window()
    handle = window.windowHandle()
    assert handle is not None, "the window is not shown"
    at = widget.mapTo(window, pos if pos is not None else widget.rect().center())
    QTest.mouseClick(handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)
