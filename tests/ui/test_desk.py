"""The reception desk app against a real PostgreSQL hub, with two real kiosks (real stores and
their shippers): visits appear live, an urgent one raises the red banner, acknowledging at the
desk reaches the kiosk's store, the PIN lock, the disconnected state, accessible names."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from pypdf import PdfReader
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAccessible, QAccessibleInterface
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget
from pytestqt.qtbot import QtBot

from kiosk.config import Config, HubConfig
from kiosk.content import Content
from kiosk.hub import desk
from kiosk.hub.admin import set_hub_pin
from kiosk.hub.schema import NOTIFY_CHANNEL
from kiosk.store import Store
from tests.support.cups_queue import CupsQueue
from tests.support.hub import hub_rows, hub_with, run_visit, shipper_for
from tests.support.postgres import PgServer, wait_until
from tests.support.process import run_python
from tests.support.windows import with_printer
from ui.desk import create_desk_window
from ui.desk.window import CONNECTED_TEXT, DeskWindow, UrgentBanner

PIN = "482915"
WAIT_MS = 20_000


def _desk_config(config: Config, url: str) -> Config:
    return config.replace(hub=HubConfig(url=url))


@pytest.fixture
def desk_window(
    qtbot: QtBot, config: Config, hub_admin_url: str
) -> Iterator[tuple[DeskWindow, dict[str, str]]]:
    urls = hub_with(hub_admin_url, kiosks=("lobby", "upstairs"), desks=("front",))
    set_hub_pin(hub_admin_url, "reception", PIN)
    window = create_desk_window(_desk_config(config, urls["front"]), refresh_seconds=60)
    qtbot.addWidget(window)
    window.show()
    try:
        yield window, urls
    finally:
        window.shutdown()


def _sign_in(qtbot: QtBot, window: DeskWindow, pin: str = PIN) -> None:
    window.sign_in_page.pin.setText(pin)
    window.sign_in_page.sign_in_button.click()
    qtbot.waitUntil(lambda: window.role is not None, timeout=WAIT_MS)


def _codes(window: DeskWindow) -> list[str]:
    return [window.table.item(row, 1).text() for row in range(window.table.rowCount())]


def test_the_hub_notifies_each_change_without_personal_data(
    hub_admin_url: str, tmp_path: Path, content: Content
) -> None:
    urls = hub_with(hub_admin_url, kiosks=("lobby",), desks=("front",))
    with psycopg.connect(urls["front"], autocommit=True) as listener:
        listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
        with Store.open(tmp_path / "lobby") as store, shipper_for(store, urls["lobby"]) as ship:
            named = store.create_visit("en")
            store.set_name(named.code, "Alex Private")
            urgent = store.create_visit("en")
            store.mark_urgent(urgent.code, "talk_now", "acute")
            ship.run_once()
        payloads = [n.payload for n in listener.notifies(timeout=2)]
    assert payloads, "nothing was published"
    for payload in payloads:
        assert "Alex" not in payload and urgent.code not in payload
        assert set(json.loads(payload)) == {"visit", "urgent", "what"}
    assert any(json.loads(p)["urgent"] for p in payloads)


def test_visits_of_both_kiosks_appear_urgent_first_and_the_banner_is_acknowledged(
    qtbot: QtBot,
    desk_window: tuple[DeskWindow, dict[str, str]],
    hub_admin_url: str,
    tmp_path: Path,
    content: Content,
) -> None:
    window, urls = desk_window
    qtbot.waitUntil(lambda: window.link_state.text() == CONNECTED_TEXT, timeout=WAIT_MS)
    assert window.pages.currentWidget() is window.sign_in_page  # locked until a PIN
    with (
        Store.open(tmp_path / "lobby") as lobby,
        Store.open(tmp_path / "upstairs") as upstairs,
        shipper_for(lobby, urls["lobby"], location="Lobby kiosk") as lobby_ship,
        shipper_for(upstairs, urls["upstairs"], location="2nd floor") as upstairs_ship,
    ):
        calm = run_visit(lobby, content)
        lobby_ship.run_once()
        qtbot.waitUntil(lambda: calm in _codes(window), timeout=WAIT_MS)
        assert not window.banners

        urgent = run_visit(upstairs, content, talk_now=True)
        upstairs_ship.run_once()
        # Published by the hub: the banner shows without any refresh timer (60 s here).
        qtbot.waitUntil(lambda: len(window.banners) == 1, timeout=WAIT_MS)
        assert _codes(window) == [urgent, calm]  # urgent first
        banner = next(iter(window.banners.values()))
        assert urgent in banner.text.text() and "2nd floor" in banner.text.text()
        assert banner.isVisible() and window.chime.played == 1

        banner.ack_button.click()  # signed out: asks for the PIN first
        assert window.pages.currentWidget() is window.sign_in_page
        _sign_in(qtbot, window)
        qtbot.waitUntil(lambda: window.pages.currentWidget() is window.visit_page, timeout=WAIT_MS)
        page = window.visit_page
        page.outcome.setCurrentIndex(page.outcome.findData("clinician"))
        page.ack_button.click()
        qtbot.waitUntil(lambda: not window.banners, timeout=WAIT_MS)
        # The hub's notice may take the banner down before the desk's own write reports back.
        qtbot.waitUntil(lambda: "Acknowledged" in page.notice.text(), timeout=WAIT_MS)

        # Back at the kiosk: its shipper pulls the desk's acknowledgement into its own store.
        upstairs_ship.run_once()
        visit = upstairs.get_visit(urgent)
        assert visit.acknowledged_at is not None
        assert (visit.acknowledged_by, visit.outcome) == ("reception", "clinician")
    # The first acknowledgement wins: a second desk click changes nothing.
    visit_id = window.visit_page.visit_id
    assert visit_id is not None
    assert desk.acknowledge(urls["front"], visit_id, "reception", "other") is False
    assert hub_rows(hub_admin_url, "SELECT outcome FROM hub.acknowledgements") == [("clinician",)]


def test_mark_as_seen_and_a_summary_open_at_the_desk(
    qtbot: QtBot,
    desk_window: tuple[DeskWindow, dict[str, str]],
    tmp_path: Path,
    content: Content,
) -> None:
    window, urls = desk_window
    _sign_in(qtbot, window)
    with Store.open(tmp_path / "lobby") as lobby, shipper_for(lobby, urls["lobby"]) as ship:
        code = run_visit(lobby, content)
        ship.run_once()
        qtbot.waitUntil(lambda: code in _codes(window), timeout=WAIT_MS)
    window.table.setCurrentCell(0, 0)
    window.open_button.click()
    page = window.visit_page
    assert window.pages.currentWidget() is page
    qtbot.waitUntil(lambda: page.summary.image is not None, timeout=WAIT_MS)  # the real PDF
    assert not page.ack_button.isEnabled()  # not urgent: nothing to acknowledge
    page.seen_button.click()
    qtbot.waitUntil(lambda: window.rows[page.visit_id or 0].seen, timeout=WAIT_MS)
    seen_column = 6
    window.show_list()
    assert window.table.item(0, seen_column).text() == "Yes"


def test_a_wrong_pin_is_refused_and_the_desk_locks_when_idle(
    qtbot: QtBot, desk_window: tuple[DeskWindow, dict[str, str]]
) -> None:
    window, _urls = desk_window
    window.sign_in_page.pin.setText("111222")
    window.sign_in_page.sign_in_button.click()
    qtbot.waitUntil(lambda: "Wrong PIN" in window.sign_in_page.message.text(), timeout=WAIT_MS)
    assert window.role is None and window.pages.currentWidget() is window.sign_in_page
    window.sign_in_page.pin.setText("12")
    window.sign_in_page.sign_in_button.click()
    assert "at least" in window.sign_in_page.message.text()

    _sign_in(qtbot, window)
    assert window.pages.currentWidget() is window.list_page
    window.idle.timer.setInterval(50)  # the configured minutes, shortened
    window.idle.set_armed(True)
    qtbot.waitUntil(lambda: window.role is None, timeout=WAIT_MS)
    assert window.pages.currentWidget() is window.sign_in_page
    assert window.sign_in_page.pin.text() == ""


def _try_pin(qtbot: QtBot, window: DeskWindow, pin: str) -> str:
    """The message after a PIN was tried (checked at the hub, or refused while waiting)."""
    page = window.sign_in_page
    page.show_message("")
    page.pin.setText(pin)
    page.sign_in_button.click()
    qtbot.waitUntil(
        lambda: window.role is not None or page.message.text().startswith(("Wrong", "Too")),
        timeout=WAIT_MS,
    )
    return page.message.text()


def test_wrong_pins_earn_waits_that_the_hub_keeps_across_a_restart_of_the_desk(
    qtbot: QtBot, config: Config, hub_admin_url: str
) -> None:
    urls = hub_with(hub_admin_url, desks=("front", "back"))
    set_hub_pin(hub_admin_url, "reception", PIN)
    window = create_desk_window(_desk_config(config, urls["front"]), refresh_seconds=60)
    qtbot.addWidget(window)
    try:
        # Two slips are free (as at the kiosk); the third earns a wait.
        assert _try_pin(qtbot, window, "111222") == "Wrong PIN. Try again."
        assert _try_pin(qtbot, window, "111223") == "Wrong PIN. Try again."
        assert _try_pin(qtbot, window, "111224") == "Wrong PIN. Try again in 2 s."
    finally:
        window.shutdown()
    counted = "SELECT name, pin_failures, pin_wait_until IS NOT NULL FROM hub.desks ORDER BY name"
    assert hub_rows(hub_admin_url, counted) == [("back", 0, False), ("front", 3, True)]

    # Another desk is not held up by this one's wrong PINs.
    assert desk.sign_in(urls["back"], PIN) == desk.SignIn("reception")

    again = create_desk_window(_desk_config(config, urls["front"]), refresh_seconds=60)
    qtbot.addWidget(again)
    try:
        # The restarted app finds the wait at the hub: even the right PIN is not looked at.
        message = _try_pin(qtbot, again, PIN)
        assert message in (
            "Too many wrong PINs. Try again in 2 s.",
            "Too many wrong PINs. Try again in 1 s.",
        )
        assert again.role is None
        qtbot.wait(2100)
        _sign_in(qtbot, again)
        assert again.role == "reception"
    finally:
        again.shutdown()
    assert hub_rows(hub_admin_url, counted) == [("back", 0, False), ("front", 0, False)]


def test_a_receptionist_works_the_desk_by_keyboard_alone(
    qtbot: QtBot,
    desk_window: tuple[DeskWindow, dict[str, str]],
    hub_admin_url: str,
    tmp_path: Path,
    content: Content,
) -> None:
    window, urls = desk_window
    window.activateWindow()
    qtbot.waitUntil(lambda: window.link_state.text() == CONNECTED_TEXT, timeout=WAIT_MS)
    with Store.open(tmp_path / "lobby") as lobby, shipper_for(lobby, urls["lobby"]) as ship:
        urgent = run_visit(lobby, content, talk_now=True)
        ship.run_once()
        qtbot.waitUntil(lambda: len(window.banners) == 1, timeout=WAIT_MS)

        def focused() -> QWidget | None:
            return QApplication.focusWidget()

        # The PIN field has the focus; typing and Enter sign in, and the list takes the focus.
        qtbot.waitUntil(lambda: focused() is window.sign_in_page.pin, timeout=WAIT_MS)
        QTest.keyClicks(window.sign_in_page.pin, PIN)
        QTest.keyClick(window.sign_in_page.pin, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: window.role is not None, timeout=WAIT_MS)
        assert focused() is window.table
        # Enter on the first row (the urgent one) opens it; Tab reaches each action in turn.
        QTest.keyClick(window.table, Qt.Key.Key_Home)
        QTest.keyClick(window.table, Qt.Key.Key_Return)
        page = window.visit_page
        qtbot.waitUntil(lambda: window.pages.currentWidget() is page, timeout=WAIT_MS)
        assert urgent in page.title.text()
        reached = []
        for _ in range(12):
            QTest.keyClick(focused() or window, Qt.Key.Key_Tab)
            widget = focused()
            if (
                widget in (page.seen_button, page.outcome, page.ack_button)
                and widget not in reached
            ):
                reached.append(widget)
        assert reached == [page.seen_button, page.outcome, page.ack_button]
        # Choose the outcome with the arrow keys, acknowledge with Space.
        page.outcome.setFocus()
        while page.outcome.currentData() != "clinician":
            QTest.keyClick(page.outcome, Qt.Key.Key_Down)
        page.ack_button.setFocus()
        QTest.keyClick(page.ack_button, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: not window.banners, timeout=WAIT_MS)
        # Escape goes back to the list, with the focus on it.
        QTest.keyClick(focused() or page, Qt.Key.Key_Escape)
        assert window.pages.currentWidget() is window.list_page and focused() is window.table
    outcome = hub_rows(hub_admin_url, "SELECT staff_role, outcome FROM hub.acknowledgements")
    assert outcome == [("reception", "clinician")]


def test_every_button_is_named_by_its_text(
    qtbot: QtBot, desk_window: tuple[DeskWindow, dict[str, str]]
) -> None:
    window, _urls = desk_window
    _sign_in(qtbot, window)
    buttons = window.findChildren(QAbstractButton)
    assert buttons
    for found in buttons:
        if found.text():
            assert found.accessibleName() == found.text(), found.text()


def test_a_stopped_hub_shows_red_reconnecting_and_comes_back(
    qtbot: QtBot, config: Config, pg_server_factory: object, tmp_path: Path, content: Content
) -> None:
    server: PgServer = pg_server_factory()  # type: ignore[operator]
    admin_url = server.admin_url(server.create_database())
    urls = hub_with(admin_url, kiosks=("lobby",), desks=("front",))
    window = create_desk_window(_desk_config(config, urls["front"]), refresh_seconds=60)
    qtbot.addWidget(window)
    try:
        qtbot.waitUntil(lambda: window.live, timeout=WAIT_MS)
        assert window.link_state.property("down") is False
        server.stop()
        qtbot.waitUntil(lambda: not window.live, timeout=WAIT_MS)
        assert window.link_state.text().startswith("Reconnecting… last update ")
        assert window.link_state.property("down") is True
        assert "NOT live" in window.list_title.text()
        server.start()
        with Store.open(tmp_path / "lobby") as lobby, shipper_for(lobby, urls["lobby"]) as ship:
            code = run_visit(lobby, content, talk_now=True)
            assert wait_until(lambda: ship.run_once() >= 0 and ship.backlog() == 0)
        qtbot.waitUntil(lambda: code in _codes(window), timeout=WAIT_MS)
        assert window.link_state.text() == CONNECTED_TEXT and len(window.banners) == 1
    finally:
        window.shutdown()


def test_no_hub_configured_says_so_and_never_looks_live(qtbot: QtBot, config: Config) -> None:
    window = create_desk_window(config)
    qtbot.addWidget(window)
    try:
        assert not window.live and window.link_state.property("down") is True
        assert "Not connected" in window.link_state.text()
    finally:
        window.shutdown()


def test_the_listener_runs_off_the_gui_thread(
    qtbot: QtBot, desk_window: tuple[DeskWindow, dict[str, str]]
) -> None:
    window, _urls = desk_window
    qtbot.waitUntil(lambda: window.live, timeout=WAIT_MS)
    assert window.listener.isRunning()
    app = QApplication.instance()
    assert app is not None and window.listener is not app.thread()
    assert threading.main_thread() is threading.current_thread()


def test_past_three_banners_the_rest_are_counted_and_the_newest_shows(
    qtbot: QtBot, desk_window: tuple[DeskWindow, dict[str, str]], tmp_path: Path
) -> None:
    window, urls = desk_window
    with Store.open(tmp_path / "lobby") as lobby, shipper_for(lobby, urls["lobby"]) as ship:
        codes = []
        for _ in range(5):
            visit = lobby.create_visit("en")
            lobby.mark_urgent(visit.code, "talk_now", "acute")
            codes.append(visit.code)
            ship.run_once()
        qtbot.waitUntil(lambda: len(window.banners) == 5, timeout=WAIT_MS)
    shown = [b for b in window.banners.values() if not b.isHidden()]
    assert len(shown) == 3
    assert any(codes[-1] in banner.text.text() for banner in shown)
    assert window.more_urgent.text().startswith("…and 2 more urgent visits")


def _reading_order(widget: QWidget) -> list[QObject]:
    """The window's objects in a screen reader's reading order: its accessibility tree, depth
    first (what tests/e2e/test_atspi_desk.py reads over AT-SPI)."""
    found: list[QObject] = []

    def visit(node: QAccessibleInterface) -> None:
        for index in range(node.childCount()):
            child = node.child(index)
            if child is not None:
                found.append(child.object())
                visit(child)

    root = QAccessible.queryAccessibleInterface(widget)
    assert root is not None
    visit(root)
    return found


def test_screen_readers_read_the_banners_as_they_stand_on_screen_before_the_list(
    qtbot: QtBot, desk_window: tuple[DeskWindow, dict[str, str]], tmp_path: Path
) -> None:
    window, urls = desk_window
    with Store.open(tmp_path / "lobby") as lobby, shipper_for(lobby, urls["lobby"]) as ship:
        for count in (1, 2, 3):  # one at a time: each banner made after the older ones
            visit = lobby.create_visit("en")
            lobby.mark_urgent(visit.code, "talk_now", "acute")
            ship.run_once()
            qtbot.waitUntil(lambda count=count: len(window.banners) == count, timeout=WAIT_MS)
    window.banner_area.activate()
    on_screen = sorted(window.banners.values(), key=lambda banner: banner.y())
    order = _reading_order(window)
    assert [o for o in order if isinstance(o, UrgentBanner)] == on_screen  # newest on top
    assert order.index(on_screen[-1]) < order.index(window.table)


@pytest.mark.cups
def test_print_here_goes_to_the_desks_queue_and_is_recorded_at_the_hub(
    qtbot: QtBot,
    config: Config,
    hub_admin_url: str,
    tmp_path: Path,
    content: Content,
    cups: CupsQueue,
) -> None:
    urls = hub_with(hub_admin_url, kiosks=("lobby",), desks=("front",))
    set_hub_pin(hub_admin_url, "reception", PIN)
    window = create_desk_window(with_printer(_desk_config(config, urls["front"]), cups.name))
    qtbot.addWidget(window)
    try:
        _sign_in(qtbot, window)
        with Store.open(tmp_path / "lobby") as lobby, shipper_for(lobby, urls["lobby"]) as ship:
            code = run_visit(lobby, content, talk_now=True)
            ship.run_once()
        qtbot.waitUntil(lambda: code in _codes(window), timeout=WAIT_MS)
        window.open_visit(next(iter(window.rows)))
        window.visit_page.print_button.click()
        qtbot.waitUntil(lambda: window.visit_page.notice.text() != "Printing…", timeout=30_000)
        assert window.visit_page.notice.text() == "Printed."
        pdf = PdfReader(io.BytesIO(cups.output_titled(f"summary-{code}")))
        assert code in "\n".join(page.extract_text() for page in pdf.pages)
        assert hub_rows(hub_admin_url, "SELECT queue, state, staff_role FROM hub.desk_prints") == [
            (cups.name, "completed", "reception")
        ]
        qtbot.waitUntil(
            lambda: window.rows[window.visit_page.visit_id or 0].printed, timeout=WAIT_MS
        )
    finally:
        window.shutdown()


def test_python_m_ui_desk_without_a_hub_line_says_what_to_paste(tmp_path: Path) -> None:
    config = tmp_path / "desk.toml"
    config.write_text('[clinic]\nname = "Test clinic"\n', encoding="utf-8")
    result = run_python("-m", "ui.desk", "--config", str(config))
    assert result.returncode == 2
    assert str(config) in result.stderr and "[hub] url" in result.stderr
    assert "hub add-desk" in result.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text('[hub]\nurl = "http://nope"\n', encoding="utf-8")
    refused = run_python("-m", "ui.desk", "--config", str(bad))
    assert refused.returncode == 2 and "bad.toml" in refused.stderr and "url" in refused.stderr
