"""Read aloud (UX.md, Section 508 §402): speaks a screen's title, question and options.

QtTextToSpeech is imported lazily: the welcome screen does not need it to appear. Where no engine
works the Speaker reports itself unavailable and the read-aloud button stays hidden, never broken.
KIOSK_TTS_ENGINE forces an engine (tests use Qt's "mock" engine).

The engine lives in a thread of its own, and nothing the GUI thread does can wait on it. The
speechd engine talks to speech-dispatcher through libspeechd, which waits for each answer without
a time limit: a speech-dispatcher that accepts the connection and never answers blocked
`QTextToSpeech("speechd")` for good, and with it the whole kiosk. Two details make the thread work:

- Every call that may reach the speech service is a queued Qt call (QMetaObject.invokeMethod)
  that the thread's event loop makes in C++. A Python call into PySide keeps Python's global lock
  until it returns; a Python slot in the engine's thread calling `tts.say()` would have stopped
  every Python slot of the GUI thread just the same. Python runs in the engine's thread only to
  read what the engine keeps in memory (its state and voices), never to call into the service.
- The thread is a Python daemon thread running a Qt event loop, and what lives in it is owned by
  that thread (Qt parents), not by Python. At exit Python would otherwise delete those objects
  from the main thread (and a running QThread object aborts the process when it is deleted):
  an engine stuck in the speech service is simply left behind, and the kiosk still exits.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    Q_ARG,
    QCoreApplication,
    QEventLoop,
    QLocale,
    QMetaObject,
    QObject,
    Qt,
    QThread,
    QTimer,
    Signal,
    SignalInstance,
    Slot,
)

if TYPE_CHECKING:
    from PySide6.QtTextToSpeech import QTextToSpeech

log = logging.getLogger(__name__)
ENV_ENGINE = "KIOSK_TTS_ENGINE"
PREFERRED_ENGINES = ("speechd", "flite", "sapi", "winrt", "darwin", "avfoundation")
# An engine name no plugin has: QTextToSpeech then loads nothing, so making one cannot block.
NO_ENGINE = "none"
# The first start may spawn speech-dispatcher and list every voice (~1.5 s on a desktop PC).
START_MS = 10_000
# Every later request (say, stop, a voice) is answered at once by a working service.
ANSWER_MS = 5_000
# At exit: how long the GUI thread waits for the engine to close before leaving it behind.
CLOSE_WAIT_S = 1.0


class _Probe(QObject):
    """In the engine's thread, after every request made before it: what the engine says of itself.

    Its answer proves that the engine finished those requests; the state and the voices are what
    the engine keeps in memory (no call into the speech service)."""

    # request number, engine ready, its voices' locale names, the locale of the voice in use
    answered = Signal(int, bool, list, str)

    def __init__(self, tts: QTextToSpeech) -> None:
        super().__init__()
        self._tts = tts

    @Slot(int)
    def report(self, number: int) -> None:
        from PySide6.QtTextToSpeech import QTextToSpeech

        ready = self._tts.state() != QTextToSpeech.State.Error
        locales = [locale.name() for locale in self._tts.availableLocales()] if ready else []
        self.answered.emit(number, ready, locales, self._tts.locale().name() if ready else "")


@dataclass(frozen=True)
class _Engine:
    """What lives in the engine's thread; the GUI thread only posts calls to it."""

    loop: QEventLoop
    tts: QTextToSpeech
    probe: _Probe


def _engine_thread(hosted: SignalInstance) -> None:
    """The engine's thread: makes the engine (with no speech service yet) and runs its loop."""
    from PySide6.QtTextToSpeech import QTextToSpeech

    here = QThread.currentThread()  # Qt adopts this thread: its events are delivered here
    loop = QEventLoop()
    tts = QTextToSpeech(NO_ENGINE)
    probe = _Probe(tts)
    for made in (loop, tts, probe):
        made.setParent(here)  # owned by the thread, not by Python (see the module's docstring)
    try:
        hosted.emit(_Engine(loop, tts, probe))
    except RuntimeError:  # the speaker was deleted before its engine was ready
        return
    loop.exec()  # leaves Python's lock to the GUI thread while it waits and while it calls


def _close(engine: _Engine) -> None:
    """Delete the engine in its own thread (a working one closes its connection to the speech
    service there), then end the thread's loop: Qt deletes what is left when the thread ends."""
    for made in (engine.tts, engine.probe):
        QMetaObject.invokeMethod(made, "deleteLater", Qt.ConnectionType.QueuedConnection)
    QMetaObject.invokeMethod(engine.loop, "quit", Qt.ConnectionType.QueuedConnection)


