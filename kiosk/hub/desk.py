"""What the reception desk app does at the hub, without Qt: read today's board, check a PIN,
acknowledge, mark seen, record a print, and wait for the hub's change notices.

Every call blocks (the desk's Qt side runs them on worker threads) and logs in as the desk's own
role, so row-level security decides what it may read and write (kiosk/hub/schema.py). Errors
come back as HubError with one line that names the hub, never its password.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any, Final, cast

import psycopg

from kiosk.hub.admin import hub_visits
from kiosk.hub.errors import HubError
from kiosk.hub.schema import NOTIFY_CHANNEL, check_version, connect, describe_error
from kiosk.model import Visit
from kiosk.staff_pins import ROLES, delay_after, pin_matches

__all__ = [
    "OUTCOMES",
    "BoardRow",
    "Connection",
    "HubNotice",
    "SignIn",
    "acknowledge",
    "day_bounds",
    "fetch_board",
    "fetch_visit",
    "listen",
    "mark_seen",
    "record_print",
    "sign_in",
]

Connection = psycopg.Connection[tuple[object, ...]]
OUTCOMES: Final = ("spoke", "clinician", "left", "other")


@dataclass(frozen=True)
class BoardRow:
    """One visit as the desk's list shows it: facts, no answers."""

    id: int
    kiosk: str
    location: str | None
    code: str
    started_at: datetime
    status: str
    urgent: bool
    risk: str
    printed: bool
    seen: bool
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    outcome: str | None
    revision: int

    @property
    def awaiting_acknowledgement(self) -> bool:
        return self.urgent and self.acknowledged_at is None


@dataclass(frozen=True)
class HubNotice:
    """A change notice from the hub: which visit (its hub id; None when a kiosk's own facts
    changed), and whether it is urgent."""

    visit_id: int | None
    urgent: bool


def day_bounds(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=zone)
    return start, start + timedelta(days=1)


def _guarded(url: str, work: Callable[[Connection], Any]) -> Any:
    conn = connect(url)
    try:
        check_version(conn, url)
        return work(conn)
    except psycopg.Error as exc:
        raise HubError(describe_error(url, exc)) from None
    finally:
        conn.close()


_BOARD: Final = """
    SELECT id, kiosk, location, code, started_at, status, urgent, risk, printed,
           seen_at IS NOT NULL, acknowledged_at, acknowledged_by, outcome, revision
    FROM hub.visit_board WHERE started_at >= %s AND started_at < %s
    -- urgent first, then newest (UX.md)
    ORDER BY urgent DESC, started_at DESC, id DESC
"""


def board_rows(conn: Connection, start: datetime, end: datetime) -> list[BoardRow]:
    rows = conn.execute(_BOARD, [start, end]).fetchall()
    return [BoardRow(*cast(Any, row)) for row in rows]


def fetch_board(url: str, start: datetime, end: datetime) -> list[BoardRow]:
    return cast(list[BoardRow], _guarded(url, lambda conn: board_rows(conn, start, end)))


def fetch_visit(url: str, visit_id: int) -> tuple[str, Visit]:
    """(kiosk name, the whole visit) as the summary code takes it."""

    def read(conn: Connection) -> tuple[str, Visit]:
        row = conn.execute(
            "SELECT started_at FROM hub.visit_board WHERE id = %s", [visit_id]
        ).fetchone()
        if row is None:
            raise HubError(f"visit {visit_id} is not at the hub")
        started = cast(datetime, row[0])
        for kiosk, visit in hub_visits(conn, started, started + timedelta(microseconds=1)):
            if visit.id == visit_id:
                return kiosk, visit
        raise HubError(f"visit {visit_id} is not at the hub")

    return cast("tuple[str, Visit]", _guarded(url, read))


@dataclass(frozen=True)
class SignIn:
    """A PIN tried at the desk: the role it signs in as (None: refused), and how long before
    the desk may try again (wrong PINs earn the kiosk's waits: kiosk.staff_pins.delay_after)."""

    role: str | None
    wait_seconds: float = 0.0
    checked: bool = True  # False: tried during a wait, so not looked at (nor counted)


