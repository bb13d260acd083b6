"""What waits for the window's first frame (docs/architecture.md, start-path rules) comes with
the warm-up: touch scrolling and the Tab order of the screen built before it, the hidden pointer
of a fullscreen kiosk. Nothing a visitor can see or reach is missing once it has begun."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QEnterEvent
from PySide6.QtWidgets import QApplication, QPushButton, QScroller
from pytestqt.qtbot import QtBot

from kiosk.config import Config, load_config
from kiosk.content import Content
from ui.app import MainWindow, create_main_window
from ui.shell.navigator import ScreenId
from ui.widgets.basics import TouchButton, set_enum


@pytest.fixture
def unwarmed(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[MainWindow]]:
    """Windows made as main.py makes them, left before their warm-up until a test runs it."""
    monkeypatch.setenv("KIOSK_TTS_ENGINE", "mock")
    windows: list[MainWindow] = []
    yield windows
    for window in windows:
        window.allow_close = True
        window.close()
        window.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def shown(config: Config, content: Content, windows: list[MainWindow]) -> MainWindow:
    window = create_main_window(config, content=content)
    windows.append(window)
    window.show()
    QApplication.processEvents()  # the first frame
    return window


def test_welcome_scrolls_by_touch_and_has_its_tab_order_once_the_warm_up_begins(
    config: Config, content: Content, unwarmed: list[MainWindow]
) -> None:
    window = shown(config, content, unwarmed)
    nav = window.navigator
    welcome = nav.screens[ScreenId.WELCOME]
    assert not nav.first_frame_passed
    assert not QScroller.hasScroller(welcome.scroll_area.viewport())
    nav.warm_up()
    assert nav.first_frame_passed
    # Every screen, Welcome (built before the first frame) and those the warm-up built.
    for screen_id, screen in nav.screens.items():
        assert QScroller.hasScroller(screen.scroll_area.viewport()), screen_id
    # Tab from "Learn about our programs" goes to "Start a private check-in", top to bottom.
    assert welcome.learn_button.nextInFocusChain() is welcome.checkin_button


def test_a_screen_built_after_the_first_frame_scrolls_by_touch_at_once(
    config: Config, content: Content, unwarmed: list[MainWindow]
) -> None:
    window = shown(config, content, unwarmed)
    nav = window.navigator
    nav.warming._begin()  # the warm-up's first step, before it has built anything
    assert ScreenId.SAFETY not in nav.screens
    safety = nav.screen_for(ScreenId.SAFETY)
    assert QScroller.hasScroller(safety.scroll_area.viewport())


def test_a_fullscreen_kiosk_hides_the_pointer_as_the_warm_up_begins(
    config: Config,
    content: Content,
    unwarmed: list[MainWindow],
    write_config: object,
    data_dir: Path,
) -> None:
    path = write_config("[kiosk]\nfullscreen = true\n")  # type: ignore[operator]
    before = QApplication.overrideCursor()
    window = shown(load_config(path, data_dir), content, unwarmed)
    assert QApplication.overrideCursor() is before  # the first frame names no cursor shape
    window.navigator.warm_up()
    cursor = QApplication.overrideCursor()
    assert cursor is not None and cursor.shape() == Qt.CursorShape.BlankCursor
    window.allow_close = True
    window.close()  # gives the pointer back
    assert QApplication.overrideCursor() is before


def test_a_touch_button_shows_the_pointing_hand_once_a_pointer_comes_over_it(
    qtbot: QtBot,
) -> None:
    button = TouchButton("Next")
    qtbot.addWidget(button)
    assert button.cursor().shape() == Qt.CursorShape.ArrowCursor
    enter = QEnterEvent(QPointF(5, 5), QPointF(5, 5), QPointF(QPoint(5, 5)))
    QApplication.sendEvent(button, enter)
    assert button.cursor().shape() == Qt.CursorShape.PointingHandCursor
    assert button.focusPolicy() == Qt.FocusPolicy.TabFocus  # set by name (set_enum)


def test_set_enum_refuses_a_misspelt_value_or_property(qtbot: QtBot) -> None:
    button = QPushButton()
    qtbot.addWidget(button)
    set_enum(button, "focusPolicy", "NoFocus")
    assert button.focusPolicy() == Qt.FocusPolicy.NoFocus
    with pytest.raises(ValueError, match="focusPolicy"):
        set_enum(button, "focusPolicy", "NoFocuss")
    with pytest.raises(ValueError, match="focusPolicey"):
        set_enum(button, "focusPolicey", "NoFocus")
