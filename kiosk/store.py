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
    "CODE_ALPHABET",
    "DB_FILENAME",
    "SCHEMA_VERSION",
    "AuditEntry",
    "Store",
    "StoreCorruptError",
    "StoreError",
    "StoreTooNewError",
    "StoreUnavailableError",
    "VisitNotFoundError",
    "check_database",
]

DB_FILENAME = "kiosk.db"
# No 0/O, 1/I/L: the code is read aloud at the front desk and typed in by staff.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_CODE_HALF = 3
_CODE_ATTEMPTS = 20
BUSY_TIMEOUT_SECONDS = 5.0
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


class VisitNotFoundError(StoreError):
    """No visit has that code (it may have been purged by the retention policy)."""


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
        return StoreUnavailableError(
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

    Raises StoreCorruptError, StoreTooNewError or StoreUnavailableError for a file the kiosk
    must not open; returns further problems (only found when ``thorough``) that do not stop it.
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
        check = "integrity_check" if thorough else "quick_check"
        try:
            results = [row[0] for row in conn.execute(f"PRAGMA {check}").fetchall()]
        except sqlite3.Error as exc:
            error = _translate(exc, path)
            if isinstance(error, StoreCorruptError | StoreUnavailableError):
                raise error from exc
            raise StoreCorruptError(_corrupt_message(path, str(exc))) from exc
        if results != ["ok"]:
            shown = "; ".join(str(r) for r in results[:3])
            more = f" and {len(results) - 3} more" if len(results) > 3 else ""
            raise StoreCorruptError(_corrupt_message(path, f"{check}: {shown}{more}"))
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


def check_database(path: Path) -> list[str]:
    """Problems found with the database at ``path``; empty means healthy. Never modifies it.

    A missing file is not a problem: the kiosk creates it on first start.
    """
    path = Path(path)
    try:
        if _existing_size(path) == 0:
            return []
        return _examine(path, thorough=True)
    except StoreError as exc:
        return [str(exc)]


def _existing_size(path: Path) -> int:
    """Size of the database file, 0 when there is none yet; StoreError when unusable."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return 0
    except OSError as exc:
        raise _os_error(exc, path) from exc
    if not stat.S_ISREG(info.st_mode):
        raise StoreUnavailableError(
            f"{path} is not a file. Move it aside so the kiosk can create its database there."
        )
    return info.st_size


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

        Raises StoreCorruptError (file untouched), StoreTooNewError or StoreUnavailableError.
        """
        if retention_days is not None and retention_days < 1:
            raise ValueError(f"retention_days must be at least 1, not {retention_days}")
        data_dir = Path(data_dir)
        path = data_dir / DB_FILENAME
        _make_folder(data_dir)
        try:
            folder_lock = _FolderLock(data_dir)
        except OSError as exc:
            raise _os_error(exc, data_dir) from exc
        try:
            if _existing_size(path) > 0:
                # Before any write: switching to WAL alone rewrites the header of a damaged file.
                _examine(path, thorough=False)
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

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One committed transaction; on any error everything in it is rolled back."""
        with self._lock:
            db = self._require_db()
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
                raise error from exc

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for reads that take several queries."""
        with self._lock:
            db = self._require_db()
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

    def backup(self, out: Path) -> None:
        """Copy the whole database to ``out`` (mode 0600), consistent even while in use.

        The copy is written next to ``out`` and renamed into place, so ``out`` is either the
        previous file or a complete copy, never half of one. The caller records who made it
        (``audit``), as it knows the actor.
        """
        out = Path(out)
        if out.exists() and out.resolve() == self.path.resolve():
            raise ValueError("the backup must go to another file than the database itself")
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
            os.replace(temporary, out)
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
    try:
        return Store.open(config.data_dir, retention_days=config.storage.retention_days)
    except StoreError as exc:
        log.error("database unavailable: %s", exc)
        return None


def _connect(path: Path) -> sqlite3.Connection:
    try:
        if not path.exists():
            _create_private_file(path)
    except FileExistsError:
        pass
    except OSError as exc:
        raise _os_error(exc, path.parent) from exc
    try:
        conn = sqlite3.connect(
            path,
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
    except sqlite3.Error as exc:
        conn.close()
        raise _translate(exc, path) or StoreUnavailableError(str(exc)) from exc
    except BaseException:
        conn.close()
        raise
    for suffix in ("", "-wal", "-shm"):
        _tighten(path.with_name(path.name + suffix), 0o600)
    return db
