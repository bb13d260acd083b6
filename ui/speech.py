"""Read aloud (UX.md, Section 508 §402): speaks a screen's title, question and options.

QtTextToSpeech is imported lazily: the welcome screen does not need it to appear. Where no engine
works the Speaker reports itself unavailable and the read-aloud button stays hidden, never broken.
KIOSK_TTS_ENGINE forces an engine (tests use Qt's "mock" engine).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from PySide6.QtCore import QLocale, QObject, Signal

log = logging.getLogger(__name__)
ENV_ENGINE = "KIOSK_TTS_ENGINE"
PREFERRED_ENGINES = ("speechd", "flite", "sapi", "winrt", "darwin", "avfoundation")


class Speaker(QObject):
    """One utterance at a time; `speaking_changed(bool)` follows the engine's state."""

    speaking_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tts: Any = None
        self._ready_state: Any = None
        self.spoken: list[str] = []  # what was handed to the engine, newest last
        self.available = self._start()

    def _start(self) -> bool:
        try:
            from PySide6.QtTextToSpeech import QTextToSpeech
        except ImportError as exc:  # the engine's libraries are missing on this machine
            log.info("read aloud unavailable: %s", exc)
            return False
        engines = QTextToSpeech.availableEngines()
        wanted = os.environ.get(ENV_ENGINE)
        candidates = [wanted] if wanted else [e for e in PREFERRED_ENGINES if e in engines]
        for engine in candidates:
            if engine not in engines:
                continue
            tts = QTextToSpeech(engine, self)
            if tts.state() == QTextToSpeech.State.Error:
                continue
            self._tts = tts
            self._ready_state = QTextToSpeech.State.Ready
            tts.stateChanged.connect(self._state_changed)
            return True
        log.info("read aloud unavailable: no working speech engine among %s", engines)
        return False

    def _state_changed(self, state: object) -> None:
        self.speaking_changed.emit(state != self._ready_state)

    def is_speaking(self) -> bool:
        return self._tts is not None and self._tts.state() != self._ready_state

    def set_language(self, language: str) -> None:
        if self._tts is None:
            return
        wanted = QLocale(language)
        for locale in self._tts.availableLocales():
            if locale.language() == wanted.language():
                self._tts.setLocale(locale)
                return
        # Better read with another language's voice than not at all; the admin should know.
        log.warning(
            "read aloud: no %r voice in this speech engine; keeping the current one", language
        )

    def say(self, parts: list[str]) -> None:
        if self._tts is None:
            return
        text = "\n".join(p.strip() for p in parts if p.strip())
        self.spoken.append(text)
        self._tts.say(text)

    def forget(self) -> None:
        self.spoken.clear()

    def stop(self) -> None:
        if self._tts is not None:
            self._tts.stop()
