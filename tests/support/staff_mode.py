"""Staff mode as a finger works it: the two test PINs, signing in at the pad, tapping a visit's
row in reception's list (tests/ui/test_staff.py and the staff-mode tests beside it)."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from tests.support.touch import tap
from ui.app import MainWindow
from ui.shell.navigator import ScreenId
from ui.staff.panel import StaffPanel
from ui.staff.reception import ReceptionPage

RECEPTION_PIN = "246813"
ADMIN_PIN = "975318"


def sign_in(qtbot: QtBot, staff: StaffPanel, pin: str) -> None:
    for digit in pin:
        staff.pin_page.keypad.keys[digit].click()
    assert staff.pin_page.dots.text().count("●") == len(pin)
    staff.pin_page.sign_in_button.click()
    qtbot.waitUntil(lambda: staff.pin_page.mode != "checking", timeout=5000)


def enter_as(qtbot: QtBot, window: MainWindow, pin: str) -> StaffPanel:
    nav = window.navigator
    nav.open_staff()
    assert nav.current is ScreenId.STAFF
    sign_in(qtbot, nav.staff, pin)
    assert nav.staff.role is not None
    return nav.staff


def tap_row(page: ReceptionPage, code: str) -> None:
    """Bring a visit's row on screen, then tap its middle as a finger would."""
    assert page.scroll_to(code), f"{code} is not listed"
    row = page.model.row_of(code)
    assert row is not None
    rect = page.list.visualRect(page.model.index(row))
    assert page.list.viewport().rect().contains(rect.center())
    tap(page.list.viewport(), rect.center())
