"""The printer's state for the admin page: which queue, and whether it would take a job.

Runs lpstat (through kiosk.printing's own CUPS helpers, so the answer matches what a print would
meet); call it off the GUI thread, as lpstat can hang when cupsd is stuck.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from kiosk.printing import (
    NO_PRINTER,
    _check_printer,
    _check_scheduler,
    _Cups,
    _default_queue,
    _PrintError,
)

CHECK_SECONDS = 8.0


@dataclass(frozen=True)
class PrinterState:
    queue: str  # what the config names: a queue, "" (system default) or "none"
    resolved: str  # the queue actually found ("" when none)
    ok: bool
    text: str  # one line for the admin


def printer_state(queue: str) -> PrinterState:
    if queue == NO_PRINTER:
        return PrinterState(
            queue,
            "",
            True,
            'No printer is set up (printer = "none"): summaries are kept in the kiosk '
            "and can be reprinted later.",
        )
    cups = _Cups(deadline=time.monotonic() + CHECK_SECONDS)
    resolved = ""
    try:
        _check_scheduler(cups)
        resolved = queue or _default_queue(cups)
        resolved = _check_printer(cups, resolved)
    except _PrintError as exc:
        return PrinterState(queue, resolved, False, f"Not ready: {exc}.")
    return PrinterState(queue, resolved, True, "Ready: enabled and accepting jobs.")


def queue_label(queue: str) -> str:
    if queue == NO_PRINTER:
        return "none (no printer)"
    return queue or "the system default printer"
