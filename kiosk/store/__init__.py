"""The one package that talks to SQLite: the kiosk's database in ``kiosk.db``.

Import from here (``from kiosk.store import Store, StoreError, open_store``); the modules
inside are the store's own business, each one concern, lower floors first:

- ``files``: file safety (private files, fsync, atomic replace), shared with the exports;
- ``errors``: the StoreError family and the translation of SQLite's and the system's errors;
- ``schema``: the migrations, the kiosk's mark (application id), times as stored, a new file;
- ``lock``: the data folder and its lock (is this opener alone?);
- ``watch``: files deleted or cut short under the running kiosk, and the rescue;
- ``readiness``: can a kiosk run on this folder (assess_database, check_database);
- ``purge`` and ``backup``: the retention purge's fast path; backup targets and copies;
- ``repository``: the Store itself (visits, answers, scores, print jobs, audit, settings).
"""

from __future__ import annotations

from kiosk.store.backup import check_backup_target
from kiosk.store.errors import (
    BUSY_TIMEOUT_SECONDS,
    BackupTargetError,
    StoreBusyError,
    StoreCorruptError,
    StoreError,
    StoreFilesLostError,
    StoreForeignError,
    StoreLowSpaceError,
    StoreMissingError,
    StoreTooNewError,
    StoreUnavailableError,
    VisitNotFoundError,
)
from kiosk.store.readiness import (
    CRITICAL_FREE_BYTES,
    LOCK_PATIENCE_SECONDS,
    MIN_FREE_BYTES,
    Readiness,
    assess_database,
    check_database,
    format_bytes,
)
from kiosk.store.repository import (
    CODE_ALPHABET,
    WAL_LIMIT_BYTES,
    AuditEntry,
    Store,
    open_store,
    try_open_store,
)
from kiosk.store.schema import (
    APPLICATION_ID,
    DB_FILENAME,
    MIGRATION_SET,
    MIGRATIONS_TABLE,
    SCHEMA_VERSION,
)
from kiosk.store.watch import LOST_NOTE_FILENAME, detect_lost_files

__all__ = [
    "APPLICATION_ID",
    "BUSY_TIMEOUT_SECONDS",
    "CODE_ALPHABET",
    "CRITICAL_FREE_BYTES",
    "DB_FILENAME",
    "LOCK_PATIENCE_SECONDS",
    "LOST_NOTE_FILENAME",
    "MIGRATIONS_TABLE",
    "MIGRATION_SET",
    "MIN_FREE_BYTES",
    "SCHEMA_VERSION",
    "WAL_LIMIT_BYTES",
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
