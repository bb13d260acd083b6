"""The retention purge's fast path: deleting old visits without SQLite's per-row cascade.

Store.purge owns the transaction and the audit entry; this module knows which tables belong
to a visit and how to delete them set-wise (docs/performance.md has the figures).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

# Tables whose rows belong to a visit; purge deletes them explicitly, before the visits.
_VISIT_CHILDREN: tuple[str, ...] = ("answers", "scores", "print_jobs", "alerts")
# Tables whose rows belong to a visit's child row (table -> (its parent, the key to it)); they go
# before their parents.
_GRANDCHILDREN: dict[str, tuple[str, str]] = {"alert_attempts": ("alerts", "alert_id")}
# Visits the purge may delete: old enough; not an urgent visit nobody has acknowledged (UX.md:
# retention waits for the acknowledgement, and the purge says so); and not waiting to reach the
# clinic hub (a visit with a change the hub has not confirmed stays until it has: docs/hub.md).
_PURGEABLE = (
    "SELECT id FROM visits WHERE started_at < ?"
    " AND NOT (urgent = 1 AND acknowledged_at IS NULL)"
    " AND id NOT IN (SELECT visit_id FROM hub_changes WHERE seq > shipped_seq)"
)
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
    grandparents = {parent for parent, _ in _GRANDCHILDREN.values()}
    return (
        referred.get("visits", set()) == set(_VISIT_CHILDREN)
        and all(
            referred.get(child, set()) == {g for g, (p, _) in _GRANDCHILDREN.items() if p == child}
            for child in _VISIT_CHILDREN
        )
        and not any(grandchild in referred for grandchild in _GRANDCHILDREN)
        and grandparents <= set(_VISIT_CHILDREN)
    )


@contextmanager
def _cascade_free(db: sqlite3.Connection, fast: bool) -> Iterator[None]:
    """Foreign keys off and a larger page cache for the block, when ``fast``; back after it.

    Every child row goes first, one set-based delete per table, so the visits' own delete has
    nothing left to cascade to. With foreign keys on, SQLite would still look up the parent of
    each deleted child row and run an empty cascade for each visit: two thirds of the time of a
    year's purge. So they are off for this one transaction, when the schema is the one this
    code knows (_only_known_children), and on again after it. A larger page cache meanwhile
    keeps the visits' three b-trees from thrashing.
    """
    if not fast:
        yield
        return
    cache_size = db.execute("PRAGMA cache_size").fetchone()[0]
    db.execute("PRAGMA foreign_keys = OFF")
    db.execute(f"PRAGMA cache_size = {-_PURGE_CACHE_KIB}")
    try:
        yield
    finally:
        db.execute("PRAGMA foreign_keys = ON")
        db.execute(f"PRAGMA cache_size = {int(cache_size)}")


def _unacknowledged_before(db: sqlite3.Connection, cutoff: str) -> list[str]:
    """Codes of the urgent visits started before ``cutoff`` that the purge keeps."""
    return [
        row[0]
        for row in db.execute(
            "SELECT code FROM visits WHERE started_at < ? AND urgent = 1"
            " AND acknowledged_at IS NULL ORDER BY started_at",
            [cutoff],
        )
    ]


def _delete_visits_before(db: sqlite3.Connection, cutoff: str) -> int:
    """Delete the visits started before ``cutoff`` (stored time text), children first, but for
    the unacknowledged urgent ones; how many visits went. Inside the caller's transaction."""
    for table, (parent, key) in _GRANDCHILDREN.items():
        db.execute(
            f"""
            DELETE FROM {table} WHERE {key} IN (
                SELECT id FROM {parent} WHERE visit_id IN ({_PURGEABLE}))
            """,
            [cutoff],
        )
    for table in _VISIT_CHILDREN:
        db.execute(
            f"DELETE FROM {table} WHERE visit_id IN ({_PURGEABLE})",
            [cutoff],
        )
    return int(db.execute(f"DELETE FROM visits WHERE id IN ({_PURGEABLE})", [cutoff]).rowcount)
