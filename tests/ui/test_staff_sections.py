"""Every administrator's section built alone over a real staff panel and a real database:
what it shows when its tab comes up, what it does, and that locking forgets it. And the
registry: the admin page's tabs are the registered sections, in order."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

from kiosk.config import Config
from kiosk.content import Content
from kiosk.store import Store
from ui.printer import PrintService
from ui.staff import sections
from ui.staff.admin import AdminPage
from ui.staff.panel import StaffPanel
from ui.staff.sections import AdminSection, register, registered, section_body

KEYS = ["export", "urgent", "audit", "printer", "settings", "purge", "exit"]

# Real time: the widgets under test ask the wall clock what "today" is.
pytestmark = pytest.mark.clock(start=None)


@pytest.fixture
def desk(qtbot: QtBot, config: Config, content: Content, store: Store) -> Iterator[StaffPanel]:
    """The staff panel the sections work through, with an administrator signed in."""
    panel = StaffPanel(config, content, store, PrintService(config, content, lambda: store))
    qtbot.addWidget(panel)
    panel.role = "admin"
    yield panel
    panel.wait()


def build_alone(qtbot: QtBot, desk: StaffPanel, key: str) -> tuple[Any, QWidget]:
    section = next(kind for kind in registered() if kind.key == key)(desk)
    body = section.build()
    qtbot.addWidget(body)
    body.resize(1200, 800)
    body.show()
    return section, body


def texts(widget: QWidget) -> list[str]:
    return [child.text() for child in widget.findChildren(QLabel) if child.isVisibleTo(widget)]


def test_the_registry_holds_each_section_once_in_tab_order() -> None:
    found = registered()
    assert [section.key for section in found] == KEYS
    assert all(issubclass(section, AdminSection) for section in found)
    assert len({section.order for section in found}) == len(found)


def test_the_admin_page_reads_its_tabs_from_the_registry(
    qtbot: QtBot, desk: StaffPanel, monkeypatch: pytest.MonkeyPatch
) -> None:
    class BackupSection(AdminSection):
        """A made-up section, declared only here: one file and a registration."""

        key = "backup"
        title = "Backup"
        order = 35

        def build(self) -> QWidget:
            inner, _ = section_body("Back up the database")
            return inner

    monkeypatch.setattr(sections, "_REGISTERED", dict(sections._REGISTERED))
    register(BackupSection)
    page = AdminPage(desk)
    qtbot.addWidget(page)
    assert list(page.tabs) == [
        "export",
        "urgent",
        "audit",
        "printer",
        "backup",
        "settings",
        "purge",
        "exit",
    ]
    assert page.tabs["backup"].text() == "Backup"
    page.tabs["backup"].click()
    assert page.current == "backup"
    assert "Back up the database" in texts(page.pages["backup"].widget())


def test_a_key_registered_twice_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sections, "_REGISTERED", dict(sections._REGISTERED))
    registered()

    class Another(AdminSection):
        key, title, order = "export", "Export again", 99

    with pytest.raises(ValueError, match="two admin sections with the key 'export'"):
        register(Another)


def test_export_alone_offers_the_day_and_folders_and_writes_the_file(
    qtbot: QtBot, desk: StaffPanel, config: Config
) -> None:
    export, _ = build_alone(qtbot, desk, "export")
    export.shown()
    today = desk.today()
    assert export.day == today and export.day_label.text().endswith("(today)")
    assert export.folders and export.folder == export.folders[-1]
    assert list(export.format_buttons) == ["csv", "json", "fhir"]
    export.choose_folder(export.folders[0])
    export.format_buttons["csv"].click()
    qtbot.waitUntil(lambda: export.export_result.text().startswith("Saved"), timeout=10000)
    assert Path(export.export_result.text().removeprefix("Saved: ")).is_file()
    export.clear()
    assert export.folders == [] and export.folder is None
    assert not export.export_result.isVisibleTo(export.export_result.parentWidget())


def test_export_alone_does_nothing_for_reception(qtbot: QtBot, desk: StaffPanel) -> None:
    desk.role = "reception"
    export, _ = build_alone(qtbot, desk, "export")
    export.shown()
    assert export.folders == []  # not loaded: the section is the administrator's


def test_audit_alone_lists_the_newest_entries(qtbot: QtBot, desk: StaffPanel, store: Store) -> None:
    store.audit("admin", "pin_ok", "signed in")
    store.audit("reception", "open_visit", "K7Q2")
    audit, _ = build_alone(qtbot, desk, "audit")
    audit.shown()
    assert len(audit.audit_rows) == 2
    first = audit.audit_rows[0].findChildren(QLabel)[0].text()
    assert first.endswith("· reception · open_visit")  # newest first
    audit.clear()
    assert audit.audit_rows == [] and audit.message.text() == ""


def test_printer_alone_checks_the_queue(qtbot: QtBot, desk: StaffPanel) -> None:
    printer, _ = build_alone(qtbot, desk, "printer")
    printer.shown()
    qtbot.waitUntil(printer.printer_check_button.isEnabled, timeout=10000)
    assert 'No printer is set up (printer = "none")' in printer.printer_text.text()
    printer.clear()
    assert printer.printer_text.text() == "" and not printer.checking


def test_settings_alone_shows_the_config_in_force(
    qtbot: QtBot, desk: StaffPanel, config: Config
) -> None:
    settings, body = build_alone(qtbot, desk, "settings")
    rows = dict(settings.settings_rows())
    assert rows["Data folder"] == str(config.data_dir)
    assert rows["Retention"] == f"{config.storage.retention_days} days"
    shown = texts(body)
    assert "Settings in force" in shown and str(config.data_dir) in shown


def test_purge_alone_asks_first_then_deletes_old_visits(
    qtbot: QtBot, desk: StaffPanel, store: Store
) -> None:
    purge, _ = build_alone(qtbot, desk, "purge")
    purge.purge_button.click()
    assert purge.purge_box.isVisible() and not purge.purge_button.isVisible()
    purge.hidden()  # another tab picked: the question is put away
    assert not purge.purge_box.isVisible() and purge.purge_button.isVisible()
    purge.purge_button.click()
    purge.purge_confirm.click()
    qtbot.waitUntil(lambda: purge.purge_result.text().startswith("Deleted"), timeout=10000)
    assert purge.purge_result.text() == "Deleted 0 visits older than 90 days."
    purge.clear()
    assert purge.purge_result.text() == ""


def test_exit_alone_asks_then_audits_and_quits(
    qtbot: QtBot, desk: StaffPanel, store: Store
) -> None:
    exit_section, _ = build_alone(qtbot, desk, "exit")
    exit_section.exit_button.click()
    with qtbot.assertNotEmitted(desk.quit_requested):
        exit_section.exit_cancel.click()
    assert exit_section.exit_button.isVisible()
    exit_section.exit_button.click()
    with qtbot.waitSignal(desk.quit_requested, timeout=1000):
        exit_section.exit_confirm.click()
    assert store.audit_log(1)[0].action == "exit_app"


def test_every_section_builds_alone_and_clears(qtbot: QtBot, desk: StaffPanel) -> None:
    for kind in registered():
        section, body = build_alone(qtbot, desk, kind.key)
        assert texts(body), kind.key  # a heading at least
        section.hidden()
        section.set_narrow(True)
        section.clear()
        assert not any(label.text() for label in body.findChildren(QLabel, "ExportResult"))
