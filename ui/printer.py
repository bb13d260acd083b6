"""Printing without blocking the GUI thread (house style 8, Anki's CollectionOp).

The print pipeline is kiosk.printing's (kiosk/printing/job.py), the very one the command line
runs: here the GUI thread begins the attempt (one quick insert, before the visitor is told
anything), a worker thread renders the PDF, follows the CUPS job and records its outcome, and
the screen is told of the outcome. Recording happens on the worker because the screen thread
waits at most a frame for the database (Store.set_thread_wait): another program writing at that
moment must not cost the visit its print record.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from kiosk.config import Config
from kiosk.content import Content, LanguageContent
from kiosk.store import Store, StoreError
from ui.worker import Worker

if TYPE_CHECKING:
    from kiosk.printing import PrintAttempt, PrintOutcome

# kiosk.printing (http.client, ssl, subprocess) and ReportLab are imported on the first print,
# not at start-up: Welcome needs neither.

log = logging.getLogger(__name__)


def _print_and_record(
    store: Store, attempt: PrintAttempt, lc: LanguageContent, config: Config
) -> PrintOutcome:
    """On the worker thread: the pipeline's last steps, then CUPS's word on whether it kept a
    copy of the summary (logged once). Never raises."""
    # Already imported by print_visit on the GUI thread before this job was queued.
    from kiosk.printing import record, render_and_submit
    from kiosk.printing.spool import warn_once_if_kept

    outcome = render_and_submit(attempt, lc, config)
    try:
        record(store, attempt, outcome)
    except StoreError as exc:
        log.error("cannot record print outcome: %s", exc)
    if outcome.printed and outcome.cups_job_id is not None:
        warn_once_if_kept(outcome.cups_job_id)
    return outcome


class PrintService(QObject):
    """`finished(code, outcome)` is emitted on the GUI thread when an attempt ends."""

    finished = Signal(str, object)

    def __init__(self, config: Config, content: Content, store: Callable[[], Store | None]) -> None:
        super().__init__()
        self.config = config
        self.content = content
        self._store = store
        self.worker = Worker(1, self)  # one printer: jobs go out in order
        self._pending: dict[int, str] = {}  # print job id -> visit code

    def print_visit(self, code: str, *, queue: str | None = None) -> None:
        from kiosk.printing import PrintOutcome, begin

        store = self._store()
        queue = self.config.printing.printer if queue is None else queue
        if store is None:
            self.finished.emit(code, PrintOutcome.failed("the database is unavailable"))
            return
        try:
            attempt = begin(store, code, queue)
        except StoreError as exc:
            self.finished.emit(code, PrintOutcome.failed(str(exc)))
            return
        language = attempt.visit.language
        lc = self.content.for_visit(language)
        self._pending[attempt.job_id] = code
        config = self.config
        self.worker.run(
            lambda: _print_and_record(store, attempt, lc, config),
            lambda outcome, error: self._done(attempt, outcome, error),
        )

    def _done(
        self, attempt: PrintAttempt, outcome: PrintOutcome | None, error: BaseException | None
    ) -> None:
        from kiosk.printing import RENDER_FAILED, PrintOutcome

        if outcome is None:  # the job never raises; this is the belt to its braces
            log.error("print job %s failed: %s", attempt.job_id, error)
            outcome = PrintOutcome.failed(RENDER_FAILED)

        code = self._pending.pop(attempt.job_id, None)
        if code is None:
            return
        self.finished.emit(code, outcome)

    def busy(self) -> bool:
        return bool(self._pending)

    def wait(self, msecs: int = 30000) -> bool:
        return self.worker.wait(msecs)
