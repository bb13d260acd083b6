"""Idle reset (UX.md): no touch for idle_seconds -> "Are you still there?" with a countdown and
"I need more time"; when the countdown ends the navigator clears everything and shows Welcome."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QFrame, QHBoxLayout, QVBoxLayout, QWidget

from ui.widgets.basics import TouchButton, card, label, set_label

ACTIVITY_EVENTS = frozenset(
    {
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonRelease,
        QEvent.Type.TouchBegin,
        QEvent.Type.TouchUpdate,
        QEvent.Type.KeyPress,
        QEvent.Type.Wheel,
    }
)


def watch_input(widget: QWidget, watcher: QObject) -> QObject:
    """Install ``watcher`` where every touch, click and key of ``widget``'s window arrives
    first: the window's QWindow. Returns what it was installed on (to remove it from).

    Qt hands each input event (and, since Qt 6.8, each context-menu request) to the window
    before any widget sees it, so a filter there sees all of them. An application-wide filter
    written in Python would also be called for every paint, layout and polish event of every
    object; making the wrappers for those alone cost the kiosk ~20 ms at start. A window not
    created yet (never shown) has no QWindow: then the application is watched instead.
    """
    handle = widget.window().windowHandle()
    target: QObject | None = handle if handle is not None else QApplication.instance()
    assert target is not None  # widgets exist only inside a QApplication
    target.installEventFilter(watcher)
    return target


class IdleWatcher(QObject):
    """Watches a window's input (see `watch_input`). Emits `warning` after idle_seconds while
    armed."""

    warning = Signal()

    def __init__(self, idle_seconds: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(idle_seconds * 1000)
        self.timer.timeout.connect(self.warning)
        self.armed = False

    def set_armed(self, armed: bool) -> None:
        self.armed = armed
        if armed:
            self.timer.start()
        else:
            self.timer.stop()

    def poke(self) -> None:
        if self.armed:
            self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() in ACTIVITY_EVENTS:
            self.poke()
        return False


class IdleOverlay(QFrame):
    """The countdown card, drawn over the whole window. Emits `expired` or `dismissed`."""

    expired = Signal()
    dismissed = Signal()

    def __init__(self, countdown_seconds: int, parent: QWidget) -> None:
        super().__init__(parent)
        # A QFrame (without a frame) gets its style-sheet background from Qt, where a plain
        # QWidget needs Qt.WA_StyledBackground set, a `Qt.` enum the start path avoids (set_enum).
        self.setObjectName("IdleOverlay")
        self.countdown_seconds = countdown_seconds
        self.remaining = countdown_seconds
        self.tick = QTimer(self)
        self.tick.setInterval(1000)
        self.tick.timeout.connect(self._tick)
        outer = QVBoxLayout(self)
        box = card()
        box.setObjectName("IdleCard")
        box.setMaximumWidth(760)
        inner = QVBoxLayout(box)
        inner.setContentsMargins(40, 36, 40, 36)
        inner.setSpacing(24)
        self.title = label("title")
        self.body = label("body")
        self.more_time_button = TouchButton(role="primary")
        self.more_time_button.clicked.connect(self.dismiss)
        inner.addWidget(self.title)
        inner.addWidget(self.body)
        inner.addWidget(self.more_time_button)
        # Centred by stretches, not by alignment: an aligned widget gets its size hint, which
        # ignores how tall its wrapped text must be at that width (large text was clipped).
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(box, 100)
        row.addStretch(1)
        outer.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(1)
        self._texts = ("", "", "")
        self.hide()

    def set_texts(self, title: str, body_template: str, more_time: str) -> None:
        self._texts = (title, body_template, more_time)
        self._render()

    def _render(self) -> None:
        title, body, more_time = self._texts
        set_label(self.title, title)
        set_label(self.body, body.replace("{seconds}", str(self.remaining)))
        self.more_time_button.setText(more_time)

    def start(self) -> None:
        self.remaining = self.countdown_seconds
        self._render()
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        self.show()
        self.raise_()
        self.more_time_button.setFocus()
        self.tick.start()

    def dismiss(self) -> None:
        self.tick.stop()
        self.hide()
        self.dismissed.emit()

    def _tick(self) -> None:
        self.remaining -= 1
        if self.remaining <= 0:
            self.tick.stop()
            self.hide()
            self.expired.emit()
        else:
            self._render()
