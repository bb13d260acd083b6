"""In-process UI benchmarks with real widgets (offscreen Qt).

python benchmarks/bench_ui.py taps [--quick]     tap -> next question painted, answer committed
python benchmarks/bench_ui.py memory [--quick]   RSS after 10 and after 1,000 visits
python benchmarks/bench_ui.py reception [--quick]  reception's list with 1,010 visits today

Visitors are driven the way ``ui/preview.py``'s drive() does it: the buttons' own click(), so
every tap goes through the screen's signal, the navigator, kiosk.flow and a committed SQLite
write, exactly as a finger would.
"""

from __future__ import annotations

import gc
import os
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import bench_main, disk_tmpdir, fs_type, ram_tmpdir, rss_kb, summary_ms

os.environ["QT_QPA_PLATFORM"] = "offscreen"

from PySide6.QtCore import QCoreApplication, QEvent, QObject
from PySide6.QtWidgets import QApplication, QWidget

import main as kiosk_main
from ui.preview import build
from ui.shell.navigator import ScreenId

APP = QApplication.instance() or QApplication(sys.argv[:1])


# Qt calls the harness itself makes from Python (a finger's tap and the running event loop make
# none): counted, so the refcount check below can tell the kiosk's own share.
HARNESS_CALLS = {"void": 0}


def settle() -> None:
    """What returning to the event loop does: layout, paint, and deleteLater'd widgets go."""
    APP.processEvents()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    HARNESS_CALLS["void"] += 2


def tap(button: Any) -> None:
    button.click()
    HARNESS_CALLS["void"] += 1


# --- PySide6 6.12.0 on Python < 3.12: void calls drop a reference to None --------------------
#
# Measured here: every Python call of a Qt method returning void (setText, show, click, ...)
# leaves None with one reference fewer, and bool-returning ones do the same to True/False.
# On 3.12+ these objects are immortal and nothing happens; on 3.11 the count reaches zero and
# the interpreter aborts ("Fatal Python error: none_dealloc"). The memory benchmark measures
# that loss per visit, then tops the counts up again so the memory figure can still be taken.

SINGLETONS: dict[str, object] = {"None": None, "True": True, "False": False}


def refcount_loss_per_call() -> float:
    probe = QWidget()
    before = sys.getrefcount(None)
    for _ in range(200):
        probe.setToolTip("")
    after = sys.getrefcount(None)
    probe.deleteLater()
    return (before - after) / 200


def _counts() -> dict[str, int]:
    return {name: sys.getrefcount(obj) for name, obj in SINGLETONS.items()}


def _top_up(baseline: dict[str, int]) -> dict[str, int]:
    """Give None/True/False back what they lost since ``baseline``; return the losses."""
    import ctypes

    incref = ctypes.pythonapi.Py_IncRef
    incref.argtypes = [ctypes.py_object]
    incref.restype = None
    lost = {}
    for name, obj in SINGLETONS.items():
        missing = baseline[name] - sys.getrefcount(obj)
        lost[name] = missing
        for _ in range(max(0, missing)):
            incref(obj)
    return lost


def open_window(data_dir: Path, config: Any = None) -> Any:
    """The real window, real content and store (``config``, or the defaults with printer
    "none"), warmed up, shown at 1280x800 and settled as main.py leaves it."""
    gc.disable()  # as main() does until start-up has settled
    if config is None:
        window = build(data_dir)
    else:
        from ui.app import create_main_window

        window = create_main_window(config)
        window.navigator.warm_up()
    window.resize(1280, 800)
    window.show()
    settle()
    kiosk_main.settle()  # what main.py does after the warm-up: one collection, gc.freeze()
    return window


def close_window(window: Any) -> None:
    window.allow_close = True
    window.close()
    settle()


def _value_for(nav: Any, rng: random.Random, *, urgent: bool) -> int:
    ref = nav.question.state.question
    if ref.section == "phq9" and ref.item == 9:
        return rng.randint(1, 3) if urgent else 0
    return rng.randrange(len(nav.question.option_buttons))


@dataclass
class TapRun:
    """Answer taps timed through whole visits: click -> painted, the handler alone, and the
    floor (the same window repainted with nothing changed, after each tap)."""

    samples: list[float] = field(default_factory=list)
    handler: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)
    visits: int = 0


