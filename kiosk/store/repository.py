"""The kiosk's database: visits, answers, scores, print jobs, audit, settings.

Everything lives in one file, ``kiosk.db``, in the data folder. Every write is committed
before the method returns, so an answer the visitor has seen accepted survives a power cut
or ``kill -9`` right after. See docs/storage.md for the schema and the reasons behind it.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import SystemRandom
from types import TracebackType
from typing import TYPE_CHECKING, Any, cast, get_args

from msgspec import Struct

if TYPE_CHECKING:
    from kiosk.config import Config

from kiosk.boot_clock import BootClock, boot_clock
from kiosk.instruments import ids as instrument_ids
from kiosk.model import (
    AlertDelivery,
    ChannelStatus,
    Guidance,
    InstrumentId,
    Outcome,
    PrintJob,
    PrintState,
    SectionId,
    StoredScore,
    UrgentVisit,
    Visit,
    VisitStatus,
    VisitSummary,
    sections,
)
from kiosk.risk import SCORE_URGENT, RiskLevel, UrgentLevel, higher, rank, with_reason
from kiosk.store.backup import _write_backup
from kiosk.store.errors import (
    _SQLITE_FULL,
    BUSY_TIMEOUT_SECONDS,
    StoreBusyError,
    StoreError,
    StoreFilesLostError,
    StoreLowSpaceError,
    StoreMissingError,
    StoreTooNewError,
    StoreUnavailableError,
    VisitNotFoundError,
    _error_code,
    _os_error,
    _translate,
)
from kiosk.store.files import tighten
from kiosk.store.lock import _FolderLock, _make_folder
from kiosk.store.purge import (
    _PURGEABLE,
    _cascade_free,
    _delete_visits_before,
    _only_known_children,
    _unacknowledged_before,
)
from kiosk.store.readiness import Readiness, assess_database
from kiosk.store.schema import (
    _MIGRATION_NAMES,
    DB_FILENAME,
    SCHEMA_VERSION,
    _applied_migrations,
    _create_database,
    _iso,
    _migrate,
    _parse,
    _parse_optional,
    _too_new_message,
)
from kiosk.store.watch import _FileWatch, _Loss, _lost_message, _rescue_copy, _write_lost_note

log = logging.getLogger(__name__)

# No 0/O, 1/I/L: the code is read aloud at the front desk and typed in by staff.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_CODE_HALF = 3
_CODE_ATTEMPTS = 20
# SQLite's own automatic checkpoint lets the WAL grow to ~4 MB, which alone filled a small disk.
# The store checkpoints by itself once the WAL passes this size (after checking that the WAL is
# still the file it wrote: see _FileWatch), and SQLite cuts the WAL back to it when it restarts.
WAL_LIMIT_BYTES = 64 * 1024

_GUIDANCE_VALUES: frozenset[str] = frozenset(get_args(Guidance))
_PRINT_STATES: frozenset[str] = frozenset(get_args(PrintState))


class OutboxItem(Struct, frozen=True):
    """An undelivered outbox row with what its message may say (never a name or an answer)."""

    id: int
    code: str
    channel: str
    target: str
    kind: str  # AlertKind
    level: UrgentLevel
    created_at: datetime
    reason: str | None  # the visit's reasons, joined (kiosk.risk)
    attempts: int
    acknowledged: bool


class AlertStamp(Struct, frozen=True):
    """When one first-alert row was written, on the wall clock and on the boot clock."""

    level: UrgentLevel
    created_at: datetime
    boot_id: str | None
    boot_at: float | None


class EscalationCandidate(Struct, frozen=True):
    """An urgent visit alerted, not acknowledged and not escalated yet."""

    visit_id: int
    code: str
    stamps: tuple[AlertStamp, ...]


class AuditEntry(Struct, frozen=True):
    id: int
    at: datetime
    actor: str
    action: str
    detail: str


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


def _refuse(readiness: Readiness, *, create: bool) -> None:
    # An administrator must still be able to take the data off a full disk, or off a kiosk
    # whose files were lost under it: only the kiosk itself (and set-pin) is held back by these.
    for problem in readiness.fatal:
        if create or not isinstance(problem, StoreLowSpaceError | StoreFilesLostError):
            raise problem


def _default_clock() -> datetime:
    return datetime.now(UTC)


# The one order of a day's visits, for reception and the exports alike: urgent first (acute
# before non-acute), then the newest (id breaks ties between visits started in the same
# millisecond).
_URGENT_FIRST = "ORDER BY urgent DESC, risk = 'acute' DESC, started_at DESC, id DESC"


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
        # The targets told of every urgent visit ((channel, target id) pairs, kiosk.alerts sets
        # them from the config) and the ones told on escalation; none: no alert is written.
        self._first_targets: tuple[tuple[str, str], ...] = ()
        self._escalation_targets: tuple[tuple[str, str], ...] = ()
        self.boot_clock: BootClock = boot_clock
        # Called (with no argument, on the writing thread, after the commit) when outbox rows
        # were written: the delivery worker wakes at once instead of at its next poll.
        self.alert_listeners: list[Callable[[], None]] = []
        self._alerts_written = False
        # Called the same way after a commit in which a visit became (more) urgent, whether or
        # not an alert row was written: the hub shipper sends it now, not at its next round.
        self.urgent_listeners: list[Callable[[], None]] = []
        self._urgency_rose = False
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
        if retention_days is not None and self._purge_due(retention_days):
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
                    self._alerts_written = self._urgency_rose = False
                    self._rollback_quietly(db)
                    raise
                try:
                    db.execute("COMMIT")
                except BaseException:
                    self._alerts_written = self._urgency_rose = False
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
        if self._alerts_written:
            self._alerts_written = False
            for listener in list(self.alert_listeners):
                listener()
        if self._urgency_rose:
            self._urgency_rose = False
            for listener in list(self.urgent_listeners):
                listener()
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
        return _rescue_copy(self._require_db(), self.path, loss, self._clock)

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

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One committed write transaction on the store's connection, for a package that keeps
        its own tables in this database (kiosk.hub's replication queue)."""
        with self._write() as db:
            yield db

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A consistent read of several queries on the store's connection (kiosk.hub)."""
        with self._read() as db:
            yield db

    @staticmethod
    def _rollback_quietly(db: sqlite3.Connection) -> None:
        # The error that brought us here matters more than a failing rollback (SQLite may
        # already have rolled back by itself after SQLITE_FULL or an I/O error).
        with suppress(sqlite3.Error):
            db.rollback()

    def _now(self) -> str:
        return _iso(self._clock())

    def now(self) -> datetime:
        """The store's wall clock (the one its times are written with)."""
        return self._clock()

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
        known = sections()
        if section not in known:
            raise ValueError(f"unknown section {section!r}; expected one of {known}")
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

    def mark_urgent(self, code: str, reason: str, level: UrgentLevel) -> bool:
        """Make the visit urgent for good, at `level` or above; keep `reason` beside the
        earlier ones. Returns True when the visit's level rose (the safety screen and the
        alerts follow a rise, not a repeat)."""
        with self._write() as db:
            return self._raise_risk(db, self._visit_id(db, code), reason, level)

    def _raise_risk(
        self, db: sqlite3.Connection, visit_id: int, reason: str, level: UrgentLevel
    ) -> bool:
        """The one place a visit becomes urgent or more urgent, inside the caller's
        transaction: whatever must follow a rise (an alert) is written in the same commit."""
        if rank(level) == 0:
            raise ValueError(f"an urgent level is 'non_acute' or 'acute', not {level!r}")
        row = db.execute(
            "SELECT risk, urgent_reason FROM visits WHERE id = ?", [visit_id]
        ).fetchone()
        stored_risk: RiskLevel = row[0]
        stored_reasons: str | None = row[1]
        risk = higher(stored_risk, level)
        db.execute(
            "UPDATE visits SET urgent = 1, risk = ?, urgent_reason = ? WHERE id = ?",
            [risk, with_reason(stored_reasons, reason), visit_id],
        )
        rose = risk != stored_risk
        if rose:
            self._urgency_rose = True
            # The outbox: staff are told of each rise, in this very commit (ARCHITECTURE.md).
            self._add_alerts(db, visit_id, "alert", cast(UrgentLevel, risk), self._first_targets)
        return rose

    def _add_alerts(
        self,
        db: sqlite3.Connection,
        visit_id: int,
        kind: str,
        level: UrgentLevel,
        targets: tuple[tuple[str, str], ...],
    ) -> None:
        if not targets:
            return
        now = self._now()
        boot_id, boot_at = self.boot_clock()
        db.executemany(
            """
            INSERT INTO alerts (visit_id, kind, level, channel, target, created_at,
                                next_attempt_at, boot_id, boot_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                (visit_id, kind, level, channel, target, now, now, boot_id, boot_at)
                for channel, target in targets
            ],
        )
        self._alerts_written = True

    def acknowledge(self, code: str, role: str, outcome: Outcome) -> bool:
        """Staff (`role`: "reception", "admin") have dealt with this urgent visit; audited in the
        same commit. Returns False, changing nothing, when it was acknowledged already: the
        first acknowledgement is the one kept (two receptionists tapping at once)."""
        if outcome not in get_args(Outcome):
            raise ValueError(f"unknown outcome {outcome!r}; expected one of {get_args(Outcome)}")
        if not role:
            raise ValueError("an acknowledgement needs the role that made it")
        with self._write() as db:
            visit_id = self._visit_id(db, code)
            (urgent,) = db.execute("SELECT urgent FROM visits WHERE id = ?", [visit_id]).fetchone()
            if not urgent:
                raise ValueError(
                    f"visit {_normalize_code(code)} is not urgent: nothing to acknowledge"
                )
            cursor = db.execute(
                """
                UPDATE visits SET acknowledged_at = ?, acknowledged_by = ?, outcome = ?
                WHERE id = ? AND acknowledged_at IS NULL
                """,
                [self._now(), role, outcome, visit_id],
            )
            if cursor.rowcount == 0:
                return False
            self._insert_audit(db, role, "acknowledge", f"{_normalize_code(code)} {outcome}")
        return True

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
            if instrument not in instrument_ids() or score.instrument != instrument:
                raise ValueError(f"score for {score.instrument!r} filed under {instrument!r}")
        any_urgent = any(score.urgent for score in scores.values())
        with self._write() as db:
            visit_id = self._visit_id(db, code)
            db.execute(
                "UPDATE visits SET status = 'completed', completed_at = ?, guidance = ?"
                " WHERE id = ?",
                [self._now(), guidance, visit_id],
            )
            # Urgency only ever goes up: a score flagged urgent makes the visit urgent even if
            # the flow missed calling mark_urgent, and nothing here can clear it.
            (urgent_already,) = db.execute(
                "SELECT urgent FROM visits WHERE id = ?", [visit_id]
            ).fetchone()
            if any_urgent and not urgent_already:
                self._raise_risk(db, visit_id, SCORE_URGENT, "non_acute")
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
                f"""
                SELECT * FROM visits WHERE started_at >= ? AND started_at < ?
                {_URGENT_FIRST}
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
        alerted: dict[int, datetime] = {
            visit_id: _parse(sent_at)
            for visit_id, sent_at in db.execute(
                f"""
                SELECT visit_id, MIN(sent_at) FROM alerts
                WHERE kind = 'alert' AND sent_at IS NOT NULL AND {where} GROUP BY visit_id
                """,
                params,
            )
        }
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
                    risk=cast(RiskLevel, row["risk"]),
                    reason=row["urgent_reason"],
                    acknowledged_at=_parse_optional(row["acknowledged_at"]),
                    acknowledged_by=row["acknowledged_by"],
                    outcome=cast(Outcome | None, row["outcome"]),
                    alerted_at=alerted.get(row["id"]),
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

    def _purge_cutoff(self, retention_days: int) -> str:
        if retention_days < 1:
            raise ValueError(f"retention_days must be at least 1, not {retention_days}")
        return _iso(self._clock() - timedelta(days=retention_days))

    def _purge_due(self, retention_days: int) -> bool:
        """Whether any visit is older than the retention period (and may go). The purge at
        every start runs only then: with nothing due, its audit line would cost a write and an
        fsync per start."""
        cutoff = self._purge_cutoff(retention_days)
        with self._read() as db:
            row = db.execute(f"SELECT EXISTS ({_PURGEABLE})", [cutoff]).fetchone()
        return bool(row[0])

    def purge_kept(self, retention_days: int) -> list[str]:
        """Codes of the visits past retention that the purge keeps: urgent, not acknowledged."""
        cutoff = self._purge_cutoff(retention_days)
        with self._read() as db:
            return _unacknowledged_before(db, cutoff)

    def purge(self, retention_days: int, actor: str = "system") -> int:
        """Delete visits started more than ``retention_days`` ago, with everything attached.

        Returns how many visits went. An urgent visit nobody acknowledged is kept whatever its
        age (purge_kept names them). The audit entry records the counts, never a visit.
        """
        cutoff = self._purge_cutoff(retention_days)
        with self._lock:
            # Set-wise deletes of each child table, then the visits, with foreign keys off
            # for this one transaction when the schema is the one the fast path knows.
            with self._read() as db:
                fast = _only_known_children(db)
            with _cascade_free(db, fast), self._write() as db:
                count = _delete_visits_before(db, cutoff)
                kept = len(_unacknowledged_before(db, cutoff))
                detail = (
                    f"deleted {count} visit(s) started before {cutoff} "
                    f"(retention {retention_days} days)"
                )
                if kept:
                    detail += f"; kept {kept} urgent visit(s) not yet acknowledged"
                self._insert_audit(db, actor, "purge", detail)
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

        def copy_into(copy: sqlite3.Connection) -> None:
            with self._lock:
                self._require_db().backup(copy)

        _write_backup(Path(out), self.path, copy_into, replace=replace)

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
                f"""
                SELECT id, code, started_at, status, urgent, risk, seen_at IS NOT NULL,
                       EXISTS (SELECT 1 FROM print_jobs
                               WHERE print_jobs.visit_id = visits.id
                                 AND print_jobs.state = 'completed')
                FROM visits WHERE started_at >= ? AND started_at < ?
                {_URGENT_FIRST}
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
                risk=risk,
                printed=bool(printed),
                seen=bool(seen),
            )
            for visit_id, code, started_at, status, urgent, risk, seen, printed in rows
        ]

    # -- alerts: what the reconciliation and the status line read --

    def urgent_visits(self, start: datetime, end: datetime) -> list[UrgentVisit]:
        """Urgent visits started in [start, end), acute first then newest, each with every
        outbox row written for it (the day's reconciliation)."""
        span = [_iso(start), _iso(end)]
        with self._read() as db:
            rows = self._rows(
                db,
                f"""
                SELECT id, code, started_at, status, risk, urgent_reason, acknowledged_at,
                       acknowledged_by, outcome
                FROM visits WHERE urgent = 1 AND started_at >= ? AND started_at < ?
                {_URGENT_FIRST}
                """,
                span,
            )
            deliveries: dict[int, list[AlertDelivery]] = {}
            for row in self._rows(
                db,
                """
                SELECT * FROM alerts WHERE visit_id IN
                    (SELECT id FROM visits WHERE urgent = 1 AND started_at >= ? AND started_at < ?)
                ORDER BY id
                """,
                span,
            ):
                deliveries.setdefault(row["visit_id"], []).append(_alert_delivery(row))
        return [
            UrgentVisit(
                code=row["code"],
                started_at=_parse(row["started_at"]),
                status=cast(VisitStatus, row["status"]),
                risk=cast(RiskLevel, row["risk"]),
                reason=row["urgent_reason"],
                acknowledged_at=_parse_optional(row["acknowledged_at"]),
                acknowledged_by=row["acknowledged_by"],
                outcome=cast(Outcome | None, row["outcome"]),
                deliveries=tuple(deliveries.get(row["id"], ())),
            )
            for row in rows
        ]

    def alert_accepted(self, code: str) -> bool:
        """Has any channel accepted an alert for this visit? The safety screen says "The front
        desk has been told." only then."""
        with self._read() as db:
            visit_id = self._visit_id(db, code)
            row = db.execute(
                "SELECT 1 FROM alerts WHERE visit_id = ? AND state = 'sent' LIMIT 1", [visit_id]
            ).fetchone()
        return row is not None

    def alert_channel_status(self) -> list[ChannelStatus]:
        """Each channel that has ever had an alert: its last success and last error, and since
        when it has been failing (staff mode's banner, `check`, `alerts`)."""
        with self._read() as db:
            return channel_statuses(db)

    # -- alerts: the outbox, as the delivery worker (kiosk/alerts) uses it --

    def set_alert_targets(
        self,
        first: tuple[tuple[str, str], ...],
        escalation: tuple[tuple[str, str], ...] = (),
    ) -> None:
        """The (channel, target id) pairs told of every urgent visit, and on escalation."""
        with self._lock:
            self._first_targets = tuple(first)
            self._escalation_targets = tuple(escalation)

    def due_alerts(self, limit: int = 500) -> list[OutboxItem]:
        """Undelivered outbox rows of visits nobody has acknowledged yet (once staff have dealt
        with a visit, telling them of it helps nobody), oldest first, with what their message
        may say."""
        with self._read() as db:
            rows = db.execute(
                """
                SELECT alerts.id, visits.code, channel, target, kind, level, created_at,
                       visits.urgent_reason, attempts, visits.acknowledged_at IS NOT NULL
                FROM alerts JOIN visits ON visits.id = alerts.visit_id
                WHERE state = 'pending' AND visits.acknowledged_at IS NULL
                ORDER BY alerts.id LIMIT ?
                """,
                [limit],
            ).fetchall()
        return [
            OutboxItem(
                id=alert_id,
                code=code,
                channel=channel,
                target=target,
                kind=kind,
                level=level,
                created_at=_parse(created_at),
                reason=reason,
                attempts=attempts,
                acknowledged=bool(acknowledged),
            )
            for (
                alert_id,
                code,
                channel,
                target,
                kind,
                level,
                created_at,
                reason,
                attempts,
                acknowledged,
            ) in rows
        ]

    def record_alert_attempt(
        self, alert_id: int, *, error: str | None, next_attempt_at: datetime | None = None
    ) -> None:
        """One delivery attempt: accepted (`error` None: the row is sent) or failed (why, in
        words, and when it will be tried again). Every attempt is kept in alert_attempts."""
        now = self._now()
        with self._write() as db:
            db.execute(
                "INSERT INTO alert_attempts (alert_id, at, ok, error) VALUES (?, ?, ?, ?)",
                [alert_id, now, int(error is None), error],
            )
            if error is None:
                db.execute(
                    """
                    UPDATE alerts SET state = 'sent', sent_at = ?, attempts = attempts + 1,
                                      last_attempt_at = ?
                    WHERE id = ? AND state = 'pending'
                    """,
                    [now, now, alert_id],
                )
            else:
                db.execute(
                    """
                    UPDATE alerts SET attempts = attempts + 1, last_attempt_at = ?,
                                      last_error = ?, next_attempt_at = ?
                    WHERE id = ?
                    """,
                    [now, error, _iso(next_attempt_at) if next_attempt_at else now, alert_id],
                )

    def escalation_candidates(self) -> list[EscalationCandidate]:
        """Urgent visits with a first alert written, nobody's acknowledgement and no escalation
        yet, each with the stamps of its first-alert rows (the deadline is derived from them)."""
        with self._read() as db:
            rows = db.execute(
                """
                SELECT visits.id, visits.code, alerts.level, alerts.created_at, alerts.boot_id,
                       alerts.boot_at
                FROM alerts JOIN visits ON visits.id = alerts.visit_id
                WHERE alerts.kind = 'alert' AND visits.acknowledged_at IS NULL
                  AND NOT EXISTS (SELECT 1 FROM alerts AS e
                                  WHERE e.visit_id = visits.id AND e.kind = 'escalation')
                ORDER BY visits.id, alerts.id
                """
            ).fetchall()
        found: dict[int, tuple[str, list[AlertStamp]]] = {}
        for visit_id, code, level, created_at, boot_id, boot_at in rows:
            found.setdefault(visit_id, (code, []))[1].append(
                AlertStamp(
                    level=level, created_at=_parse(created_at), boot_id=boot_id, boot_at=boot_at
                )
            )
        return [
            EscalationCandidate(visit_id=visit_id, code=code, stamps=tuple(stamps))
            for visit_id, (code, stamps) in found.items()
        ]

    def escalate(self, visit_id: int, minutes: float) -> bool:
        """Write the escalation rows for an urgent visit nobody acknowledged in `minutes`, and
        audit it, in one commit. False, changing nothing, when it was acknowledged or escalated
        meanwhile (or no escalation target is configured): escalation happens once."""
        with self._write() as db:
            row = db.execute(
                """
                SELECT code, risk FROM visits
                WHERE id = ? AND urgent = 1 AND acknowledged_at IS NULL
                  AND NOT EXISTS (SELECT 1 FROM alerts
                                  WHERE visit_id = visits.id AND kind = 'escalation')
                """,
                [visit_id],
            ).fetchone()
            if row is None or not self._escalation_targets:
                return False
            code, risk = row
            self._add_alerts(
                db, visit_id, "escalation", cast(UrgentLevel, risk), self._escalation_targets
            )
            self._insert_audit(
                db,
                "system",
                "escalate",
                f"{code} not acknowledged within {minutes:g} minutes: escalated",
            )
        return True


def channel_statuses(db: sqlite3.Connection) -> list[ChannelStatus]:
    """Store.alert_channel_status on an open connection (`check` reads the file read-only).

    Worked out per target, then per channel: one of two e-mail addresses failing while the
    other works is a failing channel, not a working one."""
    rows = db.execute(
        """
        SELECT channel,
               MAX(sent_at),
               (SELECT last_error FROM alerts AS a
                WHERE a.channel = alerts.channel AND a.target = alerts.target
                  AND a.last_error IS NOT NULL
                ORDER BY a.last_attempt_at DESC, a.id DESC LIMIT 1),
               MAX(CASE WHEN last_error IS NOT NULL THEN last_attempt_at END),
               MIN(CASE WHEN state = 'pending' AND attempts > 0 THEN created_at END),
               SUM(state = 'pending')
        FROM alerts GROUP BY channel, target ORDER BY channel, target
        """
    ).fetchall()
    by_channel: dict[str, ChannelStatus] = {}
    for channel, last_sent, last_error, last_error_at, oldest_failing, pending in rows:
        last_success = _parse_optional(last_sent)
        failing_since = _parse_optional(oldest_failing)
        if failing_since is not None and last_success is not None:
            # Delivered something after that alert was first tried: the target works now;
            # the backlog will drain on its own schedule.
            failing_since = None if last_success > failing_since else failing_since
        error_at = _parse_optional(last_error_at)
        status = ChannelStatus(
            channel=channel,
            last_success=last_success,
            last_error=last_error,
            last_error_at=error_at,
            failing_since=failing_since,
            pending=int(pending or 0),
        )
        known = by_channel.get(channel)
        if known is not None:
            newest_error = max(
                (known, status),
                key=lambda s: s.last_error_at or datetime.min.replace(tzinfo=UTC),
            )
            failing = [s.failing_since for s in (known, status) if s.failing_since is not None]
            successes = [s.last_success for s in (known, status) if s.last_success is not None]
            status = ChannelStatus(
                channel=channel,
                last_success=max(successes) if successes else None,
                last_error=newest_error.last_error,
                last_error_at=newest_error.last_error_at,
                failing_since=min(failing) if failing else None,
                pending=known.pending + status.pending,
            )
        by_channel[channel] = status
    return list(by_channel.values())


@contextmanager
def read_only(db_path: Path) -> Iterator[sqlite3.Connection]:
    """The database file opened read-only for `python -m kiosk check`, which must change
    nothing: with no -wal or -journal nobody has it open, and reading it as immutable leaves the
    folder as found; otherwise it is read alongside the running kiosk."""
    busy = any(db_path.with_name(db_path.name + s).exists() for s in ("-wal", "-journal"))
    uri = db_path.resolve().as_uri() + ("?mode=ro" if busy else "?mode=ro&immutable=1")
    conn = sqlite3.connect(uri, uri=True, timeout=5.0)
    try:
        yield conn
    finally:
        conn.close()


def read_alert_status(db_path: Path) -> list[ChannelStatus]:
    """The channels' status from the database file, read-only, changing nothing (`check`)."""
    with read_only(db_path) as conn:
        return channel_statuses(conn)


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
        tighten(path.with_name(path.name + suffix), 0o600)
    return db


def _alert_delivery(row: Mapping[str, Any]) -> AlertDelivery:
    return AlertDelivery(
        id=row["id"],
        channel=row["channel"],
        kind=row["kind"],
        level=row["level"],
        created_at=_parse(row["created_at"]),
        state=row["state"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        sent_at=_parse_optional(row["sent_at"]),
    )
