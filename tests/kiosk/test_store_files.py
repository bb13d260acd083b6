"""What the store does with the files it finds: which it refuses (and leaves exactly as they
were), what it agrees with `check` about, and where a backup may go. Real files, mounts and
processes throughout."""

from __future__ import annotations

import os
import socket
import sqlite3
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kiosk.store import (
    APPLICATION_ID,
    CRITICAL_FREE_BYTES,
    DB_FILENAME,
    MIN_FREE_BYTES,
    BackupTargetError,
    Store,
    StoreError,
    StoreForeignError,
    StoreLowSpaceError,
    StoreMissingError,
    StoreUnavailableError,
    assess_database,
    check_database,
    readiness,
    schema,
)
from tests.support.store_scenarios import (
    SCENARIOS,
    RunningKiosk,
    Scenario,
    copy_database_into,
    fill_disk_leaving,
    kiosk_process,
    make_database,
    snapshot,
    tmpfs,
    write_lock_held,
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def running_kiosk(folder: Path) -> Iterator[RunningKiosk]:
    with kiosk_process(folder) as kiosk:
        yield kiosk


@pytest.fixture
def quick_locks(monkeypatch: pytest.MonkeyPatch) -> None:
    """A lock counts as held after 0.3 s instead of 3 s, to keep the tests short."""
    monkeypatch.setattr(readiness, "LOCK_PATIENCE_SECONDS", 0.3)


def application_id(path: Path) -> int:
    conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro&immutable=1", uri=True)
    try:
        return int(conn.execute("PRAGMA application_id").fetchone()[0])
    finally:
        conn.close()


# --- defect 8: the kiosk's own database, and nothing else ----------------------------------


def test_a_new_database_is_marked_as_the_kiosks(folder: Path) -> None:
    with Store.open(folder) as store:
        store.create_visit("en")
    # Made under a temporary name and linked into place: nothing of that is left.
    assert sorted(os.listdir(folder)) == [DB_FILENAME]
    assert application_id(folder / DB_FILENAME) == APPLICATION_ID


def other_programs_database(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    conn.execute("INSERT INTO notes (text) VALUES ('shopping list')")
    conn.commit()
    conn.close()


def kiosk_look_alike(path: Path) -> None:
    # The kiosk's tables, but another program's mark: not ours either.
    conn = sqlite3.connect(path, isolation_level=None)
    schema._migrate(conn)
    conn.execute("PRAGMA application_id = 1234")
    conn.close()


def sqlite_with_no_tables(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 0")
    conn.execute("VACUUM")  # writes the header: a valid, empty SQLite file
    conn.close()
    assert path.stat().st_size > 0


FOREIGN: list[tuple[str, Callable[[Path], None], str]] = [
    ("another program's database", other_programs_database, "not a kiosk database"),
    ("the kiosk's tables, another mark", kiosk_look_alike, "application id 1234"),
    ("a SQLite file with no tables", sqlite_with_no_tables, "empty"),
    ("0 bytes", lambda path: path.write_bytes(b""), "empty"),
    ("1 byte", lambda path: path.write_bytes(b"\n"), "empty"),
]


@pytest.mark.parametrize(
    ("make", "match"), [(make, match) for _, make, match in FOREIGN], ids=[n for n, *_ in FOREIGN]
)
def test_a_file_that_is_not_the_kiosks_is_refused_unchanged(
    folder: Path, make: Callable[[Path], None], match: str
) -> None:
    folder.mkdir()
    path = folder / DB_FILENAME
    make(path)
    os.chmod(path, 0o644)  # not 0600: the kiosk must not tighten what is not its own
    before = snapshot(folder)
    with pytest.raises(StoreForeignError, match=match) as raised:
        Store.open(folder)
    assert "\n" not in str(raised.value)
    assert "left untouched" in str(raised.value)
    assert snapshot(folder) == before  # same bytes, same mode, no -wal or -shm
    readiness = assess_database(folder)
    assert [type(p) for p in readiness.fatal] == [StoreForeignError]
    assert check_database(path)
    assert snapshot(folder) == before


def test_an_empty_file_says_what_to_do(folder: Path) -> None:
    folder.mkdir()
    (folder / DB_FILENAME).touch()
    with pytest.raises(StoreForeignError) as raised:
        Store.open(folder)
    message = str(raised.value)
    assert "PINs" in message
    assert "Restore the newest backup" in message
    assert (folder / DB_FILENAME).stat().st_size == 0


def test_a_read_only_database_is_refused_not_made_writable(folder: Path) -> None:
    path = make_database(folder)
    os.chmod(path, 0o400)
    before = snapshot(folder)
    with pytest.raises(StoreUnavailableError, match="read-only") as raised:
        Store.open(folder)
    assert "0400" in str(raised.value)
    assert stat.S_IMODE(path.stat().st_mode) == 0o400
    assert snapshot(folder) == before


def test_a_loose_database_is_still_made_private(folder: Path) -> None:
    path = make_database(folder)
    os.chmod(path, 0o644)
    Store.open(folder).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


# --- defect 10: admin commands never create a database --------------------------------------


@pytest.mark.parametrize("made", [False, True], ids=["missing folder", "empty folder"])
def test_open_existing_refuses_a_folder_without_a_database(folder: Path, made: bool) -> None:
    if made:
        folder.mkdir()
    with pytest.raises(StoreMissingError) as raised:
        Store.open_existing(folder)
    assert str(folder) in str(raised.value)
    assert folder.exists() == made
    assert snapshot(folder) == {}


def test_open_existing_opens_what_is_there(folder: Path) -> None:
    with Store.open(folder) as store:
        code = store.create_visit("en").code
    with Store.open_existing(folder) as store:
        assert store.get_visit(code).code == code


# --- defect 7: one verdict for Store.open and `check` ---------------------------------------


@pytest.mark.parametrize(
    ("build", "match"), [(b, m) for _, m, b in SCENARIOS], ids=[n for n, *_ in SCENARIOS]
)
def test_open_and_assess_agree_and_touch_nothing(
    folder: Path, tmp_path: Path, build: Scenario, match: str, quick_locks: None
) -> None:
    scratch = tmp_path / "scratch"
    with build(folder, scratch):
        before = snapshot(folder)
        readiness = assess_database(folder, thorough=True)
        assert not readiness.ok
        assert any(match in str(problem) for problem in readiness.fatal), readiness.fatal
        assert snapshot(folder) == before
        with pytest.raises(StoreError) as raised:
            Store.open(folder)
        assert match in str(raised.value)
        assert "\n" not in str(raised.value)
        assert snapshot(folder) == before


def test_a_healthy_folder_is_ready(folder: Path) -> None:
    assert assess_database(folder).ok  # not made yet: the kiosk will make it
    assert not assess_database(folder).exists
    make_database(folder)
    readiness = assess_database(folder, thorough=True)
    assert readiness.ok and readiness.exists
    assert readiness.warnings == ()
    assert readiness.free_bytes is not None and readiness.free_bytes >= MIN_FREE_BYTES
    assert sorted(os.listdir(folder)) == [DB_FILENAME]  # assessing left nothing behind


def test_assess_while_the_kiosk_runs_is_ready(folder: Path) -> None:
    with Store.open(folder) as kiosk:
        kiosk.create_visit("en")
        assert assess_database(folder, thorough=True).ok


def test_a_lock_only_counts_when_held_by_another_program(folder: Path, quick_locks: None) -> None:
    path = make_database(folder)
    with write_lock_held(path) as pid:
        assert readiness._write_lock_holder(path) == pid
    assert readiness._write_lock_holder(path) is None
    # This process's own connections never count against it.
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    try:
        assert readiness._write_lock_holder(path) is None
    finally:
        conn.close()


def test_a_nearly_full_disk_still_lets_an_admin_take_a_backup(folder: Path, tmp_path: Path) -> None:
    with tmpfs(folder, "8m"):
        copy_database_into(folder, tmp_path / "scratch")
        fill_disk_leaving(folder, CRITICAL_FREE_BYTES // 2)
        with pytest.raises(StoreLowSpaceError, match="cannot start with"):
            Store.open(folder)
        out = tmp_path / "usb" / "copy.db"
        out.parent.mkdir()
        with Store.open_existing(folder) as store:
            store.backup(out)
    assert check_database(out) == []


def test_orphan_rows_are_a_warning_not_a_refusal(folder: Path) -> None:
    path = make_database(folder)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("DELETE FROM visits")
    conn.commit()
    conn.close()
    readiness = assess_database(folder, thorough=True)
    assert readiness.ok
    assert any("missing visits" in warning for warning in readiness.warnings)
    Store.open(folder).close()


# --- defect 4: where a backup may go ----------------------------------------------------------


def special_targets(tmp_path: Path, folder: Path) -> dict[str, Path]:
    """Paths a backup must never be written to, each made for real."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    targets = {
        "the database": folder / DB_FILENAME,
        "its -wal": folder / f"{DB_FILENAME}-wal",
        "its -shm": folder / f"{DB_FILENAME}-shm",
        "a new name in the data folder": folder / "kiosk-backup.db",
        "a subfolder of the data folder": folder / "sub" / "copy.db",
        "the data folder through a link": elsewhere / "data-link" / "copy.db",
        "a folder": elsewhere,
        "a symlink to a file": elsewhere / "link.db",
        "a dangling symlink": elsewhere / "dangling.db",
        "a FIFO": elsewhere / "fifo",
        "a socket": elsewhere / "socket",
    }
    (folder / "sub").mkdir()
    (elsewhere / "data-link").symlink_to(folder)
    (elsewhere / "real.db").write_bytes(b"precious")
    (elsewhere / "link.db").symlink_to(elsewhere / "real.db")
    (elsewhere / "dangling.db").symlink_to(elsewhere / "nowhere.db")
    os.mkfifo(elsewhere / "fifo")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(elsewhere / "socket"))
    listener.close()  # the socket file stays
    if os.geteuid() == 0:
        # Like /dev/full (1, 7), made here: the real one is never put at risk by a test.
        os.mknod(elsewhere / "full", 0o666 | stat.S_IFCHR, os.makedev(1, 7))
        targets["a character device"] = elsewhere / "full"
    return targets


def test_backup_refuses_every_target_that_is_not_a_plain_new_or_regular_file(
    folder: Path, tmp_path: Path, running_kiosk: RunningKiosk
) -> None:
    running_kiosk.answer(1)
    targets = special_targets(tmp_path, folder)
    if "a character device" not in targets:
        pytest.skip("making a device node needs root")  # pragma: no cover - CI runs as root
    watched = [folder, tmp_path / "elsewhere"]
    with Store.open(folder) as admin:
        for name, target in targets.items():
            before = [snapshot(place) for place in watched]
            with pytest.raises(BackupTargetError) as raised:
                admin.backup(target)
            assert "\n" not in str(raised.value), name
            assert str(target) in str(raised.value), name
            assert [snapshot(place) for place in watched] == before, name
    # The kiosk never noticed: it goes on saving, and all of it is there after a hard stop.
    running_kiosk.answer(2)
    running_kiosk.kill()
    with Store.open(folder) as after:
        assert after.get_visit(running_kiosk.code).answers == {"phq9": {1: 2, 2: 2}}


def test_backup_replaces_a_regular_file_only_when_asked(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "copy.db"
    out.write_bytes(b"an older backup")
    with Store.open(folder) as store:
        store.create_visit("en")
        with pytest.raises(BackupTargetError, match="already exists"):
            store.backup(out, replace=False)
        assert out.read_bytes() == b"an older backup"
        store.backup(out, replace=True)
        store.backup(tmp_path / "new.db", replace=False)
    assert check_database(out) == []
    assert check_database(tmp_path / "new.db") == []
    assert application_id(out) == APPLICATION_ID
