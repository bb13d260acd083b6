"""Urgent visits in staff mode through real widgets over a real store file: the "Urgent:
acknowledge" banner above every staff page (it appears on its own, asks for the outcome, goes
away once all are acknowledged), the failing-channel line, and the admin's "Urgent today".

Visits are made through kiosk.flow.VisitFlow on the window's own store; outbox rows are written
as the delivery worker leaves them (tests/support/outbox.py); what was saved is read back through
the store and its audit trail.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from kiosk.config import AlertsConfig, Config
from kiosk.content import Content
from kiosk.flow import VisitFlow
from kiosk.model import ChannelStatus
from kiosk.staff_pins import set_pin
from kiosk.store import Store
from tests.support.layout import problems_in
from tests.support.outbox import clear_outbox, outbox_row
from tests.support.staff_mode import ADMIN_PIN, RECEPTION_PIN, enter_as
from tests.support.touch import tap
from tests.support.windows import MakeWindow, with_printer
from ui.app import MainWindow
from ui.shell.navigator import ScreenId
from ui.staff.panel import StaffPanel
from ui.staff.sections.urgent_today import UrgentTodaySection
from ui.staff.urgent import UrgentBanner, failing_lines

pytestmark = pytest.mark.usefixtures("cheap_hashes")

ALERTS = AlertsConfig(
    notify=["mailtos://desk:secret@mail.example.org?to=desk@example.org"], printer="front-desk"
)


@pytest.fixture
def window(make_window: MakeWindow, config: Config) -> MainWindow:
    win = make_window(with_printer(config, "none").replace(alerts=ALERTS))
    # These tests write the outbox rows as the delivery worker leaves them; the real worker
    # (tested with real servers in test_alerts_ui.py) would meanwhile try mail.example.org.
    win._stop_alerts()
    assert win.store is not None
    set_pin(win.store, "reception", RECEPTION_PIN)
    set_pin(win.store, "admin", ADMIN_PIN)
    return win


def urgent_visit(store: Store, content: Content, *, acute: bool) -> str:
    """Acute: "I need to talk to someone now". Non-acute: PHQ-9 item 9 answered above 0."""
    flow = VisitFlow(store, content, "en")
    flow.agree()
    flow.set_name("Ana")
    if acute:
        flow.talk_now()
    else:
        for value in (0, 0, 0, 0, 0, 0, 0, 0, 1):
            flow.answer(value)
    flow.stop()
    assert flow.code is not None
    return flow.code


def banner_codes(banner: UrgentBanner) -> list[str]:
    return [
        str(row.property("code")) for row in banner.rows if row.isVisibleTo(banner.parentWidget())
    ]


def read_again(qtbot: QtBot, staff: StaffPanel) -> None:
    """The banner's next reading of the store, shown."""
    with qtbot.waitSignal(staff.urgent.read, timeout=5000):
        staff.urgent.refresh()


def buttons_named_by_their_text(staff: StaffPanel) -> None:
    for button in staff.findChildren(QPushButton):
        if button.isVisibleTo(staff) and button.text():
            assert button.accessibleName() == button.text()


# --- the banner ------------------------------------------------------------------------------