class Speaker(QObject):
    """One utterance at a time; `speaking_changed(bool)` follows the engine's state.

    `available` is False until the engine has started and whenever it stops answering;
    `available_changed(bool)` tells when that changes (the Read aloud button follows it)."""

    speaking_changed = Signal(bool)
    available_changed = Signal(bool)
    # The transcript: each text handed to the engine and the language it is read in, as it is
    # handed over (tests compare it with the screen; the benchmark times key press to audio).
    said = Signal(str, str)
    silenced = Signal()  # what was being read was cut off (the next key, a new screen)
    _hosted = Signal(object)  # an _Engine, from the engine's thread once it has made it
    _report_requested = Signal(int)  # to the engine's probe

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.spoken: list[str] = []  # what was handed to the engine, newest last
        self.available = False
        self.starting = False  # until the first engine answers, none works or the start is late
        self._thread: threading.Thread | None = None
        self._engine: _Engine | None = None
        self._closed = False
        self._candidates: list[str] = []
        self._engine_name = ""
        self._ready = False  # an engine started
        self._hung = False  # a request is overdue
        self._asked = 0  # number of the last report asked of the engine
        self._language: str | None = None
        # The locale of the engine's voice, as it last reported it (e.g. "es_ES" once Spanish is
        # chosen); "" until it has started.
        self.voice_locale = ""
        self._volume: float | None = None  # None: the engine's own until one is set
        self._locales: list[QLocale] = []
        self._speaking = False
        self._states: dict[Any, bool] = {}  # QTextToSpeech.State -> speaking
        self._deadline = QTimer(self)
        self._deadline.setSingleShot(True)
        self._deadline.timeout.connect(self._overdue)
        self._hosted.connect(self._engine_made)
        app = QCoreApplication.instance()
        if app is not None:
            # However the application ends (not only through the window), the engine closes.
            app.aboutToQuit.connect(self.shutdown)
        self._start()

    # -- starting -----------------------------------------------------------------------------

    def _start(self) -> None:
        try:
            from PySide6.QtTextToSpeech import QTextToSpeech
        except ImportError as exc:  # the engine's libraries are missing on this machine
            log.info("read aloud unavailable: %s", exc)
            return
        State = QTextToSpeech.State  # noqa: N806 - a Qt enum
        self._states = {state: state in (State.Speaking, State.Synthesizing) for state in State}
        engines = QTextToSpeech.availableEngines()
        wanted = os.environ.get(ENV_ENGINE)
        candidates = [wanted] if wanted else [e for e in PREFERRED_ENGINES if e in engines]
        self._candidates = [engine for engine in candidates if engine in engines]
        if not self._candidates:
            log.info("read aloud unavailable: no working speech engine among %s", engines)
            return
        self.starting = True
        # A daemon thread: Python's exit does not wait for an engine stuck in the speech service.
        self._thread = threading.Thread(
            target=_engine_thread, args=(self._hosted,), name="speech", daemon=True
        )
        self._thread.start()

    def _engine_made(self, engine: _Engine) -> None:
        if self._closed:  # shut down before the engine's thread was ready: end that thread
            _close(engine)
            return
        self._engine = engine
        engine.tts.stateChanged.connect(self._state_changed)
        engine.probe.answered.connect(self._answered)
        self._report_requested.connect(engine.probe.report)
        self._next_engine()

    def _next_engine(self) -> None:
        self._engine_name = self._candidates.pop(0)
        self._invoke("setEngine", Q_ARG(str, self._engine_name))
        self._ask(START_MS)

    def _invoke(self, method: str, *args: Any) -> None:
        """Queue a call of the engine: its thread makes it, in C++, after those before it."""
        if self._engine is not None:
            QMetaObject.invokeMethod(
                self._engine.tts, method, Qt.ConnectionType.QueuedConnection, *args
            )

    def _ask(self, within_ms: int) -> None:
        """Ask the engine to report once it has finished what it was asked so far."""
        self._asked += 1
        self._report_requested.emit(self._asked)
        if not self._deadline.isActive():
            self._deadline.start(within_ms)

    def _answered(self, number: int, ready: bool, locales: list[str], voice: str) -> None:
        if self._engine is None:
            return  # shut down
        self.voice_locale = voice
        if number == self._asked:
            self._deadline.stop()
        else:
            self._deadline.start(ANSWER_MS)  # it answers; the later requests get their time
        if not self._ready:
            if not ready:
                if self._candidates:
                    self._next_engine()
                    return
                log.info("read aloud unavailable: the %s engine did not start", self._engine_name)
                self.starting = False
                return
            self._ready = True
            self.starting = False
            self._locales = [QLocale(name) for name in locales]
            if self._hung:
                log.warning("read aloud: the %s engine has started after all", self._engine_name)
                self._hung = False
            else:
                log.info("read aloud: the %s speech engine is ready", self._engine_name)
            self._apply_language()
            self._apply_volume()
        elif self._hung and number == self._asked:
            self._hung = False
            log.warning("read aloud: the speech engine answers again; read aloud is back")
            self._apply_language()
            self._apply_volume()
        self._update_available()

    def _overdue(self) -> None:
        if self._hung or self._engine is None:
            return
        self._hung = True
        if not self._ready:
            self.starting = False
            log.warning(
                "read aloud: the %s speech engine has not answered within %d s; the Read aloud "
                "button stays hidden until it does (is speech-dispatcher hung?)",
                self._engine_name,
                START_MS // 1000,
            )
        else:
            log.warning(
                "read aloud: the speech engine has not answered within %d s; read aloud is off "
                "until it answers again (is speech-dispatcher hung?)",
                ANSWER_MS // 1000,
            )
            # What was asked before the hang is carried out once the engine answers again: this
            # stop comes after it, so nothing of a visitor who has left is read out then.
            self._invoke("stop")
            self._ask(ANSWER_MS)
        self._set_speaking(False)
        self._update_available()

    def _update_available(self) -> None:
        available = self._ready and not self._hung and self._engine is not None
        if available != self.available:
            self.available = available
            self.available_changed.emit(available)

    # -- the engine's state -------------------------------------------------------------------

    def _state_changed(self, state: object) -> None:
        self._set_speaking(self._states.get(state, False))

    def _set_speaking(self, speaking: bool) -> None:
        if speaking != self._speaking:
            self._speaking = speaking
            self.speaking_changed.emit(speaking)

    def is_speaking(self) -> bool:
        """As the engine last reported it (it reports from its own thread, a moment later)."""
        return self._speaking

    # -- requests -----------------------------------------------------------------------------

    def set_language(self, language: str) -> None:
        self._language = language
        if self.available:
            self._apply_language()

    def _apply_language(self) -> None:
        if self._language is None:
            return
        wanted = QLocale(self._language)
        for locale in self._locales:
            if locale.language() == wanted.language():
                self._invoke("setLocale", Q_ARG(QLocale, locale))
                self._ask(ANSWER_MS)
                return
        # Better read with another language's voice than not at all; the admin should know.
        log.warning(
            "read aloud: no %r voice in this speech engine; keeping the current one",
            self._language,
        )

    @property
    def volume(self) -> float | None:
        return self._volume

    def set_volume(self, volume: float) -> None:
        """0.0 (silent) to 1.0; kept, and given to the engine again if it starts over."""
        self._volume = min(1.0, max(0.0, volume))
        if self.available:
            self._apply_volume()

    def _apply_volume(self) -> None:
        if self._volume is not None:
            self._invoke("setVolume", Q_ARG(float, self._volume))
            self._ask(ANSWER_MS)

    def say(self, parts: list[str]) -> None:
        if not self.available:
            return
        text = "\n".join(p.strip() for p in parts if p.strip())
        self.spoken.append(text)
        self._invoke("say", Q_ARG(str, text))
        self._ask(ANSWER_MS)
        self.said.emit(text, self._language or "")

    def forget(self) -> None:
        self.spoken.clear()

    def stop(self) -> None:
        if self.available:
            self._invoke("stop")
            self._ask(ANSWER_MS)
            self.silenced.emit()

    # -- closing ------------------------------------------------------------------------------

    def shutdown(self) -> bool:
        """Close the engine in its own thread and end that thread, waiting CLOSE_WAIT_S at most.

        False when the engine did not finish in time (stuck in the speech service): it is left
        behind, owned by its thread, and the process can still exit."""
        self._closed = True
        engine, self._engine = self._engine, None
        thread, self._thread = self._thread, None
        self._candidates = []
        self.starting = False
        self._deadline.stop()
        self._update_available()
        if engine is None or thread is None:
            return True  # no engine, or its thread is not ready yet (_engine_made ends it)
        _close(engine)
        thread.join(CLOSE_WAIT_S)
        if thread.is_alive():
            log.warning("read aloud: the speech engine does not answer; leaving it behind at exit")
            return False
        return True
