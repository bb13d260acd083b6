"""Read aloud speaks for real (issue 19): the kiosk's speechd engine talks to speech-dispatcher
running with the deployed settings (deploy/xdg-config), espeak-ng speaks into a PulseAudio null
sink, parec records it and sox measures it. Nothing here is a stand-in: what is checked is
sound."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QLocale
from pytestqt.qtbot import QtBot

from kiosk.config import Config
from tests.support.audio_capture import AudioSession, audio_session, sound_seconds
from tests.support.speech_service import require_speechd_engine
from tests.support.windows import MakeWindow
from ui.preview import drive

# The bound: a tap on Read aloud is heard within a second.
HEARD_WITHIN_S = 1.0


# Ask for `speech` before `make_window`: the window (and its engine) must close before the
# speech service and the sound server stop (libspeechd losing its connection crashes Qt's engine).
@pytest.fixture
def speech(monkeypatch: pytest.MonkeyPatch) -> Iterator[AudioSession]:
    require_speechd_engine()
    with audio_session() as session:
        for name, value in session.env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("KIOSK_TTS_ENGINE", "speechd")
        before = QLocale()
        QLocale.setDefault(QLocale("en_US"))  # a clinic's PC speaks English at first
        yield session
        QLocale.setDefault(before)


def heard(speech: AudioSession, qtbot: QtBot, start: float) -> float:
    """Seconds from `start` to the first sound recorded."""
    qtbot.waitUntil(lambda: speech.recording.first_sound(start) is not None, timeout=10_000)
    first = speech.recording.first_sound(start)
    assert first is not None
    return first - start


def test_read_aloud_is_heard_and_longer_text_sounds_longer(
    speech: AudioSession, make_window: MakeWindow, config: Config, qtbot: QtBot
) -> None:
    window = make_window(config)
    nav = window.navigator
    read = nav.top_bar.read_button
    assert nav.speaker.available and read.isVisibleTo(window)
    drive(window, "question")
    speech.wait_quiet()
    tapped = time.monotonic()
    read.click()
    assert heard(speech, qtbot, tapped) < HEARD_WITHIN_S
    nav.reader.say_now(["Stop."])  # cuts the screen off
    speech.wait_quiet()

    lengths = []
    question = nav.question.question.text()
    for parts in ([question], [question, *(b.text() for b in nav.question.option_buttons)]):
        start = time.monotonic()
        nav.reader.say_now(parts)
        heard(speech, qtbot, start)
        end = speech.wait_quiet()
        lengths.append(sound_seconds(speech.recording.save(speech.folder / "s.wav", start, end)))
    short, long = lengths
    assert short > 0.5
    assert long > short * 1.5, lengths  # four more answers read after the same question


def test_spanish_is_read_with_a_spanish_voice(
    speech: AudioSession, make_window: MakeWindow, config: Config, qtbot: QtBot
) -> None:
    window = make_window(config)
    nav = window.navigator
    nav.switch_language("es")
    qtbot.waitUntil(lambda: nav.speaker.voice_locale.startswith("es"), timeout=5000)
    speech.wait_quiet()
    start = time.monotonic()
    nav.top_bar.read_button.click()
    assert heard(speech, qtbot, start) < HEARD_WITHIN_S
    assert nav.speaker.voice_locale.startswith("es")
    nav.switch_language("en")  # and back: the English voice again, for the next visitor
    qtbot.waitUntil(lambda: nav.speaker.voice_locale.startswith("en"), timeout=5000)