def sign_in(url: str, pin: str) -> SignIn:
    """Check ``pin`` against the hub's staff PINs, counting this desk's wrong ones at the hub.
    Raises HubError when no PIN is set at the hub (nobody could sign in: `hub set-pin` is the
    fix) or this login is not a desk's."""

    def check(conn: Connection) -> SignIn:
        with conn.transaction():
            # Locked for the check: two tries at once from the same desk count as two.
            row = conn.execute(
                """
                SELECT pin_failures,
                       GREATEST(0, EXTRACT(EPOCH FROM pin_wait_until - now()))::float8
                FROM hub.desks WHERE role_name = current_user FOR UPDATE
                """
            ).fetchone()
            if row is None:
                raise HubError(
                    "this login is not a desk of the hub: make one with "
                    "`python -m kiosk hub add-desk NAME`"
                )
            failures, wait = cast(int, row[0]), float(cast(float, row[1] or 0.0))
            if wait > 0:
                return SignIn(None, wait, checked=False)
            stored = {
                cast(str, role): cast(str, pin_hash)
                for role, pin_hash in conn.execute("SELECT role, pin_hash FROM hub.staff_pins")
            }
            if not stored:
                raise HubError(
                    "no staff PIN is set at the hub: run `python -m kiosk hub set-pin reception`"
                )
            for role in ROLES:
                pin_hash = stored.get(role)
                if pin_hash is not None and pin_matches(pin_hash, pin):
                    conn.execute(
                        """
                        UPDATE hub.desks SET pin_failures = 0, pin_wait_until = NULL
                        WHERE role_name = current_user
                        """
                    )
                    return SignIn(role)
            failures += 1
            delay = delay_after(failures)
            conn.execute(
                """
                UPDATE hub.desks SET pin_failures = %s,
                    pin_wait_until = now() + make_interval(secs => %s)
                WHERE role_name = current_user
                """,
                [failures, delay],
            )
            return SignIn(None, delay)

    return cast(SignIn, _guarded(url, check))


def acknowledge(url: str, visit_id: int, role: str, outcome: str) -> bool:
    """Acknowledge an urgent visit; False when someone acknowledged it first (the first wins)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")

    def write(conn: Connection) -> bool:
        with conn.transaction():
            row = conn.execute(
                """
                INSERT INTO hub.acknowledgements (visit_id, staff_role, outcome)
                VALUES (%s, %s, %s) ON CONFLICT (visit_id) DO NOTHING RETURNING id
                """,
                [visit_id, role, outcome],
            ).fetchone()
        return row is not None

    return bool(_guarded(url, write))


def mark_seen(url: str, visit_id: int, role: str) -> None:
    def write(conn: Connection) -> None:
        with conn.transaction():
            conn.execute(
                """
                INSERT INTO hub.seen_marks (visit_id, staff_role) VALUES (%s, %s)
                ON CONFLICT (visit_id) DO NOTHING
                """,
                [visit_id, role],
            )

    _guarded(url, write)


def record_print(
    url: str, visit_id: int, queue: str, ok: bool, error: str | None, role: str
) -> None:
    def write(conn: Connection) -> None:
        with conn.transaction():
            conn.execute(
                """
                INSERT INTO hub.desk_prints (visit_id, queue, state, error, staff_role)
                VALUES (%s, %s, %s, %s, %s)
                """,
                [visit_id, queue, "completed" if ok else "failed", error, role],
            )

    _guarded(url, write)


def _touch(conn: Connection) -> None:
    conn.execute("UPDATE hub.desks SET last_contact_at = now() WHERE role_name = current_user")


def _notice(payload: str) -> HubNotice | None:
    try:
        data = json.loads(payload)
        visit = data["visit"]
        return HubNotice(
            visit_id=None if visit is None else int(visit), urgent=bool(data["urgent"])
        )
    except (ValueError, KeyError, TypeError):
        return None


def listen(
    url: str,
    stop: threading.Event,
    on_changes: Callable[[Connection, list[HubNotice]], None],
    *,
    refresh_seconds: float = 30.0,
    wake_seconds: float = 0.5,
) -> None:
    """LISTEN for the hub's change notices until ``stop`` is set; each batch of notices (and
    every ``refresh_seconds`` without any, an empty batch) goes to ``on_changes`` with the
    connection, which it may query. Returns when stopped; raises HubError when the connection
    fails (the caller reconnects). ``on_changes`` is called once at once, before any notice,
    so the caller reads the board only after the LISTEN is in place and misses nothing."""
    conn = connect(url)
    try:
        check_version(conn, url)
        conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
        _touch(conn)
        on_changes(conn, [])
        quiet = 0.0
        while not stop.is_set():
            notices = [
                found
                for notify in conn.notifies(timeout=wake_seconds, stop_after=1)
                if (found := _notice(notify.payload)) is not None
            ]
            if conn.closed or conn.broken:
                raise HubError(describe_error(url, ConnectionError("connection lost")))
            if notices:
                quiet = 0.0
                on_changes(conn, notices)
                continue
            quiet += wake_seconds
            if quiet >= refresh_seconds:
                quiet = 0.0
                _touch(conn)
                on_changes(conn, [])
    except psycopg.Error as exc:
        raise HubError(describe_error(url, exc)) from None
    finally:
        conn.close()
