"""The one module that talks to SQLite: visits, answers, scores, print jobs, audit, settings.

Everything lives in one file, ``kiosk.db``, in the data folder. Every write is committed
before the method returns, so an answer the visitor has seen accepted survives a power cut
or ``kill -9`` right after. See docs/storage.md for the schema and the reasons behind it.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import SystemRandom
from types import TracebackType
from typing import TYPE_CHECKING, Any, cast, get_args

from msgspec import Struct

if TYPE_CHECKING:
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

    from kiosk.config import Config

from kiosk.model import (
    INSTRUMENTS,
    SECTIONS,
    Guidance,
    InstrumentId,
    PrintJob,
    PrintState,
    SectionId,
    StoredScore,
    Visit,
    VisitStatus,
    VisitSummary,
)

log = logging.getLogger(__name__)

try:
    import fcntl
except ImportError:  # pragma: no cover - not on the Linux kiosk
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "APPLICATION_ID",
    "CODE_ALPHABET",
    "CRITICAL_FREE_BYTES",
    "DB_FILENAME",
    "MIN_FREE_BYTES",
    "SCHEMA_VERSION",
    "AuditEntry",
    "BackupTargetError",
    "Readiness",
    "Store",
    "StoreBusyError",
    "StoreCorruptError",
    "StoreError",
    "StoreFilesLostError",
    "StoreForeignError",
    "StoreLowSpaceError",
    "StoreMissingError",
    "StoreTooNewError",
    "StoreUnavailableError",
    "VisitNotFoundError",
    "assess_database",
    "check_backup_target",
    "check_database",
    "detect_lost_files",
    "format_bytes",
    "open_store",
    "try_open_store",
]

DB_FILENAME = "kiosk.db"
# PRAGMA application_id of every kiosk database ("KIOS" in ASCII): how the kiosk tells its own
# file from any other SQLite file before it changes anything in it.
APPLICATION_ID = 0x4B494F53
# How long another program may hold the database's write lock before `check` and the kiosk's
# start call the database busy. A kiosk's own writes hold it for milliseconds.
LOCK_PATIENCE_SECONDS = 3.0
# No 0/O, 1/I/L: the code is read aloud at the front desk and typed in by staff.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_CODE_HALF = 3
_CODE_ATTEMPTS = 20
# How long a write waits for another program's lock. The kiosk's screen thread waits far less
# (Store.set_thread_wait): a tap must never freeze the screen while an admin command writes.
BUSY_TIMEOUT_SECONDS = 5.0
# SQLite's own automatic checkpoint lets the WAL grow to ~4 MB, which alone filled a small disk.
# The store checkpoints by itself once the WAL passes this size (after checking that the WAL is
# still the file it wrote: see _FileWatch), and SQLite cuts the WAL back to it when it restarts.
WAL_LIMIT_BYTES = 64 * 1024
# Free space the kiosk needs on the data folder's disk to keep saving: the WAL at its limit and
# its index (-shm, 32 KiB), a purge's worth of WAL and months of growth of the database. Less is
# a warning (`check` says it); the kiosk still runs, since a full disk mid-visit is handled calmly.
MIN_FREE_BYTES = 1024 * 1024
# Below this the kiosk cannot even hold its WAL and index: it does not start (and recovers by
# itself once space is freed), and `check` fails. An admin command still opens the database.
CRITICAL_FREE_BYTES = 128 * 1024
# Written next to the database when its files were deleted or cut short under the running
# kiosk; the kiosk stays out of order while it exists (docs/storage.md, "Files deleted").
LOST_NOTE_FILENAME = "kiosk-lost.txt"
_RESCUE_PREFIX = "kiosk-rescued-"
# The first four bytes of a WAL file (big- or little-endian checksums), in its header.
_WAL_MAGIC = (b"\x37\x7f\x06\x82", b"\x37\x7f\x06\x83")
# Another process may hold the data folder lock while it opens (migrations, purge); wait
# this long for it rather than fail a kiosk start because an export happened to be running.
_LOCK_WAIT_SECONDS = 30.0

_GUIDANCE_VALUES: frozenset[str] = frozenset(get_args(Guidance))
_PRINT_STATES: frozenset[str] = frozenset(get_args(PrintState))

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


class AuditEntry(Struct, frozen=True):
    id: int
    at: datetime
    actor: str
    action: str
    detail: str


# --- schema ---------------------------------------------------------------------------------
#
# Versions are sqlite-utils migrations named "0001_...", applied in order at open. Each also
# stores its number in PRAGMA user_version inside the same transaction, so any SQLite tool (and
# check_database) can read the schema version without knowing about the migrations table.
# Never edit a released migration: add a new one at the end.

# sqlite-utils is imported only when a migration has to run (a new or older database), so an
# ordinary start reads the schema state with plain SQL and does not pay for its import.
MIGRATION_SET = "kiosk"
MIGRATIONS_TABLE = "_sqlite_migrations"  # sqlite-utils' Migrations.migrations_table (tested)
_MIGRATION_FUNCS: list[tuple[str, Callable[[Database], None]]] = []
_MIGRATION_NAMES: list[str] = []


def _migration(func: Callable[[Database], None]) -> Callable[[Database], None]:
    version = len(_MIGRATION_NAMES) + 1
    name = f"{version:04d}_{func.__name__.lstrip('_')}"

    def apply(db: Database) -> None:
        func(db)
        db.execute(f"PRAGMA user_version = {version}")

    apply.__name__ = name
    _MIGRATION_FUNCS.append((name, apply))
    _MIGRATION_NAMES.append(name)
    return func


def _migrations() -> Migrations:
    from sqlite_utils.migrations import Migrations

    migrations = Migrations(MIGRATION_SET)
    for name, apply in _MIGRATION_FUNCS:
        migrations(name=name)(apply)
    return migrations


@_migration
def _initial_schema(db: Database) -> None:
    statements = [
        """
        CREATE TABLE visits (
            id INTEGER PRIMARY KEY,
            code TEXT NOT NULL UNIQUE,
            language TEXT NOT NULL,
            started_at TEXT NOT NULL,
            completed_at TEXT,
            status TEXT NOT NULL DEFAULT 'in_progress'
                CHECK (status IN ('in_progress', 'completed', 'abandoned')),
            urgent INTEGER NOT NULL DEFAULT 0 CHECK (urgent IN (0, 1)),
            urgent_reason TEXT,
            name TEXT,
            guidance TEXT,
            seen_at TEXT
        )
        """,
        # Retention deletes by age and reception lists by day: both are range scans on this.
        # Answers and scores are WITHOUT ROWID tables: their natural key is the only index
        # they need, which halves their size and the work of deleting them at purge.
        "CREATE INDEX visits_started_at ON visits (started_at)",
        """
        CREATE TABLE answers (
            visit_id INTEGER NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
            section TEXT NOT NULL CHECK (section IN ('phq9', 'gad7', 'fit')),
            item INTEGER NOT NULL CHECK (item >= 1),
            value INTEGER CHECK (value IS NULL OR value >= 0),
            answered_at TEXT NOT NULL,
            PRIMARY KEY (visit_id, section, item)
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE scores (
            visit_id INTEGER NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
            instrument TEXT NOT NULL CHECK (instrument IN ('phq9', 'gad7')),
            total INTEGER,
            band TEXT,
            complete INTEGER NOT NULL CHECK (complete IN (0, 1)),
            skipped INTEGER NOT NULL DEFAULT 0,
            urgent INTEGER NOT NULL DEFAULT 0 CHECK (urgent IN (0, 1)),
            PRIMARY KEY (visit_id, instrument)
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE print_jobs (
            id INTEGER PRIMARY KEY,
            visit_id INTEGER NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
            queue TEXT NOT NULL,
            cups_job_id INTEGER,
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'submitted', 'completed', 'failed', 'saved')),
            error TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """,
        # Without it every cascaded delete of a visit would scan the whole table.
        "CREATE INDEX print_jobs_visit_id ON print_jobs (visit_id)",
        """
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT ''
        )
        """,
        """
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )
        """,
    ]
    for statement in statements:
        db.execute(statement)


@_migration
def _application_id(db: Database) -> None:
    # Marks the file as the kiosk's own. A new database gets it as it is created; one made
    # before this migration is recognised by its tables (_identify) and marked here.
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")


SCHEMA_VERSION: int = len(_MIGRATION_NAMES)


def _migrate(conn: sqlite3.Connection, target: int | None = None) -> None:
    """Bring the database to schema version ``target`` (default: the newest).

    Tests use ``target`` to build every earlier version and check the upgrade path from it.
    """
    from sqlite_utils import Database

    stop = None
    if target is not None and target < len(_MIGRATION_NAMES):
        stop = _MIGRATION_NAMES[target]
    _migrations().apply(Database(conn, execute_plugins=False), stop_before=stop)


def _applied_migrations(conn: sqlite3.Connection) -> set[str]:
    has_table = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [MIGRATIONS_TABLE]
    ).fetchone()
    if not has_table:
        return set()
    return {
        row[0]
        for row in conn.execute(
            f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ?", [MIGRATION_SET]
        )
    }


# --- messages and error translation -------------------------------------------------------


def _corrupt_message(path: Path, detail: str) -> str:
    return (
        f"The kiosk database {path} is damaged ({detail}) and was left untouched. "
        f"Move it aside by hand (with any {path.name}-wal and {path.name}-shm files next to it), "
        f"then restore the newest copy made with `python -m kiosk backup`, "
        f"or start again with an empty database."
    )


def _too_new_message(path: Path, version: int | str) -> str:
    return (
        f"The kiosk database {path} was written by a newer version of the kiosk "
        f"(schema {version}; this version knows up to {SCHEMA_VERSION}) and was left untouched. "
        f"Install the newer kiosk again, or restore a backup made with this version."
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


# --- small helpers ------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    # One fixed-width UTC form, so text comparison in SQL is time comparison.
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: the store needs timezone-aware times")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _parse_optional(text: str | None) -> datetime | None:
    return None if text is None else _parse(text)


# os.urandom, as `secrets` uses; `secrets` itself would load OpenSSL (~4 MB) for hmac alone.
_RANDOM = SystemRandom()


def _new_code() -> str:
    chars = [_RANDOM.choice(CODE_ALPHABET) for _ in range(2 * _CODE_HALF)]
    return "".join(chars[:_CODE_HALF]) + "-" + "".join(chars[_CODE_HALF:])


def _normalize_code(code: str) -> str:
    # Staff type codes from paper: accept lower case, stray spaces and a missing dash.
    compact = "".join(code.split()).upper()
    if len(compact) == 2 * _CODE_HALF and "-" not in compact:
        compact = compact[:_CODE_HALF] + "-" + compact[_CODE_HALF:]
    return compact


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _tighten(path: Path, mode: int) -> None:
    # Best effort: a file owned by someone else keeps its mode, and that is not worth failing on.
    with suppress(OSError):
        if path.exists() and path.stat().st_mode & 0o777 != mode:
            os.chmod(path, mode)


def _examine(path: Path, *, thorough: bool) -> list[str]:
    """Look at an existing database without changing it.

    Raises StoreForeignError, StoreCorruptError, StoreTooNewError or StoreUnavailableError for
    a file the kiosk must not open; returns warnings (only looked for when ``thorough``) about
    what does not stop it.
    """
    # A read-only connection to a WAL database still creates -wal and -shm files. With no
    # -wal (or -journal) present nobody has the database open and everything is in the main
    # file, so read it as immutable and leave the folder exactly as found. If a -wal appears
    # meanwhile, a writer started during the check: look again the ordinary way.
    side_files = [path.with_name(path.name + suffix) for suffix in ("-wal", "-journal")]
    if not any(side.exists() for side in side_files):
        try:
            problems = _examine_with(path, thorough=thorough, immutable=True)
        except StoreError:
            if not any(side.exists() for side in side_files):
                raise
        else:
            if not any(side.exists() for side in side_files):
                return problems
    return _examine_with(path, thorough=thorough, immutable=False)


def _examine_with(path: Path, *, thorough: bool, immutable: bool) -> list[str]:
    uri = path.resolve().as_uri() + ("?mode=ro&immutable=1" if immutable else "?mode=ro")
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_SECONDS)
    except sqlite3.Error as exc:
        raise _translate(exc, path) or StoreUnavailableError(str(exc)) from exc
    try:
        _identify(conn, path)
        # The full integrity_check, at every start as in `check`: quick_check skips the
        # indexes, and a stale index hides visits from reception's list. It costs about half
        # as much again as quick_check (~22 ms instead of ~15 ms for 90 busy days, 6 MB).
        try:
            results = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]
        except sqlite3.Error as exc:
            error = _translate(exc, path)
            if isinstance(error, StoreCorruptError | StoreUnavailableError):
                raise error from exc
            raise StoreCorruptError(_corrupt_message(path, str(exc))) from exc
        if results != ["ok"]:
            shown = "; ".join(str(r) for r in results[:3])
            more = f" and {len(results) - 3} more" if len(results) > 3 else ""
            raise StoreCorruptError(_corrupt_message(path, f"integrity_check: {shown}{more}"))
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreTooNewError(_too_new_message(path, version))
        unknown = sorted(_applied_migrations(conn) - set(_MIGRATION_NAMES))
        if unknown:
            raise StoreTooNewError(_too_new_message(path, unknown[-1]))
        problems: list[str] = []
        if thorough:
            orphans = conn.execute("PRAGMA foreign_key_check").fetchall()
            if orphans:
                tables = sorted({str(row[0]) for row in orphans})
                problems.append(
                    f"The kiosk database {path} has {len(orphans)} rows pointing at missing "
                    f"visits (in {', '.join(tables)}). Restore a backup or ask for support."
                )
        return problems
    except sqlite3.Error as exc:
        raise _translate(exc, path) or StoreCorruptError(_corrupt_message(path, str(exc))) from exc
    finally:
        conn.close()


def _identify(conn: sqlite3.Connection, path: Path) -> None:
    """Raise StoreForeignError unless the file is the kiosk's own database."""
    app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
    if app_id == APPLICATION_ID:
        return
    tables = sorted(
        str(row[0])
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    )
    # Made by a kiosk before databases carried the mark: its migrations table records the
    # kiosk's first migration and its visits are there. Migration 0002 marks it.
    if (
        app_id == 0
        and {MIGRATIONS_TABLE, "visits"} <= set(tables)
        and _MIGRATION_NAMES[0] in _applied_migrations(conn)
    ):
        return
    if not tables:
        raise StoreForeignError(_empty_message(path, "holds no tables"))
    shown = ", ".join(tables[:5]) + (f" and {len(tables) - 5} more" if len(tables) > 5 else "")
    raise StoreForeignError(
        f"{path} is not a kiosk database (application id {app_id}, tables {shown}) and was "
        f"left untouched. Check the data folder (--data-dir, KIOSK_DATA_DIR or data_dir in "
        f"the config), or move this file aside."
    )


