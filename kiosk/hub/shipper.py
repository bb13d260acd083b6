"""The kiosk's replication worker: ships pending visits to the hub, pulls acknowledgements back.

A plain thread, never the screen's: the kiosk never waits for the hub. Each round it

1. connects when it has no connection (and checks the hub's schema version: a newer hub is
   refused, nothing is sent), and notes which hub it is (a new hub gets every visit kept);
2. pulls back acknowledgements made at a desk that this kiosk's rows at the hub do not show
   yet, and records each through Store.acknowledge (the safety screen then says so);
3. ships the pending visits in batches: each visit's whole current state with its change
   sequence, upserted so that a batch sent twice, or an older state arriving after a newer one,
   changes nothing (the hub keeps a row only for a higher sequence); then, after the hub has
   committed, marks them confirmed in the kiosk's queue;
4. tells the hub it was here and how many visits it still has to send.

Any failure (the hub down, a wrong password, a killed server mid-batch) closes the connection
and the next round starts over after a back-off; what was not confirmed is simply sent again.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Final, cast

import msgspec
import psycopg

from kiosk.config import redact_url
from kiosk.hub import queue
from kiosk.hub.errors import HubSchemaError, HubSchemaTooNewError
from kiosk.hub.queue import PendingVisit
from kiosk.hub.schema import check_version, connect, describe_error
from kiosk.store import Store, VisitNotFoundError

__all__ = ["BATCH_SIZE", "Shipper", "SyncState", "send_batch"]

log = logging.getLogger(__name__)

BATCH_SIZE: Final = 100
IDLE_SECONDS: Final = 2.0  # between rounds with nothing to send (acknowledgements are polled)
MIN_BACKOFF_SECONDS: Final = 1.0
MAX_BACKOFF_SECONDS: Final = 60.0

Connection = psycopg.Connection[tuple[Any, ...]]


@dataclass(frozen=True)
class SyncState:
    """The kiosk's sync state in one line for staff mode: last success, backlog, last error."""

    last_success: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    failing: bool = False  # the last round failed


def _from_json(types: str) -> str:
    """A SELECT of the rows of one JSON array parameter, element i of each row cast to the i-th
    word of ``types``.

    Each statement below takes the whole batch this way: one statement per table per batch
    instead of one per visit and child row, so a batch costs a few round trips whatever its
    size, and row-level security's check (this kiosk's visits) is worked out once per statement.
    JSON rather than typed arrays because msgspec encodes it in C, where psycopg would build
    arrays in Python — and the shipper shares the GIL with the kiosk's screen. Times go as the
    store's own text (ISO 8601, UTC, with its offset)."""
    cells = ", ".join(f"(r->>{index})::{kind}" for index, kind in enumerate(types.split()))
    return f"SELECT {cells} FROM jsonb_array_elements(%s::jsonb) AS r"


# hub.visits' columns below, in order (the kiosk_id is the login's: hub.current_kiosk_id()).
_VISIT_ROWS: Final = _from_json(
    "text bigint text timestamptz timestamptz text boolean text text text text timestamptz"
    " timestamptz text text"
)
_UPSERT_VISITS: Final = f"""
    INSERT INTO hub.visits AS v (code, change_seq, language, started_at, completed_at, status,
        urgent, risk, urgent_reason, name, guidance, seen_at, acknowledged_at, acknowledged_by,
        outcome)
    {_VISIT_ROWS}
    ON CONFLICT (kiosk_id, code) DO UPDATE SET
        change_seq = excluded.change_seq, language = excluded.language,
        started_at = excluded.started_at, completed_at = excluded.completed_at,
        status = excluded.status, urgent = excluded.urgent, risk = excluded.risk,
        urgent_reason = excluded.urgent_reason, name = excluded.name,
        guidance = excluded.guidance, seen_at = excluded.seen_at,
        acknowledged_at = excluded.acknowledged_at, acknowledged_by = excluded.acknowledged_by,
        outcome = excluded.outcome, revision = nextval('hub.revision'), received_at = now()
    WHERE v.change_seq < excluded.change_seq
    RETURNING v.code, v.id
"""

_RECORD_CHANGES: Final = f"""
    INSERT INTO hub.visit_changes (code, change_seq) {_from_json("text bigint")}
    ON CONFLICT DO NOTHING
"""

