"""The warm-up: a moment after Welcome is first painted, every other screen is built, then the
print service and the voice, a step per turn of the event loop."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

if TYPE_CHECKING:
    from ui.shell.navigator import ScreenId

log = logging.getLogger(__name__)
WARM_UP_MS = 50  # after the first frame; a visitor cannot tap that fast
WARM_UP_FALLBACK_MS = 3000  # if the window is never reported exposed


class WarmUp(QObject):
    """Builds with `build` each screen `screens()` names, then calls each of `then` (what it
    makes, how); emits `finished` once all were tried, whatever failed."""

    started = Signal()  # once, as it begins (the window's first frame is drawn by then)
    finished = Signal()

    def __init__(
        self,
        parent: QObject,
        screens: Callable[[], Iterable[ScreenId]],
        build: Callable[[ScreenId], object],
        then: Sequence[tuple[str, Callable[[], object]]],
    ) -> None:
        super().__init__(parent)
        self.screens = screens
        self.build = build
        self.then = then
        self.scheduled = False  # by the first exposure of the window (window_exposed)
        self.tried: set[ScreenId] = set()  # built or not
        self.begun = False

    def shown(self) -> None:
        """The window is shown. The main window calls window_exposed; should the window never
        be exposed (no compositor answer), the warm-up still comes, later."""
        if not self.scheduled:
            QTimer.singleShot(WARM_UP_FALLBACK_MS, self.window_exposed)

    def window_exposed(self) -> None:
        """The window is on screen and its first frame is being drawn: warm up 50 ms later.

        Counted from the window's first exposure, not from the show: under a compositor the
        window appears only once it has answered the compositor, which may take longer than
        50 ms; the first frame comes first either way."""
        if self.scheduled:
            return
        self.scheduled = True
        QTimer.singleShot(WARM_UP_MS, self._step)

    def _begin(self) -> None:
        if not self.begun:
            self.begun = True
            self.started.emit()

    def _step(self) -> None:
        """A screen at a time, one per turn of the event loop: the window keeps answering its
        compositor and a visitor's taps in between (all at once is ~40 ms)."""
        self._begin()
        if self._next():
            QTimer.singleShot(0, self._step)
        else:
            self._done()

    def run_now(self) -> None:
        """The whole warm-up now: every screen not built yet, then the rest."""
        self.scheduled = True  # done now: the timed one need not come
        self._begin()
        while self._next():
            pass
        self._done()

    def _next(self) -> bool:
        """Build the next screen not tried yet; False when there is none left. A screen that
        cannot be built is logged and passed over: the others must still come, and start-up
        must still settle."""
        screen_id = next((s for s in self.screens() if s not in self.tried), None)
        if screen_id is None:
            return False
        self.tried.add(screen_id)
        try:
            self.build(screen_id)
        except Exception:
            log.exception("warm-up: cannot build the %s screen", screen_id.value)
        return True

    def _done(self) -> None:
        for what, make in self.then:
            try:
                make()
            except Exception:
                log.exception("warm-up: cannot %s", what)
        self.finished.emit()
