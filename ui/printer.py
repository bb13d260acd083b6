"""Printing without blocking the GUI thread (house style 7, Anki's CollectionOp).

The GUI thread reads the visit and records the pending job; a worker thread renders the PDF and
follows the CUPS job; the outcome comes back to the GUI thread, which records it and tells the
screen. The store (one SQLite connection) is only ever touched from the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from kiosk.config import Config
from kiosk.content import Content, LanguageContent
from kiosk.model import Visit
from kiosk.store import Store, StoreError
from ui.worker import Worker

if TYPE_CHECKING:
    from kiosk.printing import PrintOutcome

# kiosk.printing (http.client, ssl, subprocess) and ReportLab are imported on the first print,
# not at start-up: Welcome needs neither.

log = logging.getLogger(__name__)


def _print(visit: Visit, lc: LanguageContent, config: Config, queue: str) -> PrintOutcome:
    """On a worker thread: render the summary and follow the CUPS job. Never raises."""
    # Already imported by print_visit on the GUI thread before this job was queued.
    from kiosk.printing import PrintOutcome, render_summary, submit_and_follow, summary_title

    try:
        pdf = render_summary(visit, lc, config)
        outcome = submit_and_follow(
            pdf,
            queue,
            title=summary_title(visit.code),
            timeout=config.printing.timeout_seconds,
        )
    except Exception:  # a rendering bug must not take the kiosk down or leave the job pending
        log.exception("printing visit %s failed", visit.code)
        return PrintOutcome.failed("could not make the summary (see the kiosk log)")
    if outcome.printed and outcome.cups_job_id is not None:
        _warn_if_kept(outcome.cups_job_id)
    return outcome


_spool_warned = False  # once per run: every print after it would say the same


def _warn_if_kept(job_id: int) -> None:
    """On the worker thread, after a print: CUPS itself says whether it kept the document, whatever
    cupsd.conf says or whether the kiosk could read it (kiosk/cups_spool.py)."""
    global _spool_warned
    from kiosk.cups_spool import FIX, job_kept

    if _spool_warned or not job_kept(job_id):
        return
    _spool_warned = True
    log.warning(
        "cups spool: CUPS keeps a copy of the summary it printed (job %s) in /var/spool/cups: %s",
        job_id,
        FIX,
    )


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
        from kiosk.printing import PrintOutcome, prepare_job

        store = self._store()
        queue = self.config.printing.printer if queue is None else queue
        if store is None:
            self.finished.emit(code, PrintOutcome.failed("the database is unavailable"))
            return
        try:
            visit = store.get_visit(code)
            job_id = prepare_job(store, code, queue)
        except StoreError as exc:
            self.finished.emit(code, PrintOutcome.failed(str(exc)))
            return
        lc = (
            self.content.languages.get(visit.language)
            or self.content[self.content.default_language]
        )
        self._pending[job_id] = code
        config = self.config
        self.worker.run(
            lambda: _print(visit, lc, config, queue),
            lambda outcome, error: self._done(job_id, outcome, error),
        )

    def _done(self, job_id: int, outcome: PrintOutcome | None, error: BaseException | None) -> None:
        from kiosk.printing import PrintOutcome, record_outcome

        if outcome is None:  # _print never raises; this is the belt to its braces
            log.error("print job %s failed: %s", job_id, error)
            outcome = PrintOutcome.failed("could not make the summary (see the kiosk log)")

        code = self._pending.pop(job_id, None)
        if code is None:
            return
        store = self._store()
        if store is not None:
            try:
                record_outcome(store, job_id, outcome)
            except StoreError as exc:
                log.error("cannot record print outcome: %s", exc)
        self.finished.emit(code, outcome)

    def busy(self) -> bool:
        return bool(self._pending)

    def wait(self, msecs: int = 30000) -> bool:
        return self.worker.wait(msecs)
