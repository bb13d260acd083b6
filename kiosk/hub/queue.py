"""The kiosk's side of the hub outbox, in the kiosk's SQLite: on and off, what is pending, what
the hub has confirmed.

The queue itself (`hub_changes`) is filled by the triggers of the store's migration
`hub_replication_queue`: every insert or update of a visit, an answer, a score or a print job
bumps that visit's change sequence in the same transaction. This module only reads it and
records what the hub has committed. No psycopg here: a standalone kiosk may load it at start.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from kiosk.store import Store
from kiosk.store.repository import read_only
from kiosk.store.schema import HUB_REPLICATE_SETTING

__all__ = [
    "PendingVisit",
    "backlog",
    "confirm",
    "disable",
    "enable",
    "get_mark",
    "is_enabled",
    "pending",
    "read_backlog",
    "set_mark",
    "switch_hub",
    "tidy",
]

# Settings kept beside the queue: which hub the queue has been shipping to (a new hub gets
# every visit still kept), and the last acknowledgement pulled back from it.
HUB_ID_SETTING: Final = "hub.id"
ACK_MARK_SETTING: Final = "hub.ack_mark"


@dataclass(frozen=True)
class PendingVisit:
    """A visit's current state with the change sequence it was read at; ``visit`` is None when
    the visit is gone from the kiosk (its queue row is then simply dropped)."""

    visit_id: int
    seq: int
    visit: dict[str, Any] | None
    answers: tuple[tuple[str, int, int | None, str], ...] = ()
    scores: tuple[tuple[str, int | None, str | None, int, int, int], ...] = ()
    print_jobs: tuple[tuple[int, str, int | None, str, str | None, str, str], ...] = ()


def is_enabled(store: Store) -> bool:
    return store.get_setting(HUB_REPLICATE_SETTING) is not None


def _backfill(db: sqlite3.Connection) -> None:
    # Every visit still kept goes to the hub too, not only the ones changed from now on.
    # ("WHERE true": SQLite's parser needs it between a SELECT and ON CONFLICT.)
    db.execute(
        """
        INSERT INTO hub_changes (visit_id, seq, shipped_seq) SELECT id, 1, 0 FROM visits WHERE true
        ON CONFLICT (visit_id) DO UPDATE SET shipped_seq = 0
        """
    )


def enable(store: Store) -> None:
    """Start queueing (idempotent); the first time, every visit kept is queued as well."""
    with store.transaction() as db:
        if db.execute("SELECT 1 FROM settings WHERE key = ?", [HUB_REPLICATE_SETTING]).fetchone():
            return
        db.execute("INSERT INTO settings (key, value) VALUES (?, '1')", [HUB_REPLICATE_SETTING])
        _backfill(db)


def disable(store: Store) -> bool:
    """Stop queueing and forget the queue: the kiosk stands alone again and its purge goes by
    retention_days only. True when it was on."""
    with store.transaction() as db:
        cursor = db.execute("DELETE FROM settings WHERE key = ?", [HUB_REPLICATE_SETTING])
        if cursor.rowcount == 0:
            return False
        db.execute("DELETE FROM hub_changes")
        db.execute("DELETE FROM settings WHERE key IN (?, ?)", [HUB_ID_SETTING, ACK_MARK_SETTING])
    return True


def switch_hub(store: Store, hub_id: str) -> bool:
    """Record that the queue ships to the hub ``hub_id``. A different hub than before (or the
    first) has none of this kiosk's visits: every visit kept is queued again. True then."""
    with store.transaction() as db:
        row = db.execute("SELECT value FROM settings WHERE key = ?", [HUB_ID_SETTING]).fetchone()
        if row is not None and row[0] == hub_id:
            return False
        _backfill(db)
        db.execute(
            """
            INSERT INTO settings (key, value) VALUES (?, ?)
            ON CONFLICT (key) DO UPDATE SET value = excluded.value
            """,
            [HUB_ID_SETTING, hub_id],
        )
        db.execute("DELETE FROM settings WHERE key = ?", [ACK_MARK_SETTING])
    return True


def backlog(store: Store) -> int:
    """How many visits have changes the hub has not confirmed."""
    with store.snapshot() as db:
        (count,) = db.execute("SELECT COUNT(*) FROM hub_changes WHERE seq > shipped_seq").fetchone()
    return int(count)