def test_the_banner_asks_for_an_outcome_and_goes_once_all_are_acknowledged(
    window: MainWindow, content: Content, qtbot: QtBot
) -> None:
    store = window.store
    assert store is not None
    calm = VisitFlow(store, content, "en")
    calm.agree()
    non_acute = urgent_visit(store, content, acute=False)
    acute = urgent_visit(store, content, acute=True)
    staff = enter_as(qtbot, window, RECEPTION_PIN)
    banner = staff.banner
    qtbot.waitUntil(lambda: banner_codes(banner) == [acute, non_acute], timeout=5000)
    assert banner.isVisible()
    # Above everything staff see: between the staff bar and the page.
    assert banner.geometry().top() == staff.bar.geometry().bottom() + 1
    assert staff.stack.geometry().top() > banner.geometry().bottom()
    first, second = banner.rows[0], banner.rows[1]
    assert first.text().startswith(f"Urgent: acknowledge {acute} · ")
    assert first.text().endswith(" · Acute: asked to talk to someone now")
    assert second.text().endswith(" · Non-acute: a safety answer (PHQ-9 item 9)")
    buttons_named_by_their_text(staff)

    tap(first)
    chooser = banner.chooser
    assert chooser.isVisible() and chooser.code == acute
    assert not first.isVisible() and not second.isVisible()  # the question says which
    assert chooser.question.text().startswith(f"Acknowledge {acute} (Acute: ")
    assert [b.text() for b in chooser.buttons.values()] == [
        "Spoke with the visitor",
        "Handed to a clinician",
        "Visitor had left",
        "Other",
    ]
    buttons_named_by_their_text(staff)
    chooser.cancel_button.click()  # nothing saved
    assert banner_codes(banner) == [acute, non_acute]
    assert store.get_visit(acute).acknowledged_at is None

    tap(first)
    tap(chooser.buttons["spoke"])
    qtbot.waitUntil(lambda: banner_codes(banner) == [non_acute], timeout=5000)
    saved = store.get_visit(acute)
    assert (saved.acknowledged_by, saved.outcome) == ("reception", "spoke")
    entry = store.audit_log(1)[0]
    assert (entry.actor, entry.action) == ("reception", "acknowledge")
    assert entry.detail == f"{acute} spoke"
    assert "Ana" not in entry.detail

    tap(banner.rows[0])
    tap(chooser.buttons["left"])
    qtbot.waitUntil(lambda: not banner.isVisible(), timeout=5000)
    assert store.get_visit(non_acute).outcome == "left"
    # And it stays away: the next reading finds nothing to acknowledge.
    read_again(qtbot, staff)
    assert not banner.isVisible()


def test_an_urgent_visit_arriving_while_staff_mode_is_open_shows_up_on_its_own(
    window: MainWindow, content: Content, qtbot: QtBot
) -> None:
    store = window.store
    assert store is not None
    staff = enter_as(qtbot, window, ADMIN_PIN)
    staff.urgent.timer.setInterval(50)  # 5 s in the kiosk
    read_again(qtbot, staff)
    assert not staff.banner.isVisible()
    assert staff.urgent.timer.isActive()
    # Another kiosk process (or the visitor side before staff mode opened) makes one urgent.
    code = urgent_visit(store, content, acute=True)
    qtbot.waitUntil(lambda: banner_codes(staff.banner) == [code], timeout=5000)
    assert staff.banner.isVisible()
    # On every page: the admin tools and today's visits.
    staff.bar.switch_button.click()
    assert staff.stack.currentWidget() is staff.reception and staff.banner.isVisible()
    # Acknowledged elsewhere (`python -m kiosk ack`): it goes at the next reading, and an open
    # question about it closes.
    tap(staff.banner.rows[0])
    assert staff.banner.chooser.isVisible()
    assert store.acknowledge(code, "admin-cli", "clinician")
    qtbot.waitUntil(lambda: not staff.banner.isVisible(), timeout=5000)
    assert staff.banner.chooser.code is None


def test_locking_forgets_the_banner_and_stops_reading(
    window: MainWindow, content: Content, qtbot: QtBot
) -> None:
    store = window.store
    assert store is not None
    code = urgent_visit(store, content, acute=True)
    nav = window.navigator
    staff = enter_as(qtbot, window, RECEPTION_PIN)
    qtbot.waitUntil(lambda: banner_codes(staff.banner) == [code], timeout=5000)
    staff.bar.sign_out_button.click()
    assert nav.current is ScreenId.WELCOME
    assert not staff.banner.isVisible() and staff.banner.visits == []
    assert not staff.urgent.timer.isActive()
    # Nothing before the PIN: the pad shows no urgent code to whoever holds the logo.
    nav.open_staff()
    assert not staff.banner.isVisible()


