"""Idle reset as UX.md says: a countdown with "I need more time", then Welcome, all cleared."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from kiosk.config import Config, load_config
from tests.support.touch import tap
from tests.support.windows import MakeWindow
from ui.shell.navigator import ScreenId


@pytest.fixture
def short_idle(write_config, data_dir) -> Config:  # type: ignore[no-untyped-def]
    """The shortest idle times the config allows (tests shorten the timers further)."""
    path = write_config("[kiosk]\nidle_seconds = 5\nidle_countdown_seconds = 3\n")
    return load_config(path, data_dir)


def test_idle_warning_then_reset_clears_everything(
    make_window: MakeWindow,
    qtbot: QtBot,
    short_idle: Config,
) -> None:
    window = make_window(short_idle)
    nav = window.navigator
    # Speed the clock up: the same timers, shorter intervals.
    window.idle.timer.setInterval(200)
    window.overlay.tick.setInterval(50)
    nav.top_bar.language_buttons["es"].click()
    nav.welcome.checkin_button.click()
    nav.privacy.agree_button.click()
    for ch in "ANA":
        nav.name.keypad.keys[ch].click()
    assert nav.name.keypad.text() == "Ana"
    window.idle.poke()
    qtbot.waitUntil(lambda: window.overlay.isVisible(), timeout=3000)
    assert window.overlay.title.text() == "¿Sigue ahí?"
    assert "3" in window.overlay.body.text()
    qtbot.waitUntil(lambda: nav.current is ScreenId.WELCOME, timeout=3000)
    assert not window.overlay.isVisible()
    assert nav.flow is None
    assert nav.language == "en"
    assert nav.name.keypad.text() == ""
    assert nav.question.state is None and nav.results.state is None
    assert nav.welcome.learn_button.text() == "Learn about our programs"


def test_more_time_keeps_the_visitor_in_place(
    make_window: MakeWindow,
    qtbot: QtBot,
    short_idle: Config,
) -> None:
    window = make_window(short_idle)
    nav = window.navigator
    window.idle.timer.setInterval(200)
    nav.welcome.learn_button.click()
    qtbot.waitUntil(lambda: window.overlay.isVisible(), timeout=3000)
    assert window.overlay.more_time_button.text() == "I need more time"
    window.overlay.more_time_button.click()
    assert not window.overlay.isVisible()
    assert nav.current is ScreenId.PROGRAMS
    assert window.idle.timer.isActive()


def test_no_warning_at_rest_on_welcome(make_window: MakeWindow, short_idle: Config) -> None:
    window = make_window(short_idle)
    assert not window.idle.timer.isActive()
    window.navigator.welcome.learn_button.click()
    assert window.idle.timer.isActive()
    assert window.idle.timer.interval() == 5000
    assert window.overlay.countdown_seconds == 3


def test_touches_still_count_after_a_restyle(
    make_window: MakeWindow,
    qtbot: QtBot,
    short_idle: Config,
) -> None:
    # Restyling the app must leave the idle watcher in place, or a visitor who turned on large
    # text would be reset mid-question however much they tap.
    window = make_window(short_idle)
    nav = window.navigator
    nav.welcome.checkin_button.click()
    nav.top_bar.large_button.click()
    nav.top_bar.contrast_button.click()
    assert nav.theme_options.large_text and nav.theme_options.high_contrast
    window.idle.timer.setInterval(60_000)
    window.idle.timer.stop()
    tap(nav.privacy.title)
    assert window.idle.timer.isActive()


def test_a_choice_made_on_welcome_is_reset_for_the_next_visitor(
    make_window: MakeWindow,
    short_idle: Config,
) -> None:
    window = make_window(short_idle)
    nav = window.navigator
    assert not window.idle.armed  # Welcome as the kiosk left it: nothing to reset
    for toggle in (
        nav.top_bar.large_button,
        nav.top_bar.contrast_button,
        nav.top_bar.read_button,
        nav.top_bar.language_buttons["es"],
    ):
        toggle.click()
        assert nav.current is ScreenId.WELCOME
        assert window.idle.armed, toggle.text()
        nav.reset()
        window._rearm()
        assert not window.idle.armed