def read_backlog(db_path: Path) -> int:
    """`backlog` read from the database file without opening the store (`check`)."""
    with read_only(db_path) as db:
        (count,) = db.execute("SELECT COUNT(*) FROM hub_changes WHERE seq > shipped_seq").fetchone()
    return int(count)


def pending(store: Store, limit: int) -> list[PendingVisit]:
    """Up to ``limit`` pending visits, each read whole in one snapshot with its sequence."""
    with store.snapshot() as db:
        queued = db.execute(
            """
            SELECT c.visit_id, c.seq FROM hub_changes c LEFT JOIN visits v ON v.id = c.visit_id
            WHERE c.seq > c.shipped_seq
            -- Urgent visits first: the desks' banner must not wait behind a day of backlog.
            ORDER BY COALESCE(v.urgent, 0) DESC, c.visit_id LIMIT ?
            """,
            [limit],
        ).fetchall()
        if not queued:
            return []
        ids = [visit_id for visit_id, _ in queued]
        marks = ",".join("?" * len(ids))
        cursor = db.execute(f"SELECT * FROM visits WHERE id IN ({marks})", ids)
        names = [column[0] for column in cursor.description]
        visits = {row[0]: dict(zip(names, row, strict=True)) for row in cursor}
        answers: dict[int, list[Any]] = {}
        for visit_id, *rest in db.execute(
            f"""
            SELECT visit_id, section, item, value, answered_at FROM answers
            WHERE visit_id IN ({marks}) ORDER BY visit_id, section, item
            """,
            ids,
        ):
            answers.setdefault(visit_id, []).append(tuple(rest))
        scores: dict[int, list[Any]] = {}
        for visit_id, *rest in db.execute(
            f"""
            SELECT visit_id, instrument, total, band, complete, skipped, urgent FROM scores
            WHERE visit_id IN ({marks}) ORDER BY visit_id, instrument
            """,
            ids,
        ):
            scores.setdefault(visit_id, []).append(tuple(rest))
        jobs: dict[int, list[Any]] = {}
        for visit_id, *rest in db.execute(
            f"""
            SELECT visit_id, id, queue, cups_job_id, state, error, created_at, updated_at
            FROM print_jobs WHERE visit_id IN ({marks}) ORDER BY id
            """,
            ids,
        ):
            jobs.setdefault(visit_id, []).append(tuple(rest))
    return [
        PendingVisit(
            visit_id=visit_id,
            seq=seq,
            visit=visits.get(visit_id),
            answers=tuple(answers.get(visit_id, ())),
            scores=tuple(scores.get(visit_id, ())),
            print_jobs=tuple(jobs.get(visit_id, ())),
        )
        for visit_id, seq in queued
    ]


def confirm(store: Store, shipped: list[tuple[int, int]]) -> None:
    """The hub has committed these (visit id, sequence) pairs: they are no longer pending,
    unless the visit changed again meanwhile (its sequence is higher then). Rows of visits gone
    from the kiosk are dropped."""
    if not shipped:
        return
    with store.transaction() as db:
        db.executemany(
            "UPDATE hub_changes SET shipped_seq = MAX(shipped_seq, ?) WHERE visit_id = ?",
            [(seq, visit_id) for visit_id, seq in shipped],
        )
        marks = ",".join("?" * len(shipped))
        db.execute(
            f"""
            DELETE FROM hub_changes WHERE visit_id IN ({marks}) AND seq <= shipped_seq
            AND NOT EXISTS (SELECT 1 FROM visits WHERE visits.id = hub_changes.visit_id)
            """,
            [visit_id for visit_id, _ in shipped],
        )


def tidy(store: Store) -> int:
    """Drop the queue rows of visits the purge has deleted since the hub confirmed them."""
    with store.transaction() as db:
        return db.execute(
            """
            DELETE FROM hub_changes WHERE seq <= shipped_seq
            AND NOT EXISTS (SELECT 1 FROM visits WHERE visits.id = hub_changes.visit_id)
            """
        ).rowcount


def get_mark(store: Store) -> int:
    """The id of the last acknowledgement pulled back from the hub (0: none yet)."""
    value = store.get_setting(ACK_MARK_SETTING)
    return int(value) if value else 0


def set_mark(store: Store, mark: int) -> None:
    store.set_setting(ACK_MARK_SETTING, str(mark))
