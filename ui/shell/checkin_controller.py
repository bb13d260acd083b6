"""Check-in stepping: each visitor intent becomes a call on kiosk.flow, saved before the next
screen shows; while another program holds the database the screen is held and the save tried
again; a save that cannot be made ends the visit calmly."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from kiosk.content import Content
from kiosk.store import (
    Store,
    StoreBusyError,
    StoreError,
    StoreFilesLostError,
    VisitNotFoundError,
)

if TYPE_CHECKING:
    from kiosk.flow import FlowState, VisitFlow

log = logging.getLogger(__name__)
# A tap that finds the database locked by another program is tried again after these pauses
# (about 4 s in all), the screen held meanwhile; then the visitor is sent to the front desk.
SAVE_RETRY_MS = (30, 60, 120, 250, 500, 1000, 1000, 1000)


class CheckinController(QObject):
    """The open visit (`flow`) and the saving of its steps. Emits `state_reached` with the
    state to show once a step is committed, `unavailable` when it could not be, and
    `store_lost` when the database's files went away under it."""

    state_reached = Signal(object)  # FlowState
    unavailable = Signal()
    store_lost = Signal(str)

    def __init__(
        self,
        parent: QObject,
        content: Content,
        store: Store | None,
        on_screen: Callable[[], QWidget | None],
        instruments: Sequence[str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.content = content
        self.instruments = instruments  # asked in this order ([screening] instruments)
        self.store = store
        self.on_screen = on_screen
        self.flow: VisitFlow | None = None
        # The visitor's intent being saved while the database is locked (see step), and the
        # screen held meanwhile; the flow moves on only once it is committed.
        self._saving: Callable[[VisitFlow], FlowState] | None = None
        self._save_tries = 0
        self._held: QWidget | None = None
        self.save_retry_ms = SAVE_RETRY_MS
        self.save_timer = QTimer(self)
        self.save_timer.setSingleShot(True)
        self.save_timer.timeout.connect(self._save)
        # Visits a save failure interrupted, marked abandoned as soon as the database takes it.
        self.visits_to_abandon: list[str] = []

    def start(self, language: str) -> FlowState | None:
        """A new visit in `language`; its first state, or None with no database."""
        if self.store is None:
            return None
        from kiosk.flow import VisitFlow  # with scoring: loaded by the first check-in

        self.flow = VisitFlow(self.store, self.content, language, instruments=self.instruments)
        return self.flow.state()

    def step(self, action: Callable[[VisitFlow], FlowState]) -> None:
        """One visitor intent, saved before the next screen shows. While another program holds
        the database, the screen is held (greyed, taps ignored) and the save tried again a
        moment later, never waited for on this thread: a wait here would freeze the screen."""
        if self.flow is None or self._saving is not None:
            return
        self._saving = action
        self._save_tries = 0
        self._save()

    def _save(self) -> None:
        action, flow = self._saving, self.flow
        if action is None or flow is None:
            return
        try:
            state = action(flow)
        except StoreBusyError as exc:
            if self._save_tries < len(self.save_retry_ms):
                self._hold_screen()
                self.save_timer.start(self.save_retry_ms[self._save_tries])
                self._save_tries += 1
                return
            self._save_failed(exc)
            return
        except StoreError as exc:
            self._save_failed(exc)
            return
        self._end_saving()
        self.state_reached.emit(state)

    def _save_failed(self, exc: StoreError) -> None:
        # The store rolled back: nothing half-written. The visitor gets a calm message, and
        # the visit is marked abandoned now (or as soon as the database takes it), not left
        # "in progress" until the next start.
        log.error("cannot save: %s", exc)
        self._end_saving()
        flow, self.flow = self.flow, None
        if flow is not None:
            self._abandon(flow)
        if isinstance(exc, StoreFilesLostError):
            self.store_lost.emit(str(exc))  # the window drops the store: out of order
            return
        self.unavailable.emit()

    def _hold_screen(self) -> None:
        if self._held is None:
            self._held = self.on_screen()
            if self._held is not None:
                self._held.setEnabled(False)

    def _end_saving(self) -> None:
        self.save_timer.stop()
        self._saving = None
        if self._held is not None:
            self._held.setEnabled(True)
            self._held = None

    def _abandon(self, flow: VisitFlow) -> None:
        try:
            flow.abandon()
        except StoreError as exc:
            log.warning("cannot mark the visit abandoned yet: %s", exc)
            if flow.code is not None and flow.code not in self.visits_to_abandon:
                self.visits_to_abandon.append(flow.code)

    def retry_abandons(self) -> None:
        """Mark abandoned the visits a save failure interrupted, if the database takes it now
        (called every few seconds and whenever the database is back)."""
        while self.visits_to_abandon and self.store is not None:
            try:
                self.store.abandon_visit(self.visits_to_abandon[0])
            except VisitNotFoundError:
                pass  # purged, or in a database restored from before it
            except StoreError:
                return
            self.visits_to_abandon.pop(0)

    def set_language(self, language: str) -> None:
        if self.flow is not None:
            before = self.flow.state()
            try:
                after = self.flow.set_language(language)
            except StoreError as exc:
                log.error("cannot save language: %s", exc)
                return
            # The new language may not ask the question on screen (no official text, e.g. the
            # ASQ in Spanish): the flow moved on, so the screens follow.
            if (after.step, after.question) != (before.step, before.question):
                self.state_reached.emit(after)

    def end(self) -> None:
        """The visitor has gone (Finish, idle, staff): the open visit is abandoned if it was not
        complete, and the database tidied for the next one."""
        self._end_saving()
        ended = self.flow is not None
        if self.flow is not None:
            self._abandon(self.flow)
        self.flow = None
        self.retry_abandons()
        if ended and self.store is not None:
            # The WAL is folded into the database and emptied between visitors, so that it
            # stays small (docs/storage.md, "A small or full disk").
            try:
                self.store.checkpoint()
            except StoreFilesLostError as exc:
                self.store_lost.emit(str(exc))  # the window drops it; out of order after
            except StoreError as exc:
                log.info("checkpoint after the visit postponed: %s", exc)
