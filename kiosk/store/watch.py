"""Files deleted or cut short under the running kiosk: noticing it, saying so, saving the rest.

See docs/storage.md, "Files deleted". The store asks _FileWatch after every commit; what it
finds stops all writing, is noted in the data folder (LOST_NOTE_FILENAME) for `check` and the
next start, and what the connection still has open is copied next to the database.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path

from msgspec import Struct

from kiosk.store.errors import StoreError
from kiosk.store.files import append_private_file, create_private_file, fsync_file, fsync_folder
from kiosk.store.lock import _make_folder
from kiosk.store.schema import _iso

# Written next to the database when its files were deleted or cut short under the running
# kiosk; the kiosk stays out of order while it exists (docs/storage.md, "Files deleted").
LOST_NOTE_FILENAME = "kiosk-lost.txt"
_RESCUE_PREFIX = "kiosk-rescued-"
# The first four bytes of a WAL file (big- or little-endian checksums), in its header.
_WAL_MAGIC = (b"\x37\x7f\x06\x82", b"\x37\x7f\x06\x83")


class _Loss(Struct, frozen=True):
    """What happened to the files under the open connection."""

    kind: str  # "db_deleted", "wal_deleted" or "wal_truncated"
    # For a WAL cut short: the offset where its content stops being what SQLite wrote.
    truncated_at: int | None = None


def _file_id(path: Path) -> tuple[int, int] | None:
    """(device, inode) of ``path``; None when there is no such file. Raises OSError when it
    cannot be told (a folder that cannot be searched): that is not a lost file."""
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return (info.st_dev, info.st_ino)


class _FileWatch:
    """Tells when the database's files are no longer the ones the connection has open.

    SQLite keeps writing into a deleted database or WAL without a word (the deleted file lives
    on as long as it is open), and appends after a WAL truncated under it, leaving a hole where
    its header was: either way the commits are gone at the next start. So after each commit the
    store compares the paths with the files it opened, and looks at the WAL through its own
    descriptor: the header must still be there and the file must have no hole. That is two
    stat()s, an fstat(), a 4-byte read and an lseek(): microseconds.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.wal_path = path.with_name(path.name + "-wal")
        self._db_id: tuple[int, int] | None = None
        with suppress(OSError):
            self._db_id = _file_id(path)
        self._wal_fd: int | None = None
        self._wal_id: tuple[int, int] | None = None
        self.wal_size = 0

    def check(self) -> _Loss | None:
        """The loss found, or None. A truncation must be seen twice in a row to count: another
        program's checkpoint may shrink the WAL between two of the looks."""
        try:
            loss = self._look()
            if loss is None or loss.kind != "wal_truncated":
                return loss
            again = self._look()
        except OSError:
            return None  # cannot tell now (a folder that cannot be searched): look again later
        if again is None or again.kind != "wal_truncated":
            return None
        return _Loss(loss.kind, min(loss.truncated_at or 0, again.truncated_at or 0))

    def _look(self) -> _Loss | None:
        if self._db_id is None:
            self._db_id = _file_id(self.path)
            return None
        if _file_id(self.path) != self._db_id:
            # Gone or another file in its place: either way not the file the kiosk writes to.
            return _Loss("db_deleted")
        if self._wal_fd is None:
            # SQLite creates the WAL with the first write; until then there is nothing to lose.
            self._open_wal()
            return None
        info = os.fstat(self._wal_fd)
        if info.st_nlink == 0 or _file_id(self.wal_path) != self._wal_id:
            return _Loss("wal_deleted")
        self.wal_size = size = info.st_size
        if size == 0:
            return None  # emptied by a checkpoint (or cut to nothing: seen at the next commit)
        header = os.pread(self._wal_fd, 4, 0)
        if len(header) < 4:
            return None  # shrank since the fstat: a checkpoint truncated it
        if header not in _WAL_MAGIC:
            return _Loss("wal_truncated", 0)
        hole = self._first_hole(size)
        return None if hole is None else _Loss("wal_truncated", hole)

    def _first_hole(self, size: int) -> int | None:
        """Where SQLite wrote after the end of a WAL cut short under it: never written, so a
        hole that reads as zeros. None when there is none (or the filesystem cannot say)."""
        assert self._wal_fd is not None
        seek_hole = getattr(os, "SEEK_HOLE", None)
        if seek_hole is None:  # pragma: no cover - every Linux filesystem the kiosk uses has it
            return None
        try:
            hole = os.lseek(self._wal_fd, 0, seek_hole)
        except OSError:
            return None
        if hole >= size:
            return None
        block = os.pread(self._wal_fd, min(4096, size - hole), hole)
        return hole if block and not any(block) else None

    def _open_wal(self) -> None:
        # Read-write, so that a WAL found cut short can be cut at the hole (see Store._lose).
        # Never closed while SQLite has the database open: SQLite takes no lock on the WAL,
        # but nothing is gained by closing it early either.
        flags = getattr(os, "O_CLOEXEC", 0)
        for mode in (os.O_RDWR, os.O_RDONLY):
            try:
                fd = os.open(self.wal_path, mode | flags)
            except FileNotFoundError:
                return
            except OSError:
                continue
            self._wal_fd = fd
            info = os.fstat(fd)
            self._wal_id = (info.st_dev, info.st_ino)
            return

    def cut_wal(self, offset: int) -> None:
        """Cut the WAL where it stops being SQLite's: what follows is a hole and the commits
        written after it, which no restart could read (their header is gone). Without this,
        a checkpoint (at close) would copy the hole's zeros into the database."""
        if self._wal_fd is not None:
            with suppress(OSError):
                os.ftruncate(self._wal_fd, offset)
                os.fsync(self._wal_fd)

    def close(self) -> None:
        if self._wal_fd is not None:
            with suppress(OSError):
                os.close(self._wal_fd)
            self._wal_fd = None


