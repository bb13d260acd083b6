"""The kiosk window with `[hub] url`: its visits reach a real PostgreSQL hub from the shipper's
thread, an acknowledgement made at a desk comes back to its store, and closing it stops the
shipper before the database closes."""

from __future__ import annotations

import psycopg
import pytest
from pytestqt.qtbot import QtBot

from kiosk.config import Config, HubConfig
from kiosk.content import Content
from kiosk.hub import queue
from kiosk.staff_pins import set_pin
from tests.support.checkin import safety_alert_line, talk_now_at_first_question
from tests.support.hub import hub_rows, hub_with, run_visit
from tests.support.postgres import PgServer
from tests.support.staff_mode import RECEPTION_PIN, enter_as
from tests.support.windows import MakeWindow


def test_a_kiosk_window_replicates_and_hears_the_desk(
    make_window: MakeWindow, config: Config, hub_admin_url: str, content: Content, qtbot: QtBot
) -> None:
    urls = hub_with(hub_admin_url, kiosks=("lobby",), desks=("front",))
    window = make_window(config.replace(hub=HubConfig(url=urls["lobby"])))
    shipper = window.hub_shipper
    assert shipper is not None
    store = window.store
    assert store is not None
    store.set_thread_wait(5.0)  # this test's own reads, not the screen's
    code = run_visit(store, content, talk_now=True)
    qtbot.waitUntil(
        lambda: bool(hub_rows(hub_admin_url, "SELECT 1 FROM hub.visits")), timeout=20000
    )
    assert hub_rows(hub_admin_url, "SELECT code, risk, location FROM hub.visit_board") == [
        (code, "acute", config.kiosk.location)
    ]
    with psycopg.connect(urls["front"], autocommit=True) as desk:
        desk.execute(
            "INSERT INTO hub.acknowledgements (visit_id, staff_role, outcome)"
            " SELECT id, 'reception', 'spoke' FROM hub.visits"
        )
    qtbot.waitUntil(lambda: store.get_visit(code).acknowledged_at is not None, timeout=20000)
    assert queue.is_enabled(store)
    window.allow_close = True
    window.close()
    assert window.hub_shipper is None


def test_a_standalone_window_has_no_shipper_and_drops_a_queue_left_from_a_hub(
    make_window: MakeWindow, config: Config
) -> None:
    from kiosk.store import Store

    with Store.open(config.data_dir) as store:
        queue.enable(store)  # as a kiosk once joined to a hub leaves it
        store.create_visit("en")
        assert queue.backlog(store) == 1
    window = make_window(config)
    assert window.hub_shipper is None
    assert window.store is not None
    assert not queue.is_enabled(window.store)
    assert queue.backlog(window.store) == 0


def test_the_safety_screen_says_told_once_the_hub_has_the_visit_and_coming_after_the_desk(
    make_window: MakeWindow, config: Config, hub_admin_url: str, qtbot: QtBot
) -> None:
    # The hub is the only channel: the desks' banner is how the front desk is told.
    urls = hub_with(hub_admin_url, kiosks=("lobby",), desks=("front",))
    window = make_window(config.replace(hub=HubConfig(url=urls["lobby"])))
    nav = window.navigator
    code = talk_now_at_first_question(nav)
    qtbot.waitUntil(
        lambda: safety_alert_line(nav) == "The front desk has been told.", timeout=20000
    )
    assert hub_rows(hub_admin_url, "SELECT code, risk FROM hub.visits WHERE urgent") == [
        (code, "acute")
    ]
    assert window.store is not None
    (status,) = window.store.alert_channel_status()
    assert (status.channel, status.last_error) == ("hub", None)
    with psycopg.connect(urls["front"], autocommit=True) as desk:
        desk.execute(
            "INSERT INTO hub.acknowledgements (visit_id, staff_role, outcome)"
            " SELECT id, 'reception', 'spoke' FROM hub.visits"
        )
    qtbot.waitUntil(
        lambda: safety_alert_line(nav) == "Someone from the front desk is coming to you.",
        timeout=20000,
    )


@pytest.mark.usefixtures("cheap_hashes")
def test_staff_mode_shows_the_kiosks_sync_state_and_a_hub_that_stops_answering(
    make_window: MakeWindow, config: Config, pg_server_factory: object, qtbot: QtBot
) -> None:
    server: PgServer = pg_server_factory()  # type: ignore[operator]
    admin_url = server.admin_url(server.create_database())
    url = hub_with(admin_url, kiosks=("lobby",))["lobby"]
    window = make_window(config.replace(hub=HubConfig(url=url)))
    store = window.store
    assert store is not None and window.hub_shipper is not None
    window.hub_shipper.min_backoff = window.hub_shipper.max_backoff = 0.2
    set_pin(store, "reception", RECEPTION_PIN)
    staff = enter_as(qtbot, window, RECEPTION_PIN)
    page, desk = staff.reception, staff.reception_desk

    def sync_shown() -> str:
        desk.refresh_visits()  # the list's own 5 s re-read, sooner
        return page.sync.text() if page.sync.isVisibleTo(page) else ""

    qtbot.waitUntil(lambda: sync_shown().startswith("Clinic hub: last sent "), timeout=20000)
    assert sync_shown().endswith(" · nothing waiting · no errors")
    assert page.sync.property("failing") is False
    assert page.sync.accessibleName() == page.sync.text()

    server.stop()
    store.set_thread_wait(5.0)  # this test's own write, not the screen's
    store.create_visit("en")
    qtbot.waitUntil(lambda: "NOT REACHED" in sync_shown(), timeout=20000)
    line = sync_shown()
    assert " · 1 visit waiting to be sent · last error " in line
    assert page.sync.property("failing") is True
    password = url.split("//", 1)[1].split("@", 1)[0].split(":", 1)[1]
    assert password not in line

    server.start()
    # Sent, then the round ends well: the line is plain again, and still tells the last error.
    qtbot.waitUntil(lambda: sync_shown().startswith("Clinic hub: last sent "), timeout=20000)
    qtbot.waitUntil(lambda: " · nothing waiting · last error " in sync_shown(), timeout=20000)
    assert page.sync.property("failing") is False
