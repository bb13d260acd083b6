"""The one print pipeline for a visit's summary: begin → render → submit and follow → record.

Both the kiosk's GUI and the command line print through it:

- `begin` (needs the store): reads the visit and records a pending print job;
- `render_and_submit` (no store, no widget, never raises): renders the summary and hands it to
  CUPS, following the job to its end (kiosk/printing/cups.py); may block up to the configured
  timeout, so the GUI runs it on a worker thread;
- `record` (needs the store): writes the outcome to the job `begin` recorded.

`print_visit` runs the three in a row (the command line). The GUI runs `begin` and `record` on
its thread (the store's one SQLite connection lives there) and `render_and_submit` on a worker.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Final

from kiosk.config import Config
from kiosk.content import LanguageContent
from kiosk.model import Visit
from kiosk.printing.cups import print_pdf
from kiosk.printing.outcome import NO_PRINTER, PrintOutcome
from kiosk.store import Store

__all__ = [
    "RENDER_FAILED",
    "PrintAttempt",
    "begin",
    "prepare_job",
    "print_visit",
    "record",
    "record_outcome",
    "render_and_submit",
    "render_summary",
    "submit_and_follow",
    "summary_title",
]

log = logging.getLogger(__name__)

# Shown to staff when the summary could not be made; the details go to the log only.
RENDER_FAILED: Final = "could not make the summary (see the kiosk log)"


def render_summary(visit: Visit, lc: LanguageContent, config: Config) -> bytes:
    """kiosk.summary.pdf.render_summary, imported on first use.

    ReportLab takes about as long to import as the rest of the kiosk's start-up; the welcome
    screen needs none of it, so the first summary pays for it instead (see docs/performance.md).
    """
    from kiosk.summary.pdf import render_summary as render

    return render(visit, lc, config)


def summary_title(code: str) -> str:
    """The CUPS job title for a visit's summary: the code only, never a name or a score."""
    return f"summary-{code}"


@dataclass(frozen=True)
class PrintAttempt:
    """A print begun: its job recorded as pending, the visit as read then, the queue it goes to.

    Holds no store, so a worker thread may carry it.
    """

    job_id: int
    visit: Visit
    queue: str  # a CUPS queue, "" for the system default, or NO_PRINTER


def begin(store: Store, code: str, queue: str) -> PrintAttempt:
    """Step 1, with the store: read the visit and record a pending print job for it.

    A visit that does not exist raises VisitNotFoundError; the store's other errors propagate.
    """
    visit = store.get_visit(code)
    return PrintAttempt(prepare_job(store, visit.code, queue), visit, queue)


def render_and_submit(attempt: PrintAttempt, lc: LanguageContent, config: Config) -> PrintOutcome:
    """Steps 2 and 3, without the store: render the summary, print it and follow the job.

    With printer "none" nothing is rendered or sent (a "saved" outcome). Never raises: a
    rendering bug is logged and comes back as a failed outcome, so no job stays pending.
    """
    if attempt.queue == NO_PRINTER:
        return PrintOutcome.saved()
    code = attempt.visit.code
    try:
        pdf = render_summary(attempt.visit, lc, config)
        return submit_and_follow(
            pdf, attempt.queue, title=summary_title(code), timeout=config.printing.timeout_seconds
        )
    except Exception:
        # A bug must not leave the job pending or take the kiosk down.
        log.exception("could not print the summary of visit %s", code)
        return PrintOutcome.failed(RENDER_FAILED)


def record(store: Store, attempt: PrintAttempt, outcome: PrintOutcome) -> None:
    """Step 4, with the store: write the outcome to the job `begin` recorded."""
    record_outcome(store, attempt.job_id, outcome)


def print_visit(
    store: Store,
    code: str,
    lc: LanguageContent,
    config: Config,
    *,
    queue_override: str | None = None,
) -> PrintOutcome:
    """The whole pipeline in a row: render the visit's summary, print it and record the attempt
    and its outcome. Blocks up to the configured timeout.

    With printer "none" nothing is rendered or sent: the job is recorded as "saved" and the
    outcome is ok (the summary can be reprinted from the kiosk at any time). A visit that does not
    exist raises VisitNotFoundError; printer problems never raise.
    """
    queue = config.printing.printer if queue_override is None else queue_override
    attempt = begin(store, code, queue)
    outcome = render_and_submit(attempt, lc, config)
    record(store, attempt, outcome)
    return outcome


# --- the steps by their older names, for callers that hold a job id rather than an attempt ------


def prepare_job(store: Store, code: str, queue: str) -> int:
    """Record a pending print job for the visit; returns its id for record_outcome."""
    return store.add_print_job(code, queue)


def submit_and_follow(
    pdf: bytes,
    queue: str,
    *,
    title: str,
    timeout: float,
    poll: float = 0.5,
) -> PrintOutcome:
    """Like print_pdf, and `queue` "none" means no printer (a "saved" outcome).

    Touches neither the store nor any widget, so it is safe to run off the GUI thread.
    """
    if queue == NO_PRINTER:
        return PrintOutcome.saved()
    return print_pdf(pdf, queue, title=title, timeout=timeout, poll=poll)


def record_outcome(store: Store, job_id: int, outcome: PrintOutcome) -> None:
    """Write the outcome to the print job made by prepare_job (or begin)."""
    store.update_print_job(
        job_id, state=outcome.state, cups_job_id=outcome.cups_job_id, error=outcome.error
    )
