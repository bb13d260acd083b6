"""Printing through CUPS: outcomes, what the store records, and the PDF that comes out.

Tests marked `cups` print through a real cupsd and the cups-pdf queue made by
scripts/cups-test-queue.sh and read the printed PDF back; see tests/support/cups_queue.py.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

import kiosk.printing.cups
import kiosk.printing.job
from kiosk.config import ClinicConfig, Config, PrintingConfig
from kiosk.content import Content
from kiosk.printing import (
    NO_PRINTER,
    PrinterNotReadyError,
    PrintOutcome,
    check_queue,
    prepare_job,
    print_pdf,
    print_visit,
    record_outcome,
    submit_and_follow,
    summary_title,
)
from kiosk.scoring import score
from kiosk.store import Store
from tests.support.cups_queue import (
    CupsQueue,
    run,
    unavailable,
)

PHQ9_URGENT = [2, 3, 2, 1, 2, 3, 1, 2, 1]  # total 17, item 9 above 0
PHQ9_CALM = [2, 3, 2, 2, 2, 3, 1, 2, 0]  # total 17
GAD7 = [1, 2, 1, 1, 0, 2, 2]  # total 9
FIT = [2, 1, 1, 2, 1]
# Visits made now, as the kiosk and its command line (which keep the real time) see them.
pytestmark = pytest.mark.clock(start=None)


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def make_config(tmp_path: Path, printer: str, *, timeout: int = 30) -> Config:
    return Config(
        data_dir=tmp_path / "data",
        clinic=ClinicConfig(name="Clínica ¡Ánimo!", phone="555-0100"),
        printing=PrintingConfig(printer=printer, timeout_seconds=timeout),
    )


def completed_visit(store: Store, content: Content, language: str, *, urgent: bool) -> str:
    """A finished visit, written through the store the way the flow writes it."""
    visit = store.create_visit(language)
    code = visit.code
    store.set_name(code, "Núñez")
    phq9 = PHQ9_URGENT if urgent else PHQ9_CALM
    for item, value in enumerate(phq9, start=1):
        store.record_answer(code, "phq9", item, value)
        if item == 9 and value > 0:
            store.mark_urgent(code, "phq9_item9", "non_acute")
    store.record_answer(code, "phq9", 10, 2)
    for item, value in enumerate(GAD7, start=1):
        store.record_answer(code, "gad7", item, value)
    for item, value in enumerate(FIT, start=1):
        store.record_answer(code, "fit", item, value)
    answers = store.get_visit(code).answers
    scores = {
        "phq9": score("phq9", answers["phq9"]).to_stored("phq9"),
        "gad7": score("gad7", answers["gad7"]).to_stored("gad7"),
    }
    store.complete_visit(code, scores, "staff_today" if urgent else "ask_iop")
    return code


def temp_pdfs() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("*.pdf"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- without CUPS -------------------------------------------------------------------------------


def test_no_cups_installed_is_a_failed_outcome(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no lp, no lpstat
    outcome = print_pdf(b"%PDF-1.4", "kiosk-test", title="t", timeout=5)
    assert outcome == PrintOutcome(
        ok=False,
        state="failed",
        cups_job_id=None,
        error="CUPS is not installed (no 'lpstat' command)",
        queue="",
    )
    assert not outcome.printed


def test_no_cups_through_print_visit_records_the_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store: Store, content: Content
) -> None:
    code = completed_visit(store, content, "en", urgent=True)
    monkeypatch.setenv("PATH", str(tmp_path))
    outcome = print_visit(store, code, content["en"], make_config(tmp_path, "kiosk-test"))
    assert not outcome.ok
    visit = store.get_visit(code)
    assert visit.status == "completed" and visit.urgent and not visit.printed
    (job,) = visit.print_jobs
    assert (job.queue, job.state, job.error) == ("kiosk-test", "failed", outcome.error)


def test_scheduler_not_running_is_a_failed_outcome(monkeypatch: pytest.MonkeyPatch) -> None:
    if run("sh", "-c", "command -v lpstat").returncode != 0:
        unavailable("needs the lpstat command (cups-client)")
    monkeypatch.setenv("CUPS_SERVER", f"127.0.0.1:{free_port()}")  # nobody listens there
    outcome = print_pdf(b"%PDF-1.4", "kiosk-test", title="t", timeout=5)
    assert (outcome.ok, outcome.state, outcome.error) == (False, "failed", "CUPS is not running")


def test_no_printer_configured_saves(tmp_path: Path, store: Store, content: Content) -> None:
    code = completed_visit(store, content, "es", urgent=False)
    outcome = print_visit(store, code, content["es"], make_config(tmp_path, NO_PRINTER))
    assert outcome == PrintOutcome(
        ok=True, state="saved", cups_job_id=None, error=None, queue="none"
    )
    assert not outcome.printed
    (job,) = store.get_visit(code).print_jobs
    assert (job.queue, job.state, job.cups_job_id, job.error) == ("none", "saved", None, None)
    assert not store.get_visit(code).printed


def test_split_api_for_the_gui(tmp_path: Path, store: Store, content: Content) -> None:
    code = completed_visit(store, content, "en", urgent=False)
    job_id = prepare_job(store, code, NO_PRINTER)
    assert store.get_visit(code).print_jobs[0].state == "pending"
    outcome = submit_and_follow(b"%PDF", NO_PRINTER, title=summary_title(code), timeout=5)
    record_outcome(store, job_id, outcome)
    assert store.get_visit(code).print_jobs[0].state == "saved"
    assert summary_title(code) == f"summary-{code}"


def test_a_rendering_bug_is_recorded_not_raised(
    tmp_path: Path, store: Store, content: Content, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> bytes:
        raise RuntimeError("boom")

    monkeypatch.setattr(kiosk.printing.job, "render_summary", broken)
    code = completed_visit(store, content, "en", urgent=False)
    outcome = print_visit(store, code, content["en"], make_config(tmp_path, "kiosk-test"))
    assert (outcome.ok, outcome.state) == (False, "failed")
    assert store.get_visit(code).print_jobs[0].state == "failed"


@pytest.mark.parametrize("queue", ["-o", "two words", "a/b", "x#1"])
def test_impossible_queue_names_are_refused_before_lp(
    queue: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # They must never reach lp as options: refused as unknown printers.
    monkeypatch.setattr(kiosk.printing.cups, "_check_scheduler", lambda cups: None)
    outcome = print_pdf(b"%PDF", queue, title="t", timeout=5)
    assert (outcome.state, outcome.error) == ("failed", f"no such printer '{queue}'")


# --- with a real cupsd and the cups-pdf queue -------------------------------------------


@pytest.mark.cups
def test_print_spanish_urgent_visit(
    cups: CupsQueue, tmp_path: Path, store: Store, content: Content
) -> None:
    code = completed_visit(store, content, "es", urgent=True)
    before = temp_pdfs()
    outcome = print_visit(store, code, content["es"], make_config(tmp_path, cups.name))
    assert outcome.ok and outcome.state == "completed" and outcome.error is None
    assert outcome.cups_job_id is not None and outcome.queue == cups.name
    assert temp_pdfs() <= before, "a PDF was left in the temp folder"

    visit = store.get_visit(code)
    assert visit.printed
    (job,) = visit.print_jobs
    assert (job.state, job.cups_job_id, job.error) == ("completed", outcome.cups_job_id, None)

    text = pdf_text(cups.output_for(outcome.cups_job_id))
    assert text.startswith("POR FAVOR, HABLE CON EL PERSONAL AHORA")
    assert code in text
    assert "Total: 17 de 27" in text
    # Item 9 above 0: the item 9 sentence stands in for the band's (issue 16 item 2).
    assert "Usted nos dijo que ha tenido pensamientos de muerte o de hacerse daño." in text
    assert "moderadamente graves" not in text
    assert "Total: 9 de 21" in text
    assert "Sus respuestas sugieren síntomas leves de ansiedad." in text
    assert "Clínica ¡Ánimo!" in text
    assert "Nombre: Núñez" in text
    assert "¿Tiene personas con quienes puede contar cuando necesita apoyo?" in text
    assert "Más de la mitad de los días" in text


@pytest.mark.cups
def test_print_english_visit_without_banner(
    cups: CupsQueue, tmp_path: Path, store: Store, content: Content
) -> None:
    code = completed_visit(store, content, "en", urgent=False)
    outcome = print_visit(store, code, content["en"], make_config(tmp_path, cups.name))
    assert outcome.state == "completed", outcome.error
    assert outcome.cups_job_id is not None
    text = pdf_text(cups.output_for(outcome.cups_job_id))
    assert "PLEASE SEE STAFF NOW" not in text
    assert code in text
    assert "Total: 17 out of 27" in text
    assert "Your answers suggest moderately severe symptoms of depression." in text
    assert "Ask about our Intensive Outpatient Program" in text


@pytest.mark.cups
def test_stopped_printer_then_reprint(
    cups: CupsQueue, tmp_path: Path, store: Store, content: Content
) -> None:
    code = completed_visit(store, content, "en", urgent=True)
    config = make_config(tmp_path, cups.name)
    cups.admin("cupsdisable")
    failed = print_visit(store, code, content["en"], config)
    assert (failed.ok, failed.state, failed.cups_job_id) == (False, "failed", None)
    assert failed.error == f"printer '{cups.name}' is stopped"
    assert failed.queue == cups.name  # the attempt names the printer it tried
    visit = store.get_visit(code)
    assert visit.status == "completed" and visit.urgent and not visit.printed
    assert [(j.state, j.error) for j in visit.print_jobs] == [("failed", failed.error)]

    cups.admin("cupsenable")
    again = print_visit(store, code, content["en"], config)
    assert again.state == "completed", again.error
    visit = store.get_visit(code)
    assert visit.printed and visit.status == "completed"
    assert [j.state for j in visit.print_jobs] == ["failed", "completed"]
    assert again.cups_job_id is not None
    assert code in pdf_text(cups.output_for(again.cups_job_id))


@pytest.mark.cups
def test_printer_not_accepting_jobs(
    cups: CupsQueue, tmp_path: Path, store: Store, content: Content
) -> None:
    code = completed_visit(store, content, "en", urgent=False)
    cups.admin("cupsreject")
    outcome = print_visit(store, code, content["en"], make_config(tmp_path, cups.name))
    assert (outcome.state, outcome.error) == (
        "failed",
        f"printer '{cups.name}' is not accepting jobs",
    )
    assert store.get_visit(code).print_jobs[0].state == "failed"
    cups.admin("cupsaccept")
    assert print_visit(store, code, content["en"], make_config(tmp_path, cups.name)).ok


@pytest.mark.cups
def test_missing_queue(cups: CupsQueue, tmp_path: Path, store: Store, content: Content) -> None:
    code = completed_visit(store, content, "en", urgent=False)
    config = make_config(tmp_path, cups.name)
    outcome = print_visit(store, code, content["en"], config, queue_override="kiosk-no-such-queue")
    assert (outcome.ok, outcome.state, outcome.cups_job_id) == (False, "failed", None)
    assert outcome.error == "no such printer 'kiosk-no-such-queue'"
    (job,) = store.get_visit(code).print_jobs
    assert (job.queue, job.state) == ("kiosk-no-such-queue", "failed")


@pytest.mark.cups
def test_default_destination(
    cups: CupsQueue, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # printer = "" means the CUPS default; LPDEST sets it for this process only.
    monkeypatch.setenv("LPDEST", cups.name)
    outcome = print_pdf(_tiny_pdf(), "", title="kiosk default test", timeout=30)
    assert (outcome.state, outcome.queue) == ("completed", cups.name), outcome.error
    assert outcome.cups_job_id is not None
    assert cups.output_for(outcome.cups_job_id).startswith(b"%PDF")


@pytest.mark.cups
def test_no_pdf_left_in_temp(cups: CupsQueue, tmp_path: Path) -> None:
    before = temp_pdfs()
    outcome = print_pdf(_tiny_pdf(), cups.name, title="kiosk temp test", timeout=30)
    assert outcome.ok, outcome.error
    assert outcome.cups_job_id is not None
    cups.output_for(outcome.cups_job_id)  # the job really printed (and its output is cleared)
    assert temp_pdfs() <= before


@pytest.fixture
def stuck_queue(cups: CupsQueue) -> Iterator[str]:
    """A queue whose printer never answers: its jobs stay "processing" until cancelled."""
    name = f"kiosk-test-stuck-{os.getpid()}"  # never the same as another test run's
    made = run("lpadmin", "-p", name, "-E", "-v", f"socket://127.0.0.1:{free_port()}")
    if made.returncode != 0:
        unavailable(f"cannot add a CUPS queue here ({made.stderr.strip()})")
    try:
        yield name
    finally:
        subprocess.run(["lpadmin", "-x", name], capture_output=True, check=False)


@pytest.mark.cups
def test_a_stuck_job_times_out_and_is_cancelled(stuck_queue: str) -> None:
    outcome = print_pdf(_tiny_pdf(), stuck_queue, title="kiosk stuck test", timeout=3, poll=0.2)
    assert (outcome.state, outcome.error) == ("failed", "timed out after 3 s")
    assert outcome.cups_job_id is not None
    pending = run("lpstat", "-W", "not-completed", "-o", stuck_queue).stdout
    assert f"{stuck_queue}-{outcome.cups_job_id} " not in pending, "the job was not cancelled"


@pytest.mark.cups
def test_a_job_cancelled_at_the_printer_is_a_failure(stuck_queue: str) -> None:
    # lpstat lists cancelled and printed jobs alike as "completed"; the outcome must differ.
    result: list[PrintOutcome] = []
    worker = threading.Thread(
        target=lambda: result.append(
            print_pdf(_tiny_pdf(), stuck_queue, title="kiosk cancel test", timeout=30, poll=0.2)
        )
    )
    worker.start()
    try:
        deadline = time.monotonic() + 10
        job = ""
        while not job and time.monotonic() < deadline:
            listed = run("lpstat", "-W", "not-completed", "-o", stuck_queue).stdout.split()
            job = next((word for word in listed if word.startswith(f"{stuck_queue}-")), "")
            time.sleep(0.1)
        assert job, "the job never reached the queue"
        cancelled = run("cancel", job)
        assert cancelled.returncode == 0, cancelled.stderr
    finally:
        worker.join(timeout=40)
    (outcome,) = result
    assert (outcome.state, outcome.error) == ("failed", "job cancelled")
    assert f"{stuck_queue}-{outcome.cups_job_id}" == job


def _tiny_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=1)
    page.drawString(72, 720, "kiosk printing test")
    page.save()
    return buffer.getvalue()


@pytest.mark.cups
def test_check_queue_makes_the_checks_a_print_makes(
    cups: CupsQueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What the admin page shows as the printer's state (ui/staff/printer_state.py).
    assert check_queue(cups.name, timeout=10) == cups.name
    monkeypatch.setenv("LPDEST", cups.name)
    assert check_queue("", timeout=10) == cups.name
    cups.admin("cupsdisable")
    with pytest.raises(PrinterNotReadyError) as stopped:
        check_queue("", timeout=10)
    assert (str(stopped.value), stopped.value.queue) == (
        f"printer '{cups.name}' is stopped",
        cups.name,
    )
    cups.admin("cupsenable")
    cups.admin("cupsreject")
    with pytest.raises(PrinterNotReadyError, match="not accepting"):
        check_queue(cups.name, timeout=10)
    with pytest.raises(PrinterNotReadyError, match="no such printer 'kiosk-no-such-queue'"):
        check_queue("kiosk-no-such-queue", timeout=10)
