"""Key press -> speech heard, with real speech (issue 19).

python benchmarks/bench_speech.py speech [--quick]

The kiosk's window (offscreen) with read aloud on through the real speechd engine;
speech-dispatcher (the deployed settings) and espeak-ng speak into a private PulseAudio null
sink that parec records in 10 ms pieces (tests/support/audio_capture.py). Each sample: a Down
key sent to the window's QWindow (what a keypad does) moves the focus to the next control,
which is spoken; the time is from the key press to the first piece of sound recorded.

The floor, interleaved with the samples: espeak-ng speaking the same text from a fresh process
straight into the same sink (no speech-dispatcher, no Qt), from its start to its first sound.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

from _common import bench_main, summary_ms

os.environ["QT_QPA_PLATFORM"] = "offscreen"

from PySide6.QtCore import QLocale, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.support.audio_capture import AudioSession, audio_session

APP = QApplication.instance() or QApplication(sys.argv[:1])
WAIT_S = 10.0


def pump_until(done: Any, seconds: float = WAIT_S) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        APP.processEvents()
        if done():
            return True
        time.sleep(0.002)
    return False


def quiet(session: AudioSession) -> None:
    """Until nothing has been heard for 0.3 s (each sample starts in silence)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        APP.processEvents()
        if session.recording.first_sound(time.monotonic() - 0.3) is None:
            return
        time.sleep(0.02)


def key_to_sound(session: AudioSession, window: Any, heard: list[str]) -> tuple[float, str]:
    quiet(session)
    handle = window.windowHandle()
    count = len(heard)
    start = time.monotonic()
    QTest.keyClick(handle, Qt.Key.Key_Down)
    if not pump_until(lambda: session.recording.first_sound(start) is not None):
        raise RuntimeError("a key press was never heard")
    first = session.recording.first_sound(start)
    assert first is not None and len(heard) > count
    text = heard[-1]
    window.navigator.reader.say_now(["."])  # cut it off: the next sample starts in silence
    return first - start, text


def espeak_floor(session: AudioSession, text: str) -> float:
    quiet(session)
    env = {**os.environ, **session.env}
    start = time.monotonic()
    speaking = subprocess.Popen(
        ["espeak-ng", "-v", "en-us", text],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        if not pump_until(lambda: session.recording.first_sound(start) is not None):
            raise RuntimeError("espeak-ng was never heard")
        first = session.recording.first_sound(start)
        assert first is not None
        return first - start
    finally:
        speaking.terminate()
        speaking.wait(5)


def bench_speech(quick: bool) -> dict[str, Any]:
    samples = 8 if quick else 40
    with audio_session() as session:
        os.environ.update(session.env)
        os.environ["KIOSK_TTS_ENGINE"] = "speechd"
        QLocale.setDefault(QLocale("en_US"))
        import tempfile
        from pathlib import Path

        from ui.preview import build

        window = build(Path(tempfile.mkdtemp(prefix="bench-speech-")))
        window.show()
        window.activateWindow()
        nav = window.navigator
        if not pump_until(lambda: nav.speaker.available):
            raise RuntimeError("the speechd engine did not start")
        heard: list[str] = []
        nav.speaker.said.connect(lambda text, _language: heard.append(text))
        nav.welcome.checkin_button.click()  # the privacy screen: several controls to go through
        nav.set_reading(True)
        keys: list[float] = []
        floors: list[float] = []
        for index in range(samples):
            # Interleaved, the order alternating: both see the same machine at the same moment.
            if index % 2:
                floor_first = espeak_floor(session, heard[-2] if len(heard) > 1 else "Not now")
                seconds, _text = key_to_sound(session, window, heard)
            else:
                seconds, text = key_to_sound(session, window, heard)
                floor_first = espeak_floor(session, text)
            keys.append(seconds)
            floors.append(floor_first)
        nav.speaker.shutdown()
        window.allow_close = True
        window.close()
    return {"key_to_sound": summary_ms(keys), "floor": summary_ms(floors)}


BENCHES = {"speech": bench_speech}


def main() -> None:
    bench_main(__doc__, BENCHES)


if __name__ == "__main__":
    main()