def _lost_message(loss: _Loss, path: Path, rescued: Path | None, rescue_error: str) -> str:
    wal = path.with_name(path.name + "-wal")
    if loss.kind == "db_deleted":
        what = f"The kiosk database {path} was deleted or replaced while the kiosk was using it"
    elif loss.kind == "wal_deleted":
        what = (
            f"The kiosk database's journal {wal} was deleted or replaced while the kiosk was "
            f"using it, so {path.name} lacks the latest visits"
        )
    else:
        what = (
            f"The kiosk database's journal {wal} was cut short while the kiosk was using it: "
            f"the visits saved since the last checkpoint are lost"
        )
    if rescued is not None:
        then = (
            f"Everything the kiosk still had open was copied to {rescued}: stop the kiosk and "
            f'restore that copy as {path.name} (docs/storage.md, "Files deleted").'
        )
    elif loss.kind == "wal_truncated":
        then = 'Stop the kiosk and see docs/storage.md, "Files deleted".'
    else:
        then = (
            f"No copy could be saved ({rescue_error}). "
            f'Stop the kiosk and see docs/storage.md, "Files deleted".'
        )
    return f"{what}; nothing more is saved until this is dealt with. {then}"


def detect_lost_files(data_dir: Path) -> list[str]:
    """What ``check`` should report about files deleted or cut short under a running kiosk.

    The running kiosk notices it and writes LOST_NOTE_FILENAME in the data folder (the kiosk
    stays out of order while it is there); from the files alone nothing more can be told: a
    deleted WAL or database leaves no trace, and an emptied WAL looks like a checkpointed one.
    """
    note = Path(data_dir) / LOST_NOTE_FILENAME
    try:
        text = note.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    except OSError as exc:
        return [f"{note} cannot be read ({exc.strerror or exc}); it reports lost kiosk files."]
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return [
        f"{first} (noted in {note}; delete that file once the data is restored, "
        f"and the kiosk comes back by itself)"
    ]


def _write_lost_note(folder: Path, message: str, when: datetime) -> None:
    note = folder / LOST_NOTE_FILENAME
    with suppress(OSError, StoreError):
        _make_folder(folder)  # deleted with the database: the note (and rescue) still go there
        append_private_file(note, f"{message}\n  (noticed at {_iso(when)})\n".encode())


def _rescue_copy(
    db: sqlite3.Connection, path: Path, loss: _Loss, clock: Callable[[], datetime]
) -> Path:
    """Copy what the connection ``db`` still has open (the deleted file lives on until closed)
    next to where the database ``path`` was, with an audit entry saying what happened."""
    folder = path.parent
    _make_folder(folder)
    stamp = clock().astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = folder / f"{_RESCUE_PREFIX}{stamp}-{os.urandom(2).hex()}.db"
    create_private_file(out)
    copy = sqlite3.connect(out)
    try:
        db.backup(copy)
        copy.execute("PRAGMA journal_mode = DELETE")
        copy.execute(
            "INSERT INTO audit (at, actor, action, detail) VALUES (?, ?, ?, ?)",
            [_iso(clock()), "system", "files_lost", f"{loss.kind}; this copy was rescued"],
        )
        copy.commit()
        result = copy.execute("PRAGMA quick_check").fetchone()[0]
        if result != "ok":
            raise StoreError(f"the copy did not verify ({result})")
    finally:
        copy.close()
    fsync_file(out)
    fsync_folder(folder)
    return out
