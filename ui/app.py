"""Builds the kiosk main window: content, store, theme, navigator, idle reset and lock-down."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from PySide6 import QtCore
from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QResizeEvent, QShowEvent, QWindow
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

from kiosk.config import Config
from kiosk.content import Content, load_content
from kiosk.store import Store, StoreError, open_store, try_open_store
from kiosk.store.schema import HUB_REPLICATE_SETTING
from ui import theme
from ui.idle import IdleOverlay, IdleWatcher, watch_input
from ui.shell.navigator import Navigator, ScreenId
from ui.worker import Worker

if TYPE_CHECKING:
    from kiosk.alerts.worker import AlertWorker
    from kiosk.hub.shipper import Shipper

log = logging.getLogger(__name__)
DAY_MS = 24 * 60 * 60 * 1000
# The screen thread never waits longer than about a frame for the database (a lock held by an
# admin command, or by the kiosk's own print or staff work): it tries again later instead.
GUI_LOCK_WAIT_SECONDS = 0.02
# How often the kiosk looks at the database's files (deleted or cut short under it?) and
# marks abandoned the visits a save failure interrupted.
STORE_WATCH_MS = 2000
# Out of order, the database is opened again after these pauses (the last one repeats),
# off the screen thread: a lock, a full disk or a read-only folder clear up by themselves.
OPEN_RETRY_MS = (1000, 2000, 5000, 10000, 30000, 60000)
PORTRAIT_MAX_ASPECT = 1.0  # width / height at or below this lays footers out vertically


class LockDown(QObject):
    """Fullscreen kiosk mode: no context menus anywhere (a long press must not open one).

    Installed on the window's QWindow, which receives every context-menu request first."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        return event.type() == QEvent.Type.ContextMenu


class FirstExpose(QObject):
    """Calls ``exposed`` once, when the window is first exposed: its first frame is drawn and
    handed to the display right after (the window's QWindow is what the platform exposes)."""

    def __init__(self, window: QWindow, exposed: Callable[[], None]) -> None:
        super().__init__(window)
        self._window = window
        self._exposed = exposed
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Expose and self._window.isExposed():
            self._window.removeEventFilter(self)
            self._exposed()
        return False


