"""Every visitor screen at 1280x800 and 1080x1920, both languages: touch targets >= 64 px and no
label whose text needs more room than it was given (clipped text)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QWidget

from kiosk.config import Config
from tests.ui.conftest import MakeWindow
from ui.preview import SCREENS, SIZES, drive

MIN_TARGET = 64


def problems_in(root: QWidget) -> list[str]:
    found: list[str] = []
    for button in root.findChildren(QPushButton):
        if button.isVisibleTo(root):
            size = button.size()
            if size.width() < MIN_TARGET or size.height() < MIN_TARGET:
                found.append(f"button {button.text()!r} is {size.width()}x{size.height()}")
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
    return found


@pytest.mark.parametrize("large", [False, True], ids=["normal-text", "large-text"])
@pytest.mark.parametrize("size_name", list(SIZES))
@pytest.mark.parametrize("language", ["en", "es"])
def test_no_small_targets_or_clipped_text(
    make_window: MakeWindow, config: Config, language: str, size_name: str, large: bool
) -> None:
    failures: list[str] = []
    # One window, reset between screens as the kiosk itself does: creating a window per screen
    # made every stylesheet change re-polish all the windows not yet deleted.
    window = make_window(config, SIZES[size_name])
    nav = window.navigator
    for screen in SCREENS:
        nav.reset()
        nav.switch_language(language)
        nav.top_bar.large_button.setChecked(large)
        drive(window, screen)
        QApplication.processEvents()
        current = nav.stack.currentWidget()
        failures += [f"{screen}: {p}" for p in problems_in(nav.top_bar)]
        failures += [f"{screen}: {p}" for p in problems_in(current)]
    assert not failures, "\n".join(failures)
