"""kiosk.store under the faults of issue 14: files deleted or cut short under it (defect 5),
another program's lock, a small disk (defect 6). Real SQLite files, real processes, a real tmpfs.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.config import Config
from kiosk.model import StoredScore
from kiosk.store import (
    DB_FILENAME,
    Store,
    StoreBusyError,
    StoreError,
    StoreFilesLostError,
    StoreUnavailableError,
    assess_database,
    check_database,
    detect_lost_files,
    try_open_store,
)

ROOT = Path(__file__).resolve().parents[2]
WAL = DB_FILENAME + "-wal"
# Visits made now, as the kiosk and its command line (which keep the real time) see them.
pytestmark = pytest.mark.clock(start=None)


def full_visit(store: Store) -> str:
    """What one visitor writes: the visit, a name, 22 answers, the scores."""
    code = store.create_visit("en").code
    store.set_name(code, "Ana")
    for section, count in (("phq9", 10), ("gad7", 7), ("fit", 5)):
        for item in range(1, count + 1):
            store.record_answer(code, section, item, 1)  # type: ignore[arg-type]
    score = StoredScore(
        instrument="phq9", total=9, band="mild", complete=True, skipped=0, urgent=False
    )
    store.complete_visit(code, {"phq9": score}, "outpatient")
    return code


def rescued_copy(data_dir: Path) -> Path:
    copies = sorted(data_dir.glob("kiosk-rescued-*.db"))
    assert len(copies) == 1, copies
    return copies[0]


def open_copy(copy: Path, folder: Path) -> Store:
    """The rescued file restored as an admin would: copied into an empty folder as kiosk.db."""
    folder.mkdir()
    shutil.copyfile(copy, folder / DB_FILENAME)
    return Store.open(folder)


# --- files deleted or cut short under the running kiosk (defect 5) ---------------------------


@pytest.mark.parametrize("victim", [WAL, DB_FILENAME])
def test_a_deleted_file_stops_the_next_write_and_everything_is_rescued(
    store: Store, data_dir: Path, config: Config, tmp_path: Path, victim: str
) -> None:
    earlier = full_visit(store)
    code = store.create_visit("en").code
    store.mark_urgent(code, "talk_now", "acute")
    for item in (1, 2, 3):
        store.record_answer(code, "phq9", item, 2)
    assert store.health() is None
    (data_dir / victim).unlink()

    with pytest.raises(StoreUnavailableError, match="deleted") as raised:
        store.record_answer(code, "phq9", 4, 3)
    message = str(raised.value)
    assert isinstance(raised.value, StoreFilesLostError)
    assert "\n" not in message and victim in message
    # Nothing more goes into files that are gone, and the kiosk's timer hears the same.
    with pytest.raises(StoreFilesLostError):
        store.abandon_visit(code)
    assert store.health() == message
    store.close()

    copy = rescued_copy(data_dir)
    assert copy.name in message
    assert copy.stat().st_mode & 0o777 == 0o600
    with open_copy(copy, tmp_path / "restored") as restored:
        visit = restored.get_visit(code)
        assert visit.urgent
        assert visit.answers["phq9"] == {1: 2, 2: 2, 3: 2, 4: 3}
        assert restored.get_visit(earlier).status == "completed"
        assert "files_lost" in [entry.action for entry in restored.audit_log()]
    # `check` has something to say, and the kiosk does not start afresh in the meantime.
    (lost,) = detect_lost_files(data_dir)
    assert copy.name in lost and "\n" not in lost
    store_now, problem = try_open_store(config)
    assert store_now is None and problem == lost


def test_a_truncated_wal_stops_the_next_write_and_leaves_the_database_whole(
    store: Store, data_dir: Path
) -> None:
    earlier = full_visit(store)
    raw = store._db
    assert raw is not None
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the earlier visit is in kiosk.db itself
    code = store.create_visit("en").code
    for item in range(1, 10):
        store.record_answer(code, "phq9", item, 1)
    assert (data_dir / WAL).stat().st_size > 0
    os.truncate(data_dir / WAL, 0)

    with pytest.raises(StoreFilesLostError, match="cut short"):
        store.record_answer(code, "gad7", 1, 1)
    with pytest.raises(StoreFilesLostError):
        store.record_answer(code, "gad7", 2, 1)
    store.close()
    # Closing checkpoints: had the WAL been left with its hole, the zeros would have been
    # copied over the database's pages, and every visit would be gone.
    assert check_database(data_dir / DB_FILENAME) == []
    (lost,) = detect_lost_files(data_dir)
    assert "cut short" in lost
    with Store.open_existing(data_dir) as again:
        assert again.get_visit(earlier).status == "completed"


def test_health_notices_a_deleted_database_without_any_write(store: Store, data_dir: Path) -> None:
    code = store.create_visit("en").code
    (data_dir / DB_FILENAME).unlink()
    problem = store.health()
    assert problem is not None and "deleted" in problem
    assert detect_lost_files(data_dir)
    with pytest.raises(StoreFilesLostError):
        store.record_answer(code, "phq9", 1, 0)


def test_checkpoints_and_other_programs_are_not_taken_for_lost_files(
    store: Store, data_dir: Path
) -> None:
    """Everything SQLite does to the WAL by itself: restarts, checkpoints by the kiosk and by
    another program, truncation to journal_size_limit, a second connection closing."""
    for round_ in range(6):
        full_visit(store)
        with Store.open(data_dir) as admin:  # an admin command while the kiosk runs
            admin.audit("admin-cli", "backup", f"round {round_}")
            admin.purge(90)
            db = admin._db
            assert db is not None
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        store.record_answer(store.create_visit("en").code, "phq9", 1, 0)
        assert store.health() is None
        store.checkpoint()
    assert store.health() is None
    assert detect_lost_files(data_dir) == []
    assert not list(data_dir.glob("kiosk-rescued-*"))


CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    from kiosk.store import Store, StoreError

    store = Store.open(Path(sys.argv[1]))
    code = store.create_visit("en").code
    store.mark_urgent(code, "phq9_item9", "non_acute")
    print("V", code, flush=True)
    for item in range(1, 6):
        store.record_answer(code, "phq9", item, 1)
        print("A", item, flush=True)
    print("harm?", flush=True)
    sys.stdin.readline()
    for item in range(6, 11):
        try:
            store.record_answer(code, "phq9", item, 2)
        except StoreError as exc:
            print("F", item, type(exc).__name__, flush=True)
        else:
            print("A", item, flush=True)
    print("done", flush=True)
    sys.stdin.readline()  # killed here, as a crash or a power cut would
    """
)


