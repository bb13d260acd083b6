"""The urgent chime: a short tone through QtMultimedia's QSoundEffect, made on first use.

A desk without a sound device, or a PySide6 without QtMultimedia, simply stays silent: the red
banner and the raised window carry the alert on their own.
"""

from __future__ import annotations

import logging
import math
import struct
import tempfile
import wave
from pathlib import Path

from PySide6.QtCore import QObject, QUrl

log = logging.getLogger(__name__)


def _write_tone(path: Path) -> None:
    rate = 22050
    frames = bytearray()
    for index in range(int(rate * 0.45)):
        t = index / rate
        fade = min(1.0, (0.45 - t) * 8)  # no click at the end
        sample = 0.5 * math.sin(2 * math.pi * (880 if t < 0.2 else 660) * t) * fade
        frames += struct.pack("<h", int(sample * 32767))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))


class Chime(QObject):
    def __init__(self, volume: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.volume = volume
        self._effect: QObject | None = None
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self.played = 0  # how many times it was asked to play (tests and the log)

    def play(self) -> None:
        self.played += 1
        if self.volume <= 0:
            return
        try:
            effect = self._effect or self._make()
            effect.play()  # type: ignore[attr-defined]
        except Exception as exc:  # no QtMultimedia, no device: the banner still shows
            log.info("no chime: %s", exc)

    def _make(self) -> QObject:
        from PySide6.QtMultimedia import QMediaDevices, QSoundEffect

        if QMediaDevices.defaultAudioOutput().isNull():
            raise RuntimeError("no audio output device")
        self._folder = tempfile.TemporaryDirectory(prefix="desk-chime-")
        path = Path(self._folder.name) / "chime.wav"
        _write_tone(path)
        effect = QSoundEffect(self)
        effect.setSource(QUrl.fromLocalFile(str(path)))
        effect.setVolume(self.volume)
        self._effect = effect
        return effect