def tap_visits(
    window: Any,
    rng: random.Random,
    taps_wanted: int,
    *,
    urgent: Callable[[int], bool],
    before_tap: Callable[[], None] | None = None,
    after_visit: Callable[[], None] | None = None,
) -> TapRun:
    """Whole visits (check in, agree, no name, every question, results, finish) until
    ``taps_wanted`` answer taps were timed; visit n answers item 9 above 0 when ``urgent(n)``.
    Each sample: click an answer, let the event loop run (layout + paint), then repaint the
    whole window synchronously, so the next question is certainly on the backing store."""
    nav = window.navigator
    run = TapRun()
    while len(run.samples) < taps_wanted:
        run.visits += 1
        is_urgent = urgent(run.visits)
        nav.welcome.checkin_button.click()
        settle()
        nav.privacy.agree_button.click()
        settle()
        nav.name.skip_button.click()
        settle()
        while nav.current is ScreenId.QUESTION:
            button = nav.question.option_buttons[_value_for(nav, rng, urgent=is_urgent)]
            if before_tap is not None:
                before_tap()
            start = time.perf_counter()
            tap(button)  # signal -> navigator -> flow -> store commit -> new question
            clicked = time.perf_counter()
            APP.processEvents()
            window.repaint()
            done = time.perf_counter()
            run.samples.append(done - start)
            run.handler.append(clicked - start)
            start = time.perf_counter()
            window.repaint()
            run.floor.append(time.perf_counter() - start)
            if nav.current is ScreenId.SAFETY:
                nav.safety.continue_button.click()
                settle()
        assert nav.current is ScreenId.RESULTS, nav.current
        nav.results.finish_button.click()
        settle()
        if after_visit is not None:
            after_visit()
    return run


def bench_taps(quick: bool) -> dict[str, Any]:
    """Answer taps timed through whole visits (tap_visits), then Larger text's restyle."""
    taps_wanted = 60 if quick else 400
    rng = random.Random(33)
    theme_toggle: list[float] = []
    next_after_toggle: list[float] = []
    with disk_tmpdir() as folder:
        window = open_window(folder)
        nav = window.navigator
        compensate = refcount_loss_per_call() > 0.5
        baseline = _counts()
        try:
            # See refcount_loss_per_call: the top-up keeps 3.11 from aborting mid-run.
            run = tap_visits(
                window,
                rng,
                taps_wanted,
                urgent=lambda visit: visit % 10 == 0,
                after_visit=(lambda: _top_up(baseline)) if compensate else None,
            )
            # Not targets of their own, but taps too: Larger text restyles what is on screen,
            # and the next tap shows a screen that takes the new look on the way.
            for _ in range(3 if quick else 10):
                start = time.perf_counter()
                nav.top_bar.large_button.setChecked(True)
                APP.processEvents()
                window.repaint()
                theme_toggle.append(time.perf_counter() - start)
                start = time.perf_counter()
                tap(nav.welcome.checkin_button)  # -> privacy, restyled before it is shown
                APP.processEvents()
                window.repaint()
                next_after_toggle.append(time.perf_counter() - start)
                nav.reset()  # the plain look and Welcome again, as the idle reset leaves it
                settle()
        finally:
            close_window(window)
        filesystem = fs_type(folder)
    return {
        "tap_to_paint": summary_ms(run.samples),
        "handler_only": summary_ms(run.handler),
        "floor": summary_ms(run.floor),
        "large_text_toggle": summary_ms(theme_toggle),
        "next_screen_after_toggle": summary_ms(next_after_toggle),
        "visits": run.visits,
        "filesystem": filesystem,
    }


def _one_visit(window: Any, rng: random.Random, index: int) -> None:
    """A visitor, with the variety a lobby sees: browsing, Spanish, safety, back, print, leave."""
    nav = window.navigator
    if index % 7 == 3:  # reads about the programs first
        tap(nav.welcome.learn_button)
        settle()
        topic = list(nav.programs.topics.values())[index % len(nav.programs.topics)]
        tap(topic)
        settle()
    if index % 4 == 1:
        nav.switch_language("es")
        settle()
    nav.start_checkin()
    settle()
    tap(nav.privacy.agree_button)
    settle()
    if index % 3 == 0:
        for ch in "ANA":
            tap(nav.name.keypad.keys[ch])
        tap(nav.name.done_button)
    else:
        tap(nav.name.skip_button)
    settle()
    urgent = index % 9 == 0
    leave_after = 6 if index % 11 == 5 else None  # walks away: the idle reset abandons the visit
    answered = 0
    while nav.current in (ScreenId.QUESTION, ScreenId.SAFETY):
        if nav.current is ScreenId.SAFETY:
            tap(nav.safety.continue_button)
            settle()
            continue
        if leave_after is not None and answered == leave_after:
            window._idle_expired()  # what the idle countdown does when it runs out
            settle()
            return
        if answered == 4 and index % 5 == 2:
            tap(nav.question.back_button)  # changes an earlier answer
            settle()
        tap(nav.question.option_buttons[_value_for(nav, rng, urgent=urgent)])
        settle()
        answered += 1
    assert nav.current is ScreenId.RESULTS, nav.current
    if index % 5 == 4:  # prints the summary (printer "none": rendered, recorded as saved)
        tap(nav.results.print_button)
        nav.printer.wait()
        settle()
        tap(nav.printing.finish_button)
    else:
        tap(nav.results.finish_button)
    settle()


