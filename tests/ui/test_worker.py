"""Staff work off the GUI thread: results come back, and nothing of a job stays in memory."""

from __future__ import annotations

import gc
import weakref

from pytestqt.qtbot import QtBot

from ui.worker import Worker


class Job:
    """Stands for a job's closure, which holds what staff typed (a PIN) or opened (a visit)."""

    def __init__(self, secret: str) -> None:
        self.secret = secret

    def __call__(self) -> str:
        return self.secret[::-1]


def test_results_arrive_and_finished_jobs_are_freed(qtbot: QtBot) -> None:
    worker = Worker(2)
    results: list[object] = []
    refs = []
    for pin in ("1234", "5678", "9012"):
        job = Job(pin)
        refs.append(weakref.ref(job))
        worker.run(job, lambda result, error: results.append((result, error)))
        del job
    qtbot.waitUntil(lambda: not worker.busy(), timeout=5000)
    assert worker.wait(5000)
    assert sorted(results) == [("2109", None), ("4321", None), ("8765", None)]
    gc.collect()
    assert [ref() for ref in refs] == [None, None, None]


def test_cancelled_results_are_dropped_and_errors_delivered(qtbot: QtBot) -> None:
    worker = Worker(1)
    heard: list[object] = []

    def fail() -> None:
        raise ValueError("no printer")

    worker.run(fail, lambda result, error: heard.append(error))
    qtbot.waitUntil(lambda: not worker.busy(), timeout=5000)
    assert len(heard) == 1 and isinstance(heard[0], ValueError)
    worker.run(lambda: "late", lambda result, error: heard.append(result))
    worker.cancel_all()
    qtbot.waitUntil(lambda: not worker.busy(), timeout=5000)
    assert len(heard) == 1