_CHILDREN: Final = {
    "answers": f"""
        INSERT INTO hub.answers (visit_id, section, item, value, answered_at)
        {_from_json("bigint text integer integer timestamptz")}
    """,
    "scores": f"""
        INSERT INTO hub.scores (visit_id, instrument, total, band, complete, skipped, urgent)
        {_from_json("bigint text integer text boolean integer boolean")}
    """,
    "print_jobs": f"""
        INSERT INTO hub.print_jobs (visit_id, kiosk_job_id, queue, cups_job_id, state, error,
            created_at, updated_at)
        {_from_json("bigint integer text integer text text timestamptz timestamptz")}
    """,
}


def _json(rows: list[tuple[Any, ...]]) -> list[str]:
    return [msgspec.json.encode(rows).decode()]


def send_batch(conn: Connection, batch: list[PendingVisit]) -> list[tuple[int, int]]:
    """Upsert ``batch`` at the hub in one transaction; the (visit id, sequence) pairs the hub
    now holds (or holds something newer of). A visit whose sequence the hub already has, or has
    passed, is left as it is: sending a batch again changes nothing."""
    shipped = [(pending.visit_id, pending.seq) for pending in batch]
    present = [pending for pending in batch if pending.visit is not None]
    if not present:
        return shipped
    visits = [
        (
            visit["code"],
            pending.seq,
            visit["language"],
            visit["started_at"],
            visit["completed_at"],
            visit["status"],
            bool(visit["urgent"]),
            visit["risk"],
            visit["urgent_reason"],
            visit["name"],
            visit["guidance"],
            visit["seen_at"],
            visit["acknowledged_at"],
            visit["acknowledged_by"],
            visit["outcome"],
        )
        for pending in present
        if (visit := pending.visit) is not None
    ]
    with conn.transaction():
        # Only the visits whose sequence is newer than the hub's come back: their children are
        # replaced; the others (the hub has this state or a newer one) are left alone.
        written = {
            cast(str, code): cast(int, hub_id)
            for code, hub_id in conn.execute(_UPSERT_VISITS, _json(visits)).fetchall()
        }
        with conn.pipeline(), conn.cursor() as cursor:
            cursor.execute(_RECORD_CHANGES, _json([(v[0], v[1]) for v in visits]))
            replaced = [
                (written[p.visit["code"]], p)
                for p in present
                if p.visit is not None and p.visit["code"] in written
            ]
            if not replaced:
                return shipped
            ids = [hub_id for hub_id, _ in replaced]
            for table in _CHILDREN:
                cursor.execute(f"DELETE FROM hub.{table} WHERE visit_id = ANY(%s)", [ids])
            children: dict[str, list[tuple[Any, ...]]] = {table: [] for table in _CHILDREN}
            for hub_id, pending in replaced:
                children["answers"] += [(hub_id, *answer) for answer in pending.answers]
                children["scores"] += [
                    (hub_id, instrument, total, band, bool(complete), skipped, bool(urgent))
                    for instrument, total, band, complete, skipped, urgent in pending.scores
                ]
                children["print_jobs"] += [(hub_id, *job) for job in pending.print_jobs]
            for table, statement in _CHILDREN.items():
                if children[table]:
                    cursor.execute(statement, _json(children[table]))
    return shipped


