"""Printing without blocking the GUI thread (house style 7, Anki's CollectionOp).

The GUI thread reads the visit and records the pending job; a worker thread renders the PDF and
follows the CUPS job; the outcome comes back to the GUI thread, which records it and tells the
screen. The store (one SQLite connection) is only ever touched from the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from kiosk.config import Config
from kiosk.content import Content, LanguageContent
from kiosk.model import Visit
from kiosk.store import Store, StoreError

if TYPE_CHECKING:
    from kiosk.printing import PrintOutcome

# kiosk.printing (http.client, ssl, subprocess) and ReportLab are imported on the first print,
# not at start-up: Welcome needs neither.

log = logging.getLogger(__name__)


class _Carrier(QObject):
    done = Signal(object, object)  # print job id, PrintOutcome


class _PrintTask(QRunnable):
    def __init__(
        self,
        visit: Visit,
        lc: LanguageContent,
        config: Config,
        queue: str,
        job_id: int,
        carrier: _Carrier,
    ) -> None:
        super().__init__()
        self.visit, self.lc, self.config, self.queue = visit, lc, config, queue
        self.job_id, self.carrier = job_id, carrier

    def run(self) -> None:
        # Already imported by print_visit on the GUI thread before this task was queued.
        from kiosk.printing import PrintOutcome, render_summary, submit_and_follow, summary_title

        try:
            pdf = render_summary(self.visit, self.lc, self.config)
            outcome = submit_and_follow(
                pdf,
                self.queue,
                title=summary_title(self.visit.code),
                timeout=self.config.printing.timeout_seconds,
            )
        except Exception:  # a rendering bug must not take the kiosk down or leave the job pending
            log.exception("printing visit %s failed", self.visit.code)
            outcome = PrintOutcome.failed("could not make the summary (see the kiosk log)")
        self.carrier.done.emit(self.job_id, outcome)


class PrintService(QObject):
    """`finished(code, outcome)` is emitted on the GUI thread when an attempt ends."""

    finished = Signal(str, object)

    def __init__(self, config: Config, content: Content, store: Callable[[], Store | None]) -> None:
        super().__init__()
        self.config = config
        self.content = content
        self._store = store
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)  # one printer: jobs go out in order
        # One carrier for every job, living on the GUI thread as long as the service: outcomes
        # come back through it, and no worker ever emits through an object being deleted.
        self._carrier = _Carrier(self)
        self._carrier.done.connect(self._done)
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
        # The pool deletes the task once it has run (auto-delete): a task kept with
        # setAutoDelete(False) is never freed by PySide, and with it this visitor's answers.
        self.pool.start(_PrintTask(visit, lc, self.config, queue, job_id, self._carrier))

    @Slot(object, object)
    def _done(self, job_id: int, outcome: PrintOutcome) -> None:
        from kiosk.printing import record_outcome

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
        return self.pool.waitForDone(msecs)
