"""Welcome -> every program page -> Welcome in both languages; language switch; fullscreen."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QCloseEvent, QContextMenuEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QBoxLayout, QLabel, QPushButton
from pytestqt.qtbot import QtBot

import ui.shell.warm_up as warm_up_module
from kiosk.config import Config
from kiosk.content import PROGRAM_PAGE_IDS, Content
from tests.support.windows import MakeWindow
from ui.app import create_main_window
from ui.shell.navigator import ScreenId


def visible_texts(widget: object) -> list[str]:
    from PySide6.QtWidgets import QWidget

    assert isinstance(widget, QWidget)
    texts = [lbl.text() for lbl in widget.findChildren(QLabel) if lbl.isVisibleTo(widget)]
    texts += [b.text() for b in widget.findChildren(QPushButton) if b.isVisibleTo(widget)]
    return [t for t in texts if t.strip()]


@pytest.mark.parametrize("language", ["en", "es"])
def test_walk_every_program_page_and_back(
    make_window: MakeWindow, config: Config, content: Content, language: str
) -> None:
    window = make_window(config)
    nav = window.navigator
    nav.top_bar.language_buttons[language].click()
    lc = content[language]
    assert nav.welcome.learn_button.text() == lc.strings("welcome.learn")
    nav.welcome.learn_button.click()
    assert nav.current is ScreenId.PROGRAMS
    assert lc.programs.menu.title in visible_texts(nav.programs)
    for page_id in PROGRAM_PAGE_IDS:
        nav.programs.topics[page_id].click()
        assert nav.current is ScreenId.PROGRAM_PAGE
        page = lc.programs.page(page_id)
        shown = visible_texts(nav.program_page)
        assert page.title in shown
        for block in page.blocks:
            if block.kind == "paragraph":
                assert block.text in shown
            elif block.kind == "table":
                for row in block.rows or []:
                    assert all(cell in shown for cell in row)
        assert nav.program_page.checkin_button.text() == lc.strings("programs.start_checkin")
        nav.program_page.back_button.click()
        assert nav.current is ScreenId.PROGRAMS
    nav.programs.home_button.click()
    assert nav.current is ScreenId.WELCOME


def test_next_button_walks_pages_in_order(make_window: MakeWindow, config: Config) -> None:
    nav = make_window(config).navigator
    nav.welcome.learn_button.click()
    nav.programs.topics[PROGRAM_PAGE_IDS[0]].click()
    seen = [nav.program_page.page_id]
    while nav.program_page.next_button.isVisibleTo(nav.program_page):
        nav.program_page.next_button.click()
        seen.append(nav.program_page.page_id)
    assert tuple(seen) == PROGRAM_PAGE_IDS


def test_language_switch_keeps_the_page(
    make_window: MakeWindow, config: Config, content: Content
) -> None:
    nav = make_window(config).navigator
    nav.welcome.learn_button.click()
    nav.programs.topics["differ"].click()
    nav.top_bar.language_buttons["es"].click()
    assert nav.current is ScreenId.PROGRAM_PAGE
    assert content["es"].programs.page("differ").title in visible_texts(nav.program_page)
    assert content["en"].programs.page("differ").title not in visible_texts(nav.program_page)


def test_every_button_accessible_name_is_its_text(make_window: MakeWindow, config: Config) -> None:
    window = make_window(config)
    for button in window.findChildren(QPushButton):
        if button.text():
            assert button.accessibleName() == button.text()


def test_fullscreen_ignores_close_and_context_menus(
    make_window: MakeWindow, data_dir: object, write_config: object
) -> None:
    from kiosk.config import load_config

    path = write_config("[kiosk]\nfullscreen = true\n")  # type: ignore[operator]
    window = make_window(load_config(path, data_dir))  # type: ignore[arg-type]
    assert window.locked
    event = QCloseEvent()
    window.closeEvent(event)
    assert not event.isAccepted()
    assert window.isVisible()
    assert QApplication.overrideCursor() is not None
    assert QApplication.overrideCursor().shape() == Qt.CursorShape.BlankCursor
    centre = window.rect().center()
    menu_event = QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, centre, window.mapToGlobal(centre)
    )
    assert menu_event.type() == QEvent.Type.ContextMenu
    assert window._lockdown is not None
    assert window.input is window.windowHandle()  # the filters sit on the window's QWindow
    assert window._lockdown.eventFilter(window.input, menu_event) is True
    # A real right-click (what a long press becomes) reaches the window and stops there.
    reached: list[str] = []

    class Probe(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.ContextMenu:
                reached.append(type(watched).__name__)
            return False

    probe = Probe()
    QApplication.instance().installEventFilter(probe)  # type: ignore[union-attr]
    try:
        button = window.navigator.welcome.checkin_button
        at = button.mapTo(window, button.rect().center())
        QTest.mouseClick(
            window.windowHandle(), Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, at
        )
        QApplication.processEvents()
    finally:
        QApplication.instance().removeEventFilter(probe)  # type: ignore[union-attr]
    assert reached == ["QWindow"]  # the request came; no widget saw it


def test_windowed_mode_closes_normally(make_window: MakeWindow, config: Config) -> None:
    window = make_window(config)
    assert not window.locked
    event = QCloseEvent()
    window.closeEvent(event)
    assert event.isAccepted()


def test_welcome_first_then_every_screen_by_itself(
    qtbot: QtBot, config: Config, content: Content, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Start-up builds only Welcome; the warm-up timer builds the rest (and finds the voice)
    # right after the first frame, long before a visitor could reach the safety screen.
    monkeypatch.setenv("KIOSK_TTS_ENGINE", "mock")
    # Only the window's first exposure may start it here, not the fallback timer.
    monkeypatch.setattr(warm_up_module, "WARM_UP_FALLBACK_MS", 60_000)
    window = create_main_window(config, content=content)
    try:
        window.resize(1080, 1920)
        window.show()
        nav = window.navigator
        assert set(nav.screens) == {ScreenId.WELCOME}
        assert not nav.top_bar.read_button.isVisibleTo(window)
        with qtbot.waitSignal(nav.warmed_up, timeout=6000):
            nav.switch_language("es")
        assert len(nav.screens) == len(ScreenId) - 1
        # The voice is found in the engine's own thread, a moment after the warm-up.
        qtbot.waitUntil(lambda: nav.top_bar.read_button.isVisibleTo(window))
        # Built late, a screen is in the language and the window shape of the moment.
        safety = nav.screens[ScreenId.SAFETY]
        assert safety.continue_button.text() == content["es"].screening.safety.continue_label
        assert safety.footer.direction() is QBoxLayout.Direction.TopToBottom
    finally:
        window.allow_close = True
        window.close()
        window.deleteLater()


def test_a_screen_that_fails_to_build_does_not_stop_the_warm_up(
    qtbot: QtBot, config: Config, content: Content, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Start-up settles (garbage collection back on) when the warm-up ends: a fault in one
    # screen is logged, and the other screens and the voice still come.
    monkeypatch.setenv("KIOSK_TTS_ENGINE", "mock")
    window = create_main_window(config, content=content)
    nav = window.navigator

    def broken() -> None:
        raise RuntimeError("a screen that cannot be built")

    monkeypatch.setitem(nav._factories, ScreenId.SAFETY, broken)
    try:
        with qtbot.waitSignal(nav.warmed_up, timeout=6000):
            window.show()
        assert ScreenId.SAFETY not in nav.screens
        assert len(nav.screens) == len(ScreenId) - 2  # every other visitor screen
        qtbot.waitUntil(lambda: nav.top_bar.read_button.isVisibleTo(window))  # the voice came
    finally:
        window.allow_close = True
        window.close()
        window.deleteLater()
