"""Staff mode through real widgets: hidden entry, PINs and their delays, reception's list, a visit's
summary, reprint, mark as seen, the admin's export, purge and exit, and the 60 s lock.

Visits are made through kiosk.flow.VisitFlow on the window's own store; what was saved is read
back through the store, the audit trail and (for exports) the csv module.
"""

from __future__ import annotations

import csv
import io
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QPushButton
from pytestqt.qtbot import QtBot

from kiosk import staff_pins
from kiosk.config import Config
from kiosk.content import Content
from kiosk.exports.day_log import export_filename
from kiosk.exports.records import CSV_COLUMNS
from kiosk.flow import Step, VisitFlow
from kiosk.staff_pins import (
    ADMIN_LOCK_AFTER,
    PIN_MAX_DIGITS,
    lockout_remaining,
    pin_status,
    set_pin,
    unlock_pins,
)
from kiosk.store import Store, VisitNotFoundError
from tests.support.clock import Clock
from tests.support.cups_queue import CupsQueue
from tests.support.staff_mode import ADMIN_PIN, RECEPTION_PIN, enter_as, sign_in, tap_row
from tests.support.touch import tap
from tests.support.windows import MakeWindow, with_printer
from ui.app import MainWindow
from ui.shell.navigator import ScreenId
from ui.staff import folders, reception_desk
from ui.staff.panel import StaffPanel
from ui.theme import ThemeOptions

# Every test here hashes PINs: at a small argon2id cost (tests/support/pins.py).
pytestmark = pytest.mark.usefixtures("cheap_hashes")

NAME = "Ana"  # typed by every test visitor: it must never reach the audit trail


@pytest.fixture
def window(make_window: MakeWindow, config: Config) -> MainWindow:
    """A kiosk with both PINs set and no printer (printing is tested on its own)."""
    win = make_window(with_printer(config, "none"))
    assert win.store is not None
    set_pin(win.store, "reception", RECEPTION_PIN)
    set_pin(win.store, "admin", ADMIN_PIN)
    return win


def make_visit(store: Store, content: Content, *, urgent: bool = False, finish: bool = True) -> str:
    flow = VisitFlow(store, content, "en")
    flow.agree()
    flow.set_name(NAME)
    if urgent:
        flow.talk_now()  # "I need to talk to someone now"
        if finish:
            flow.stop()
    elif finish:
        while flow.state().step is Step.QUESTION:
            flow.answer(0)
        assert flow.state().step is Step.RESULTS
    assert flow.code is not None
    return flow.code


def audit(window: MainWindow) -> list[tuple[str, str, str]]:
    assert window.store is not None
    return [(e.actor, e.action, e.detail) for e in reversed(window.store.audit_log(500))]


def actions(window: MainWindow) -> list[tuple[str, str]]:
    return [(actor, action) for actor, action, _ in audit(window)]


@pytest.fixture
def usb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    drive = tmp_path / "usb"
    drive.mkdir()
    monkeypatch.setattr(
        folders, "candidate_folders", lambda data_dir: [folders.exports_folder(data_dir), drive]
    )
    yield drive


# --- entering ----------------------------------------------------------------------------------


