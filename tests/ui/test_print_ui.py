"""The visitor's "Print my summary": progress, then the UX.md success or failure text with the
code; the visit stays complete and reprintable whatever the printer does."""

from __future__ import annotations

import io
import logging
import shutil
import socket
import tempfile
from pathlib import Path

import pytest
from pypdf import PdfReader
from pytestqt.qtbot import QtBot

import kiosk.printing.job
from kiosk.config import Config
from kiosk.content import Content
from kiosk.printing import RENDER_FAILED, print_visit
from kiosk.store import Store
from tests.support.cups_queue import CupsQueue
from tests.support.touch import tap
from tests.support.windows import MakeWindow, with_printer
from ui.preview import drive
from ui.shell.navigator import ScreenId


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


# --- leaving while it prints (up to the print timeout, a minute by default) -------------------


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_visitor_can_leave_while_it_prints_and_the_outcome_is_still_recorded(
    make_window: MakeWindow, config: Config, qtbot: QtBot, language: str
) -> None:
    window = make_window(with_printer(config, "none"))
    nav = window.navigator
    nav.switch_language(language)
    drive(window, "results")
    code = nav.flow.code
    assert code is not None
    nav.results.print_button.click()
    # The job runs on its worker; its outcome reaches the screen only through the event loop,
    # so the screen is still "printing" here whatever the worker has done meanwhile.
    printing = nav.printing
    assert nav.current is ScreenId.PRINTING and printing.outcome == "progress"
    strings = window.content[language].strings
    assert printing.message.text() == strings("printing.progress")
    assert printing.waiting.isVisible() and printing.waiting.text() == strings("printing.waiting")
    assert printing.code_label.isVisible() and printing.code_label.text() == code
    button = printing.finish_button
    assert button.isVisible() and button.isEnabled()
    assert button.text() == strings("printing.leave") and button.accessibleName() == button.text()
    spoken = printing.speech_text()
    assert code in spoken and strings("printing.leave") in spoken
    tap(button)
    assert nav.current is ScreenId.WELCOME and nav.flow is None
    qtbot.waitUntil(lambda: not nav.printer.busy(), timeout=30000)
    assert nav.current is ScreenId.WELCOME  # the outcome does not bring the screen back
    assert window.store is not None
    visit = window.store.get_visit(code)
    assert visit.status == "completed"
    assert [j.state for j in visit.print_jobs] == ["saved"]
    # A finished job shows "Finish" again, as before (the next visitor starts in English).
    drive(window, "results")
    nav.results.print_button.click()
    qtbot.waitUntil(lambda: nav.printing.outcome != "progress", timeout=30000)
    assert not printing.waiting.isVisible()
    assert button.text() == window.content[nav.language].strings("printing.done")