@pytest.mark.parametrize("harm", ["delete wal", "delete db", "truncate wal"])
def test_after_harm_and_a_crash_nothing_reported_saved_is_missing(
    tmp_path: Path, data_dir: Path, harm: str
) -> None:
    script = tmp_path / "visitor.py"
    script.write_text(CHILD, encoding="utf-8")
    child = subprocess.Popen(
        [sys.executable, str(script), str(data_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert child.stdin is not None and child.stdout is not None
    lines: list[str] = []
    try:
        while (line := child.stdout.readline()) != "harm?\n":
            assert line, child.stderr.read() if child.stderr else ""
            lines.append(line.strip())
        match harm:
            case "delete wal":
                (data_dir / WAL).unlink()
            case "delete db":
                (data_dir / DB_FILENAME).unlink()
            case "truncate wal":
                os.truncate(data_dir / WAL, 0)
        child.stdin.write("go\n")
        child.stdin.flush()
        while (line := child.stdout.readline()) != "done\n":
            assert line, child.stderr.read() if child.stderr else ""
            lines.append(line.strip())
    finally:
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=10)
    code = lines[0].split()[1]
    reported = {int(line.split()[1]) for line in lines if line.startswith("A ")}
    after_harm = lines[6:]  # after "V code" and answers 1 to 5
    # Not one answer after the harm was reported saved: each went into a file that is gone.
    assert after_harm and all(line.startswith("F ") for line in after_harm), after_harm
    assert all("StoreFilesLostError" in line for line in after_harm)
    # `check` can tell (the kiosk stays out of order until an admin has dealt with it).
    (lost,) = detect_lost_files(data_dir)
    if harm == "truncate wal":
        # What was in the WAL when it was cut is gone; the database itself is whole.
        assert "cut short" in lost
        assert check_database(data_dir / DB_FILENAME) == []
        return
    with open_copy(rescued_copy(data_dir), tmp_path / "restored") as restored:
        visit = restored.get_visit(code)
        assert visit.urgent
        assert reported <= set(visit.answers["phq9"])


# --- locks (defect 6 a, b) ------------------------------------------------------------------


def hold_write_lock(data_dir: Path) -> sqlite3.Connection:
    """Another program writing: it holds SQLite's write lock until it commits."""
    other = sqlite3.connect(data_dir / DB_FILENAME, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


def test_the_screen_thread_fails_fast_on_a_lock_and_can_try_again(
    store: Store, data_dir: Path
) -> None:
    code = store.create_visit("en").code
    store.set_thread_wait(0.02)
    other = hold_write_lock(data_dir)
    started = time.monotonic()
    with pytest.raises(StoreBusyError):
        store.record_answer(code, "phq9", 1, 2)
    # A guard, not a benchmark: the old 5 s busy timeout froze the screen for every tap.
    assert time.monotonic() - started < 2.0
    other.execute("COMMIT")
    other.close()
    store.record_answer(code, "phq9", 1, 2)
    assert store.get_visit(code).answers == {"phq9": {1: 2}}


def test_worker_threads_still_wait_for_a_lock(store: Store, data_dir: Path) -> None:
    code = store.create_visit("en").code
    store.set_thread_wait(0.02)  # the screen thread's limit is not the worker's
    other = hold_write_lock(data_dir)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            store.mark_seen(code)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    time.sleep(0.3)
    other.execute("COMMIT")
    other.close()
    thread.join(10)
    assert errors == []
    assert store.get_visit(code).seen


def test_a_worker_busy_in_the_store_does_not_hold_up_the_screen_thread(store: Store) -> None:
    code = store.create_visit("en").code
    store.set_thread_wait(0.02)
    inside, leave = threading.Event(), threading.Event()

    def long_work() -> None:  # as a purge or an export holds the store for seconds
        with store._lock:
            inside.set()
            leave.wait(10)

    thread = threading.Thread(target=long_work)
    thread.start()
    inside.wait(10)
    try:
        with pytest.raises(StoreBusyError):
            store.record_answer(code, "phq9", 1, 0)
    finally:
        leave.set()
        thread.join(10)
    store.record_answer(code, "phq9", 1, 0)


# --- a small disk (defect 6 c) ------------------------------------------------------------


def test_the_wal_stays_small_over_a_day_of_visits(store: Store, data_dir: Path) -> None:
    largest = 0
    for _ in range(30):
        full_visit(store)
        largest = max(largest, (data_dir / WAL).stat().st_size)
    # SQLite's default let it grow to ~4 MB (1,000 pages) before the first checkpoint.
    assert largest <= 256 * 1024


LEAVE_A_LARGE_WAL = textwrap.dedent(
    """
    import os
    import sqlite3
    import sys

    db = sqlite3.connect(sys.argv[1], isolation_level=None)
    db.execute("PRAGMA wal_autocheckpoint = 0")
    for n in range(400):
        db.execute("INSERT INTO settings (key, value) VALUES (?, ?)", [f"k{n}", "w" * 3000])
    os._exit(0)  # no close: the WAL is left as a crash leaves it
    """
)


def test_a_large_wal_left_behind_is_folded_in_at_open(tmp_path: Path, data_dir: Path) -> None:
    Store.open(data_dir).close()
    script = tmp_path / "writer.py"
    script.write_text(LEAVE_A_LARGE_WAL, encoding="utf-8")
    subprocess.run([sys.executable, str(script), str(data_dir / DB_FILENAME)], check=True)
    assert (data_dir / WAL).stat().st_size > 1024 * 1024
    with Store.open(data_dir) as store:
        assert (data_dir / WAL).stat().st_size <= 256 * 1024
        assert store.get_setting("k399") == "w" * 3000


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 300 KiB tmpfs, as small as the disk in the issue (needs root, as in CI)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        reason = "mounting a small tmpfs needs root"
        if os.environ.get("CI") == "true":
            pytest.fail(f"small-disk test cannot run in CI: {reason}", pytrace=False)
        pytest.skip(f"{reason}; run the tests as root (as CI does) to include it")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=300k,mode=0700", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        reason = f"cannot mount a tmpfs: {done.stderr.strip()}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"small-disk test cannot run in CI: {reason}", pytrace=False)
        pytest.skip(reason)
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def fill(folder: Path) -> Path:
    """Take every byte left on the disk."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        while True:
            os.write(fd, b"\1" * 4096)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return filler


def test_a_300k_disk_holds_many_visits_and_the_kiosk_recovers_when_space_is_freed(
    small_disk: Path,
) -> None:
    data_dir = small_disk / "data"
    with Store.open(data_dir) as store:
        codes = [full_visit(store) for _ in range(40)]  # was: one visit, then "disk full"
        store.checkpoint()
        filler = fill(small_disk)
        with pytest.raises(StoreUnavailableError, match="full"):
            for _ in range(40):
                full_visit(store)
        filler.unlink()
        # Space again: saving simply works, no restart needed.
        code = full_visit(store)
        assert store.get_visit(code).status == "completed"
    # A restart on a full disk cannot open the database; once space is freed it can.
    filler = fill(small_disk)
    readiness = assess_database(data_dir)  # what `check` says, and the kiosk's own verdict
    assert not readiness.ok and "is full" in str(readiness.fatal[0])
    assert str(data_dir) in str(readiness.fatal[0])
    with pytest.raises(StoreError):
        Store.open(data_dir).close()
    filler.unlink()
    with Store.open(data_dir) as store:
        assert all(store.get_visit(c).status == "completed" for c in codes)
        full_visit(store)
    assert check_database(data_dir / DB_FILENAME) == []


def test_free_space_is_no_problem_on_an_ordinary_disk(data_dir: Path) -> None:
    readiness = assess_database(data_dir)  # not created yet: its disk is looked at
    assert readiness.ok and readiness.warnings == ()
