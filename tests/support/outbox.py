"""Rows of the alert outbox as the delivery worker leaves them, for the tests of what reads them
(the store's reads, staff mode's banner and "Urgent today", the safety screen's status line).

Written through a connection of their own, as another thread or process of the kiosk would:
the store under test may be in use by a window's worker threads meanwhile.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime

from kiosk.store import Store


def stored(moment: datetime) -> str:
    """A time as the store writes it: UTC, to the millisecond (text order is time order)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def outbox_row(
    store: Store,
    code: str,
    channel: str,
    *,
    created: datetime,
    sent: datetime | None = None,
    error: str | None = None,
    kind: str = "alert",
    level: str = "acute",
) -> int:
    """One outbox row for the visit `code`: pending, tried and failed (`error`), or accepted
    (`sent`). Returns its id."""
    tried = bool(sent or error)
    with closing(sqlite3.connect(store.path)) as db, db:
        cursor = db.execute(
            """
            INSERT INTO alerts (visit_id, kind, level, channel, created_at, state, attempts,
                                next_attempt_at, last_attempt_at, last_error, sent_at)
            VALUES ((SELECT id FROM visits WHERE code = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                code,
                kind,
                level,
                channel,
                stored(created),
                "sent" if sent else "pending",
                int(tried),
                stored(created),
                stored(sent or created) if tried else None,
                error,
                stored(sent) if sent else None,
            ],
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid


def mark_sent(store: Store, alert_id: int, at: datetime) -> None:
    """The channel accepted the row `alert_id` at `at` (what a delivery attempt that works does)."""
    with closing(sqlite3.connect(store.path)) as db, db:
        db.execute(
            """
            UPDATE alerts SET state = 'sent', sent_at = ?, attempts = attempts + 1,
                              last_attempt_at = ?
            WHERE id = ?
            """,
            [stored(at), stored(at), alert_id],
        )


def clear_outbox(store: Store) -> None:
    """Forget the rows the store wrote when the visits became urgent, so a test can lay out the
    outbox exactly as it wants it (its times, its failures) with outbox_row."""
    with closing(sqlite3.connect(store.path)) as db, db:
        db.execute("DELETE FROM alert_attempts")
        db.execute("DELETE FROM alerts")
