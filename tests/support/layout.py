"""What "fits" means on a kiosk screen: touch targets of at least 64 px, no clipped text, no
visible widgets overlapping their siblings (tests/ui/test_layout.py, tests/ui/test_staff.py)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractScrollArea, QLabel, QPushButton, QWidget

MIN_TARGET = 64


def problems_in(root: QWidget) -> list[str]:
    found: list[str] = []
    for button in root.findChildren(QPushButton):
        if button.isVisibleTo(root):
            size = button.size()
            if size.width() < MIN_TARGET or size.height() < MIN_TARGET:
                found.append(f"button {button.text()!r} is {size.width()}x{size.height()}")
            # Wrapping buttons carry their text in a child label (checked below).
            if button.text() and button.sizeHint().width() > size.width() + 1:
                found.append(
                    f"button {button.text()!r} needs {button.sizeHint().width()}px, "
                    f"has {size.width()}"
                )
    for label in root.findChildren(QLabel):
        if not label.isVisibleTo(root) or not label.text().strip():
            continue
        width, height = label.width(), label.height()
        if label.wordWrap():
            needed = label.heightForWidth(width)
            if needed > height + 1:
                found.append(f"label {label.text()[:40]!r} needs {needed}px height, has {height}")
        elif label.sizeHint().width() > width + 1:
            found.append(
                f"label {label.text()[:40]!r} needs {label.sizeHint().width()}px, has {width}"
            )
    return found + overlaps_in(root)


def overlaps_in(root: QWidget) -> list[str]:
    """Visible siblings whose rectangles intersect (a layout squeezed past its minimum)."""
    found: list[str] = []
    parents = [root, *root.findChildren(QWidget)]
    for parent in parents:
        if not parent.isVisibleTo(root) or isinstance(parent, QAbstractScrollArea):
            continue  # a scroll area's viewport and scroll bars are placed by Qt, not a layout
        children = [
            c
            for c in parent.children()
            if isinstance(c, QWidget)
            and not c.isWindow()
            and c.isVisibleTo(root)
            # Text laid over a button on purpose (a visit row's cells) lets touches through.
            and not c.testAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        ]
        for i, first in enumerate(children):
            for second in children[i + 1 :]:
                if first.geometry().intersects(second.geometry()):
                    found.append(
                        f"{describe(first)} overlaps {describe(second)} in {describe(parent)}"
                    )
    return found


def describe(widget: QWidget) -> str:
    text = widget.text() if isinstance(widget, QLabel | QPushButton) else ""
    name = widget.objectName() or type(widget).__name__
    return f"{name} {text[:30]!r}" if text else name
