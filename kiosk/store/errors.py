"""What can go wrong with the kiosk's database, in words a person can act on.

The StoreError family, and the translation of SQLite's and the operating system's errors into
it: every message is one line that says what happened and what to do.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

# How long a write waits for another program's lock. The kiosk's screen thread waits far less
# (Store.set_thread_wait): a tap must never freeze the screen while an admin command writes.
BUSY_TIMEOUT_SECONDS = 5.0

# Primary SQLite result codes (the low byte of an extended code).
_SQLITE_PERM = 3
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_NOMEM = 7
_SQLITE_READONLY = 8
_SQLITE_IOERR = 10
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_SQLITE_NOTADB = 26


class StoreError(Exception):
    """A storage problem; the message is one clear line a person can act on."""


class StoreCorruptError(StoreError):
    """The file is not a database or failed its check; it was left exactly as found."""


class StoreTooNewError(StoreError):
    """The database was written by a newer kiosk version than this one."""


class StoreUnavailableError(StoreError):
    """Disk full, read-only, busy or an I/O error; nothing was half-written."""


class StoreBusyError(StoreUnavailableError):
    """Another program (or thread) holds the database for longer than this thread may wait.

    Nothing was written; the same call may simply be tried again a moment later."""


class StoreFilesLostError(StoreUnavailableError):
    """The database or its WAL was deleted or cut short under the running kiosk.

    The last write may have gone into a deleted file, so it is not reported as saved; nothing
    more is written through this store (docs/storage.md, "Files deleted")."""


class VisitNotFoundError(StoreError):
    """No visit has that code (it may have been purged by the retention policy)."""


class StoreForeignError(StoreError):
    """The file is not the kiosk's own database (another program's, or empty); left as found."""


class StoreMissingError(StoreError):
    """There is no kiosk database in the data folder, and the caller must not create one."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__(f"There is no kiosk database in {data_dir}.")
        self.data_dir = data_dir


class StoreLowSpaceError(StoreUnavailableError):
    """The disk is too full for the kiosk to hold even its journal (CRITICAL_FREE_BYTES)."""


class BackupTargetError(StoreError):
    """A backup may not be written there (see check_backup_target); nothing was touched."""


def _corrupt_message(path: Path, detail: str) -> str:
    return (
        f"The kiosk database {path} is damaged ({detail}) and was left untouched. "
        f"Move it aside by hand (with any {path.name}-wal and {path.name}-shm files next to it), "
        f"then restore the newest copy made with `python -m kiosk backup`, "
        f"or start again with an empty database."
    )


def _error_code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def _translate(exc: sqlite3.Error, path: Path) -> StoreError | None:
    """The StoreError a person can act on, or None when ``exc`` is a programming error."""
    code = _error_code(exc)
    if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return StoreCorruptError(_corrupt_message(path, str(exc)))
    if code == _SQLITE_FULL:
        return StoreUnavailableError(
            f"The disk holding {path.parent} is full, so nothing more can be saved "
            f"(nothing was half-written). Free some space and try again."
        )
    if code == _SQLITE_READONLY:
        return StoreUnavailableError(
            f"The kiosk database {path} is read-only, so nothing can be saved "
            f"(nothing was half-written). Check that the data folder is writable by the kiosk."
        )
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return StoreBusyError(
            f"The kiosk database {path} is busy with another program; "
            f"nothing was changed. Try again in a moment."
        )
    if code in (_SQLITE_IOERR, _SQLITE_CANTOPEN, _SQLITE_PERM, _SQLITE_NOMEM):
        return StoreUnavailableError(
            f"The kiosk database {path} could not be read or written ({exc}); nothing was "
            f"half-written. Check the disk and the data folder's permissions, then try again."
        )
    return None


def _os_error(exc: OSError, path: Path) -> StoreUnavailableError:
    if exc.errno is not None and exc.errno == getattr(os, "ENOSPC", -1):
        return StoreUnavailableError(
            f"The disk holding {path} is full. Free some space and try again."
        )
    return StoreUnavailableError(
        f"Could not use {path} ({exc.strerror or exc}). "
        f"Check that the folder exists and is writable by the kiosk."
    )