def test_a_channel_that_keeps_failing_is_on_the_banner(
    window: MainWindow, content: Content, qtbot: QtBot
) -> None:
    store = window.store
    assert store is not None
    code = urgent_visit(store, content, acute=True)
    store.acknowledge(code, "reception", "spoke")
    zone = window.config.zone
    at_2_14 = datetime.now(zone).replace(hour=14, minute=14, second=0, microsecond=0)
    outbox_row(store, code, "notify", created=at_2_14, error="connection refused")
    outbox_row(store, code, "printer", created=at_2_14, sent=at_2_14 + timedelta(seconds=3))
    staff = enter_as(qtbot, window, RECEPTION_PIN)
    qtbot.waitUntil(lambda: staff.banner.failing.isVisible(), timeout=5000)
    # Only the failing channel, in words, at the clinic's time; nothing to acknowledge.
    assert staff.banner.failing.text() == "Alerts are not reaching e-mail since 2:14 PM."
    assert banner_codes(staff.banner) == []
    # The channel delivers again: the line goes.
    later = datetime.now(UTC) + timedelta(days=1)
    outbox_row(store, code, "notify", created=later, sent=later)
    read_again(qtbot, staff)
    assert not staff.banner.isVisible()


def test_the_banner_fits_with_four_visits_a_failing_channel_and_the_question(
    make_window: MakeWindow, config: Config, content: Content, qtbot: QtBot
) -> None:
    window = make_window(with_printer(config, "none").replace(alerts=ALERTS), (1280, 800))
    window._stop_alerts()  # the rows are written by the test, as in the `window` fixture
    store = window.store
    assert store is not None
    set_pin(store, "reception", RECEPTION_PIN)
    codes = [urgent_visit(store, content, acute=index % 2 == 0) for index in range(4)]
    outbox_row(store, codes[0], "printer", created=datetime.now(UTC), error="out of paper")
    staff = enter_as(qtbot, window, RECEPTION_PIN)
    banner = staff.banner
    qtbot.waitUntil(lambda: len(banner_codes(banner)) == 2, timeout=5000)
    assert banner.more.text() == "2 more urgent visits to acknowledge after these."
    assert banner.failing.isVisible()
    for step in ("rows", "question"):
        if step == "question":
            tap(banner.rows[0])
        qtbot.wait(20)
        assert window.size().height() == 800, f"{step}: the window grew"
        assert not problems_in(banner), problems_in(banner)
        assert not problems_in(staff.stack.currentWidget())
        buttons_named_by_their_text(staff)


# --- Urgent today ----------------------------------------------------------------------------


