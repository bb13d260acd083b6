"""Every visitor screen at 1280x800 and 1080x1920, both languages, normal and large text: touch
targets >= 64 px, no label or button whose text needs more room than it was given (clipped
text), and no visible widgets overlapping their siblings."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QScrollArea,
    QScroller,
    QWidget,
)

from kiosk.config import Config
from tests.support.layout import problems_in
from tests.support.windows import MakeWindow
from ui.preview import SCREENS, SIZES, drive, settle
from ui.widgets.basics import touch_scroll_area


@pytest.mark.parametrize("large", [False, True], ids=["normal-text", "large-text"])
@pytest.mark.parametrize("size_name", list(SIZES))
@pytest.mark.parametrize("language", ["en", "es"])
def test_no_small_targets_or_clipped_text(
    make_window: MakeWindow,
    config: Config,
    language: str,
    size_name: str,
    large: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # With a speech engine, so the top bar is checked with its Read aloud button.
    monkeypatch.setenv("KIOSK_TTS_ENGINE", "mock")
    failures: list[str] = []
    # One window, reset between screens as the kiosk itself does: creating a window per screen
    # made every stylesheet change re-polish all the windows not yet deleted.
    window = make_window(config, SIZES[size_name])
    nav = window.navigator
    assert nav.top_bar.read_button.isVisibleTo(window)
    for screen in SCREENS:
        nav.reset()
        nav.switch_language(language)
        nav.top_bar.large_button.setChecked(large)
        drive(window, screen)
        settle()
        current = nav.stack.currentWidget()
        failures += [f"{screen}: {p}" for p in problems_in(nav.top_bar)]
        failures += [f"{screen}: {p}" for p in problems_in(current)]
        if window.overlay.isVisible():  # the idle countdown card
            failures += [f"{screen}: {p}" for p in problems_in(window.overlay)]
    assert not failures, "\n".join(failures)


def test_touch_scroll_area_viewport_is_what_qt_would_make() -> None:
    # Made in Python to spare shiboken a class search at start; it must still be Qt's viewport.
    holder = QWidget()
    own, ours = QScrollArea(holder), touch_scroll_area(QLabel("text"))
    ours.setParent(holder)
    try:
        a, b = own.viewport(), ours.viewport()
        assert b.parent() is ours and b is not a
        assert b.objectName() == a.objectName() == "qt_scrollarea_viewport"
        assert b.backgroundRole() == a.backgroundRole()
        assert b.autoFillBackground() == a.autoFillBackground()
        assert b.focusProxy() is ours
        assert ours.widget().parent() is b  # the content scrolls inside it
        assert ours.widgetResizable()
        assert ours.horizontalScrollBarPolicy() is Qt.ScrollBarPolicy.ScrollBarAlwaysOff
        assert QScroller.hasScroller(b)  # finger drags scroll it
    finally:
        # Gone before the next test runs an event loop, scroller and gesture with it.
        holder.deleteLater()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
