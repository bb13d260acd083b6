"""Printing a visit's summary: one pipeline for the kiosk's GUI and the command line.

- `job.py`: the pipeline, begin → render → submit and follow → record (and `print_visit`, all
  four in a row);
- `cups.py`: a PDF to a CUPS queue, and following the job to its end (`print_pdf`,
  `check_queue`);
- `ipp.py`: the one IPP request that tells a finished job from a cancelled one (loaded when a job
  is followed: http.client stays off the kiosk's start path);
- `spool.py`: whether CUPS keeps a copy of every printed summary;
- `outcome.py`: what became of an attempt (`PrintOutcome`).

ReportLab is imported when the first summary is rendered, not with this package.
"""

from __future__ import annotations

from kiosk.printing.cups import PrinterNotReadyError, check_queue, print_pdf
from kiosk.printing.job import (
    RENDER_FAILED,
    PrintAttempt,
    begin,
    prepare_job,
    print_visit,
    record,
    record_outcome,
    render_and_submit,
    render_summary,
    submit_and_follow,
    summary_title,
)
from kiosk.printing.outcome import NO_PRINTER, OutcomeState, PrintOutcome

__all__ = [
    "NO_PRINTER",
    "RENDER_FAILED",
    "OutcomeState",
    "PrintAttempt",
    "PrintOutcome",
    "PrinterNotReadyError",
    "begin",
    "check_queue",
    "prepare_job",
    "print_pdf",
    "print_visit",
    "record",
    "record_outcome",
    "render_and_submit",
    "render_summary",
    "submit_and_follow",
    "summary_title",
]
