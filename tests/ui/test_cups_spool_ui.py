"""Whether CUPS keeps a copy of every printed summary, where staff and the log see it: the admin's
printer page (a visible warning) and the log after a print (CUPS's own word about the job).

Real widgets over the real CUPS of this machine and its cups-pdf queue; the setting itself is
read the way kiosk/printing/spool.py reads it (tests/kiosk/test_cups_spool.py tests that part).
"""

from __future__ import annotations

import logging

import pytest
from pytestqt.qtbot import QtBot

from kiosk.config import Config
from kiosk.content import Content
from kiosk.printing import spool as spool_module
from kiosk.printing.spool import FIX, check_spool, job_kept
from kiosk.staff_pins import set_pin
from tests.support.cups_queue import CupsQueue
from tests.support.staff_mode import ADMIN_PIN, enter_as
from tests.support.touch import tap
from tests.support.windows import MakeWindow, with_printer
from ui.preview import drive
from ui.shell.navigator import ScreenId

pytestmark = [pytest.mark.cups, pytest.mark.usefixtures("cheap_hashes")]


def test_the_printer_page_says_whether_cups_keeps_copies(
    make_window: MakeWindow, config: Config, qtbot: QtBot, cups: CupsQueue
) -> None:
    window = make_window(with_printer(config, cups.name))
    assert window.store is not None
    set_pin(window.store, "admin", ADMIN_PIN)
    staff = enter_as(qtbot, window, ADMIN_PIN)
    admin = staff.admin
    printer_section = admin.sections["printer"]
    tap(admin.tabs["printer"])
    qtbot.waitUntil(printer_section.printer_check_button.isEnabled, timeout=30000)
    expected = check_spool()
    spool = printer_section.printer_spool
    assert spool.isVisible() and spool.accessibleName() == spool.text()
    if expected.ok:
        assert spool.text().startswith("Copies of summaries: CUPS keeps no copy")
        assert spool.property("state") == "ok"
    else:
        assert spool.text().startswith("Warning: ") and FIX in spool.text()
        assert spool.property("state") == "problem"
    assert printer_section.printer_text.text() == "Ready: enabled and accepting jobs."
    # Signing out clears it with the rest.
    staff.bar.sign_out_button.click()
    assert (
        printer_section.printer_spool.text() == ""
        and not printer_section.printer_spool.isVisibleTo(admin)
    )


def test_after_a_print_the_log_says_when_cups_kept_the_summary(
    make_window: MakeWindow,
    config: Config,
    content: Content,
    qtbot: QtBot,
    cups: CupsQueue,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(spool_module, "_warned_after_print", False)
    window = make_window(with_printer(config, cups.name))
    nav = window.navigator
    drive(window, "results")
    code = nav.flow.code
    with caplog.at_level(logging.WARNING, logger="kiosk.printing.spool"):
        nav.results.print_button.click()
        qtbot.waitUntil(lambda: nav.printing.outcome != "progress", timeout=30000)
    assert nav.current is ScreenId.PRINTING and nav.printing.outcome == "success"
    assert window.store is not None
    (job,) = window.store.get_visit(code).print_jobs
    assert job.cups_job_id is not None
    warned = [r.getMessage() for r in caplog.records if "cups spool" in r.getMessage()]
    if job_kept(job.cups_job_id):
        (message,) = warned
        assert f"(job {job.cups_job_id})" in message and FIX in message
        assert code not in message  # the log names the CUPS job, never the visit
    else:
        assert warned == []
    cups.output_for(job.cups_job_id)