def test_a_slow_print_lets_the_visitor_go_and_its_failure_is_recorded_later(
    make_window: MakeWindow,
    config: Config,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """CUPS that takes the connection and never answers: the job hangs until the print timeout
    (the shortest allowed, 5 s, here). The visitor leaves at once; the failure is logged and
    recorded with the visit when it comes, and the next visitor's screen is left alone."""
    folder = Path(tempfile.mkdtemp(prefix="kiosk-cups-"))
    silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        silent.bind(str(folder / "cups.sock"))
        silent.listen(16)
        monkeypatch.setenv("CUPS_SERVER", str(folder / "cups.sock"))
        cfg = config.replace(printing=config.printing.replace(printer="lobby", timeout_seconds=5))
        window = make_window(cfg)
        nav = window.navigator
        drive(window, "results")
        code = nav.flow.code
        nav.results.print_button.click()
        qtbot.wait(500)  # the job is now waiting on CUPS
        assert nav.printer.busy() and nav.printing.outcome == "progress"
        tap(nav.printing.finish_button)  # a finger: only a button on screen takes it
        assert nav.current is ScreenId.WELCOME
        nav.welcome.checkin_button.click()  # the next visitor starts
        assert nav.current is ScreenId.PRIVACY
        with caplog.at_level(logging.WARNING, logger="ui.shell.navigator"):
            qtbot.waitUntil(lambda: not nav.printer.busy(), timeout=30000)
        assert nav.current is ScreenId.PRIVACY
        assert window.store is not None
        (job,) = window.store.get_visit(code).print_jobs
        assert job.state == "failed" and job.error and "CUPS did not answer" in job.error
        assert any(code in r.getMessage() and "failed" in r.getMessage() for r in caplog.records)
    finally:
        silent.close()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.cups
def test_leaving_while_it_prints_on_cups_still_prints_and_records_it(
    make_window: MakeWindow, config: Config, qtbot: QtBot, cups: CupsQueue
) -> None:
    window = make_window(with_printer(config, cups.name))
    nav = window.navigator
    drive(window, "results")
    code = nav.flow.code
    nav.results.print_button.click()
    assert nav.printing.outcome == "progress"
    tap(nav.printing.finish_button)
    assert nav.current is ScreenId.WELCOME
    qtbot.waitUntil(lambda: not nav.printer.busy(), timeout=30000)
    assert window.store is not None
    visit = window.store.get_visit(code)
    assert visit.printed
    (job,) = visit.print_jobs
    assert job.state == "completed" and job.cups_job_id is not None
    text = "\n".join(
        p.extract_text() for p in PdfReader(io.BytesIO(cups.output_for(job.cups_job_id))).pages
    )
    assert code in text


def test_a_rendering_bug_fails_the_print_the_way_the_command_line_records_it(
    make_window: MakeWindow,
    config: Config,
    content: Content,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The kiosk and `python -m kiosk reprint` print through one pipeline (kiosk/printing/job.py).
    def broken(*args: object) -> bytes:
        raise RuntimeError("a bug in the summary")

    monkeypatch.setattr(kiosk.printing.job, "render_summary", broken)
    queued = with_printer(config, "kiosk-never-reached")
    with caplog.at_level(logging.ERROR, logger="kiosk.printing.job"):
        window, code = print_from_results(make_window, queued, qtbot, "en")
    assert window.navigator.printing.outcome == "failure"
    assert "a bug in the summary" in caplog.text  # the details go to the log only
    assert window.store is not None
    outcome = print_visit(window.store, code, content["en"], queued)
    assert (outcome.state, outcome.error) == ("failed", RENDER_FAILED)
    jobs = window.store.get_visit(code).print_jobs
    assert [(j.state, j.error) for j in jobs] == [("failed", RENDER_FAILED)] * 2


def test_another_program_writing_when_the_print_ends_does_not_lose_its_record(
    make_window: MakeWindow, config: Config, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The screen thread waits at most a frame for the database; the print's outcome is
    recorded on the worker, which waits for another program's lock like any admin command."""
    import sqlite3
    import threading

    import kiosk.printing
    from kiosk.store import DB_FILENAME

    real = kiosk.printing.render_and_submit

    def with_a_writer_meanwhile(*args: object, **kwargs: object) -> object:
        outcome = real(*args, **kwargs)  # type: ignore[arg-type]
        other = sqlite3.connect(
            config.data_dir / DB_FILENAME, isolation_level=None, check_same_thread=False
        )
        other.execute("BEGIN IMMEDIATE")  # an admin command writing as the job ends
        threading.Timer(0.5, lambda: (other.execute("COMMIT"), other.close())).start()
        return outcome

    monkeypatch.setattr(kiosk.printing, "render_and_submit", with_a_writer_meanwhile)
    window, code = print_from_results(make_window, with_printer(config, "none"), qtbot, "en")
    assert window.navigator.printing.outcome == "saved"
    with Store.open(config.data_dir) as store:
        assert [j.state for j in store.get_visit(code).print_jobs] == ["saved"]
