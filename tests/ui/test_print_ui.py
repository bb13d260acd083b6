"""The visitor's "Print my summary": progress, then the UX.md success or failure text with the
code; the visit stays complete and reprintable whatever the printer does."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from pytestqt.qtbot import QtBot

from kiosk.config import Config
from kiosk.store import Store
from tests.kiosk.cups_support import (  # noqa: F401  (the two fixtures provide `cups`)
    CupsQueue,
    cups_fixture,
    cups_session_fixture,
)
from tests.ui.conftest import MakeWindow, with_printer
from ui.navigator import ScreenId
from ui.preview import drive


def print_from_results(make_window: MakeWindow, config: Config, qtbot: QtBot, language: str):  # type: ignore[no-untyped-def]
    window = make_window(config)
    nav = window.navigator
    nav.switch_language(language)
    drive(window, "results")
    code = nav.flow.code
    nav.results.print_button.click()
    assert nav.current is ScreenId.PRINTING
    qtbot.waitUntil(lambda: nav.printing.outcome != "progress", timeout=30000)
    return window, code


def test_no_printer_configured_saves(make_window: MakeWindow, config: Config, qtbot: QtBot) -> None:
    window, code = print_from_results(make_window, with_printer(config, "none"), qtbot, "en")
    nav = window.navigator
    assert nav.printing.outcome == "saved"
    assert code in nav.printing.message.text()
    with Store.open(config.data_dir) as store:
        visit = store.get_visit(code)
    assert visit.status == "completed"
    assert [j.state for j in visit.print_jobs] == ["saved"]


def test_missing_queue_shows_calm_failure(
    make_window: MakeWindow, config: Config, qtbot: QtBot
) -> None:
    window, code = print_from_results(
        make_window, with_printer(config, "no-such-queue-here"), qtbot, "es"
    )
    nav = window.navigator
    assert nav.printing.outcome == "failure"
    assert nav.printing.message.text() == (
        f"No pudimos imprimir. Por favor, diga su código en la recepción: {code}."
    )
    nav.printing.finish_button.click()
    assert nav.current is ScreenId.WELCOME  # the kiosk keeps working
    with Store.open(config.data_dir) as store:
        visit = store.get_visit(code)
    assert visit.status == "completed" and visit.urgent
    assert [j.state for j in visit.print_jobs] == ["failed"]
    assert visit.print_jobs[0].error


@pytest.mark.cups
def test_print_through_cups_then_failure_then_reprint(
    make_window: MakeWindow, config: Config, qtbot: QtBot, cups: CupsQueue
) -> None:
    cfg = with_printer(config, cups.name)
    window, code = print_from_results(make_window, cfg, qtbot, "en")
    nav = window.navigator
    assert nav.printing.outcome == "success", nav.printing.message.text()
    assert nav.printing.message.text() == (
        f"Take your summary from the printer and hand it to the front desk. Your code is {code}."
    )
    with Store.open(config.data_dir) as store:
        job = store.get_visit(code).print_jobs[-1]
    assert job.cups_job_id is not None
    text = "\n".join(
        p.extract_text() for p in PdfReader(io.BytesIO(cups.output_for(job.cups_job_id))).pages
    )
    assert code in text and "PLEASE SEE STAFF NOW" in text

    # The printer stops: the visitor is told calmly, the visit stays safe and reprintable.
    nav.printing.finish_button.click()
    cups.admin("cupsdisable")
    window2, code2 = print_from_results(make_window, cfg, qtbot, "en")
    assert window2.navigator.printing.outcome == "failure"
    cups.restore()
    window2.navigator.printer.print_visit(code2)
    qtbot.waitUntil(lambda: not window2.navigator.printer.busy(), timeout=30000)
    with Store.open(config.data_dir) as store:
        visit = store.get_visit(code2)
    assert [j.state for j in visit.print_jobs] == ["failed", "completed"]
    assert visit.printed
