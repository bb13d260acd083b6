"""Real conditions a data folder can be in, for the store's and the CLI's tests.

Each scenario builds a data folder the kiosk cannot run on (a read-only file or folder, a full
disk, a lock held by another process, ...) with real files, mounts and processes; the tests
check that Store.open and `python -m kiosk check` both refuse it and leave it as it was.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

from kiosk.store import CRITICAL_FREE_BYTES, DB_FILENAME, Store

# A process that takes the database's write lock and keeps it until its stdin closes.
LOCKER = (
    "import sqlite3, sys\n"
    "conn = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
    "conn.execute('BEGIN IMMEDIATE')\n"
    "print('locked', flush=True)\n"
    "sys.stdin.read()\n"
)


# A kiosk at work: one visit, and an answer saved for each item number read from stdin.
KIOSK_RUNNING = (
    "import sys\n"
    "from pathlib import Path\n"
    "from kiosk.store import Store\n"
    "with Store.open(Path(sys.argv[1])) as store:\n"
    "    code = store.create_visit('en').code\n"
    "    print(code, flush=True)\n"
    "    for line in sys.stdin:\n"
    "        store.record_answer(code, 'phq9', int(line), 2)\n"
    "        print('saved', int(line), flush=True)\n"
)
ROOT = Path(__file__).resolve().parents[2]


class RunningKiosk:
    """Another process with the store open, as the kiosk has it while someone is screening."""

    def __init__(self, child: subprocess.Popen[str]) -> None:
        assert child.stdin is not None and child.stdout is not None
        self._child = child
        self._stdin = child.stdin
        self._stdout = child.stdout
        self.code = self._stdout.readline().strip()
        assert self.code, "the kiosk process did not start"

    def answer(self, item: int) -> None:
        """Save an answer to PHQ-9 item ``item``; returns once it is committed."""
        self._stdin.write(f"{item}\n")
        self._stdin.flush()
        assert self._stdout.readline() == f"saved {item}\n"

    def kill(self) -> None:
        """SIGKILL, as a power cut or a crash would stop it."""
        self._child.kill()
        self._child.wait(timeout=30)


@contextmanager
def kiosk_process(folder: Path) -> Iterator[RunningKiosk]:
    with subprocess.Popen(
        [sys.executable, "-c", KIOSK_RUNNING, str(folder)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    ) as child:
        try:
            yield RunningKiosk(child)
        finally:
            child.kill()
            child.wait(timeout=30)


def make_database(folder: Path, visits: int = 1) -> Path:
    """A kiosk database with ``visits`` visits of nine answers each, closed cleanly."""
    with Store.open(folder) as store:
        for _ in range(visits):
            code = store.create_visit("en").code
            for item in range(1, 10):
                store.record_answer(code, "phq9", item, 1)
    return folder / DB_FILENAME


def snapshot(folder: Path) -> dict[str, tuple[int, int, str]]:
    """Every entry of ``folder``: its mode, its device number and a digest of its bytes."""
    if not folder.exists():
        return {}
    entries = {}
    for entry in sorted(folder.iterdir()):
        info = entry.lstat()
        digest = ""
        if stat.S_ISREG(info.st_mode):
            digest = hashlib.sha256(entry.read_bytes()).hexdigest()
        elif stat.S_ISLNK(info.st_mode):
            digest = os.readlink(entry)
        entries[entry.name] = (info.st_mode, info.st_rdev, digest)
    return entries


@contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A small RAM disk mounted at ``where`` (needs root, as the tests run here and in CI)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small disk needs root")
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True, check=False)


def remount_read_only(where: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True, capture_output=True)


@contextmanager
def write_lock_held(path: Path) -> Iterator[int]:
    """Another process holding the database's write lock; yields its process id."""
    with subprocess.Popen(
        [sys.executable, "-c", LOCKER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as child:
        assert child.stdin is not None and child.stdout is not None
        try:
            assert child.stdout.readline() == "locked\n"
            yield child.pid
        finally:
            child.stdin.close()
            child.wait(timeout=30)


def copy_database_into(folder: Path, scratch: Path) -> None:
    """A kiosk database made in ``scratch`` and copied into ``folder`` (which the store
    itself may no longer open), private as the kiosk keeps it."""
    source = make_database(scratch)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, folder / DB_FILENAME)
    os.chmod(folder / DB_FILENAME, 0o600)


def stale_index(path: Path) -> None:
    """Change a visit's start time behind its index's back: `PRAGMA quick_check` still says
    ok, `integrity_check` finds the visit missing from the index (and reception's list)."""
    index_sql = "SELECT sql FROM sqlite_master WHERE name = 'visits_started_at'"
    conn = sqlite3.connect(path, isolation_level=None)
    original = conn.execute(index_sql).fetchone()[0]
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute(
        "UPDATE sqlite_master SET sql = 'CREATE INDEX visits_started_at ON visits (language)' "
        "WHERE name = 'visits_started_at'"
    )
    conn.close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("UPDATE visits SET started_at = '2001-01-01T00:00:00.000+00:00'")
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("UPDATE sqlite_master SET sql = ? WHERE name = 'visits_started_at'", [original])
    conn.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]
    assert conn.execute("PRAGMA integrity_check").fetchall() != [("ok",)]
    conn.close()


