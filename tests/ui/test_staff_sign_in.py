"""PIN sign-in built alone: the real PIN pad, a real database on the test clock, the real
worker thread that checks PINs, and no staff panel around them."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from kiosk.config import Config
from kiosk.staff_pins import lockout_remaining, set_pin
from kiosk.store import Store
from tests.support.clock import Clock
from tests.support.staff_mode import ADMIN_PIN, RECEPTION_PIN
from ui.staff.pin_page import PinPage
from ui.staff.sign_in import PinSignIn
from ui.worker import Worker

pytestmark = pytest.mark.usefixtures("cheap_hashes")


def build(qtbot: QtBot, store: Store, config: Config, clock: Clock) -> tuple[PinSignIn, PinPage]:
    page = PinPage()
    qtbot.addWidget(page)
    worker = Worker(1, page)
    controller = PinSignIn(page, store, config.zone, clock=clock, worker=worker, parent=page)
    controller.lockout_timer.setInterval(20)  # a second in the kiosk
    return controller, page


def type_pin(qtbot: QtBot, page: PinPage, pin: str) -> None:
    for digit in pin:
        page.keypad.keys[digit].click()
    page.sign_in_button.click()
    qtbot.waitUntil(lambda: page.mode != "checking", timeout=5000)


def test_wrong_pins_are_state_the_wait_counts_down_and_an_admin_hears_of_them(
    qtbot: QtBot, store: Store, config: Config, clock: Clock
) -> None:
    controller, page = build(qtbot, store, config, clock)
    controller.show_state()
    assert page.mode == "no_pin"
    set_pin(store, "reception", RECEPTION_PIN)
    set_pin(store, "admin", ADMIN_PIN)
    controller.show_state()
    assert page.mode == "ready" and not controller.wrong_pin
    heard: list[tuple[str, list[str]]] = []
    controller.signed_in.connect(lambda role, notices: heard.append((role, notices)))

    for _ in range(2):  # two slips are free
        type_pin(qtbot, page, "111111")
        assert controller.wrong_pin and page.mode == "ready"
        assert page.message.text() == "That PIN did not match. Please try again."
    type_pin(qtbot, page, "111111")
    assert page.mode == "locked" and controller.lockout_timer.isActive()
    assert page.message.text() == "That PIN did not match. Try again in 2 s."
    clock.advance(lockout_remaining(store, clock.now))
    qtbot.waitUntil(lambda: page.mode == "ready", timeout=2000)
    # The wait over, the pad is fresh: the refusal is forgotten with it.
    assert not controller.wrong_pin and not controller.lockout_timer.isActive()
    assert page.message.text() == "Enter your staff PIN."
    assert heard == []

    with qtbot.waitSignal(controller.signed_in, timeout=5000):
        type_pin(qtbot, page, ADMIN_PIN)
    [(role, notices)] = heard
    local = clock.now.astimezone(config.zone)
    assert role == "admin"
    assert notices[0].startswith("3 wrong PINs since the last administrator sign-in, the last at ")
    assert notices[0].endswith(f" on {local:%b} {local.day}.")
    assert page.mode == "ready" and page.keypad.text() == ""
    tried = [e.action for e in reversed(store.audit_log(10)) if e.action.startswith("pin_")]
    assert tried == ["pin_failed"] * 3 + ["pin_ok"]


def test_reception_signs_in_without_notices_and_reset_forgets_a_refusal(
    qtbot: QtBot, store: Store, config: Config, clock: Clock
) -> None:
    set_pin(store, "reception", RECEPTION_PIN)
    set_pin(store, "admin", ADMIN_PIN)
    controller, page = build(qtbot, store, config, clock)
    controller.show_state()
    type_pin(qtbot, page, "111111")
    assert controller.wrong_pin
    controller.reset()  # staff mode locked
    assert not controller.wrong_pin and page.mode == "ready"
    assert page.message.text() == "Enter your staff PIN."
    with qtbot.waitSignal(controller.signed_in, timeout=5000) as signal:
        type_pin(qtbot, page, RECEPTION_PIN)
    assert signal.args == ["reception", []]


def test_without_a_database_the_pad_says_so(qtbot: QtBot, config: Config, clock: Clock) -> None:
    page = PinPage()
    qtbot.addWidget(page)
    controller = PinSignIn(page, None, config.zone, clock=clock, worker=Worker(1, page))
    controller.show_state()
    assert page.mode == "unavailable"
    assert page.message.text().startswith("The kiosk database is unavailable")
