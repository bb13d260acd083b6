"""The `make_window` fixture: a real main window over a real SQLite store in a tmp folder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.config import Config
from kiosk.content import Content

if TYPE_CHECKING:
    # The domain's tests load this plugin too; they need not import the views.
    from ui.app import MainWindow

MakeWindow = Callable[..., "MainWindow"]


@pytest.fixture
def make_window(qtbot: QtBot, content: Content) -> Iterator[MakeWindow]:
    from ui.app import create_main_window

    windows: list[MainWindow] = []

    def _make(config: Config, size: tuple[int, int] = (1280, 800)) -> MainWindow:
        window = create_main_window(config, content=content)
        window.resize(*size)
        window.show()
        # The kiosk as it is a moment after start: every screen built, the voice found (the timer
        # that does it is tested in tests/ui/test_shell.py).
        window.navigator.warm_up()
        # The voice is found in the engine's own thread, a moment after the warm-up.
        qtbot.waitUntil(lambda: not window.navigator.speaker.starting, timeout=15000)
        windows.append(window)
        return window

    yield _make
    for window in windows:
        window.allow_close = True
        window.close()  # shuts down: abandons an open visit, closes the database
        window.deleteLater()
    # Without a running event loop deleteLater() never happens; windows left alive would be
    # re-polished by every later stylesheet change, making the suite slower with each test.
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def with_printer(config: Config, printer: str) -> Config:
    """The test config printing to `printer`, following each job for at most 20 s."""
    return config.replace(printing=config.printing.replace(printer=printer, timeout_seconds=20))
