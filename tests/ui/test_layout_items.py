"""Screens that rebuild their content (a language switch, and every reset back to Welcome) free
what they built before: the widgets and the layout items that held them.

QLayout.takeAt() hands the item to the caller, and PySide does not own it: each item taken and
dropped stayed in native memory (~50-80 bytes), about 1.9 KB a visit over the program page, the
safety screen and the two message screens, which every reset retranslates (the soak's ~4 KB a
visit, with SQLite's page cache filling up to its limit). shiboken6.isValid() tells whether the
C++ object behind a wrapper still exists.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLayoutItem, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from kiosk.config import Config
from tests.support.windows import MakeWindow
from ui.screens.base import clear_layout


def items_of(layout: QVBoxLayout | QHBoxLayout) -> list[QLayoutItem]:
    return [layout.itemAt(index) for index in range(layout.count())]


def deferred_deletes() -> None:
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_clear_layout_deletes_items_widgets_and_nested_layouts(qtbot: QtBot) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    column = QVBoxLayout(host)
    labels = [QLabel(f"line {n}") for n in range(3)]
    for widget in labels:
        column.addWidget(widget)
    row = QHBoxLayout()
    inner = QLabel("inner")
    row.addWidget(inner)
    column.addLayout(row)
    column.addStretch(1)
    items = items_of(column) + items_of(row)
    assert len(items) == 6
    clear_layout(column)
    deferred_deletes()
    assert column.count() == 0
    assert [shiboken6.isValid(item) for item in items] == [False] * 6
    assert not any(shiboken6.isValid(w) for w in [*labels, inner])


def test_rebuilt_screens_leave_nothing_of_their_old_content(
    make_window: MakeWindow, config: Config
) -> None:
    window = make_window(config)
    nav = window.navigator
    nav.show_program_page("differ")  # a page with a table (rows of cells in nested layouts)
    layouts = {
        "program page": nav.program_page.blocks,
        "safety": nav.safety.lines,
        "unavailable": nav.unavailable.lines,
        "out of order": nav.out_of_order.lines,
    }
    before = {name: items_of(layout) for name, layout in layouts.items()}
    assert all(before.values())
    nav.switch_language("es")  # every screen shows its text again, in Spanish
    deferred_deletes()
    for name, items in before.items():
        kept = [item for item in items if shiboken6.isValid(item)]
        assert kept == [], f"{name}: {len(kept)} of {len(items)} old layout items still exist"
    nav.reset()  # back to Welcome, in English: rebuilt again
    deferred_deletes()
    assert all(layout.count() for layout in layouts.values())
