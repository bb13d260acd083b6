"""The kiosk's screens when the database fails under them (issue 14, defects 5 and 6): files
deleted under the running kiosk, another program's lock at start and mid-visit, a save failure.
Real widgets over a real SQLite store; the "other program" is a second SQLite connection.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

import kiosk.store.readiness
import kiosk.store.repository
from kiosk.config import Config
from kiosk.content import Content
from kiosk.flow import QuestionRef
from kiosk.store import DB_FILENAME, LOST_NOTE_FILENAME, Store, VisitNotFoundError
from tests.support.checkin import ALL_ZERO, code_of, current_ref, shown_texts, start, tap, walk
from tests.support.windows import MakeWindow
from ui.shell.navigator import Navigator, ScreenId

PHQ3 = QuestionRef("phq9", 3)


def stored_answers(data_dir: Path, code: str) -> dict[int, int | None]:
    with Store.open(data_dir) as other:
        return dict(other.get_visit(code).answers.get("phq9", {}))


def stored_status(data_dir: Path, code: str) -> str:
    with Store.open(data_dir) as other:
        return other.get_visit(code).status


def hold_write_lock(data_dir: Path) -> sqlite3.Connection:
    """Another program writing (an admin command, `sqlite3` by hand): it holds the lock."""
    other = sqlite3.connect(data_dir / DB_FILENAME, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


def release(lock: sqlite3.Connection) -> None:
    lock.execute("COMMIT")
    lock.close()


def assert_out_of_order(nav: Navigator, content: Content) -> None:
    assert nav.current is ScreenId.OUT_OF_ORDER
    assert content["en"].strings("unavailable.out_of_order_title") in shown_texts(nav.out_of_order)
    assert not nav.out_of_order.home_button.isVisibleTo(nav.out_of_order)
    nav.start_checkin()  # whatever is tapped, no visit can start
    assert nav.current is ScreenId.OUT_OF_ORDER and nav.flow is None


# --- files deleted under the running kiosk (defect 5) ------------------------------------------


@pytest.mark.parametrize("victim", [DB_FILENAME + "-wal", DB_FILENAME])
def test_a_file_deleted_mid_visit_puts_the_kiosk_out_of_order_at_the_next_tap(
    make_window: MakeWindow, config: Config, content: Content, data_dir: Path, victim: str
) -> None:
    window = make_window(config)
    nav = window.navigator
    start(nav, "en", "ANA")
    code = code_of(nav)
    walk(nav, ALL_ZERO, until=PHQ3)
    (data_dir / victim).unlink()
    tap(nav, 1)
    assert_out_of_order(nav, content)
    assert window.store is None and nav.store is None
    note = data_dir / LOST_NOTE_FILENAME
    assert note.exists()
    # What the visitor answered is in the copy the kiosk saved, for the admin to restore.
    (copy,) = data_dir.glob("kiosk-rescued-*.db")
    with closing(sqlite3.connect(copy)) as rescued:
        rows = rescued.execute(
            "SELECT item FROM answers JOIN visits ON visits.id = visit_id WHERE code = ?", [code]
        ).fetchall()
    assert {1, 2} <= {row[0] for row in rows}


def test_the_kiosk_notices_a_deleted_database_without_a_tap(
    make_window: MakeWindow, config: Config, content: Content, data_dir: Path, qtbot: QtBot
) -> None:
    window = make_window(config)
    nav = window.navigator
    start(nav, "en")
    (data_dir / DB_FILENAME).unlink()
    # The visitor has not tapped yet: the kiosk's own look every few seconds finds it.
    qtbot.waitUntil(lambda: nav.current is ScreenId.OUT_OF_ORDER, timeout=6000)
    assert_out_of_order(nav, content)
    assert (data_dir / LOST_NOTE_FILENAME).exists()


# --- locks (defect 6 a, b) ---------------------------------------------------------------------


def test_a_lock_at_start_clears_by_itself_into_welcome(
    make_window: MakeWindow,
    config: Config,
    content: Content,
    data_dir: Path,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    Store.open(data_dir).close()
    # Each try gives up sooner (the wait is read where the store and the assessment use it).
    monkeypatch.setattr(kiosk.store.repository, "BUSY_TIMEOUT_SECONDS", 0.1)
    monkeypatch.setattr(kiosk.store.readiness, "BUSY_TIMEOUT_SECONDS", 0.1)
    lock = hold_write_lock(data_dir)
    try:
        window = make_window(config)
        window.open_retry_ms = (50, 100)
        nav = window.navigator
        assert window.store is None
        assert_out_of_order(nav, content)
        qtbot.wait(600)  # a few tries meet the lock, and leave the kiosk out of order
        assert nav.current is ScreenId.OUT_OF_ORDER
    finally:
        release(lock)
    # Nobody restarts it: it opens the database by itself and welcomes the next visitor.
    qtbot.waitUntil(lambda: nav.current is ScreenId.WELCOME, timeout=10000)
    assert window.store is not None
    start(nav, "en")
    tap(nav, 2)
    assert stored_answers(data_dir, code_of(nav)) == {1: 2}


def test_a_lock_mid_visit_holds_the_screen_without_freezing_it_then_saves(
    make_window: MakeWindow, config: Config, data_dir: Path, qtbot: QtBot
) -> None:
    nav = make_window(config).navigator
    start(nav, "en")
    code = code_of(nav)
    lock = hold_write_lock(data_dir)
    try:
        started = time.monotonic()
        tap(nav, 2)
        # A guard, not a benchmark: the 5 s busy timeout on the screen thread froze every tap.
        assert time.monotonic() - started < 2.0
        # Not saved, so not moved on: the same question, held until the save goes through.
        assert current_ref(nav) == QuestionRef("phq9", 1)
        assert not nav.question.isEnabled()
        assert stored_answers(data_dir, code) == {}
        tap(nav, 3)  # ignored while the first is being saved
    finally:
        release(lock)
    qtbot.waitUntil(lambda: nav.question.isEnabled(), timeout=5000)
    assert current_ref(nav) == QuestionRef("phq9", 2)
    assert stored_answers(data_dir, code) == {1: 2}


def test_a_lock_that_lasts_sends_the_visitor_to_the_desk_and_abandons_the_visit_once_free(
    make_window: MakeWindow, config: Config, content: Content, data_dir: Path, qtbot: QtBot
) -> None:
    nav = make_window(config).navigator
    nav.checkin.save_retry_ms = (20, 40, 80)
    start(nav, "en")
    code = code_of(nav)
    tap(nav, 1)
    lock = hold_write_lock(data_dir)
    try:
        tap(nav, 2)
        qtbot.waitUntil(lambda: nav.current is ScreenId.UNAVAILABLE, timeout=5000)
        assert nav.flow is None
        assert content["en"].strings("unavailable.body") in shown_texts(nav.unavailable)
        assert stored_status(data_dir, code) == "in_progress"  # nothing can be written yet
    finally:
        release(lock)
    # Marked abandoned as soon as the database is free, not at the next start of the kiosk.
    qtbot.waitUntil(lambda: stored_status(data_dir, code) == "abandoned", timeout=6000)
    assert stored_answers(data_dir, code) == {1: 1}
    nav.unavailable.home_button.click()
    assert nav.current is ScreenId.WELCOME


def test_a_visit_cut_short_by_a_read_only_database_is_abandoned_once_it_is_writable(
    make_window: MakeWindow, config: Config, data_dir: Path, qtbot: QtBot
) -> None:
    nav = make_window(config).navigator
    start(nav, "en")
    code = code_of(nav)
    assert nav.store is not None and nav.store._db is not None
    nav.store._db.execute("PRAGMA query_only = ON")
    tap(nav, 1)
    assert nav.current is ScreenId.UNAVAILABLE
    assert stored_status(data_dir, code) == "in_progress"
    nav.store._db.execute("PRAGMA query_only = OFF")
    qtbot.waitUntil(lambda: stored_status(data_dir, code) == "abandoned", timeout=6000)


# --- the daily purge ---------------------------------------------------------------------


def test_the_daily_purge_runs_off_the_screen_thread_while_visitors_are_saved(
    make_window: MakeWindow, config: Config, qtbot: QtBot
) -> None:
    """The screen thread waits at most a frame for the database: the daily purge runs on a
    worker, so it neither freezes taps nor gives up because the screen thread may not wait."""
    from datetime import UTC, datetime, timedelta

    window = make_window(config)
    days = config.storage.retention_days
    long_ago = datetime.now(UTC) - timedelta(days=days + 3)
    with Store.open(config.data_dir, clock=lambda: long_ago) as other:
        old = other.create_visit("en").code
        other.abandon_visit(old)
    nav = window.navigator
    start(nav)
    tap(nav, 0)  # a visitor answering while the purge runs
    purged_on: list[bool] = []
    real_purge = Store.purge

    def watched_purge(store: Store, *args: object, **kwargs: object) -> int:
        import threading

        purged_on.append(threading.current_thread() is threading.main_thread())
        return real_purge(store, *args, **kwargs)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Store, "purge", watched_purge)
        window.purge_timer.timeout.emit()
        qtbot.waitUntil(lambda: purged_on != [], timeout=10000)
        qtbot.waitUntil(lambda: window._purger is not None and not window._purger.busy())
    assert purged_on == [False]
    assert window.store is not None
    with pytest.raises(VisitNotFoundError):
        window.store.get_visit(old)
    tap(nav, 0)
    assert nav.current is ScreenId.QUESTION
