"""The delivery worker: takes due rows from the outbox, hands each to its channel, records the
outcome, retries on the schedule of kiosk/alerts/schedule.py and escalates once.

Runs on threads of its own, never the GUI thread: one thread decides what is due (and when to
look again), and each target has its own lane (a thread), so a hanging webhook holds up neither
the e-mail nor the slip. It holds the store's lock only to read and record, never while sending.

Delivery is at-least-once: a row is marked sent only after its channel accepted it, so a kiosk
stopped between the two (power cut, SIGKILL) sends it again after its restart.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from kiosk.alerts import CHANNELS, AlertNotSentError, configured_targets, escalation_targets
from kiosk.alerts.schedule import escalation_seconds, retry_delay, seconds_left
from kiosk.boot_clock import BootClock

if TYPE_CHECKING:
    from kiosk.config import Config
    from kiosk.store import Store
    from kiosk.store.repository import AlertStamp, OutboxItem

__all__ = ["POLL_SECONDS", "AlertWorker"]

log = logging.getLogger(__name__)

# The longest the worker sleeps without being woken: rows written by another program (a future
# hub, an admin's tool) are found within this. Rows the kiosk writes wake it at once.
POLL_SECONDS = 30.0


class _Lane:
    """One target's thread: delivers what it is given, one row at a time."""

    def __init__(self, name: str, work: Callable[[OutboxItem], None]) -> None:
        self.items: queue.SimpleQueue[OutboxItem | None] = queue.SimpleQueue()
        self._work = work
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (item := self.items.get()) is not None:
            self._work(item)