def test_hold_on_the_clinic_name_enters_a_short_press_does_not(
    make_window: MakeWindow, config: Config, qtbot: QtBot
) -> None:
    window = make_window(config)
    nav = window.navigator
    clinic = nav.top_bar.clinic
    nav.top_bar.hold_timer.setInterval(50)  # 3 s in the kiosk
    QTest.mousePress(clinic, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    QTest.mouseRelease(clinic, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    qtbot.wait(150)
    assert nav.current is ScreenId.WELCOME
    QTest.mousePress(clinic, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    qtbot.waitUntil(lambda: nav.current is ScreenId.STAFF, timeout=2000)
    QTest.mouseRelease(clinic, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    assert not nav.top_bar.isVisible()
    page = nav.staff.pin_page
    assert nav.staff.stack.currentWidget() is page
    # No PIN set for either role: staff mode says how to set one, and offers only Cancel.
    assert page.mode == "no_pin"
    assert "no PIN" in page.message.text()
    assert "python -m kiosk set-pin reception" in page.how_to.text()
    assert "python -m kiosk set-pin admin" in page.how_to.text()
    assert page.how_to.isVisible()
    assert not page.keypad.isVisible() and not page.sign_in_button.isVisible()
    assert page.cancel_button.isVisible()
    # The visitor's "Are you still there?" never shows over staff mode.
    assert not window.idle.timer.isActive()
    page.cancel_button.click()
    assert nav.current is ScreenId.WELCOME


def test_no_database_says_so_and_offers_only_cancel(
    make_window: MakeWindow, config: Config, data_dir: Path
) -> None:
    data_dir.mkdir(parents=True)
    (data_dir / "kiosk.db").write_bytes(b"not a database\n" * 100)
    window = make_window(config)
    nav = window.navigator
    assert window.store is None and nav.current is ScreenId.OUT_OF_ORDER
    nav.open_staff()
    page = nav.staff.pin_page
    assert nav.current is ScreenId.STAFF
    assert page.mode == "unavailable"
    assert "database is unavailable" in page.message.text()
    assert not page.keypad.isVisible() and not page.sign_in_button.isVisible()
    page.cancel_button.click()
    assert nav.current is ScreenId.OUT_OF_ORDER
    assert nav.staff.role is None


def test_wrong_pins_wait_longer_each_time_then_the_right_pin_signs_in(
    window: MainWindow, qtbot: QtBot
) -> None:
    staff = window.navigator.staff
    clock = Clock()
    staff.clock = clock
    staff.lockout_timer.setInterval(20)
    window.navigator.open_staff()
    page = staff.pin_page
    assert page.mode == "ready" and page.message.text() == "Enter your staff PIN."
    assert not page.sign_in_button.isEnabled()  # fewer than 4 digits
    for _ in range(2):  # two slips are free
        sign_in(qtbot, staff, "111111")
        assert page.mode == "ready"
        assert page.message.text() == "That PIN did not match. Please try again."
        assert page.keypad.text() == "" and page.dots.text() == ""
    sign_in(qtbot, staff, "111111")
    assert page.mode == "locked"
    assert page.message.text() == "That PIN did not match. Try again in 2 s."
    assert not page.keypad.isEnabled() and not page.sign_in_button.isEnabled()
    page.keypad.keys["2"].click()  # a disabled pad takes nothing
    assert page.keypad.text() == ""
    clock.advance(1)
    qtbot.waitUntil(lambda: page.message.text().endswith("Try again in 1 s."), timeout=2000)
    clock.advance(1)
    qtbot.waitUntil(lambda: page.mode == "ready", timeout=2000)
    assert page.keypad.isEnabled()
    sign_in(qtbot, staff, "111112")
    assert page.mode == "locked"
    assert page.message.text() == "That PIN did not match. Try again in 4 s."
    # Leaving and coming back does not reset the wait.
    page.cancel_button.click()
    window.navigator.open_staff()
    assert page.mode == "locked" and "Try again in 4 s" in page.message.text()
    clock.advance(4)
    qtbot.waitUntil(lambda: page.mode == "ready", timeout=2000)
    sign_in(qtbot, staff, RECEPTION_PIN)
    assert staff.role == "reception"
    assert staff.stack.currentWidget() is staff.reception
    assert staff.bar.title.text() == "Staff mode · Reception"
    assert not staff.bar.switch_button.isVisible()  # reception has no admin tools
    outcomes = [a for _, a in actions(window) if a.startswith("pin_")]
    assert outcomes == ["pin_failed"] * 4 + ["pin_ok"]
    assert all(
        RECEPTION_PIN not in detail and "111111" not in detail for *_, detail in audit(window)
    )


def wait_for_pad(qtbot: QtBot, staff: StaffPanel, clock: Clock) -> None:
    """Let the wrong-PIN wait run out (on the panel's clock) until the pad takes digits."""
    assert staff.store is not None
    clock.advance(lockout_remaining(staff.store, clock.now))
    qtbot.waitUntil(lambda: staff.pin_page.mode == "ready", timeout=2000)


def test_reception_cannot_walk_through_admin_pins_at_the_pad(
    window: MainWindow, qtbot: QtBot
) -> None:
    """Issue 14, 1: two admin guesses, the reception PIN, sign out, repeat."""
    nav = window.navigator
    staff = nav.staff
    store = window.store
    assert store is not None
    clock = Clock()
    staff.clock = clock
    staff.lockout_timer.setInterval(20)
    nav.open_staff()
    page = staff.pin_page
    guesses = iter(f"{n:06d}" for n in range(700000, 800000))
    for _ in range(ADMIN_LOCK_AFTER // 2):
        for _ in range(2):
            wait_for_pad(qtbot, staff, clock)
            sign_in(qtbot, staff, next(guesses))
            assert staff.role is None
        wait_for_pad(qtbot, staff, clock)
        sign_in(qtbot, staff, RECEPTION_PIN)
        assert staff.role == "reception"
        staff.bar.sign_out_button.click()
        nav.open_staff()
    # The admin role is locked: the pad says so, and how to lift it; reception still works.
    assert pin_status(store, clock.now).admin_locked
    notice = page.lock_notice
    assert notice.isVisible()
    assert notice.text().startswith(
        f"Administrator sign-in is locked after {ADMIN_LOCK_AFTER} wrong PINs."
    )
    assert "python -m kiosk unlock-pins" in notice.text()
    assert "The reception PIN still works." in notice.text()
    wait_for_pad(qtbot, staff, clock)
    sign_in(qtbot, staff, ADMIN_PIN)  # the right PIN, refused like any guess
    assert staff.role is None
    assert page.mode == "locked"
    assert page.message.text() == "That PIN was not accepted. Try again in 60 s."
    wait_for_pad(qtbot, staff, clock)
    sign_in(qtbot, staff, RECEPTION_PIN)
    assert staff.role == "reception"
    staff.bar.sign_out_button.click()
    # An administrator lifts the lock at the kiosk computer (python -m kiosk unlock-pins).
    unlock_pins(store, now=clock.now)
    nav.open_staff()
    assert not notice.isVisible() and page.mode == "ready"
    sign_in(qtbot, staff, ADMIN_PIN)
    assert staff.role == "admin"
    told = staff.admin.notice
    assert told.isVisible()
    assert told.text().startswith(
        f"{ADMIN_LOCK_AFTER} wrong PINs since the last administrator sign-in, the last at "
    )
    assert "administrator sign-in was locked" in told.text()
    assert ("admin", "wrong_pins_reported") in actions(window)
    # Told once.
    staff.bar.sign_out_button.click()
    nav.open_staff()
    sign_in(qtbot, staff, ADMIN_PIN)
    assert staff.role == "admin" and not staff.admin.notice.isVisible()


def test_a_short_pin_from_an_older_version_signs_in_and_the_admin_is_told_to_change_it(
    make_window: MakeWindow, config: Config, qtbot: QtBot
) -> None:
    window = make_window(with_printer(config, "none"))
    store = window.store
    assert store is not None
    # Stored by a version that took 4 digits: the upgrade must not lock the clinic out.
    store.set_setting("staff_pin.admin", staff_pins._hasher.hash("9075"))
    set_pin(store, "reception", RECEPTION_PIN)
    staff = enter_as(qtbot, window, "9075")
    assert staff.role == "admin"
    notice = staff.admin.notice
    assert notice.isVisible()
    assert notice.text().startswith("The admin PIN is too weak")
    assert "python -m kiosk set-pin admin" in notice.text()
    assert "9075" not in notice.text()


def test_the_pad_takes_pins_of_up_to_12_digits(window: MainWindow, qtbot: QtBot) -> None:
    assert window.store is not None
    long_pin = "482915037261"
    set_pin(window.store, "admin", long_pin)
    staff = window.navigator.staff
    window.navigator.open_staff()
    page = staff.pin_page
    for digit in long_pin + "9":
        page.keypad.keys[digit].click()
    assert page.keypad.text() == long_pin  # the 13th digit is not taken
    assert page.dots.text().count("●") == PIN_MAX_DIGITS == 12
    page.sign_in_button.click()
    qtbot.waitUntil(lambda: page.mode != "checking", timeout=5000)
    assert staff.role == "admin"


# --- reception ---------------------------------------------------------------------------------


def test_reception_lists_today_urgent_first_then_newest_and_refreshes(
    window: MainWindow, content: Content, qtbot: QtBot
) -> None:
    store = window.store
    assert store is not None
    oldest = make_visit(store, content)
    urgent_old = make_visit(store, content, urgent=True)
    running = make_visit(store, content, finish=False)
    left = make_visit(store, content, finish=False)
    store.abandon_visit(left)  # as an idle reset would
    urgent_new = make_visit(store, content, urgent=True)
    staff = enter_as(qtbot, window, RECEPTION_PIN)
    page = staff.reception
    assert page.row_codes() == [urgent_new, urgent_old, left, running, oldest]
    lines = {code: page.line_for(code) for code in page.row_codes()}
    assert lines[urgent_new].urgent and lines[urgent_old].urgent  # type: ignore[union-attr]
    assert not lines[oldest].urgent  # type: ignore[union-attr]
    assert lines[running].cells() == (running, lines[running].started, "In progress", "No", "No")  # type: ignore[union-attr]
    assert lines[left].status == "Abandoned"  # type: ignore[union-attr]
    assert lines[oldest].cells()[2:] == ("Completed", "No", "No")  # type: ignore[union-attr]
    spoken = page.model.data(page.model.index(0), Qt.ItemDataRole.AccessibleTextRole)
    # The level is said too ("talk now" makes a visit acute), and the badge names it.
    assert spoken.startswith(f"Urgent, acute. {urgent_new}, started ")
    assert lines[urgent_new].badge == "ACUTE"  # type: ignore[union-attr]
    assert "5 visits, 2 urgent" in page.subtitle.text()
    # A visitor finishes meanwhile: the list picks it up by itself, where the finger is.
    staff.refresh_timer.setInterval(50)
    page.scroll_to(oldest)
    scrolled = page.list.verticalScrollBar().value()
    newest = make_visit(store, content)
    qtbot.waitUntil(lambda: newest in page.row_codes(), timeout=2000)
    assert page.row_codes() == [urgent_new, urgent_old, newest, left, running, oldest]
    assert page.list.verticalScrollBar().value() == scrolled
    # Yesterday's visits are not today's.
    clock = Clock()
    clock.advance(-24 * 3600)
    staff.clock = clock
    qtbot.waitUntil(lambda: page.row_codes() == [], timeout=2000)
    assert page.empty.isVisible()


def test_urgent_visit_summary_reprint_and_seen_in_three_taps(
    window: MainWindow, content: Content, qtbot: QtBot
) -> None:
    store = window.store
    assert store is not None
    make_visit(store, content)
    code = make_visit(store, content, urgent=True)
    staff = enter_as(qtbot, window, RECEPTION_PIN)
    page = staff.visit_page
    tap_row(staff.reception, code)  # tap 1: the urgent row, on top
    assert staff.stack.currentWidget() is page
    assert not staff.refresh_timer.isActive()
    assert page.title.text() == f"Visit {code}"
    assert page.marker.isVisible()
    assert "Printed: No" in page.meta.text() and "Seen: No" in page.meta.text()
    page.reprint_button.click()  # tap 2: Reprint
    assert page.status.text() == "Printing…" and not page.reprint_button.isEnabled()
    qtbot.waitUntil(lambda: page.status.text() != "Printing…", timeout=10000)
    assert page.status.text().startswith("Not printed: this kiosk has no printer set up")
    assert page.reprint_button.isEnabled()
    assert [job.state for job in store.get_visit(code).print_jobs] == ["saved"]
    # The summary, rendered on screen as page 1 of the printed PDF.
    qtbot.waitUntil(lambda: page.summary.image is not None, timeout=10000)
    image = page.summary.image
    assert image is not None and image.width() > 600 and image.height() > image.width()
    assert page.summary.picture.isVisible()
    # Mark as seen: stored, shown, and the print outcome stays on screen.
    page.seen_button.click()
    assert store.get_visit(code).seen
    assert "Seen: Yes" in page.meta.text()
    assert not page.seen_button.isEnabled() and page.seen_button.text() == "Marked as seen"
    assert page.status.text().startswith("Not printed")
    page.back_button.click()
    assert staff.stack.currentWidget() is staff.reception
    assert staff.refresh_timer.isActive()
    assert staff.reception.line_for(code).seen == "Yes"  # type: ignore[union-attr]
    trail = audit(window)
    mine = [(actor, action, detail) for actor, action, detail in trail if actor == "reception"]
    assert [a for _, a, _ in mine] == ["pin_ok", "open_visit", "reprint", "mark_seen"]
    assert mine[1][2] == code and mine[3][2] == code and mine[2][2].startswith(code)
    assert not any(NAME in detail for *_, detail in trail)


def test_without_qtpdf_the_summary_is_shown_as_text(
    window: MainWindow, content: Content, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reception_desk, "PDF_AVAILABLE", False)
    assert window.store is not None
    code = make_visit(window.store, content)
    staff = enter_as(qtbot, window, RECEPTION_PIN)
    tap_row(staff.reception, code)
    summary = staff.visit_page.summary
    qtbot.waitUntil(summary.text.isVisible, timeout=10000)
    assert summary.image is None and not summary.picture.isVisible()
    text = summary.text.text()
    assert text.startswith(f"Visit {code}")
    assert "PHQ-9: 0 (minimal)" in text and "GAD-7: 0 (minimal)" in text
    assert NAME not in text


@pytest.mark.cups
def test_reprint_through_the_cups_pdf_queue(
    make_window: MakeWindow, config: Config, content: Content, qtbot: QtBot, cups: CupsQueue
) -> None:
    window = make_window(with_printer(config, cups.name))
    store = window.store
    assert store is not None
    set_pin(store, "reception", RECEPTION_PIN)
    code = make_visit(store, content, urgent=True)
    staff = enter_as(qtbot, window, RECEPTION_PIN)
    tap_row(staff.reception, code)
    page = staff.visit_page
    page.reprint_button.click()
    qtbot.waitUntil(lambda: page.status.text() != "Printing…", timeout=30000)
    assert page.status.text() == f"Printed on {cups.name}. The summary is at the printer."
    assert "Printed: Yes" in page.meta.text()
    visit = store.get_visit(code)
    assert visit.printed
    (job,) = visit.print_jobs
    assert job.state == "completed" and job.cups_job_id is not None
    pdf = cups.output_for(job.cups_job_id)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert code in text


# --- admin -------------------------------------------------------------------------------------


def test_admin_exports_a_csv_to_the_chosen_folder(
    window: MainWindow, content: Content, qtbot: QtBot, usb: Path, config: Config
) -> None:
    store = window.store
    assert store is not None
    done = make_visit(store, content)
    urgent = make_visit(store, content, urgent=True)
    make_visit(store, content, finish=False)  # someone at the kiosk now: not in the log
    staff = enter_as(qtbot, window, ADMIN_PIN)
    admin = staff.admin
    export_section = admin.sections["export"]
    assert staff.role == "admin" and staff.stack.currentWidget() is admin
    assert admin.current == "export"
    today = datetime.now(config.zone).date()
    assert export_section.day == today and export_section.day_label.text().endswith("(today)")
    assert not export_section.next_button.isEnabled()
    export_section.previous_button.click()
    assert (
        export_section.day == today - timedelta(days=1) and export_section.next_button.isEnabled()
    )
    export_section.next_button.click()
    assert export_section.day == today
    # The drive is offered after the kiosk's own folder, and chosen.
    exports = folders.exports_folder(config.data_dir)
    assert export_section.folders == [exports, usb]
    assert export_section.folder == usb
    assert export_section.folder_buttons[usb].property("selected") is True
    export_section.format_buttons["csv"].click()
    qtbot.waitUntil(lambda: export_section.export_result.text().startswith("Saved"), timeout=10000)
    target = usb / export_filename(today, "csv")
    assert export_section.export_result.text() == f"Saved: {target}"
    with target.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0][: len(CSV_COLUMNS)]) == CSV_COLUMNS
    records = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert set(records) == {done, urgent}
    assert records[urgent]["urgent"] == "1" and records[done]["urgent"] == "0"
    assert records[done]["status"] == "completed" and records[done]["phq9_total"] == "0"
    assert NAME not in target.read_text(encoding="utf-8")
    # The same day again: never overwritten without asking.
    export_section.format_buttons["csv"].click()
    qtbot.waitUntil(lambda: export_section.replace_button.isVisible(), timeout=10000)
    assert "is already in" in export_section.export_result.text()
    export_section.replace_button.click()
    qtbot.waitUntil(lambda: export_section.export_result.text().startswith("Saved"), timeout=10000)
    # The kiosk's own exports folder is made private when first used.
    export_section.folder_buttons[exports].click()
    export_section.format_buttons["json"].click()
    qtbot.waitUntil(lambda: export_section.export_result.text().startswith("Saved"), timeout=10000)
    assert (exports / export_filename(today, "json")).is_file()
    assert stat.S_IMODE(exports.stat().st_mode) == 0o700
    exported = [d for a, act, d in audit(window) if a == "admin" and act == "export"]
    assert len(exported) == 3 and all(d.startswith(today.isoformat()) for d in exported)


def test_admin_export_to_a_folder_that_went_away_shows_one_line(
    window: MainWindow, qtbot: QtBot, usb: Path
) -> None:
    staff = enter_as(qtbot, window, ADMIN_PIN)
    usb.rmdir()  # the drive was pulled after it was listed
    staff.admin.sections["export"].format_buttons["fhir"].click()
    result = staff.admin.sections["export"].export_result
    qtbot.waitUntil(lambda: result.text().startswith("Not exported"), timeout=10000)
    assert "folder does not exist" in result.text() and "\n" not in result.text()
    assert ("admin", "export_failed") in actions(window)


def test_admin_views_audit_printer_settings_and_reception(
    window: MainWindow, content: Content, qtbot: QtBot, config: Config
) -> None:
    assert window.store is not None
    code = make_visit(window.store, content, urgent=True)
    staff = enter_as(qtbot, window, ADMIN_PIN)
    admin = staff.admin
    audit_section = admin.sections["audit"]
    printer_section = admin.sections["printer"]
    settings_section = admin.sections["settings"]
    admin.tabs["audit"].click()
    assert admin.current == "audit"
    assert audit_section.audit_rows, "the audit log is shown"
    first = audit_section.audit_rows[0].findChildren(QLabel)[0].text()
    assert first.endswith("· admin · pin_ok")  # newest first
    admin.tabs["printer"].click()
    qtbot.waitUntil(lambda: printer_section.printer_check_button.isEnabled(), timeout=10000)
    assert 'No printer is set up (printer = "none")' in printer_section.printer_text.text()
    admin.tabs["settings"].click()
    settings = dict(settings_section.settings_rows())
    assert settings["Data folder"] == str(config.data_dir)
    assert settings["Retention"] == "90 days" and settings["Printer"] == "none (no printer)"
    # An administrator may do reception's work too, and come back.
    assert staff.bar.switch_button.text() == "Today's visits"
    staff.bar.switch_button.click()
    assert staff.stack.currentWidget() is staff.reception
    assert staff.reception.row_codes() == [code]
    tap_row(staff.reception, code)
    assert staff.visit_page.code == code
    assert staff.bar.switch_button.text() == "Admin tools"
    staff.bar.switch_button.click()
    assert staff.stack.currentWidget() is admin
    assert staff.visit_page.code is None
    assert ("admin", "open_visit") in actions(window)


def test_purge_now_asks_first(
    window: MainWindow, content: Content, qtbot: QtBot, config: Config
) -> None:
    store = window.store
    assert store is not None
    today = make_visit(store, content)
    # A visit from 100 days ago, made through a second store with its clock set back.
    past = datetime.now(UTC) - timedelta(days=100)
    with Store.open(config.data_dir, clock=lambda: past) as old_store:
        old = make_visit(old_store, content)
    staff = enter_as(qtbot, window, ADMIN_PIN)
    admin = staff.admin
    purge_section = admin.sections["purge"]
    admin.tabs["purge"].click()
    purge_section.purge_button.click()
    assert purge_section.purge_box.isVisible() and not purge_section.purge_button.isVisible()
    assert "cannot be undone" in purge_section.purge_box.findChildren(QLabel)[0].text()
    purge_section.purge_cancel.click()
    assert not purge_section.purge_box.isVisible()
    assert store.get_visit(old).code == old  # nothing happened
    purge_section.purge_button.click()
    purge_section.purge_confirm.click()
    qtbot.waitUntil(lambda: purge_section.purge_result.text().startswith("Deleted"), timeout=10000)
    assert purge_section.purge_result.text() == "Deleted 1 visit older than 90 days."
    with pytest.raises(VisitNotFoundError):
        store.get_visit(old)
    assert store.get_visit(today).code == today
    assert ("admin", "purge") in actions(window)


def test_exit_asks_first_then_quits_the_application(
    window: MainWindow, qtbot: QtBot, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    quits: list[bool] = []
    # The real quit would end the test session's event loop.
    monkeypatch.setattr(QApplication, "quit", lambda: quits.append(True))
    staff = enter_as(qtbot, window, ADMIN_PIN)
    admin = staff.admin
    exit_section = admin.sections["exit"]
    admin.tabs["exit"].click()
    exit_section.exit_button.click()
    assert exit_section.exit_box.isVisible()
    with qtbot.assertNotEmitted(staff.quit_requested):
        exit_section.exit_cancel.click()
    assert not exit_section.exit_box.isVisible() and exit_section.exit_button.isVisible()
    exit_section.exit_button.click()
    with qtbot.waitSignal(staff.quit_requested, timeout=1000):
        exit_section.exit_confirm.click()
    assert quits == [True]
    assert window.allow_close
    assert window.store is None  # shut down: database closed
    assert not window.isVisible()
    with Store.open(config.data_dir) as store:
        trail = [(e.actor, e.action) for e in store.audit_log(50)]
    assert ("admin", "exit_app") in trail


# --- leaving -----------------------------------------------------------------------------------


def test_sixty_seconds_without_a_touch_locks_staff_mode(
    window: MainWindow, content: Content, qtbot: QtBot
) -> None:
    assert window.store is not None
    code = make_visit(window.store, content, urgent=True)
    nav = window.navigator
    staff = enter_as(qtbot, window, RECEPTION_PIN)
    assert staff.idle_timer.interval() == 60_000 and staff.idle_timer.isActive()
    # Any touch restarts the lock.
    qtbot.wait(30)
    before = staff.idle_timer.remainingTime()
    tap(staff.reception, QPoint(5, 5))
    assert staff.idle_timer.remainingTime() > before
    tap_row(staff.reception, code)
    qtbot.waitUntil(lambda: staff.visit_page.summary.image is not None, timeout=10000)
    assert not window.idle.timer.isActive()  # the visitor's idle dialog stays out of it
    staff.idle_timer.setInterval(100)
    staff.idle_timer.start()
    qtbot.waitUntil(lambda: nav.current is ScreenId.WELCOME, timeout=3000)
    assert not window.overlay.isVisible()
    assert staff.role is None
    assert staff.visit_page.code is None and staff.visit_page.summary.image is None
    assert staff.reception.row_codes() == [] and staff.pin_page.keypad.text() == ""
    assert not staff.refresh_timer.isActive() and not staff.idle_timer.isActive()
    assert ("reception", "idle_lock") in actions(window)
    # Coming back starts at the PIN pad again.
    nav.open_staff()
    assert staff.stack.currentWidget() is staff.pin_page and staff.pin_page.mode == "ready"


def test_sign_out_forgets_everything(window: MainWindow, content: Content, qtbot: QtBot) -> None:
    assert window.store is not None
    code = make_visit(window.store, content)
    nav = window.navigator
    staff = enter_as(qtbot, window, ADMIN_PIN)
    staff.bar.switch_button.click()
    tap_row(staff.reception, code)
    assert staff.bar.sign_out_button.isVisible()
    staff.bar.sign_out_button.click()
    assert nav.current is ScreenId.WELCOME
    assert staff.role is None and staff.visit_page.code is None
    assert staff.reception.row_codes() == [] and staff.admin.sections["audit"].audit_rows == []
    assert staff.admin.sections["export"].folders == []
    assert actions(window)[-1] == ("admin", "sign_out")


# --- fit and finish ----------------------------------------------------------------------------


def staff_pages(qtbot: QtBot, window: MainWindow, code: str) -> Iterator[str]:
    """Walk every staff page an administrator can reach; yields each page's name once shown."""
    staff = window.navigator.staff
    window.navigator.open_staff()
    yield "pin"
    sign_in(qtbot, staff, ADMIN_PIN)
    for key in ("export", "urgent", "audit", "printer", "settings", "purge", "exit"):
        staff.admin.tabs[key].click()
        if key == "printer":
            qtbot.waitUntil(
                staff.admin.sections["printer"].printer_check_button.isEnabled, timeout=10000
            )
        yield f"admin-{key}"
    staff.admin.tabs["purge"].click()
    staff.admin.sections["purge"].purge_button.click()
    yield "admin-purge-confirm"
    staff.bar.switch_button.click()
    yield "reception"
    tap_row(staff.reception, code)
    qtbot.waitUntil(lambda: staff.visit_page.summary.image is not None, timeout=10000)
    yield "visit"


@pytest.mark.parametrize("size", [(1280, 800), (1080, 1920)], ids=["landscape", "portrait"])
def test_pin_notices_fit_on_the_pad_and_the_admin_page(
    make_window: MakeWindow, config: Config, qtbot: QtBot, size: tuple[int, int]
) -> None:
    from tests.support.layout import problems_in

    window = make_window(with_printer(config, "none"), size)
    store = window.store
    assert store is not None
    # The longest notices there are: both PINs from an older version, the admin role locked.
    store.set_setting("staff_pin.reception", staff_pins._hasher.hash("2468"))
    store.set_setting("staff_pin.admin", staff_pins._hasher.hash("9075"))
    clock = Clock()
    staff = window.navigator.staff
    staff.clock = clock
    for n in range(ADMIN_LOCK_AFTER):
        clock.advance(lockout_remaining(store, clock.now))
        staff_pins.verify_pin(store, f"{700000 + n}", clock=clock)
    window.navigator.open_staff()
    page = staff.pin_page
    assert page.lock_notice.isVisible() and page.mode == "locked"
    qtbot.wait(20)
    assert window.size().height() == size[1], "the window grew"
    assert not problems_in(page), problems_in(page)
    unlock_pins(store, now=clock.now)
    page.cancel_button.click()
    window.navigator.open_staff()
    sign_in(qtbot, staff, "9075")
    assert staff.role == "admin"
    notice = staff.admin.notice
    assert notice.isVisible() and len(notice.text().splitlines()) == 3
    qtbot.wait(20)
    assert window.size().height() == size[1], "the window grew"
    assert not problems_in(staff.admin), problems_in(staff.admin)


@pytest.mark.parametrize("size", [(1280, 800), (1080, 1920)], ids=["landscape", "portrait"])
def test_staff_pages_have_big_targets_unclipped_text_and_spoken_names(
    make_window: MakeWindow,
    config: Config,
    content: Content,
    qtbot: QtBot,
    size: tuple[int, int],
) -> None:
    from tests.support.layout import problems_in

    window = make_window(with_printer(config, "none"), size)
    assert window.store is not None
    set_pin(window.store, "admin", ADMIN_PIN)
    code = make_visit(window.store, content, urgent=True)
    # A visitor left large text on: staff mode has no toggle to turn it off, so it starts plain.
    window.navigator.top_bar.large_button.setChecked(True)
    staff = window.navigator.staff
    failures: list[str] = []
    for page in staff_pages(qtbot, window, code):
        assert window.navigator.theme_options == ThemeOptions()
        qtbot.wait(20)  # new rows are styled when shown, then laid out again
        assert window.size().height() == size[1], f"{page}: the window grew"
        failures += [f"{page}: {p}" for p in problems_in(staff.bar)]
        failures += [f"{page}: {p}" for p in problems_in(staff.banner)]
        failures += [f"{page}: {p}" for p in problems_in(staff.stack.currentWidget())]
        for button in staff.findChildren(QPushButton):
            if button.isVisibleTo(staff) and button.text():
                assert button.accessibleName() == button.text()
    assert not failures, "\n".join(failures)
