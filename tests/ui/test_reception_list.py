"""Reception's list on a busy day: a real store with 1,010 visits, shown through real widgets.

A widget per row took 2.5 s to show 400 visits and ~30 s for 1,010 (past the watchdog). The list
is now a model and a view: the number of widgets must not grow with the number of visits, urgent
visits stay first, every visit can still be reached and opened, and a visit can be found by its
code. Times are not asserted (see benchmarks/bench_ui.py "reception" for the figure).
"""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QFontMetrics
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from kiosk.config import Config
from kiosk.exports.day_log import day_range
from kiosk.staff_pins import set_pin
from kiosk.store import CODE_ALPHABET, Store
from tests.support.staff_mode import RECEPTION_PIN, enter_as, tap_row
from tests.support.windows import MakeWindow, with_printer
from ui.app import MainWindow
from ui.staff.panel import StaffPanel
from ui.staff.reception import CELL_PADDING

pytestmark = pytest.mark.usefixtures("cheap_hashes")

MIN_TARGET = 64


@pytest.fixture
def window(make_window: MakeWindow, config: Config) -> MainWindow:
    win = make_window(with_printer(config, "none"))
    assert win.store is not None
    set_pin(win.store, "reception", RECEPTION_PIN)
    return win


def add_visits(store: Store, count: int, *, urgent_every: int = 10) -> list[str]:
    """``count`` visits through the store's own API: every ``urgent_every``-th urgent, three in
    four completed, the rest abandoned. fsync is off while they are made (set-up only)."""
    db = store._require_db()
    db.execute("PRAGMA synchronous = OFF")
    codes = []
    try:
        for index in range(count):
            code = store.create_visit("en").code
            if index % urgent_every == 0:
                store.mark_urgent(code, "talk_now", "acute")
            if index % 4:
                store.complete_visit(code, {}, "outpatient")
            else:
                store.abandon_visit(code)
            codes.append(code)
    finally:
        db.execute("PRAGMA synchronous = FULL")
    return codes


def todays_order(staff: StaffPanel, store: Store) -> list[tuple[str, bool]]:
    """The day's visits as the store's full query orders them: (code, urgent)."""
    visits = store.list_visits(*day_range(staff.today(), staff.config.zone))
    return [(v.code, v.urgent) for v in visits]


def test_a_thousand_visits_make_no_widget_per_visit_urgent_first_last_reachable(
    window: MainWindow, qtbot: QtBot
) -> None:
    store = window.store
    assert store is not None
    add_visits(store, 10)
    staff = enter_as(qtbot, window, RECEPTION_PIN)
    page = staff.reception
    qtbot.wait(20)
    assert len(page.row_codes()) == 10
    widgets_at_10 = len(staff.findChildren(QWidget))
    application_at_10 = len(QApplication.allWidgets())

    add_visits(store, 1000)
    staff.refresh_visits()  # what the 5 s timer does
    qtbot.wait(20)
    codes = page.row_codes()
    assert len(codes) == 1010
    # Not a widget (nor any other child) per visit: the view paints the rows on screen.
    assert len(staff.findChildren(QWidget)) == widgets_at_10
    assert len(QApplication.allWidgets()) <= application_at_10

    # Urgent first, then the newest: the store's own order, 101 urgent rows on top.
    order = todays_order(staff, store)
    assert codes == [code for code, _ in order]
    urgent = [code for code, is_urgent in order if is_urgent]
    assert len(urgent) == 101 and codes[:101] == urgent
    assert "1,010 visits, 101 urgent" in page.subtitle.text()

    # The screen shows the first rows, all urgent, and only as many as fit.
    shown = page.codes_shown()
    height = page.list.viewport().height()
    row_height = page.list.visualRect(page.model.index(0)).height()
    assert shown == codes[: len(shown)] and 3 <= len(shown) <= height // row_height + 1
    assert all(page.line_for(code).urgent for code in shown)  # type: ignore[union-attr]

    # A visit arriving while reception looks down the list does not move the rows on screen.
    page.scroll_to(codes[500])
    before = page.codes_shown()
    scrolled = page.list.verticalScrollBar().value()
    add_visits(store, 1)
    staff.refresh_visits()
    assert len(page.row_codes()) == 1011
    assert page.codes_shown() == before
    assert page.list.verticalScrollBar().value() > scrolled
    # At the top of the list, a new urgent visit shows at the top at once.
    page.list.scrollToTop()
    (urgent_new,) = add_visits(store, 1)
    staff.refresh_visits()
    assert page.codes_shown()[0] == urgent_new and page.line_for(urgent_new).urgent  # type: ignore[union-attr]
    codes = page.row_codes()

    # The re-read every 5 s reuses the lines of visits that did not change; a lock forgets them.
    assert len(page._line_cache) == len(page.row_codes())
    # The last visit of the day can be reached and opened.
    page.list.scrollToBottom()
    qtbot.wait(10)
    assert codes[-1] in page.codes_shown()
    tap_row(page, codes[-1])
    assert staff.stack.currentWidget() is staff.visit_page
    assert staff.visit_page.code == codes[-1]
    staff.lock()
    assert page.row_codes() == [] and page._line_cache == {}