class AlertWorker:
    def __init__(
        self,
        store: Store,
        config: Config,
        *,
        boot_clock: BootClock | None = None,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.store = store
        self.config = config
        self._targets = configured_targets(config)
        self._escalates = bool(escalation_targets(config))
        self._boot = boot_clock or store.boot_clock
        self._poll = poll_seconds
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._retry_at: dict[int, float] = {}  # alert id -> boot-clock second it may go again
        self._in_flight: set[int] = set()
        self._deadlines: dict[tuple[int, str, str], float] = {}  # first-alert row -> deadline
        self._lanes: dict[tuple[str, str], _Lane] = {}
        self._unknown: set[tuple[str, str]] = set()  # targets no longer configured, logged once
        self._thread: threading.Thread | None = None
        # Called on a worker thread with the visit's code once a channel accepted its alert
        # (the kiosk's window turns it into a signal for the GUI thread).
        self.delivered: list[Callable[[str], None]] = []

    # -- running ----------------------------------------------------------------------------

    def start(self) -> None:
        self.store.alert_listeners.append(self.wake)
        self._thread = threading.Thread(target=self._loop, name="alert-outbox", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop looking for work; a send under way is left to finish (or hang) on its daemon
        thread: its row stays pending and goes again at the next start (at-least-once)."""
        self._stopping.set()
        self._wake.set()
        if self.wake in self.store.alert_listeners:
            self.store.alert_listeners.remove(self.wake)
        if self._thread is not None:
            self._thread.join(timeout)  # before the lanes: it is the one that makes them
        for lane in list(self._lanes.values()):
            lane.items.put(None)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                wait = self.run_once()
            except Exception:  # a store error or a bug: logged, tried again after a poll
                log.exception("alert outbox: could not look for due alerts")
                wait = self._poll
            self._wake.wait(min(max(wait, 0.05), self._poll))

    # -- one pass ---------------------------------------------------------------------------

    def run_once(self) -> float:
        """Escalate what is due, hand due rows to their lanes; seconds until the next pass is
        needed (at most the poll interval)."""
        _, now = self._boot()
        wait = self._poll
        if self._escalates:
            wait = min(wait, self._escalate_due(now))
        for item in self.store.due_alerts():
            key = (item.channel, item.target)
            if self._stopping.is_set():
                break
            if key not in self._targets or item.channel not in CHANNELS:
                if key not in self._unknown:
                    self._unknown.add(key)
                    log.warning(
                        "alert outbox: %s target %s is no longer configured; its alerts wait",
                        item.channel,
                        item.target,
                    )
                continue
            with self._lock:
                if item.id in self._in_flight:
                    continue
                due = self._retry_at.get(item.id, now)
                if due > now:
                    wait = min(wait, due - now)
                    continue
                self._in_flight.add(item.id)
            self._lane(key).items.put(item)
        return wait

    def _escalate_due(self, now: float) -> float:
        wait = self._poll
        boot = self._boot()
        wall = self.store.now()
        minutes = self.config.alerts.escalate_after_minutes
        for candidate in self.store.escalation_candidates():
            deadline = min(
                self._deadline(candidate.visit_id, stamp, boot, wall) for stamp in candidate.stamps
            )
            if deadline <= now:
                level = max((s.level for s in candidate.stamps), key=lambda lv: lv == "acute")
                waited = escalation_seconds(level, minutes) / 60
                if self.store.escalate(candidate.visit_id, waited):
                    log.warning("alert outbox: visit %s escalated", candidate.code)
            else:
                wait = min(wait, deadline - now)
        return wait

    def _deadline(
        self, visit_id: int, stamp: AlertStamp, boot: tuple[str, float], wall: datetime
    ) -> float:
        # Derived once per row and kept: after a reboot the stored wall time is all there is,
        # and deriving it again at every pass would let a wall-clock jump move it.
        key = (visit_id, stamp.created_at.isoformat(), stamp.level)
        deadline = self._deadlines.get(key)
        if deadline is None:
            left = seconds_left(
                escalation_seconds(stamp.level, self.config.alerts.escalate_after_minutes),
                created_at=stamp.created_at,
                boot_id=stamp.boot_id,
                boot_at=stamp.boot_at,
                now=wall,
                boot=boot,
            )
            deadline = self._deadlines[key] = boot[1] + left
        return deadline

    # -- delivering -------------------------------------------------------------------------

    def _lane(self, key: tuple[str, str]) -> _Lane:
        lane = self._lanes.get(key)
        if lane is None:
            lane = self._lanes[key] = _Lane(f"alert-{key[0]}-{key[1]}", self._deliver)
        return lane

    def _deliver(self, item: OutboxItem) -> None:
        from kiosk.alerts.message import compose

        error: str | None = None
        try:
            message = compose(item, self.config)
            target = self._targets[(item.channel, item.target)]
            CHANNELS[item.channel].deliverer()(message, target, self.config)
        except AlertNotSentError as exc:
            error = str(exc) or "not accepted"
        except Exception as exc:  # a channel's bug: a failed attempt, retried, never a crash
            log.exception("alert outbox: %s failed", item.channel)
            error = f"{type(exc).__name__}: {exc}"[:200]
        delay = retry_delay(item.attempts + 1)
        try:
            if self._stopping.is_set() and error is not None:
                return
            retry_at = None if error is None else self.store.now() + timedelta(seconds=delay)
            self.store.record_alert_attempt(item.id, error=error, next_attempt_at=retry_at)
        except Exception:
            # The store closed under a send (the kiosk stopping) or failed: the row is still
            # pending and goes again later; a duplicate is the price of at-least-once.
            log.exception("alert outbox: could not record an attempt on alert %s", item.id)
            error = error or "not recorded"
        finally:
            with self._lock:
                self._in_flight.discard(item.id)
                if error is not None:
                    self._retry_at[item.id] = self._boot()[1] + delay
                else:
                    self._retry_at.pop(item.id, None)
        if error is None:
            log.info("alert outbox: %s accepted the alert of visit %s", item.channel, item.code)
            for listener in list(self.delivered):
                listener(item.code)
        else:
            log.warning(
                "alert outbox: %s did not take visit %s's alert: %s", item.channel, item.code, error
            )
        self._wake.set()