class Shipper:
    """Replicates one kiosk's store to the hub at ``url`` from a thread of its own."""

    def __init__(
        self,
        store: Store,
        url: str,
        *,
        location: str | None = None,
        batch_size: int = BATCH_SIZE,
        idle_seconds: float = IDLE_SECONDS,
        min_backoff: float = MIN_BACKOFF_SECONDS,
        max_backoff: float = MAX_BACKOFF_SECONDS,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.store = store
        self.url = url
        self.location = location
        self.batch_size = batch_size
        self.idle_seconds = idle_seconds
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self._clock = clock or (lambda: datetime.now(UTC))
        self._conn: Connection | None = None
        self._state = SyncState()
        self._state_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._enabled = False

    # -- the state staff mode shows --

    @property
    def state(self) -> SyncState:
        with self._state_lock:
            return self._state

    def backlog(self) -> int:
        return queue.backlog(self.store)

    def _set_state(self, **changes: Any) -> None:
        with self._state_lock:
            self._state = replace(self._state, **changes)

    # -- one round, callable directly (tests, `hub` tools) --

    def run_once(self) -> int:
        """Pull acknowledgements, ship everything pending, report; how many visits were sent.
        Raises what went wrong (the connection is dropped then)."""
        if not self._enabled:
            queue.enable(self.store)
            queue.tidy(self.store)
            self._enabled = True
        try:
            conn = self._connection()
            self._pull_acknowledgements(conn)
            sent = 0
            while not self._stopping.is_set():
                began = time.monotonic()
                batch = queue.pending(self.store, self.batch_size)
                if not batch:
                    break
                shipped = send_batch(conn, batch)
                queue.confirm(self.store, shipped)
                sent += len(shipped)
                if len(batch) == self.batch_size and queue.backlog(self.store):
                    # Catching up batch after batch: rest as long as the batch took, so the
                    # screen's thread (which shares the GIL, and the CPU of a small kiosk)
                    # always gets its turn; a backlog still drains at half speed at worst.
                    self._stopping.wait(time.monotonic() - began)
            with conn.transaction():
                conn.execute(
                    """
                    UPDATE hub.kiosks SET last_contact_at = now(), backlog = %s,
                        location = COALESCE(%s, location)
                    WHERE role_name = current_user
                    """,
                    [queue.backlog(self.store), self.location],
                )
        except BaseException:
            self._drop_connection()
            raise
        self._set_state(last_success=self._clock(), failing=False)
        return sent

    def _connection(self) -> Connection:
        if self._conn is not None and not self._conn.closed:
            return self._conn
        conn = connect(self.url)
        try:
            check_version(conn, self.url)
            row = conn.execute("SELECT hub_id::text FROM hub.meta").fetchone()
            if row is None:
                raise HubSchemaError(
                    f"the hub {redact_url(self.url)} has lost its identity row (hub.meta); "
                    f"run `python -m kiosk hub init` on it again"
                )
            if queue.switch_hub(self.store, cast(str, row[0])):
                log.info(
                    "hub %s: new to this kiosk, every visit kept is queued", redact_url(self.url)
                )
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        return conn

    def _drop_connection(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                self._conn.close()
            self._conn = None

    def _pull_acknowledgements(self, conn: Connection) -> None:
        # Row-level security shows this kiosk its own visits' acknowledgements only; those its
        # visit rows at the hub do not show yet are the ones to apply here (again is harmless).
        rows = conn.execute(
            """
            SELECT v.code, a.staff_role, a.outcome
            FROM hub.acknowledgements a JOIN hub.visits v ON v.id = a.visit_id
            WHERE v.urgent AND v.acknowledged_at IS NULL
            ORDER BY a.id
            """
        ).fetchall()
        for code, role, outcome in rows:
            try:
                self.store.acknowledge(cast(str, code), cast(str, role), cast(Any, outcome))
            except (VisitNotFoundError, ValueError) as exc:
                log.warning("hub acknowledgement of %s not applied: %s", code, exc)

    # -- the thread --

    def start(self) -> None:
        if self._thread is not None:
            return
        # A visit that becomes urgent goes to the hub (and the desks' banners) at once, not at
        # the end of an idle round: the store calls this right after that commit.
        self.store.urgent_listeners.append(self.wake)
        self._thread = threading.Thread(target=self._loop, name="hub-shipper", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Ship now rather than at the next round (a visit just became urgent)."""
        self._wake.set()

    def stop(self, timeout: float = 15.0) -> None:
        """Finish the round in progress (at most ``timeout`` seconds) and close the connection."""
        self._stopping.set()
        self._wake.set()
        if self.wake in self.store.urgent_listeners:
            self.store.urgent_listeners.remove(self.wake)
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._drop_connection()

    def _loop(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            try:
                self.run_once()
            except Exception as exc:  # every failure is retried; the kiosk works on meanwhile
                failures += 1
                message = describe_error(self.url, exc)
                if message != self.state.last_error or failures == 1:
                    log.warning("hub replication: %s", message)
                self._set_state(last_error=message, last_error_at=self._clock(), failing=True)
                ceiling = self.max_backoff
                if isinstance(exc, HubSchemaTooNewError):
                    failures = max(failures, 16)  # nothing will change soon: ask rarely
                delay = min(ceiling, self.min_backoff * 2 ** min(failures - 1, 16))
                wait = delay * random.uniform(0.75, 1.0)
            else:
                failures = 0
                wait = self.idle_seconds
            self._wake.wait(wait)
            self._wake.clear()