def test_urgent_today_lists_alert_times_and_outcomes_and_acknowledges(
    window: MainWindow, content: Content, qtbot: QtBot
) -> None:
    store = window.store
    assert store is not None
    zone = window.config.zone
    still_open = urgent_visit(store, content, acute=False)
    # Acute and newer, so the store lists it first; acknowledged, so the section lists it after.
    done = urgent_visit(store, content, acute=True)
    today = datetime.now(zone)
    alerted = today.replace(hour=9, minute=5, second=0, microsecond=0)
    clear_outbox(store)  # the rows below replace those the store wrote at the urgent answers
    outbox_row(store, still_open, "notify", created=alerted, sent=alerted + timedelta(seconds=2))
    outbox_row(store, still_open, "printer", created=alerted, error="printer is out of paper")
    outbox_row(
        store,
        still_open,
        "escalate",
        created=alerted + timedelta(minutes=3),
        kind="escalation",
    )
    outbox_row(store, done, "notify", created=alerted, sent=alerted)
    store.acknowledge(done, "reception", "clinician")
    staff = enter_as(qtbot, window, ADMIN_PIN)
    staff.admin.tabs["urgent"].click()
    section = staff.admin.sections["urgent"]
    assert isinstance(section, UrgentTodaySection)
    qtbot.waitUntil(lambda: list(section.cards) == [still_open, done], timeout=5000)
    open_card, done_card = (section.texts_of(code) for code in (still_open, done))
    assert open_card[0].endswith(" · Non-acute") and "NOT ACKNOWLEDGED" in open_card
    assert "Reason: a safety answer (PHQ-9 item 9)" in open_card
    assert "Alerted: 9:05 AM" in open_card
    assert "Escalated: 9:08 AM" in open_card
    assert (
        "e-mail: sent 9:05 AM; the desk printer: not sent yet (printer is out of paper), 1 try; "
        "escalation to the escalation contacts: not sent yet"
    ) in open_card
    assert "NOT ACKNOWLEDGED" not in done_card
    assert "Escalated: no" in done_card
    assert any(
        line.startswith("Acknowledged: ") and line.endswith(" by Reception · Handed to a clinician")
        for line in done_card
    )
    assert section.message.text() == "2 urgent visits today, 1 not acknowledged."
    assert "E-mail: last delivered 9:05 AM" in section.channels.text().splitlines()
    assert set(section.ack_buttons) == {still_open}
    buttons_named_by_their_text(staff)

    assert section.area is not None
    section.area.ensureWidgetVisible(section.ack_buttons[still_open])  # a finger scrolls to it
    tap(section.ack_buttons[still_open])
    assert section.chooser.isVisible() and section.chooser.code == still_open
    qtbot.wait(20)  # the section scrolls the question into view
    tap(section.chooser.buttons["other"])
    qtbot.waitUntil(lambda: section.ack_buttons == {}, timeout=5000)
    saved = store.get_visit(still_open)
    assert (saved.acknowledged_by, saved.outcome) == ("admin", "other")
    assert ("admin", "acknowledge", f"{still_open} other") in [
        (e.actor, e.action, e.detail) for e in store.audit_log(5)
    ]
    assert section.message.text() == "2 urgent visits today, 0 not acknowledged."
    # The banner follows at once; the desk printer still failing stays on it.
    qtbot.waitUntil(lambda: banner_codes(staff.banner) == [], timeout=5000)
    assert staff.banner.failing.text() == "Alerts are not reaching the desk printer since 9:05 AM."


def test_urgent_today_says_when_no_channel_is_configured(
    make_window: MakeWindow, config: Config, qtbot: QtBot
) -> None:
    window = make_window(with_printer(config, "none"))
    assert window.store is not None
    set_pin(window.store, "admin", ADMIN_PIN)
    staff = enter_as(qtbot, window, ADMIN_PIN)
    staff.admin.tabs["urgent"].click()
    section = staff.admin.sections["urgent"]
    assert isinstance(section, UrgentTodaySection)
    qtbot.waitUntil(lambda: section.message.text() == "No urgent visits today.", timeout=5000)
    assert section.channels.text().startswith("No alert channel is configured")


def test_a_database_that_cannot_be_read_is_said_not_hidden(
    window: MainWindow, content: Content, qtbot: QtBot
) -> None:
    store = window.store
    assert store is not None
    staff = enter_as(qtbot, window, RECEPTION_PIN)
    read_again(qtbot, staff)
    assert not staff.banner.isVisible()
    urgent_visit(store, content, acute=True)
    store.close()  # its files are still there; this handle can read nothing more
    staff.urgent.refresh()
    qtbot.waitUntil(lambda: staff.banner.status.isVisible(), timeout=5000)
    assert staff.banner.status.text().startswith("Cannot check for urgent visits: ")
    assert "closed" in staff.banner.status.text()


def test_a_failing_channel_is_named_as_the_channel_registry_names_it(config: Config) -> None:
    since = datetime(2026, 12, 5, 19, 14, tzinfo=UTC)  # 2:14 PM in the clinic's zone
    statuses = [
        ChannelStatus(channel, None, "down", since, since, 1)
        for channel in ("printer", "escalate", "hub")
    ]
    assert failing_lines(statuses, config, since) == [
        "Alerts are not reaching the desk printer since 2:14 PM.",
        "Alerts are not reaching the escalation contacts since 2:14 PM.",
        "Alerts are not reaching the front desk (clinic hub) since 2:14 PM.",
    ]