def _empty_message(path: Path, what: str) -> str:
    return (
        f"The kiosk database {path} is empty ({what}) and was left untouched: a kiosk database "
        f"is never empty, so the visits and staff PINs are not in this file. Restore the newest "
        f"backup (docs/storage.md), or delete the file to start again with no visits and no PINs."
    )


def check_database(path: Path) -> list[str]:
    """Problems with the database file at ``path`` (a kiosk.db, or a backup of one); empty
    means a healthy kiosk database. Never modifies it.

    A missing file is not a problem: the kiosk creates it on first start. Whether a kiosk can
    run on a data folder (free space, permissions, locks too) is assess_database's to say.
    """
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            return [_dangling_message(path)]
        return []
    except OSError as exc:
        return [str(_os_error(exc, path))]
    if not stat.S_ISREG(info.st_mode):
        return [_not_a_file_message(path)]
    if info.st_size == 0:
        return [_empty_message(path, "0 bytes")]
    try:
        return _examine(path, thorough=True)
    except StoreError as exc:
        return [str(exc)]


def _not_a_file_message(path: Path) -> str:
    return f"{path} is not a file. Move it aside so the kiosk can create its database there."


def _dangling_message(path: Path) -> str:
    try:
        target = os.readlink(path)
    except OSError:
        target = "a file"
    return (
        f"The kiosk database {path} is a symbolic link to {target}, which does not exist. "
        f"Restore the file it points to, or remove the link."
    )


