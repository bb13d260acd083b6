"""The printer's state for the admin page: which queue, whether it would take a job, and whether
CUPS keeps a copy of every printed summary (kiosk/printing/spool.py).

Runs kiosk.printing.check_queue, the very checks a print makes before sending anything. Call it
off the GUI thread: lpstat can hang when cupsd is stuck.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.printing import NO_PRINTER, PrinterNotReadyError, check_queue
from kiosk.printing.spool import SpoolCheck, check_spool

CHECK_SECONDS = 8.0


@dataclass(frozen=True)
class PrinterState:
    queue: str  # what the config names: a queue, "" (system default) or "none"
    resolved: str  # the queue actually found ("" when none)
    ok: bool
    text: str  # one line for the admin
    # Whether CUPS keeps a copy of each printed summary (None: no printer, nothing to check).
    spool: SpoolCheck | None = None


def printer_state(queue: str) -> PrinterState:
    if queue == NO_PRINTER:
        return PrinterState(
            queue,
            "",
            True,
            'No printer is set up (printer = "none"): summaries are kept in the kiosk '
            "and can be reprinted later.",
        )
    spool = check_spool(timeout=CHECK_SECONDS)
    try:
        resolved = check_queue(queue, CHECK_SECONDS)
    except PrinterNotReadyError as exc:
        return PrinterState(queue, exc.queue, False, f"Not ready: {exc}.", spool)
    return PrinterState(queue, resolved, True, "Ready: enabled and accepting jobs.", spool)


def queue_label(queue: str) -> str:
    if queue == NO_PRINTER:
        return "none (no printer)"
    return queue or "the system default printer"
