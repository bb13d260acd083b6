"""Slow staff work (PIN hashing, rendering, export, purge, lpstat) off the GUI thread.

House style 7: a worker runs a plain function and returns its result; the GUI thread shows it.
Results come back through a signal of a QObject living on the GUI thread, so the callback always
runs there. A callback whose ticket was cancelled (staff mode locked meanwhile) is dropped.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

Done = Callable[[Any, BaseException | None], None]


class _Carrier(QObject):
    done = Signal(int, object, object)


def _done_already() -> None:
    raise RuntimeError("a worker task runs once")


class _Task(QRunnable):
    def __init__(self, ticket: int, job: Callable[[], Any], carrier: _Carrier) -> None:
        super().__init__()
        # The pool deletes the task once it has run (auto-delete): a task kept with
        # setAutoDelete(False) is never freed by PySide, and with it the job's closure (a typed
        # PIN, an opened visit) would stay in memory for the life of the kiosk.
        self.ticket, self.job, self.carrier = ticket, job, carrier

    def run(self) -> None:
        # Let go of the job before saying it is done: the task's Python side may outlive the
        # pool's delete for a moment, and the job must not (a typed PIN is in its closure).
        job, self.job = self.job, _done_already
        try:
            result, error = job(), None
        except Exception as exc:  # handed to the GUI thread, which shows it as one line
            result, error = None, exc
        del job
        self.carrier.done.emit(self.ticket, result, error)


class Worker(QObject):
    """Runs jobs on its own small thread pool; `done(result, error)` is called on the GUI thread."""

    def __init__(self, threads: int = 1, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self._carrier = _Carrier(self)
        self._carrier.done.connect(self._deliver)
        self._tickets = itertools.count(1)
        self._pending: dict[int, Done | None] = {}  # ticket -> callback (None: cancelled)

    def run(self, job: Callable[[], Any], done: Done) -> int:
        ticket = next(self._tickets)
        self._pending[ticket] = done
        self.pool.start(_Task(ticket, job, self._carrier))
        return ticket

    def cancel_all(self) -> None:
        """Running jobs finish, but nobody hears of their results."""
        for ticket in self._pending:
            self._pending[ticket] = None

    def busy(self) -> bool:
        return bool(self._pending)

    def wait(self, msecs: int) -> bool:
        return self.pool.waitForDone(msecs)

    @Slot(int, object, object)
    def _deliver(self, ticket: int, result: object, error: object) -> None:
        done = self._pending.pop(ticket, None)
        if done is None:
            return
        if error is not None and not isinstance(error, BaseException):
            error = RuntimeError(str(error))
        done(result, error)