# --- scenarios: (name, what the refusal says, builder) -----------------------------------------
#
# A builder gets the data folder (not yet created) and a scratch folder, and returns a context
# manager holding the condition for as long as the test needs it.

Scenario = Callable[[Path, Path], AbstractContextManager[object]]


@contextmanager
def read_only_database(folder: Path, scratch: Path) -> Iterator[None]:
    make_database(folder)
    os.chmod(folder / DB_FILENAME, 0o400)
    yield


@contextmanager
def read_only_folder(folder: Path, scratch: Path) -> Iterator[None]:
    with tmpfs(folder, "32m"):
        copy_database_into(folder, scratch)
        remount_read_only(folder)
        yield


def fill_disk_leaving(folder: Path, leave: int) -> Path:
    """A file that takes all but about ``leave`` bytes of the disk holding ``folder``."""
    info = os.statvfs(folder)
    filler = folder / "filler"
    with open(filler, "wb") as fh:
        fh.truncate(0)
        block = b"\1" * 65536
        remaining = max(0, info.f_bavail * info.f_frsize - leave)
        while remaining > 0:
            remaining -= fh.write(block[: min(len(block), remaining)])
    return filler


@contextmanager
def full_disk(folder: Path, scratch: Path) -> Iterator[None]:
    # Today's database, then the disk filled to below what the kiosk needs for its journal.
    with tmpfs(folder, "8m"):
        copy_database_into(folder, scratch)
        fill_disk_leaving(folder, CRITICAL_FREE_BYTES // 2)
        yield


@contextmanager
def locked_by_another_program(folder: Path, scratch: Path) -> Iterator[None]:
    make_database(folder)
    with write_lock_held(folder / DB_FILENAME):
        yield


@contextmanager
def dangling_symlink(folder: Path, scratch: Path) -> Iterator[None]:
    folder.mkdir(parents=True)
    (folder / DB_FILENAME).symlink_to(scratch / "moved-away.db")
    yield


@contextmanager
def index_out_of_step(folder: Path, scratch: Path) -> Iterator[None]:
    stale_index(make_database(folder, visits=3))
    yield


@contextmanager
def shm_is_a_folder(folder: Path, scratch: Path) -> Iterator[None]:
    make_database(folder)
    (folder / f"{DB_FILENAME}-shm").mkdir()
    yield


SCENARIOS: list[tuple[str, str, Scenario]] = [
    ("read-only database", "read-only", read_only_database),
    ("read-only folder", "read-only", read_only_folder),
    ("full disk", "cannot start with", full_disk),
    ("write lock held by another program", "busy", locked_by_another_program),
    ("dangling symbolic link", "does not exist", dangling_symlink),
    ("index out of step with its table", "damaged", index_out_of_step),
    ("-shm is a folder", "in the way", shm_is_a_folder),
]
