"""The database's file and its shape: the schema's migrations, the kiosk's mark, stored times.

A new kiosk.db is made here, complete (schema and mark) or not at all; an existing one is
brought up to SCHEMA_VERSION by Store.open. docs/storage.md describes every table.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.store.errors import StoreError, StoreUnavailableError, _os_error, _translate
from kiosk.store.files import atomic_file

if TYPE_CHECKING:
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

DB_FILENAME = "kiosk.db"
# PRAGMA application_id of every kiosk database ("KIOS" in ASCII): how the kiosk tells its own
# file from any other SQLite file before it changes anything in it.
APPLICATION_ID = 0x4B494F53

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
    # History, as version 1 shipped it: its CHECKs quoted the two instruments of the day, and
    # kiosks in the field have them. 0003_open_sections drops them; instruments are declared
    # in kiosk/instruments only. A released migration is never edited.
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


@_migration
def _open_sections(db: Database) -> None:
    # The instruments are declared in kiosk/instruments, not in SQL: answers and scores lose
    # their CHECKs on the section and instrument names (the store checks them against the
    # registry), so an instrument is added without a schema change. SQLite cannot drop a
    # CHECK, so both tables are rebuilt, rows and all; nothing references them.
    statements = [
        """
        CREATE TABLE answers_new (
            visit_id INTEGER NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
            section TEXT NOT NULL,
            item INTEGER NOT NULL CHECK (item >= 1),
            value INTEGER CHECK (value IS NULL OR value >= 0),
            answered_at TEXT NOT NULL,
            PRIMARY KEY (visit_id, section, item)
        ) WITHOUT ROWID
        """,
        "INSERT INTO answers_new SELECT visit_id, section, item, value, answered_at FROM answers",
        "DROP TABLE answers",
        "ALTER TABLE answers_new RENAME TO answers",
        """
        CREATE TABLE scores_new (
            visit_id INTEGER NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
            instrument TEXT NOT NULL,
            total INTEGER,
            band TEXT,
            complete INTEGER NOT NULL CHECK (complete IN (0, 1)),
            skipped INTEGER NOT NULL DEFAULT 0,
            urgent INTEGER NOT NULL DEFAULT 0 CHECK (urgent IN (0, 1)),
            PRIMARY KEY (visit_id, instrument)
        ) WITHOUT ROWID
        """,
        "INSERT INTO scores_new SELECT visit_id, instrument, total, band, complete, skipped,"
        " urgent FROM scores",
        "DROP TABLE scores",
        "ALTER TABLE scores_new RENAME TO scores",
    ]
    for statement in statements:
        db.execute(statement)


@_migration
def _risk_level(db: Database) -> None:
    # Two urgent levels (CLINICAL.md): acute and non-acute, rising only. `urgent_reason` from
    # here on keeps every trigger's reason joined with "+", not only the first. A visit made
    # urgent before levels were kept gets the level its first reason implies.
    db.execute(
        """
        ALTER TABLE visits ADD COLUMN risk TEXT NOT NULL DEFAULT 'none'
            CHECK (risk IN ('none', 'non_acute', 'acute'))
        """
    )
    db.execute(
        """
        UPDATE visits SET risk = CASE WHEN urgent_reason = 'talk_now' THEN 'acute'
                                      ELSE 'non_acute' END
        WHERE urgent = 1
        """
    )


@_migration
def _acknowledgement(db: Database) -> None:
    # Staff acknowledge an urgent visit with an outcome (UX.md); escalation, the purge and the
    # day's reconciliation all read these. Who acknowledged is a role, never a person's name.
    for statement in (
        "ALTER TABLE visits ADD COLUMN acknowledged_at TEXT",
        "ALTER TABLE visits ADD COLUMN acknowledged_by TEXT",
        """
        ALTER TABLE visits ADD COLUMN outcome TEXT
            CHECK (outcome IS NULL OR outcome IN ('spoke', 'clinician', 'left', 'other'))
        """,
    ):
        db.execute(statement)


@_migration
def _alert_outbox(db: Database) -> None:
    # The outbox (ARCHITECTURE.md): a row per channel to tell, written in the same transaction
    # that makes a visit urgent (or more urgent), so no alert is lost between the answer and the
    # network. `channel` names a registered alert channel; `kind` says whether this is the first
    # alert or the one escalation. Every delivery attempt is kept for the day's reconciliation.
    for statement in (
        """
        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            visit_id INTEGER NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('alert', 'escalation')),
            level TEXT NOT NULL CHECK (level IN ('non_acute', 'acute')),
            channel TEXT NOT NULL,
            created_at TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            last_attempt_at TEXT,
            last_error TEXT,
            sent_at TEXT
        )
        """,
        # The delivery worker's one question: what is due now.
        "CREATE INDEX alerts_due ON alerts (state, next_attempt_at)",
        "CREATE INDEX alerts_visit_id ON alerts (visit_id)",
        """
        CREATE TABLE alert_attempts (
            alert_id INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
            at TEXT NOT NULL,
            ok INTEGER NOT NULL CHECK (ok IN (0, 1)),
            error TEXT
        )
        """,
        "CREATE INDEX alert_attempts_alert_id ON alert_attempts (alert_id)",
    ):
        db.execute(statement)


@_migration
def _alert_targets(db: Database) -> None:
    # A channel may have several targets (two e-mail addresses and a webhook are three `notify`
    # URLs): each gets its own row, so a working one is never told again while another is down.
    # `target` is a short stable id of the configured target (never the URL: it can hold a
    # password). `boot_id` and `boot_at` stamp the row on the machine's boot clock
    # (kiosk/boot_clock.py): the escalation deadline is measured on it, not on the wall clock.
    for statement in (
        "ALTER TABLE alerts ADD COLUMN target TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE alerts ADD COLUMN boot_id TEXT",
        "ALTER TABLE alerts ADD COLUMN boot_at REAL",
    ):
        db.execute(statement)


# The key in `settings` whose presence turns the hub's replication queue on (kiosk/hub/queue.py).
HUB_REPLICATE_SETTING = "hub.replicate"


@_migration
def _hub_replication_queue(db: Database) -> None:
    # The hub's outbox (docs/hub.md): every change to a visit bumps its change sequence here, in
    # the very transaction of the change, by triggers, so no method of the store has to know the
    # hub exists. The shipper sends each pending visit's current state with its `seq`, and once
    # the hub has committed it records `shipped_seq`; a visit with seq > shipped_seq is pending
    # and the purge keeps it. Triggers fire only while replication is on (a standalone kiosk
    # queues nothing). No foreign key to visits: the purge's fast path stays as it is, and the
    # rows of purged visits are dropped by the shipper.
    for statement in (
        """
        CREATE TABLE hub_changes (
            visit_id INTEGER PRIMARY KEY,
            seq INTEGER NOT NULL CHECK (seq >= 1),
            shipped_seq INTEGER NOT NULL DEFAULT 0
        )
        """,
        # The shipper's one question, answered from a small index however long the table is.
        "CREATE INDEX hub_changes_pending ON hub_changes (visit_id) WHERE seq > shipped_seq",
    ):
        db.execute(statement)
    enabled = f"EXISTS (SELECT 1 FROM settings WHERE key = '{HUB_REPLICATE_SETTING}')"
    watched = {
        "visits": "NEW.id",
        "answers": "NEW.visit_id",
        "scores": "NEW.visit_id",
        "print_jobs": "NEW.visit_id",
    }
    for table, visit in watched.items():
        for event in ("INSERT", "UPDATE"):
            db.execute(
                f"""
                CREATE TRIGGER hub_queue_{table}_{event.lower()} AFTER {event} ON {table}
                WHEN {enabled}
                BEGIN
                    INSERT INTO hub_changes (visit_id, seq) VALUES ({visit}, 1)
                    ON CONFLICT (visit_id) DO UPDATE SET seq = seq + 1;
                END
                """
            )


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


def _too_new_message(path: Path, version: int | str) -> str:
    return (
        f"The kiosk database {path} was written by a newer version of the kiosk "
        f"(schema {version}; this version knows up to {SCHEMA_VERSION}) and was left untouched. "
        f"Install the newer kiosk again, or restore a backup made with this version."
    )


# --- times as stored ------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    # One fixed-width UTC form, so text comparison in SQL is time comparison.
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: the store needs timezone-aware times")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _parse_optional(text: str | None) -> datetime | None:
    return None if text is None else _parse(text)


# --- a new database -------------------------------------------------------------------------


def _create_database(path: Path) -> None:
    """Make a complete kiosk database at ``path`` (schema and mark), or nothing at all.

    It is built under a temporary name and linked into place, so a kiosk.db is never found
    empty or half-made after a crash: an empty one is not the kiosk's (see _file_problem).
    """
    try:
        # Linked, not renamed: fails rather than replace a file that appeared meanwhile.
        with atomic_file(path, replace=False, tag="new") as temporary:
            conn = sqlite3.connect(temporary)
            try:
                conn.isolation_level = None
                _migrate(conn)
            finally:
                conn.close()
    except FileExistsError:
        raise StoreUnavailableError(
            f"Another program created {path} at the same moment; nothing was changed. Try again."
        ) from None
    except sqlite3.Error as exc:
        raise _translate(exc, path) or StoreError(
            f"Could not create the kiosk database {path} ({exc})."
        ) from exc
    except OSError as exc:
        raise _os_error(exc, path.parent) from exc