def test_rows_are_big_unclipped_aligned_and_read_as_they_show(
    window: MainWindow, qtbot: QtBot
) -> None:
    store = window.store
    assert store is not None
    codes = add_visits(store, 30, urgent_every=7)
    store.mark_seen(codes[3])
    staff = enter_as(qtbot, window, RECEPTION_PIN)
    page = staff.reception
    qtbot.wait(20)
    view, delegate = page.list, page.list.delegate
    rows = view.rows_shown()
    assert len(rows) >= 3
    interface = QAccessible.queryAccessibleInterface(view)
    assert interface is not None
    fonts = (delegate.fonts.code, *(delegate.fonts.cell,) * 4)
    for row in rows:
        line = page.model.line(row)
        item = view.visualRect(page.model.index(row))
        card = delegate.card_rect(item)
        assert card.height() >= MIN_TARGET and card.width() >= 600
        cells = delegate.cell_rects(item)
        for cell, text, font in zip(cells[1:], line.cells(), fonts, strict=True):
            needed = QFontMetrics(font).horizontalAdvance(text)
            assert needed <= cell.width() - 2 * CELL_PADDING, f"{text!r} is clipped"
        # Each column starts under its heading.
        for header, cell in zip(page.headers, cells, strict=True):
            left = view.viewport().mapTo(page, cell.topLeft()).x()
            assert header.mapTo(page, header.rect().topLeft()).x() == left
        # What a screen reader hears for the row is every cell of it, as it shows.
        child = interface.child(row)
        assert child is not None
        assert child.text(QAccessible.Text.Name) == line.spoken()
        assert all(text.lower() in line.spoken().lower() for text in line.cells())
    seen = page.line_for(codes[3])
    assert seen is not None and seen.seen == "Yes"


def test_keyboard_and_switch_users_open_a_row_with_enter(window: MainWindow, qtbot: QtBot) -> None:
    store = window.store
    assert store is not None
    codes = add_visits(store, 5)
    staff = enter_as(qtbot, window, RECEPTION_PIN)
    page = staff.reception
    page.list.setFocus(Qt.FocusReason.TabFocusReason)
    page.list.setCurrentIndex(page.model.index(2))
    qtbot.keyClick(page.list, Qt.Key.Key_Return)
    assert staff.visit_page.code == page.row_codes()[2]
    assert set(page.row_codes()) == set(codes)
    # A desk keyboard's typing jumps to the visit whose code starts with it.
    staff.visit_page.back_button.click()
    order = page.row_codes()
    target = next(code for code in reversed(order) if sum(c[:3] == code[:3] for c in order) == 1)
    page.list.setFocus(Qt.FocusReason.TabFocusReason)
    page.list.setCurrentIndex(page.model.index(0))
    qtbot.keyClicks(page.list, target[:3])
    assert page.list.currentIndex().row() == order.index(target)
    qtbot.keyClick(page.list, Qt.Key.Key_Enter)
    assert staff.visit_page.code == target


def unused_fragment(codes: list[str]) -> str:
    """Three code characters that appear in none of ``codes``."""
    compact = [code.replace("-", "") for code in codes]
    for chars in itertools.product(CODE_ALPHABET, repeat=3):
        fragment = "".join(chars)
        if not any(fragment in code for code in compact):
            return fragment
    raise AssertionError("every fragment is used")


def test_find_a_visit_by_its_code(window: MainWindow, qtbot: QtBot) -> None:
    store = window.store
    assert store is not None
    codes = add_visits(store, 60)
    staff = enter_as(qtbot, window, RECEPTION_PIN)
    page = staff.reception
    widgets_before = len(staff.findChildren(QWidget))
    target = codes[17]
    typed = target.replace("-", "")[:4]
    page.find_button.click()
    keypad = page.keypad
    assert keypad is not None and keypad.isVisible()
    assert not page.find_button.isVisible() and not page.hint.isVisible()
    assert page.show_all_button.isVisible() and page.entry.text() == "Type the code"
    for char in typed:
        keypad.keys[char].click()
    assert page.entry.text() == f"Code: {target[:3]}-{target[4]}"
    matches = page.row_codes()
    assert target in matches and all(typed in code.replace("-", "") for code in matches)
    verb = "has" if len(matches) == 1 else "have"
    wanted = f"{len(matches)} of 60 {verb} {target[:3]}-{target[4]} in the code"
    assert page.subtitle.text().endswith(wanted)
    tap_row(page, target)
    assert staff.visit_page.code == target
    staff.visit_page.back_button.click()
    assert staff.stack.currentWidget() is page
    assert target in page.row_codes() and keypad.isVisible()  # the search is kept meanwhile

    # Typing something no code holds says so; Clear and "Show all visits" bring the list back.
    keypad.clear_button.click()
    assert len(page.row_codes()) == 60
    for char in unused_fragment(codes):
        keypad.keys[char].click()
    assert page.row_codes() == [] and not page.list.isVisible()
    assert page.empty.isVisible() and "in its code" in page.empty.text()
    keypad.delete_button.click()
    page.show_all_button.click()
    assert not keypad.isVisible() and not page.entry.isVisible()
    assert page.find_button.isVisible() and page.hint.isVisible()
    assert len(page.row_codes()) == 60 and page.subtitle.text().endswith("60 visits, 6 urgent")
    # The keypad was made once, when first asked for; nothing is made per visit or per search.
    page.find_button.click()
    page.show_all_button.click()
    keypad_widgets = len(keypad.findChildren(QWidget)) + 1
    assert len(staff.findChildren(QWidget)) == widgets_before + keypad_widgets