# --- can a kiosk run here? ------------------------------------------------------------------


class Readiness(Struct, frozen=True):
    """What assess_database found in a data folder."""

    data_dir: Path
    path: Path
    # Something is where the database belongs (kiosk.db, maybe a link); False: the kiosk
    # would create it, admin commands other than set-pin refuse the folder.
    exists: bool
    # Each stops the kiosk: Store.open raises the first. Empty when a kiosk can run here.
    fatal: tuple[StoreError, ...]
    # Worth an administrator's attention; the kiosk runs.
    warnings: tuple[str, ...]
    # Free space on the disk holding the data folder, None when it cannot be measured.
    free_bytes: int | None

    @property
    def ok(self) -> bool:
        return not self.fatal


def assess_database(data_dir: Path, *, thorough: bool = False) -> Readiness:
    """Can a kiosk run on the database in ``data_dir``? The one answer for Store.open and
    ``python -m kiosk check``, so that they never disagree.

    Read-only: it creates, changes and locks nothing. Fatal problems: a data folder that does
    not exist and cannot be made, or is not writable; a kiosk.db that is a dangling link, not
    a file, empty, read-only, not the kiosk's (StoreForeignError), damaged (integrity_check),
    from a newer kiosk, or whose write lock another program holds; sidecar files in the way;
    less than CRITICAL_FREE_BYTES free on its disk (under MIN_FREE_BYTES is a warning).
    ``thorough`` (check) also looks for further warnings,
    which never change the verdict.
    """
    data_dir = Path(data_dir)
    path = data_dir / DB_FILENAME
    fatal: list[StoreError] = []
    warnings: list[str] = []
    exists = os.path.lexists(path)
    if exists:
        problem = _file_problem(path)
        if problem is not None:
            fatal.append(problem)
        else:
            try:
                warnings += _examine(path, thorough=thorough)
            except StoreError as exc:
                fatal.append(exc)
            else:
                holder = _held_write_lock(path)
                if holder is not None:
                    fatal.append(StoreUnavailableError(_busy_message(path, holder)))
    folder_problem = _folder_problem(data_dir)
    if folder_problem is not None:
        fatal.append(folder_problem)
    # The running kiosk noted that its files were deleted or cut short under it: starting
    # afresh would hide that the visits are in the rescued copy.
    fatal += [StoreFilesLostError(line) for line in detect_lost_files(data_dir)]
    free = _free_bytes(data_dir)
    if free is not None and free < CRITICAL_FREE_BYTES:
        fatal.append(
            StoreLowSpaceError(
                f"The disk holding {data_dir} is full: the kiosk needs at least "
                f"{format_bytes(MIN_FREE_BYTES)} free and cannot start with {format_bytes(free)}. "
                f"Free some space; the kiosk then starts by itself."
            )
        )
    elif free is not None and free < MIN_FREE_BYTES:
        warnings.append(
            f"The disk holding {data_dir} is nearly full: {format_bytes(free)} free, and the "
            f"kiosk needs at least {format_bytes(MIN_FREE_BYTES)} to keep saving visits. "
            f"Free some space."
        )
    return Readiness(
        data_dir=data_dir,
        path=path,
        exists=exists,
        fatal=tuple(fatal),
        warnings=tuple(warnings),
        free_bytes=free,
    )


def format_bytes(size: int) -> str:
    if size >= 10 * 2**20:
        return f"{size // 2**20:,} MB"
    if size >= 2**20:
        return f"{size / 2**20:.1f} MB"
    return f"{size // 1024:,} KiB"


def _nearest_existing(path: Path) -> Path:
    """``path`` or the nearest folder above it that exists (what a new folder is made in)."""
    path = path.absolute()
    for candidate in (path, *path.parents):
        if os.path.lexists(candidate):
            return candidate
    return Path(path.anchor)


def _folder_problem(data_dir: Path) -> StoreError | None:
    try:
        info = data_dir.stat()
    except FileNotFoundError:
        # The kiosk creates it: the nearest folder above must let it.
        above = _nearest_existing(data_dir)
        if above.is_dir() and os.access(above, os.W_OK | os.X_OK):
            return None
        return StoreUnavailableError(
            f"The data folder {data_dir} does not exist, and cannot be created in {above}. "
            f"Create it, writable by the kiosk's user, or choose another data folder."
        )
    except OSError as exc:
        return _os_error(exc, data_dir)
    if not stat.S_ISDIR(info.st_mode):
        return StoreUnavailableError(
            f"{data_dir} is a file, not a folder. Choose another data folder."
        )
    # os.access also answers for root: a read-only mount or an immutable folder says no.
    if not os.access(data_dir, os.W_OK | os.X_OK):
        return StoreUnavailableError(
            f"The data folder {data_dir} is read-only for the kiosk, which must write its "
            f"journal there. Make it writable by the kiosk's user (nothing was changed)."
        )
    return None