class MainWindow(QMainWindow):
    # A line for `systemctl status` when the kiosk goes out of order or comes back (main.py).
    status_changed = Signal(str)
    # A channel accepted the alert of this visit (its code): emitted from the alert worker's
    # thread, received on the GUI thread (the safety screen may now say the desk was told).
    alert_delivered = Signal(str)

    def __init__(self, config: Config, content: Content, store: Store | None) -> None:
        super().__init__()
        self.config = config
        self.content = content
        self.store = store
        self.locked = config.kiosk.fullscreen
        self.allow_close = not self.locked
        self.setWindowTitle(config.clinic.name)
        self.navigator = Navigator(config, content, store)
        self.navigator.setObjectName("Shell")
        self.setCentralWidget(self.navigator)

        self.idle = IdleWatcher(config.kiosk.idle_seconds, self)
        self.overlay = IdleOverlay(config.kiosk.idle_countdown_seconds, self)
        self.navigator.restyled_always.append(self.overlay)  # the visitor's look, over any screen
        self.idle.warning.connect(self._idle_warning)
        self.overlay.expired.connect(self._idle_expired)
        self.overlay.dismissed.connect(self._rearm)
        self.navigator.screen_changed.connect(lambda _: self._rearm())
        # Large text, high contrast, read aloud or another language chosen on Welcome must be
        # reset for the next visitor too (connected after the navigator's own handlers).
        bar = self.navigator.top_bar
        for changed in (bar.large_text_toggled, bar.high_contrast_toggled):
            changed.connect(lambda _=False: self._rearm())
        bar.read_aloud_toggled.connect(lambda _=False: self._rearm())
        bar.language_requested.connect(lambda _: self._rearm())
        self.navigator.quit_requested.connect(self.quit_kiosk)
        self._lockdown: LockDown | None = None
        self._announcing = False  # connected to the application's focusChanged

        self.purge_timer = QTimer(self)
        self.purge_timer.setInterval(DAY_MS)
        self.purge_timer.timeout.connect(self._daily_purge)
        self.store_timer = QTimer(self)
        self.store_timer.setInterval(STORE_WATCH_MS)
        self.store_timer.timeout.connect(self._watch_store)
        self.open_retry_ms = OPEN_RETRY_MS
        self.open_timer = QTimer(self)
        self.open_timer.setSingleShot(True)
        self.open_timer.timeout.connect(self._try_open)
        self._open_tries = 0
        self._open_problem: str | None = None  # the last reason logged, to log each only once
        self._opener: Worker | None = None
        self._purger: Worker | None = None
        self.alert_worker: AlertWorker | None = None
        self._closing = False
        # Replication to the clinic hub (docs/hub.md): a thread of its own, only with [hub] url.
        self.hub_shipper: Shipper | None = None
        self.navigator.hub_sync = lambda: self.hub_shipper
        self.navigator.store_lost.connect(self._store_lost)
        self._set_store(store)
        if store is None:
            self._schedule_open()
        # The window's QWindow, watched from the first show (it exists from then; see
        # ui.idle.watch_input for why not the whole application).
        self.input: QObject | None = None
        if self.locked:
            self._lockdown = LockDown(self)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)
            self._announcing = True
        self._pointer_hidden = False
        if self.locked:
            # No pointer on a touch kiosk. Hidden as the warm-up begins, a moment after the
            # first frame and before anyone can touch: a cursor shape is a `Qt.` enum, which
            # the first frame does without (ui.widgets.basics.set_enum).
            self.navigator.warming.started.connect(self._hide_pointer)
        self._rearm()

    def _hide_pointer(self) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication) and not self._pointer_hidden:
            app.setOverrideCursor(QtCore.Qt.CursorShape.BlankCursor)
            self._pointer_hidden = True

    # -- idle -------------------------------------------------------------------------------

    def _rearm(self) -> None:
        self.idle.set_armed(not self.navigator.is_at_rest())

    def _idle_warning(self) -> None:
        strings = self.content[self.navigator.language].strings
        self.overlay.set_texts(
            strings("idle.title"), strings.values["idle.body"], strings("idle.more_time")
        )
        self.overlay.start()
        if self.navigator.reading:
            # Someone listening cannot see the countdown: tell them, and how to stay.
            self.navigator.speaker.stop()
            overlay = self.overlay
            self.navigator.speaker.say(
                [overlay.title.text(), overlay.body.text(), overlay.more_time_button.text()]
            )

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        self.navigator.announce_focus(new)

    def _idle_expired(self) -> None:
        self.navigator.reset()
        self._rearm()

    # -- the database ---------------------------------------------------------------------

    def _set_store(self, store: Store | None) -> None:
        self._stop_alerts()
        self.store = store
        self.navigator.store = store
        staff = self.navigator.built_staff()
        if staff is not None:
            staff.store = store
        self._replicate(store)
        if store is None:
            self.purge_timer.stop()
            self.store_timer.stop()
            return
        store.set_thread_wait(GUI_LOCK_WAIT_SECONDS)
        self._start_alerts(store)
        self.purge_timer.start()
        self.store_timer.start()

    def _start_alerts(self, store: Store) -> None:
        """Tell the store whom an urgent visit alerts (it writes the outbox rows in the same
        commit) and start the worker that delivers them, off this thread (kiosk/alerts)."""
        if not (self.config.alerts_configured or self.config.alerts.escalate):
            return  # no alert is written, and nothing to deliver: nothing is loaded
        from kiosk.alerts import escalation_targets, first_targets
        from kiosk.alerts.worker import AlertWorker

        store.set_alert_targets(first_targets(self.config), escalation_targets(self.config))
        worker = AlertWorker(store, self.config)
        worker.delivered.append(self.alert_delivered.emit)
        worker.start()
        self.alert_worker = worker

    def _stop_alerts(self) -> None:
        if self.alert_worker is not None:
            self.alert_worker.stop()
            self.alert_worker = None

    def _replicate(self, store: Store | None) -> None:
        """Ship this store's visits to the clinic hub from the shipper's own thread; psycopg is
        loaded only when `[hub] url` is set. Without one, a queue left from a hub is dropped, so
        the purge goes by retention_days alone."""
        if self.hub_shipper is not None:
            self._forget_shipper()
        if store is None:
            return
        if self.config.hub.url:
            from kiosk.hub.shipper import Shipper

            self.hub_shipper = Shipper(
                store, self.config.hub.url, location=self.config.kiosk.location
            )
            self.hub_shipper.start()
        else:
            try:
                if store.get_setting(HUB_REPLICATE_SETTING) is not None:
                    from kiosk.hub.queue import disable

                    disable(store)
            except StoreError as exc:  # busy now: the next start drops it
                log.warning("hub queue left as it is: %s", exc)

    def _forget_shipper(self) -> None:
        assert self.hub_shipper is not None
        self.hub_shipper.stop()
        self.hub_shipper = None

    def _watch_store(self) -> None:
        if self.store is None:
            return
        problem = self.store.health()
        if problem is not None:
            self._store_lost(problem)
            return
        self.navigator.retry_abandons()

    def _store_lost(self, problem: str) -> None:
        """The database's files went away under the kiosk (the store logged why and saved what
        it could): out of order now, and opened again only once an admin has dealt with it."""
        store = self.store
        if store is None:
            return
        self._set_store(None)
        self.navigator.reset()  # shows out of order: the store is gone
        store.close()
        self.status_changed.emit("Out of order: the database's files were lost (see the log)")
        self._schedule_open()

    def _schedule_open(self) -> None:
        if self._closing or self.store is not None or self.open_timer.isActive():
            return
        delays = self.open_retry_ms
        self.open_timer.start(delays[min(self._open_tries, len(delays) - 1)])

    def _try_open(self) -> None:
        if self._closing or self.store is not None:
            return
        if self._opener is None:
            self._opener = Worker(1, self)
        elif self._opener.busy():
            return
        self._open_tries += 1
        config = self.config
        self._opener.run(lambda: try_open_store(config), self._opened)

    def _opened(self, result: object, error: BaseException | None) -> None:
        store, problem = result if isinstance(result, tuple) else (None, str(error))
        if self._closing or self.store is not None:
            if isinstance(store, Store):
                store.close()
            return
        if not isinstance(store, Store):
            if problem != self._open_problem:
                log.error("database still unavailable: %s", problem)
                self._open_problem = problem
            self._schedule_open()
            return
        log.info("database available again: the kiosk is back in service")
        self._open_tries = 0
        self._open_problem = None
        self._set_store(store)
        if self.navigator.current is ScreenId.OUT_OF_ORDER:
            self.navigator.reset()
        self.navigator.retry_abandons()
        self.status_changed.emit("Kiosk window shown (the database is available again)")

    def _daily_purge(self) -> None:
        # Off the screen thread: the screen thread waits at most a frame for the database, so a
        # purge run here would both freeze taps and give up whenever another program writes.
        store = self.store
        if store is None:
            return
        if self._purger is None:
            self._purger = Worker(1, self)
        elif self._purger.busy():
            return
        days = self.config.storage.retention_days
        self._purger.run(lambda: store.purge(days), self._purged)

    def _purged(self, result: object, error: BaseException | None) -> None:
        if isinstance(error, StoreError):
            log.error("daily purge failed: %s", error)
        elif error is not None:
            log.error("daily purge failed", exc_info=error)

    # -- window -----------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        # Sent before the window is mapped: no touch can come before the watchers are in place.
        if self.input is None:
            self.input = watch_input(self, self.idle)
            if self._lockdown is not None:
                self.input.installEventFilter(self._lockdown)
            handle = self.windowHandle()
            if handle is not None:
                FirstExpose(handle, self.navigator.window_exposed)
        super().showEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self.overlay.setGeometry(self.rect())
        size = event.size()
        portrait = size.height() > 0 and size.width() / size.height() <= PORTRAIT_MAX_ASPECT
        self.navigator.set_portrait(portrait)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        # Fullscreen mode ignores window-close requests and Alt+F4; only staff exit may close.
        if not self.allow_close:
            event.ignore()
            return
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Leave nothing in progress: abandon an open visit, close the database."""
        self.navigator.reset()
        # A print job still running records its outcome before the database closes.
        printer = self.navigator.built_printer()
        if printer is not None and printer.busy():
            printer.wait(int(self.config.printing.timeout_seconds * 1000) + 5000)
            QApplication.processEvents()
        # An export or purge started in staff mode finishes before the database closes.
        staff = self.navigator.built_staff()
        if staff is not None:
            staff.wait()
        # The safety screen's last question of the store (a read) ends before it closes.
        watch = self.navigator.built_alert_watch()
        if watch is not None:
            watch.wait(10_000)
        # A database being opened again is closed as soon as it is (see _opened).
        self._closing = True
        self.open_timer.stop()
        self.store_timer.stop()
        for worker in (self._opener, self._purger):
            if worker is not None and worker.busy():
                worker.wait(60_000)
                QApplication.processEvents()
        # The speech engine closes in its own thread; one stuck in the speech service is left
        # behind (at most a second's wait) rather than holding up the exit.
        speaker = self.navigator.built_speaker()
        if speaker is not None:
            speaker.shutdown()
        if self.input is not None:
            self.input.removeEventFilter(self.idle)
            if self._lockdown is not None:
                self.input.removeEventFilter(self._lockdown)
            self.input = None
        app = QApplication.instance()
        if isinstance(app, QApplication):
            if self._announcing:
                app.focusChanged.disconnect(self._focus_changed)
                self._announcing = False
            if self._pointer_hidden:
                app.restoreOverrideCursor()
                self._pointer_hidden = False
        self._stop_alerts()
        if self.hub_shipper is not None:
            self._forget_shipper()  # the round in progress ends before the database closes
        if self.store is not None:
            self.store.close()
            self.store = None
            self.navigator.store = None
            if staff is not None:
                staff.store = None

    def quit_kiosk(self) -> None:
        """Staff mode's "Exit the application": the only way out of fullscreen mode."""
        self.allow_close = True
        self.close()
        QApplication.quit()

    def show_kiosk(self) -> None:
        if self.locked:
            self.showFullScreen()
        else:
            self.show()


def create_main_window(
    config: Config,
    *,
    content: Content | None = None,
    store: Store | Literal["open"] | None = "open",
) -> MainWindow:
    """The kiosk main window, not yet shown. Content is loaded and validated first unless given;
    the database is opened unless given (None: it could not be, and the kiosk is out of order)."""
    if content is None:
        content = load_content(config.content_dir, config.languages)
    app = QApplication.instance()
    if isinstance(app, QApplication):
        theme.apply(app, theme.ThemeOptions())
    if store == "open":
        store = open_store(config)
    window = MainWindow(config, content, store)
    window.resize(1280, 800)
    return window