def _census(window: Any) -> dict[str, int]:
    """Live widgets and objects, counted in the same state each time: some screens keep the
    widgets of the page they showed last (a program page's blocks), so first the same page."""
    nav = window.navigator
    tap(nav.welcome.learn_button)
    tap(next(iter(nav.programs.topics.values())))
    settle()
    nav.reset()
    settle()
    return {
        "widgets": len(QApplication.allWidgets()),
        "qobjects_in_window": sum(
            len(w.findChildren(QObject)) for w in QApplication.topLevelWidgets()
        ),
        "python_objects": len(gc.get_objects()),
    }


def _measure() -> int:
    gc.collect()
    settle()
    gc.collect()
    return rss_kb()


def _heap_kb() -> dict[str, int] | None:
    """Native memory in use (glibc's malloc: what RSS hides behind its free lists and trims) and
    SQLite's own share of it (its page cache grows with the database up to its 2 MiB limit).
    None where glibc's mallinfo2 is not there."""
    import ctypes

    class MallInfo2(ctypes.Structure):
        _fields_ = [
            (name, ctypes.c_size_t)
            for name in (
                "arena", "ordblks", "smblks", "hblks", "hblkhd",
                "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost",
            )
        ]  # fmt: skip

    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = MallInfo2
        sqlite = ctypes.CDLL("libsqlite3.so.0")
        sqlite.sqlite3_memory_used.restype = ctypes.c_int64
    except (OSError, AttributeError):
        return None
    info = libc.mallinfo2()
    return {
        "in_use_kb": (info.uordblks + info.hblkhd) // 1024,
        "sqlite_kb": sqlite.sqlite3_memory_used() // 1024,
    }


def bench_memory(quick: bool) -> dict[str, Any]:
    """RSS after visit 10 and after the last; a census of widgets and objects at both points."""
    total = 150 if quick else 1000
    rng = random.Random(1000)
    series: dict[int, int] = {}
    loss_per_call = refcount_loss_per_call()
    compensate = loss_per_call > 0.5
    lost_total = {name: 0 for name in SINGLETONS}
    harness_calls = 0
    # Native heap from visit 50 (the first visits still fill caches: fonts, Qt's type wrappers).
    heap_from = 50 if total > 100 else 10
    heap: dict[int, dict[str, int] | None] = {}
    # Memory, not durability, is measured here: the database sits in RAM so 1,000 visits
    # (about 27,000 committed writes) fit in the time budget. The process's RSS is the same.
    with ram_tmpdir() as folder:
        window = open_window(folder)
        counts_at_start = _counts()
        baseline = counts_at_start
        try:
            start = time.perf_counter()
            for index in range(1, total + 1):
                calls_before = HARNESS_CALLS["void"]
                _one_visit(window, rng, index)
                if compensate:
                    lost = _top_up(baseline)
                    if index > 10:  # the first visits still build caches that hold references
                        for name, value in lost.items():
                            lost_total[name] += value
                        harness_calls += HARNESS_CALLS["void"] - calls_before
                if index == 10:
                    series[index] = _measure()
                    census_10 = _census(window)
                    baseline = _counts()
                elif index % 100 == 0 or index == total:
                    series[index] = _measure()
                if index in (heap_from, total):
                    _measure()
                    heap[index] = _heap_kb()
                if index in series:
                    print(f"BENCH_PROGRESS visits={index} rss_kb={series[index]}", flush=True)
            elapsed = time.perf_counter() - start
            census_end = _census(window)
            stored = len(window.store.list_visits(*_all_time()))
        finally:
            close_window(window)
    first, last = series[10], series[total]
    result: dict[str, Any] = {
        "visits": total,
        "rss_after_10_kb": first,
        "rss_after_end_kb": last,
        "growth_pct": round(100.0 * (last - first) / first, 2),
        "rss_series_kb": {str(k): v for k, v in sorted(series.items())},
        "census_after_10": census_10,
        "census_after_end": census_end,
        "visits_stored": stored,
        "seconds": round(elapsed, 1),
        "refcount_loss_per_void_call": round(loss_per_call, 3),
        "refcounts_at_start": counts_at_start,
    }
    first_heap, last_heap = heap.get(heap_from), heap.get(total)
    if first_heap is not None and last_heap is not None:
        visits = total - heap_from
        grown = last_heap["in_use_kb"] - first_heap["in_use_kb"]
        by_sqlite = last_heap["sqlite_kb"] - first_heap["sqlite_kb"]
        result["heap"] = {
            "from_visit": heap_from,
            "at_start_kb": first_heap,
            "at_end_kb": last_heap,
            "in_use_bytes_per_visit": round(grown * 1024 / visits),
            "sqlite_bytes_per_visit": round(by_sqlite * 1024 / visits),
            "other_bytes_per_visit": round((grown - by_sqlite) * 1024 / visits),
        }
    if compensate:
        measured = total - 10
        # The harness's own Qt calls (clicks, processEvents) lose a None reference each; a
        # finger and the real event loop make no such calls, so they are taken out.
        kiosk_none = (lost_total["None"] - harness_calls) / measured
        per_visit = {
            "None": round(kiosk_none, 1),
            "True": round(lost_total["True"] / measured, 1),
            "False": round(lost_total["False"] / measured, 1),
        }
        crash_after = [
            counts_at_start[name] / loss for name, loss in per_visit.items() if loss > 0.5
        ]
        result["refcount_lost_per_visit"] = per_visit
        result["visits_until_abort"] = int(min(crash_after)) if crash_after else None
        result["refcounts_compensated"] = True
    return result