def _file_problem(path: Path) -> StoreError | None:
    """What stops the kiosk from using the file at ``path`` before SQLite reads it, or None."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return StoreUnavailableError(_dangling_message(path))
    except OSError as exc:
        return _os_error(exc, path)
    if not stat.S_ISREG(info.st_mode):
        return StoreUnavailableError(_not_a_file_message(path))
    if info.st_size == 0:
        # The kiosk creates its database complete (_create_database), never empty: an empty
        # kiosk.db lost its contents or was made by someone else. Starting afresh in it would
        # silently drop every visit and the staff PINs.
        return StoreForeignError(_empty_message(path, "0 bytes"))
    # An administrator who made it read-only meant it: say so rather than undo it (even root,
    # whom the mode does not stop, is refused). os.access catches the rest (owner, chattr +i).
    if not info.st_mode & stat.S_IWUSR or not os.access(path, os.R_OK | os.W_OK):
        return StoreUnavailableError(
            f"The kiosk database {path} is read-only for the kiosk "
            f"(mode {stat.S_IMODE(info.st_mode):04o}), so nothing could be saved; it was left "
            f"as it is. If the kiosk should use it, make it writable by the kiosk's user "
            f"(chmod 600)."
        )
    real = Path(os.path.realpath(path))  # SQLite keeps its sidecar files next to the real file
    for suffix in ("-wal", "-shm", "-journal"):
        side = real.with_name(real.name + suffix)
        try:
            side_info = side.lstat()
        except FileNotFoundError:
            continue
        except OSError as exc:
            return _os_error(exc, side)
        if not stat.S_ISREG(side_info.st_mode) or not os.access(side, os.R_OK | os.W_OK):
            return StoreUnavailableError(
                f"{side} is in the way: it is {_kind(side_info.st_mode)} the kiosk cannot "
                f"read and write. Stop the kiosk and move it aside (nothing was changed)."
            )
    return None


def _kind(mode: int) -> str:
    """What a file is, for a message: 'a folder', 'a FIFO (named pipe)', ..."""
    kinds = (
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
    )
    for test, name in kinds:
        if test(mode):
            return name
    return "a file"


def _free_bytes(data_dir: Path) -> int | None:
    try:
        info = os.statvfs(_nearest_existing(data_dir))
    except (OSError, AttributeError):  # AttributeError: no statvfs on this platform
        return None
    # f_bavail: what an ordinary user may use; the kiosk does not run as root.
    return info.f_bavail * info.f_frsize


# SQLite's unix locking (os_unix.c): a writer of a rollback-journal database holds the RESERVED
# byte of the database file; a writer of a WAL database holds byte 120 of the -shm file.
_RESERVED_BYTE = 0x40000001
_WAL_WRITE_LOCK_BYTE = 120
_PROC_LOCKS = Path("/proc/locks")


def _write_lock_holder(path: Path) -> int | None:
    """The process id of another program holding the database's write lock (-1: unknown),
    or None when none does or this system does not say (no /proc/locks).

    Reads /proc/locks instead of asking with fcntl: closing any descriptor of the database
    file would drop every lock this process holds on it, including its own store's.
    """
    real = Path(os.path.realpath(path))
    wanted: dict[tuple[int, int, int], int] = {}
    for file, byte in (
        (real, _RESERVED_BYTE),
        (real.with_name(real.name + "-shm"), _WAL_WRITE_LOCK_BYTE),
    ):
        try:
            info = file.stat()
        except OSError:
            continue
        wanted[(os.major(info.st_dev), os.minor(info.st_dev), info.st_ino)] = byte
    if not wanted:
        return None
    try:
        table = _PROC_LOCKS.read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    for line in table.splitlines():
        # "1: POSIX  ADVISORY  WRITE 12692 fe:00:2155816 120 120"; "1: -> ..." is a waiter.
        fields = line.split()
        if len(fields) < 8 or fields[1] not in ("POSIX", "OFDLCK") or fields[3] != "WRITE":
            continue
        try:
            major, minor, inode = fields[5].split(":")
            key = (int(major, 16), int(minor, 16), int(inode))
            start = int(fields[6])
            end = None if fields[7] == "EOF" else int(fields[7])
            pid = int(fields[4])
        except ValueError:
            continue
        watched = wanted.get(key)
        if watched is None or pid == os.getpid() or start > watched:
            continue
        if end is not None and end < watched:
            continue
        return pid
    return None


def _held_write_lock(path: Path) -> int | None:
    """Like _write_lock_holder, but only a lock held for LOCK_PATIENCE_SECONDS counts: a
    running kiosk takes the write lock for a few milliseconds at every answer."""
    deadline = time.monotonic() + LOCK_PATIENCE_SECONDS
    holder = _write_lock_holder(path)
    while holder is not None and time.monotonic() < deadline:
        time.sleep(0.05)
        holder = _write_lock_holder(path)
    return holder


def _busy_message(path: Path, pid: int) -> str:
    who = f"another program (process {pid})" if pid > 0 else "another program"
    return (
        f"The kiosk database {path} is busy: {who} has held its write lock for over "
        f"{LOCK_PATIENCE_SECONDS:g} s, so nothing could be saved. Close that program "
        f"(nothing was changed)."
    )


class _FolderLock:
    """Tells the first process to open the data folder that it is alone.

    Only a process that is alone may treat visits still ``in_progress`` as left over from a
    crash: `python -m kiosk backup` run during a screening must not abandon the live visit.
    Every open store holds a shared flock on the folder; the opener tries for an exclusive one
    first. The kernel drops the lock when a process dies, so a crash never leaves it behind.
    """

    def __init__(self, folder: Path) -> None:
        self._fd: int | None = None
        self.alone = True
        if fcntl is None:  # pragma: no cover - no flock: assume the usual single kiosk
            return
        self._fd = os.open(folder, os.O_RDONLY)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.alone = False
            self._wait_shared()

    def _wait_shared(self) -> None:
        assert self._fd is not None and fcntl is not None
        deadline = time.monotonic() + _LOCK_WAIT_SECONDS
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    self.release()
                    raise StoreUnavailableError(
                        "Another kiosk program has been opening the database for too long. "
                        "Try again in a moment."
                    ) from None
                time.sleep(0.05)

    def share(self) -> None:
        if self._fd is not None and fcntl is not None and self.alone:
            fcntl.flock(self._fd, fcntl.LOCK_SH)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None


# Tables whose rows belong to a visit; purge deletes them explicitly, before the visits.
_VISIT_CHILDREN: tuple[str, ...] = ("answers", "scores", "print_jobs")
# Page cache for the length of a purge (KiB); SQLite's default is 2 MiB.
_PURGE_CACHE_KIB = 8192


def _only_known_children(db: sqlite3.Connection) -> bool:
    """True when the tables referring to visits are exactly _VISIT_CHILDREN and nothing refers
    to those: then deleting them explicitly is all that ON DELETE CASCADE would do."""
    referred: dict[str, set[str]] = {}
    for (name,) in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall():
        for row in db.execute(f"PRAGMA foreign_key_list([{name}])").fetchall():
            referred.setdefault(row[2], set()).add(name)
    return referred.get("visits", set()) == set(_VISIT_CHILDREN) and not any(
        child in referred for child in _VISIT_CHILDREN
    )


# --- lost files ---------------------------------------------------------------------------


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
        fd = os.open(note, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
        try:
            os.write(fd, f"{message}\n  (noticed at {_iso(when)})\n".encode())
            os.fsync(fd)
        finally:
            os.close(fd)


def _refuse(readiness: Readiness, *, create: bool) -> None:
    # An administrator must still be able to take the data off a full disk, or off a kiosk
    # whose files were lost under it: only the kiosk itself (and set-pin) is held back by these.
    for problem in readiness.fatal:
        if create or not isinstance(problem, StoreLowSpaceError | StoreFilesLostError):
            raise problem


def _create_database(path: Path) -> None:
    """Make a complete kiosk database at ``path`` (schema and mark), or nothing at all.

    It is built under a temporary name and linked into place, so a kiosk.db is never found
    empty or half-made after a crash: an empty one is not the kiosk's (see _file_problem).
    """
    temporary = path.with_name(f".{path.name}.{os.urandom(4).hex()}.new")
    try:
        _create_private_file(temporary)
        conn = sqlite3.connect(temporary)
        try:
            conn.isolation_level = None
            _migrate(conn)
        finally:
            conn.close()
        _fsync_file(temporary)
        try:
            os.link(temporary, path)  # fails rather than replace a file that appeared meanwhile
        except FileExistsError:
            raise StoreUnavailableError(
                f"Another program created {path} at the same moment; nothing was changed. "
                f"Try again."
            ) from None
        except OSError:
            if os.path.lexists(path):
                raise
            os.rename(temporary, path)  # a file system without hard links
        _fsync_folder(path.parent)
    except sqlite3.Error as exc:
        raise _translate(exc, path) or StoreError(
            f"Could not create the kiosk database {path} ({exc})."
        ) from exc
    except OSError as exc:
        raise _os_error(exc, path.parent) from exc
    finally:
        for leftover in (temporary, temporary.with_name(temporary.name + "-journal")):
            with suppress(OSError):
                leftover.unlink()


# --- the store ----------------------------------------------------------------------------


def _default_clock() -> datetime:
    return datetime.now(UTC)


class Store:
    """The kiosk's database. Thread-safe: one connection, used under a lock."""

    path: Path

    def __init__(
        self,
        path: Path,
        db: sqlite3.Connection,
        folder_lock: _FolderLock,
        clock: Callable[[], datetime],
    ) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = db
        self._folder_lock = folder_lock
        self._clock = clock
        self._lock = threading.RLock()
        # Longest wait for a lock, per thread (set_thread_wait); others wait BUSY_TIMEOUT_SECONDS.
        self._waits: dict[int, float] = {}
        self._busy_ms = -1  # the busy_timeout last set on the connection (-1: not by us)
        self._files = _FileWatch(path)
        # Why nothing more is written (files deleted or cut short under it); None while healthy.
        self.lost: str | None = None

    # -- opening and closing --

    @classmethod
    def open(
        cls,
        data_dir: Path,
        *,
        retention_days: int | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> Store:
        """Open (creating if needed) ``data_dir/kiosk.db``, upgrade it and recover from a crash.

        Refuses, with the first fatal problem assess_database finds and before changing
        anything, a database a kiosk cannot run on: StoreForeignError or StoreCorruptError
        (file untouched), StoreTooNewError or StoreUnavailableError.
        """
        return cls._open(Path(data_dir), retention_days=retention_days, clock=clock, create=True)

    @classmethod
    def open_existing(cls, data_dir: Path, *, clock: Callable[[], datetime] | None = None) -> Store:
        """Open the database already in ``data_dir``, for an admin command.

        A folder without one (usually a mistyped --data-dir) raises StoreMissingError and
        nothing is created. The free-space minimum is for a kiosk about to take visits: an
        administrator must still be able to back up or export a kiosk whose disk is filling.
        """
        return cls._open(Path(data_dir), retention_days=None, clock=clock, create=False)

    @classmethod
    def _open(
        cls,
        data_dir: Path,
        *,
        retention_days: int | None,
        clock: Callable[[], datetime] | None,
        create: bool,
    ) -> Store:
        if retention_days is not None and retention_days < 1:
            raise ValueError(f"retention_days must be at least 1, not {retention_days}")
        path = data_dir / DB_FILENAME
        if not create and not os.path.lexists(path):
            raise StoreMissingError(data_dir)
        # Before anything is created or written: a file that is not ours, or that the kiosk
        # cannot run on, is refused exactly as found (switching to WAL alone rewrites a header).
        readiness = assess_database(data_dir)
        _refuse(readiness, create=create)
        _make_folder(data_dir)
        try:
            folder_lock = _FolderLock(data_dir)
        except OSError as exc:
            raise _os_error(exc, data_dir) from exc
        try:
            if not os.path.lexists(path):
                if not create:
                    raise StoreMissingError(data_dir)
                _create_database(path)
            elif not readiness.exists:
                # Another program made it while this one waited for the folder: look first.
                _refuse(assess_database(data_dir), create=create)
            db = _connect(path)
        except BaseException:
            folder_lock.release()
            raise
        store = cls(path, db, folder_lock, clock or _default_clock)
        try:
            store._prepare(retention_days)
        except BaseException:
            store.close()
            raise
        return store

    def _prepare(self, retention_days: int | None) -> None:
        with self._lock:
            db = self._require_db()
            try:
                applied = _applied_migrations(db)
                pending = [name for name in _MIGRATION_NAMES if name not in applied]
                if pending and not self._folder_lock.alone:
                    raise StoreUnavailableError(
                        f"The kiosk database {self.path} needs an upgrade, but another kiosk "
                        f"program is using it. Stop that program and try again."
                    )
                if pending:
                    _migrate(db)
            except sqlite3.Error as exc:
                raise _translate(exc, self.path) or StoreError(
                    f"Could not upgrade the kiosk database {self.path} ({exc}). "
                    f"Restore a backup or ask for support."
                ) from exc
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreTooNewError(_too_new_message(self.path, version))
            if version < SCHEMA_VERSION:
                raise StoreError(
                    f"The kiosk database {self.path} says schema {version} although every "
                    f"upgrade up to {SCHEMA_VERSION} is recorded. "
                    f"Restore a backup or ask for support."
                )
        if self._folder_lock.alone:
            self._abandon_leftovers()
        if retention_days is not None:
            self.purge(retention_days)
        self._folder_lock.share()

    def _abandon_leftovers(self) -> None:
        with self._write() as db:
            count = db.execute(
                "UPDATE visits SET status = 'abandoned' WHERE status = 'in_progress'"
            ).rowcount
            if count:
                self._insert_audit(
                    db,
                    "system",
                    "abandoned_at_open",
                    f"{count} visit(s) left in progress when the kiosk last stopped",
                )

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
            self._files.close()  # after the connection: its close may still use the WAL
            self._folder_lock.release()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- transactions --

    def _require_db(self) -> sqlite3.Connection:
        if self._db is None:
            raise StoreError("The kiosk database is closed. Restart the kiosk.")
        return self._db

    def set_thread_wait(self, seconds: float) -> None:
        """Wait at most ``seconds`` for a lock on the calling thread, then raise StoreBusyError.

        For the kiosk's screen thread: a frame's worth, so that another program writing (or a
        worker thread of the kiosk's own) never freezes the screen; the caller tries again a
        moment later. Every other thread waits up to BUSY_TIMEOUT_SECONDS.
        """
        self._waits[threading.get_ident()] = seconds

    @contextmanager
    def _locked(self) -> Iterator[sqlite3.Connection]:
        """The connection, held by this thread, with SQLite waiting as long as this thread may."""
        wait = self._waits.get(threading.get_ident(), BUSY_TIMEOUT_SECONDS)
        if not self._lock.acquire(timeout=wait):
            raise StoreBusyError(
                f"The kiosk database {self.path} is busy; nothing was changed. "
                f"Try again in a moment."
            )
        try:
            db = self._require_db()
            busy_ms = round(wait * 1000)
            if busy_ms != self._busy_ms:
                db.execute(f"PRAGMA busy_timeout = {busy_ms}")
                self._busy_ms = busy_ms
            yield db
        finally:
            self._lock.release()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One committed transaction; on any error everything in it is rolled back.

        Returns only once the commit is in the files the database is made of: a commit that
        went into a deleted or truncated file raises StoreFilesLostError instead.
        """
        with self._locked() as db:
            if self.lost is not None:
                raise StoreFilesLostError(self.lost)
            try:
                # IMMEDIATE takes the write lock up front (waiting up to the busy timeout), so a
                # second process writing meanwhile cannot make the commit fail half-way.
                db.execute("BEGIN IMMEDIATE")
                try:
                    yield db
                except BaseException:
                    self._rollback_quietly(db)
                    raise
                try:
                    db.execute("COMMIT")
                except BaseException:
                    self._rollback_quietly(db)
                    raise
            except sqlite3.Error as exc:
                error = _translate(exc, self.path)
                if error is None:
                    raise
                if _error_code(exc) == _SQLITE_FULL:
                    self._shrink_wal()
                raise error from exc
            self._after_commit(db)

    def _after_commit(self, db: sqlite3.Connection) -> None:
        loss = self._files.check()
        if loss is not None:
            raise self._lose(loss)
        if self._files.wal_size > WAL_LIMIT_BYTES:
            # Copies the WAL into the database without waiting for anyone (PASSIVE); the next
            # commit then starts the WAL over and SQLite cuts it back to journal_size_limit.
            with suppress(sqlite3.Error):
                db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def _shrink_wal(self) -> None:
        # A full disk: if the WAL is what fills it, folding it into the database frees it.
        if self._files.check() is None:
            with suppress(sqlite3.Error):
                self._require_db().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def checkpoint(self) -> None:
        """Fold the WAL into the database and empty it: at the end of each visit, so that the
        WAL never holds more than one visit (and no copy of an earlier visitor's answers)."""
        with self._locked() as db:
            if self.lost is not None:
                raise StoreFilesLostError(self.lost)
            loss = self._files.check()
            if loss is not None:
                raise self._lose(loss)
            try:
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
            except sqlite3.Error as exc:
                raise _translate(exc, self.path) or StoreError(str(exc)) from exc

    def health(self) -> str | None:
        """None while the database's files are the ones the kiosk has open; otherwise why
        nothing more can be saved (also logged, and noted in the data folder for ``check``).

        Cheap (a few system calls): the kiosk asks every few seconds, not only when it saves.
        When the store is busy this time, it says None and is asked again later.
        """
        if self.lost is not None:
            return self.lost
        try:
            with self._locked():
                loss = self._files.check()
                if loss is not None:
                    self._lose(loss)
        except StoreError:
            return None
        return self.lost

    def _lose(self, loss: _Loss) -> StoreFilesLostError:
        """Stop writing for good, save what can be saved, and say so (log, note, audit)."""
        if self.lost is None:
            rescued: Path | None = None
            rescue_error = ""
            if loss.kind == "wal_truncated":
                # The commits before the hole are gone; the ones after it are unreadable.
                self._files.cut_wal(loss.truncated_at or 0)
            else:
                try:
                    rescued = self._rescue(loss)
                except (OSError, sqlite3.Error, StoreError) as exc:
                    rescue_error = str(exc)
            self.lost = _lost_message(loss, self.path, rescued, rescue_error)
            log.error("database files lost: %s", self.lost)
            _write_lost_note(self.path.parent, self.lost, self._clock())
        return StoreFilesLostError(self.lost)

    def _rescue(self, loss: _Loss) -> Path:
        """Copy what the connection still has open (the deleted file lives on until closed)
        next to where the database was, with an audit entry saying what happened."""
        db = self._require_db()
        folder = self.path.parent
        _make_folder(folder)
        stamp = self._clock().astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        out = folder / f"{_RESCUE_PREFIX}{stamp}-{os.urandom(2).hex()}.db"
        _create_private_file(out)
        copy = sqlite3.connect(out)
        try:
            db.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")
            copy.execute(
                "INSERT INTO audit (at, actor, action, detail) VALUES (?, ?, ?, ?)",
                [self._now(), "system", "files_lost", f"{loss.kind}; this copy was rescued"],
            )
            copy.commit()
            result = copy.execute("PRAGMA quick_check").fetchone()[0]
            if result != "ok":
                raise StoreError(f"the copy did not verify ({result})")
        finally:
            copy.close()
        _fsync_file(out)
        _fsync_folder(folder)
        return out

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for reads that take several queries."""
        with self._locked() as db:
            try:
                db.execute("BEGIN")
                try:
                    yield db
                finally:
                    self._rollback_quietly(db)
            except sqlite3.Error as exc:
                error = _translate(exc, self.path)
                if error is None:
                    raise
                raise error from exc

    @staticmethod
    def _rollback_quietly(db: sqlite3.Connection) -> None:
        # The error that brought us here matters more than a failing rollback (SQLite may
        # already have rolled back by itself after SQLITE_FULL or an I/O error).
        with suppress(sqlite3.Error):
            db.rollback()

    def _now(self) -> str:
        return _iso(self._clock())

    @staticmethod
    def _rows(
        db: sqlite3.Connection, sql: str, params: list[Any] | None = None
    ) -> list[dict[str, Any]]:
        cursor = db.execute(sql, params or [])
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def _visit_id(self, db: sqlite3.Connection, code: str) -> int:
        row = db.execute("SELECT id FROM visits WHERE code = ?", [_normalize_code(code)]).fetchone()
        if row is None:
            raise VisitNotFoundError(f"No visit with code {code!r} (it may have been purged).")
        return int(row[0])

    def _update_visit(self, code: str, sql: str, params: list[Any]) -> None:
        with self._write() as db:
            cursor = db.execute(sql + " WHERE code = ?", [*params, _normalize_code(code)])
            if cursor.rowcount == 0:
                self._visit_id(db, code)  # raises VisitNotFoundError

    # -- visits --

    def create_visit(self, language: str) -> Visit:
        if not language:
            raise ValueError("language must not be empty")
        started_at = self._now()
        for _ in range(_CODE_ATTEMPTS):
            code = _new_code()
            try:
                with self._write() as db:
                    visit_id = db.execute(
                        "INSERT INTO visits (code, language, started_at) VALUES (?, ?, ?)",
                        [code, language, started_at],
                    ).lastrowid
            except sqlite3.IntegrityError as exc:
                if "visits.code" in str(exc):
                    continue  # that code is taken; draw another
                raise
            assert visit_id is not None
            return Visit(
                id=visit_id,
                code=code,
                language=language,
                started_at=_parse(started_at),
                completed_at=None,
                status="in_progress",
                urgent=False,
                name=None,
            )
        raise StoreError(  # pragma: no cover - needs ~10^8 visits kept at once
            "Could not find a free visit code. Run `python -m kiosk purge` and try again."
        )

    def set_language(self, code: str, language: str) -> None:
        if not language:
            raise ValueError("language must not be empty")
        self._update_visit(code, "UPDATE visits SET language = ?", [language])

    def set_name(self, code: str, name: str | None) -> None:
        cleaned = name.strip() if name is not None else None
        self._update_visit(code, "UPDATE visits SET name = ?", [cleaned or None])

    def record_answer(self, code: str, section: SectionId, item: int, value: int | None) -> None:
        """Store (or replace) one answer; ``value`` None means the visitor skipped it."""
        if section not in SECTIONS:
            raise ValueError(f"unknown section {section!r}; expected one of {SECTIONS}")
        if not _is_int(item) or item < 1:
            raise ValueError(f"item must be a 1-based int, not {item!r}")
        if value is not None and (not _is_int(value) or value < 0):
            raise ValueError(f"value must be None or an int >= 0, not {value!r}")
        with self._write() as db:
            db.execute(
                """
                INSERT INTO answers (visit_id, section, item, value, answered_at)
                VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (visit_id, section, item)
                DO UPDATE SET value = excluded.value, answered_at = excluded.answered_at
                """,
                [self._visit_id(db, code), section, item, value, self._now()],
            )

    def mark_urgent(self, code: str, reason: str) -> None:
        """Make the visit urgent for good; the first reason given is the one kept."""
        if not reason:
            raise ValueError("an urgent visit needs a reason, e.g. 'phq9_item9' or 'talk_now'")
        self._update_visit(
            code,
            "UPDATE visits SET urgent = 1, urgent_reason = COALESCE(urgent_reason, ?)",
            [reason],
        )

    def complete_visit(
        self,
        code: str,
        scores: Mapping[InstrumentId, StoredScore],
        guidance: Guidance,
    ) -> None:
        """Mark completed with its scores and guidance, all or nothing. Safe to call again."""
        if guidance not in _GUIDANCE_VALUES:
            raise ValueError(f"unknown guidance {guidance!r}; expected one of {_GUIDANCE_VALUES}")
        for instrument, score in scores.items():
            if instrument not in INSTRUMENTS or score.instrument != instrument:
                raise ValueError(f"score for {score.instrument!r} filed under {instrument!r}")
        any_urgent = any(score.urgent for score in scores.values())
        with self._write() as db:
            visit_id = self._visit_id(db, code)
            # Urgency only ever goes up: a score flagged urgent makes the visit urgent even if
            # the flow missed calling mark_urgent, and nothing here can clear it.
            db.execute(
                """
                UPDATE visits
                SET status = 'completed', completed_at = ?, guidance = ?,
                    urgent = MAX(urgent, ?),
                    urgent_reason = CASE WHEN ? THEN COALESCE(urgent_reason, 'score_urgent')
                                         ELSE urgent_reason END
                WHERE id = ?
                """,
                [self._now(), guidance, int(any_urgent), int(any_urgent), visit_id],
            )
            for score in scores.values():
                db.execute(
                    """
                    INSERT INTO scores
                        (visit_id, instrument, total, band, complete, skipped, urgent)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (visit_id, instrument) DO UPDATE SET
                        total = excluded.total, band = excluded.band,
                        complete = excluded.complete, skipped = excluded.skipped,
                        urgent = excluded.urgent
                    """,
                    [
                        visit_id,
                        score.instrument,
                        score.total,
                        score.band,
                        int(score.complete),
                        score.skipped,
                        int(score.urgent),
                    ],
                )

    def abandon_visit(self, code: str) -> None:
        """In progress -> abandoned; a completed visit stays completed, urgency stays."""
        with self._write() as db:
            visit_id = self._visit_id(db, code)
            db.execute(
                "UPDATE visits SET status = 'abandoned' WHERE id = ? AND status = 'in_progress'",
                [visit_id],
            )

    def mark_seen(self, code: str) -> None:
        """Reception has seen this visitor; the first time is the one kept."""
        self._update_visit(code, "UPDATE visits SET seen_at = COALESCE(seen_at, ?)", [self._now()])

    def get_visit(self, code: str) -> Visit:
        with self._read() as db:
            rows = self._rows(db, "SELECT * FROM visits WHERE code = ?", [_normalize_code(code)])
            if not rows:
                raise VisitNotFoundError(f"No visit with code {code!r} (it may have been purged).")
            return self._assemble(db, rows, "visit_id = ?", [rows[0]["id"]])[0]

    def list_visits(self, start: datetime, end: datetime) -> list[Visit]:
        """Visits started in [start, end): urgent first, then newest first."""
        span = [_iso(start), _iso(end)]
        with self._read() as db:
            rows = self._rows(
                db,
                """
                SELECT * FROM visits WHERE started_at >= ? AND started_at < ?
                ORDER BY urgent DESC, started_at DESC, id DESC
                """,
                span,
            )
            in_span = "visit_id IN (SELECT id FROM visits WHERE started_at >= ? AND started_at < ?)"
            return self._assemble(db, rows, in_span, span)

    def _assemble(
        self, db: sqlite3.Connection, rows: list[dict[str, Any]], where: str, params: list[Any]
    ) -> list[Visit]:
        """Visits from their rows plus their answers, scores and print jobs (``where`` picks)."""
        answers: dict[int, dict[SectionId, dict[int, int | None]]] = {}
        # Plain tuples: a day's export reads tens of thousands of answers, and a dict per row
        # was most of list_visits' time.
        for visit_id, section, item, value in db.execute(
            f"SELECT visit_id, section, item, value FROM answers WHERE {where}", params
        ):
            by_section = answers.setdefault(visit_id, {})
            by_section.setdefault(cast(SectionId, section), {})[item] = value
        scores: dict[int, dict[InstrumentId, StoredScore]] = {}
        for row in self._rows(db, f"SELECT * FROM scores WHERE {where}", params):
            instrument = cast(InstrumentId, row["instrument"])
            scores.setdefault(row["visit_id"], {})[instrument] = StoredScore(
                instrument=instrument,
                total=row["total"],
                band=row["band"],
                complete=bool(row["complete"]),
                skipped=row["skipped"],
                urgent=bool(row["urgent"]),
            )
        jobs: dict[int, list[PrintJob]] = {}
        for row in self._rows(db, f"SELECT * FROM print_jobs WHERE {where} ORDER BY id", params):
            jobs.setdefault(row["visit_id"], []).append(_print_job(row))
        visits = []
        for row in rows:
            visit_jobs = tuple(jobs.get(row["id"], ()))
            visits.append(
                Visit(
                    id=row["id"],
                    code=row["code"],
                    language=row["language"],
                    started_at=_parse(row["started_at"]),
                    completed_at=_parse_optional(row["completed_at"]),
                    status=cast(VisitStatus, row["status"]),
                    urgent=bool(row["urgent"]),
                    name=row["name"],
                    answers=answers.get(row["id"], {}),
                    scores=scores.get(row["id"], {}),
                    guidance=cast(Guidance | None, row["guidance"]),
                    printed=any(job.state == "completed" for job in visit_jobs),
                    seen=row["seen_at"] is not None,
                    print_jobs=visit_jobs,
                )
            )
        return visits

    # -- print jobs --

    def add_print_job(self, code: str, queue: str) -> int:
        now = self._now()
        with self._write() as db:
            job_id = db.execute(
                """
                INSERT INTO print_jobs (visit_id, queue, state, created_at, updated_at)
                VALUES (?, ?, 'pending', ?, ?)
                """,
                [self._visit_id(db, code), queue, now, now],
            ).lastrowid
        assert job_id is not None
        return job_id

    def update_print_job(
        self,
        job_id: int,
        *,
        state: PrintState,
        cups_job_id: int | None = None,
        error: str | None = None,
    ) -> None:
        """Move a job to ``state``; a CUPS job id once known is kept, ``error`` is replaced."""
        if state not in _PRINT_STATES:
            raise ValueError(f"unknown print state {state!r}; expected one of {_PRINT_STATES}")
        with self._write() as db:
            cursor = db.execute(
                """
                UPDATE print_jobs
                SET state = ?, cups_job_id = COALESCE(?, cups_job_id), error = ?, updated_at = ?
                WHERE id = ?
                """,
                [state, cups_job_id, error, self._now(), job_id],
            )
            if cursor.rowcount == 0:
                raise StoreError(f"No print job {job_id} (its visit may have been purged).")

    # -- audit --

    def audit(self, actor: str, action: str, detail: str = "") -> None:
        """Record a staff or system action. Never put answers or scores in ``detail``."""
        with self._write() as db:
            self._insert_audit(db, actor, action, detail)

    def _insert_audit(self, db: sqlite3.Connection, actor: str, action: str, detail: str) -> None:
        # A file name in the detail may hold bytes that are not UTF-8 (kept by Python as lone
        # surrogates, which SQLite cannot store): written as \xNN escapes instead.
        detail = detail.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        db.execute(
            "INSERT INTO audit (at, actor, action, detail) VALUES (?, ?, ?, ?)",
            [self._now(), actor, action, detail],
        )

    def audit_log(self, limit: int = 200) -> list[AuditEntry]:
        """The newest ``limit`` audit entries, newest first."""
        with self._read() as db:
            rows = self._rows(db, "SELECT * FROM audit ORDER BY id DESC LIMIT ?", [limit])
        return [
            AuditEntry(
                id=row["id"],
                at=_parse(row["at"]),
                actor=row["actor"],
                action=row["action"],
                detail=row["detail"],
            )
            for row in rows
        ]

    # -- retention and backup --

    def purge(self, retention_days: int, actor: str = "system") -> int:
        """Delete visits started more than ``retention_days`` ago, with everything attached.

        Returns how many visits went. The audit entry records the count, never a visit.
        """
        if retention_days < 1:
            raise ValueError(f"retention_days must be at least 1, not {retention_days}")
        cutoff = _iso(self._clock() - timedelta(days=retention_days))
        with self._lock:
            # Every child row goes first, one set-based delete per table, so the visits' own
            # delete has nothing left to cascade to. With foreign keys on, SQLite would still
            # look up the parent of each deleted child row and run an empty cascade for each
            # visit: two thirds of the time of a year's purge (docs/performance.md). So they
            # are off for this one transaction, when the schema is the one this code knows
            # (no other table refers to visits or to their children), and on again after it.
            # A larger page cache meanwhile keeps the visits' three b-trees from thrashing.
            with self._read() as db:
                fast = _only_known_children(db)
            if fast:
                cache_size = db.execute("PRAGMA cache_size").fetchone()[0]
                db.execute("PRAGMA foreign_keys = OFF")
                db.execute(f"PRAGMA cache_size = {-_PURGE_CACHE_KIB}")
            try:
                with self._write() as db:
                    for table in _VISIT_CHILDREN:
                        db.execute(
                            f"DELETE FROM {table} WHERE visit_id IN "
                            f"(SELECT id FROM visits WHERE started_at < ?)",
                            [cutoff],
                        )
                    count = db.execute("DELETE FROM visits WHERE started_at < ?", [cutoff]).rowcount
                    self._insert_audit(
                        db,
                        actor,
                        "purge",
                        f"deleted {count} visit(s) started before {cutoff} "
                        f"(retention {retention_days} days)",
                    )
            finally:
                if fast:
                    db.execute("PRAGMA foreign_keys = ON")
                    db.execute(f"PRAGMA cache_size = {int(cache_size)}")
        if count:
            # secure_delete zeroed the freed pages, but their earlier contents can still sit in
            # old WAL frames: truncating the WAL leaves no copy of purged visits on disk.
            with self._lock, suppress(sqlite3.Error):
                self._require_db().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        return count

    def backup(self, out: Path, *, replace: bool = True) -> None:
        """Copy the whole database to ``out`` (mode 0600), consistent even while in use.

        ``out`` must pass check_backup_target (BackupTargetError otherwise, nothing touched).
        The copy is written next to ``out`` and renamed into place, so ``out`` is either the
        previous file or a complete copy, never half of one. The caller records who made it
        (``audit``), as it knows the actor.
        """
        out = Path(out)
        check_backup_target(out, self.path, replace=replace)
        temporary = out.with_name(f".{out.name}.{os.urandom(4).hex()}.partial")
        try:
            _create_private_file(temporary)
            copy = sqlite3.connect(temporary)
            try:
                with self._lock:
                    self._require_db().backup(copy)
                # A single self-contained file is what people copy around.
                copy.execute("PRAGMA journal_mode = DELETE")
                result = copy.execute("PRAGMA quick_check").fetchone()[0]
                if result != "ok":
                    raise StoreError(f"The backup did not verify ({result}); try again.")
            finally:
                copy.close()
            _fsync_file(temporary)
            # Again just before the rename: a target that became a link, a device or a new
            # file meanwhile is still refused.
            check_backup_target(out, self.path, replace=replace)
            if replace:
                os.replace(temporary, out)
            else:
                _link_new(temporary, out)
            _fsync_folder(out.parent)
        except sqlite3.Error as exc:
            raise _translate(exc, out) or StoreError(f"Backup failed: {exc}") from exc
        except OSError as exc:
            raise _os_error(exc, out) from exc
        finally:
            with suppress(OSError):
                temporary.unlink()

    # -- settings --

    def get_setting(self, key: str) -> str | None:
        with self._read() as db:
            row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
        return None if row is None else str(row[0])

    def set_setting(self, key: str, value: str) -> None:
        with self._write() as db:
            db.execute(
                """
                INSERT INTO settings (key, value) VALUES (?, ?)
                ON CONFLICT (key) DO UPDATE SET value = excluded.value
                """,
                [key, value],
            )

    # -- reception's list --

    def list_visit_summaries(self, start: datetime, end: datetime) -> list[VisitSummary]:
        """Visits started in [start, end) as reception's list shows them: urgent first, then
        newest first. No answers or scores are read, so a busy day costs one indexed query."""
        with self._read() as db:
            rows = db.execute(
                """
                SELECT id, code, started_at, status, urgent, seen_at IS NOT NULL,
                       EXISTS (SELECT 1 FROM print_jobs
                               WHERE print_jobs.visit_id = visits.id
                                 AND print_jobs.state = 'completed')
                FROM visits WHERE started_at >= ? AND started_at < ?
                ORDER BY urgent DESC, started_at DESC, id DESC
                """,
                [_iso(start), _iso(end)],
            ).fetchall()
        return [
            VisitSummary(
                id=visit_id,
                code=code,
                started_at=_parse(started_at),
                status=cast(VisitStatus, status),
                urgent=bool(urgent),
                printed=bool(printed),
                seen=bool(seen),
            )
            for visit_id, code, started_at, status, urgent, seen, printed in rows
        ]


def check_backup_target(out: Path, database: Path, *, replace: bool) -> None:
    """Raise BackupTargetError unless a backup of ``database`` may be written to ``out``.

    Allowed: a new name, or (``replace``) an existing regular file, in an existing folder
    outside the data folder. Refused: anything inside the data folder (symbolic links
    resolved), the database's own files wherever they are (-wal, -shm: replacing one while the
    kiosk runs loses its latest answers), and any symlink, device, FIFO, socket or folder,
    which a rename would replace (as root, even /dev/full).
    """
    out = Path(out)
    if out.name in ("", ".", ".."):
        raise BackupTargetError(f"{out}: not a file name; give the backup file's path")
    try:
        folder = out.parent.resolve(strict=True)
    except FileNotFoundError:
        raise BackupTargetError(f"{out.parent}: folder does not exist") from None
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop, before 3.13
        raise BackupTargetError(f"{out.parent}: cannot be used ({exc})") from None
    if not folder.is_dir():
        raise BackupTargetError(f"{out.parent}: not a folder")
    target = folder / out.name
    data_folder = database.absolute().parent.resolve()
    own = {
        Path(str(name) + suffix)
        for name in (database.absolute(), data_folder / database.name, database.resolve())
        for suffix in ("", "-wal", "-shm", "-journal")
    }
    if target in own:
        raise BackupTargetError(
            f"{out}: one of the kiosk database's own files; write the backup to another "
            f"folder, ideally another disk (nothing was written)"
        )
    if folder == data_folder or data_folder in folder.parents:
        raise BackupTargetError(
            f"{out}: inside the data folder {data_folder}; write the backup to another "
            f"folder, ideally another disk (nothing was written)"
        )
    try:
        info = target.lstat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise BackupTargetError(f"{out}: cannot be used ({exc.strerror or exc})") from None
    if not stat.S_ISREG(info.st_mode):
        raise BackupTargetError(
            f"{out}: {_kind(info.st_mode)}, not a regular file; a backup only ever writes a "
            f"new or regular file (nothing was written)"
        )
    if not replace:
        raise BackupTargetError(f"{out} already exists (use --force to replace it)")


def _link_new(source: Path, target: Path) -> None:
    """Put ``source`` at ``target`` only if nothing is there (a rename would replace it)."""
    try:
        os.link(source, target)
    except FileExistsError:
        raise BackupTargetError(f"{target} already exists (use --force to replace it)") from None
    except OSError:
        # No hard links here (a FAT-formatted USB drive): checked just before, so rename.
        if os.path.lexists(target):
            raise
        os.rename(source, target)


def _print_job(row: Mapping[str, Any]) -> PrintJob:
    return PrintJob(
        id=row["id"],
        queue=row["queue"],
        state=cast(PrintState, row["state"]),
        cups_job_id=row["cups_job_id"],
        error=row["error"],
        created_at=_parse(row["created_at"]),
        updated_at=_parse(row["updated_at"]),
    )


# --- files and connections ------------------------------------------------------------------


def _make_folder(folder: Path) -> None:
    if folder.is_dir():
        return
    try:
        folder.mkdir(parents=True, mode=0o700)
        os.chmod(folder, 0o700)
    except FileExistsError:
        if not folder.is_dir():
            raise StoreUnavailableError(
                f"{folder} is a file, not a folder. Choose another data folder."
            ) from None
    except OSError as exc:
        raise _os_error(exc, folder) from exc


def _create_private_file(path: Path) -> None:
    # SQLite gives -wal, -shm and -journal files the mode of the database file, so creating
    # this one 0600 keeps all of them private without touching the process-wide umask.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
    os.close(fd)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    # Makes the rename itself durable; not every platform can open a folder, hence suppress.
    with suppress(OSError):
        _fsync_file(folder)


def open_store(config: Config) -> Store | None:
    """The kiosk's database, or None when it cannot be used: the kiosk then shows out of order
    (why is logged here; ``python -m kiosk check`` says it too)."""
    store, problem = try_open_store(config)
    if problem is not None:
        log.error("database unavailable: %s", problem)
    return store


def try_open_store(config: Config) -> tuple[Store | None, str | None]:
    """(the kiosk's database, None), or (None, why it cannot be used now).

    What the out-of-order kiosk calls again and again (with back-off, off the screen thread)
    until it works: a lock, a full disk or a read-only folder go away, and the kiosk is back
    by itself. While a note says that the database's files were lost under a running kiosk,
    the kiosk stays out of order: starting afresh would hide that the visits are elsewhere.
    """
    try:
        return Store.open(config.data_dir, retention_days=config.storage.retention_days), None
    except StoreError as exc:
        return None, str(exc)


def _fold_large_wal(db: sqlite3.Connection, path: Path) -> None:
    """A WAL left large (by a kiosk that stopped on a full disk, or an older version) is folded
    into the database and emptied at open, so the space it holds is free again."""
    try:
        size = path.with_name(path.name + "-wal").stat().st_size
    except OSError:
        return
    if size > WAL_LIMIT_BYTES:
        # Best effort: another program may be reading (then the next start, or the running
        # kiosk's own checkpoints, do it); the disk may be too full for the database to grow.
        with suppress(sqlite3.Error):
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()


def _connect(path: Path) -> sqlite3.Connection:
    # mode=rw: never create the file. Only _create_database makes one, complete; a kiosk.db
    # that vanished since it was examined is an error, not a reason to start afresh.
    try:
        conn = sqlite3.connect(
            path.absolute().as_uri() + "?mode=rw",
            uri=True,
            timeout=BUSY_TIMEOUT_SECONDS,
            # The store's own lock serialises use; reception and printing run on worker threads.
            check_same_thread=False,
        )
    except sqlite3.Error as exc:
        raise _translate(exc, path) or StoreUnavailableError(str(exc)) from exc
    # No implicit transactions: every write is inside _write()'s explicit BEGIN IMMEDIATE ...
    # COMMIT, and nothing else can leave a transaction open that would swallow later writes.
    conn.isolation_level = None
    try:
        db = conn
        mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise StoreUnavailableError(
                f"The kiosk database {path} cannot use write-ahead logging here (got {mode!r}); "
                f"put the data folder on a local disk."
            )
        # FULL: in WAL mode NORMAL can lose the last commits on power loss, and a visitor's
        # answer must survive a power cut once the screen has moved on.
        db.execute("PRAGMA synchronous = FULL")
        db.execute("PRAGMA foreign_keys = ON")
        db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
        # Purged visits are health information: zero their pages instead of leaving them readable.
        db.execute("PRAGMA secure_delete = ON")
        # The WAL stays small (a small or nearly full disk holds months of visits, not one):
        # cut back to this size whenever it starts over, and checkpointed by the store itself
        # once it grows past it (Store._after_commit), never by SQLite on its own: the store
        # first checks that the WAL is still the file it wrote, for a checkpoint of a WAL cut
        # short under it would copy zeros into the database.
        db.execute(f"PRAGMA journal_size_limit = {WAL_LIMIT_BYTES}")
        db.execute("PRAGMA wal_autocheckpoint = 0")
        _fold_large_wal(db, path)
    except sqlite3.Error as exc:
        conn.close()
        raise _translate(exc, path) or StoreUnavailableError(str(exc)) from exc
    except BaseException:
        conn.close()
        raise
    for suffix in ("", "-wal", "-shm"):
        _tighten(path.with_name(path.name + suffix), 0o600)
    return db
