"""Reception's work built alone: the real list and visit pages, a real database, the real print
service (no printer set up) and worker, and no staff panel or PIN around them."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from kiosk.config import Config
from kiosk.content import Content
from kiosk.flow import VisitFlow
from kiosk.store import Store
from tests.support.clock import Clock
from tests.support.staff_mode import tap_row
from ui.printer import PrintService
from ui.staff.reception import ReceptionPage, VisitPage
from ui.staff.reception_desk import ReceptionDesk
from ui.worker import Worker

# Real time: the visits must fall on today.
pytestmark = pytest.mark.clock(start=None)


def urgent_visit(store: Store, content: Content) -> str:
    flow = VisitFlow(store, content, "en")
    flow.agree()
    flow.set_name("Ana")
    flow.talk_now()
    flow.stop()
    assert flow.code is not None
    return flow.code


def test_the_list_a_visit_its_summary_reprint_and_seen_without_the_panel(
    qtbot: QtBot, store: Store, config: Config, content: Content, clock: Clock
) -> None:
    reception = ReceptionPage()
    visit_page = VisitPage()
    for page in (reception, visit_page):
        qtbot.addWidget(page)
        page.resize(1280, 800)
    printer = PrintService(config, content, lambda: store)
    worker = Worker(2, reception)
    desk = ReceptionDesk(
        reception,
        visit_page,
        config=config,
        content=content,
        store=store,
        printer=printer,
        worker=worker,
        today=lambda: clock().astimezone(config.zone).date(),
        audit=lambda action, detail: store.audit("reception", action, detail),
        parent=reception,
    )
    desk.refresh_timer.setInterval(50)
    first = urgent_visit(store, content)
    reception.show()
    desk.show_list()
    assert reception.row_codes() == [first] and desk.refresh_timer.isActive()
    # A visitor finishes meanwhile: the list picks it up by itself.
    second = urgent_visit(store, content)
    qtbot.waitUntil(lambda: second in reception.row_codes(), timeout=2000)

    with qtbot.waitSignal(desk.visit_opened, timeout=2000):
        tap_row(reception, first)
    assert not desk.refresh_timer.isActive()  # the list is no longer on screen
    reception.hide()
    visit_page.show()
    assert visit_page.code == first and visit_page.title.text() == f"Visit {first}"
    qtbot.waitUntil(lambda: visit_page.summary.image is not None, timeout=10000)

    visit_page.reprint_button.click()
    assert visit_page.status.text() == "Printing…"
    qtbot.waitUntil(lambda: visit_page.status.text() != "Printing…", timeout=10000)
    assert visit_page.status.text().startswith("Not printed: this kiosk has no printer set up")
    assert [job.state for job in store.get_visit(first).print_jobs] == ["saved"]
    visit_page.seen_button.click()
    assert store.get_visit(first).seen and "Seen: Yes" in visit_page.meta.text()

    trail = [(e.actor, e.action, e.detail) for e in reversed(store.audit_log(10))]
    assert [(actor, action) for actor, action, _ in trail] == [
        ("reception", "open_visit"),
        ("reception", "reprint"),
        ("reception", "mark_seen"),
    ]
    assert trail[0][2] == first and trail[2][2] == first
    # Locked: nothing shown stays, and nothing more is done until the list is shown again.
    desk.clear()
    assert reception.row_codes() == [] and visit_page.code != first
    desk.mark_seen(second)
    assert not store.get_visit(second).seen
    worker.wait(5000)