# --- reception's list on a busy day ---------------------------------------------------------


class _Clock:
    def __init__(self, now: Any) -> None:
        self.now = now

    def __call__(self) -> Any:
        return self.now


def _open_reception(window: Any) -> float:
    """Staff mode from its PIN page to reception's first list painted (the PIN itself, a
    deliberately slow argon2id hash, is not what is measured)."""
    staff = window.navigator.staff
    staff.open()
    settle()
    staff.role = "reception"  # what a right reception PIN sets
    start = time.perf_counter()
    staff.show_reception()  # reads the day, fills the list
    APP.processEvents()  # layout and paint
    window.repaint()
    elapsed = time.perf_counter() - start
    return elapsed


def bench_reception(quick: bool) -> dict[str, Any]:
    """Opening reception's list with 1,010 visits today, next to the same with none.

    The visits are complete ones with every answer (datagen.bulk_day). The floor is the same
    window opening the same page on a day without visits (the staff clock moved two days on),
    interleaved with the busy day, so what remains is what the visits cost."""
    from datetime import datetime, timedelta

    from datagen import bulk_day

    from kiosk.config import load_config
    from kiosk.content import load_content

    visits = 1010
    runs = 5 if quick else 21
    busy: list[float] = []
    floor: list[float] = []
    refresh: list[float] = []
    with disk_tmpdir() as folder:
        config = load_config(None, folder)
        midnight = datetime.now(config.zone).replace(hour=0, minute=0, second=0, microsecond=0)
        rows = bulk_day(
            folder,
            load_content(config.content_dir, config.languages),
            visits=visits,
            day_start=midnight,
        )
        window = open_window(folder)
        staff = window.navigator.staff
        today = staff.clock()
        empty_day = _Clock(today + timedelta(days=2))
        try:
            widgets_before = len(QApplication.allWidgets())
            first = _open_reception(window)  # also builds the staff pages (once per run)
            shown = staff.reception.codes_shown()
            listed = len(staff.reception.row_codes())
            widgets_after_first = len(QApplication.allWidgets())
            staff.lock()
            settle()
            for index in range(runs):
                for name in ("busy", "empty") if index % 2 else ("empty", "busy"):
                    staff.clock = empty_day if name == "empty" else _Clock(today)
                    elapsed = _open_reception(window)
                    (busy if name == "busy" else floor).append(elapsed)
                    if name == "busy":
                        # The list re-reads the day every 5 s while it is shown.
                        start = time.perf_counter()
                        staff.refresh_visits()
                        APP.processEvents()
                        window.repaint()
                        refresh.append(time.perf_counter() - start)
                    staff.lock()
                    settle()
            widgets_end = len(QApplication.allWidgets())
        finally:
            close_window(window)
    return {
        "visits": visits,
        "rows": rows,
        "listed": listed,
        "rows_shown": len(shown),
        "first_open_ms": round(first * 1000, 1),
        "open": summary_ms(busy),
        "floor": summary_ms(floor),
        "refresh": summary_ms(refresh),
        "widgets_before": widgets_before,
        "widgets_after_first_open": widgets_after_first,
        "widgets_at_end": widgets_end,
    }


def _all_time() -> tuple[Any, Any]:
    from datetime import UTC, datetime

    return datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)


BENCHES = {"taps": bench_taps, "memory": bench_memory, "reception": bench_reception}


def main() -> None:
    bench_main(__doc__, BENCHES)


if __name__ == "__main__":
    main()
