"""Read aloud with the real speechd engine (libspeechd) against real sockets: a speech service that
hangs costs read aloud, never the kiosk (issue 14, defect 2)."""

from __future__ import annotations

import faulthandler
import logging
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, QTimer
from pytestqt.qtbot import QtBot

from kiosk.config import Config
from kiosk.content import Content
from tests.support.speech_service import (
    ScriptedService,
    SilentService,
    require_speechd_engine,
    short_socket_path,
)
from tests.support.windows import MakeWindow
from ui import speech
from ui.app import create_main_window
from ui.shell.navigator import ScreenId

HANG_REPORT = Path(tempfile.gettempdir()) / "clinic-kiosk-speech-hang.txt"


@pytest.fixture
def hang_guard() -> Iterator[None]:
    """A GUI thread stuck for good (as the kiosk's was, inside libspeechd, keeping Python's lock,
    so that no Python code runs again) ends the test run with exit status 1 after 90 s instead
    of hanging it; the stuck threads' tracebacks are then in HANG_REPORT."""
    with HANG_REPORT.open("w") as report:
        faulthandler.dump_traceback_later(90, exit=True, file=report)
        yield
        faulthandler.cancel_dump_traceback_later()


@pytest.fixture
def speechd(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    require_speechd_engine()
    monkeypatch.setenv("KIOSK_TTS_ENGINE", "speechd")
    # The engine starts with the system's voice; Qt reports it unusable when there is none for
    # the system locale (the test machine's is often C). A clinic's PC speaks English.
    before = QLocale()
    QLocale.setDefault(QLocale("en_US"))
    yield
    QLocale.setDefault(before)


def event_loop_turns(qtbot: QtBot) -> None:
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    try:
        qtbot.waitUntil(lambda: len(ticks) >= 5, timeout=3000)
    finally:
        timer.stop()


def test_a_silent_speech_service_costs_read_aloud_not_the_kiosk(
    qtbot: QtBot,
    config: Config,
    content: Content,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    speechd: None,
    hang_guard: None,
) -> None:
    service = SilentService(short_socket_path("silent.sock"))
    monkeypatch.setenv("SPEECHD_ADDRESS", service.address)
    monkeypatch.setattr(speech, "START_MS", 1500)
    caplog.set_level(logging.INFO, logger="ui.speech")
    window = create_main_window(config, content=content)
    try:
        window.show()
        nav = window.navigator
        nav.warm_up()  # every screen, then the voice: this never returned with a hung service
        qtbot.waitUntil(service.accepted.is_set, timeout=10_000)  # the engine waits on it now
        event_loop_turns(qtbot)
        nav.welcome.checkin_button.click()  # a visitor's tap still changes the screen
        assert nav.current is ScreenId.PRIVACY
        assert not nav.top_bar.read_button.isVisibleTo(window)
        # Past the start's deadline: logged once, and still no button that would do nothing.
        qtbot.waitUntil(lambda: not nav.speaker.starting, timeout=10_000)
        assert not nav.speaker.available
        assert not nav.top_bar.read_button.isVisibleTo(window)
        assert caplog.text.count("has not answered within 1 s") == 1
        nav.reset()  # stops and forgets: nothing reaches the stuck engine, nothing blocks
        event_loop_turns(qtbot)
    finally:
        started = time.monotonic()
        window.allow_close = True
        window.close()  # closes the engine; one stuck in the service is left behind
        window.deleteLater()
    assert time.monotonic() - started < 5
    assert "leaving it behind" in caplog.text


def test_an_engine_that_stops_answering_hides_read_aloud_until_it_answers_again(
    qtbot: QtBot,
    make_window: MakeWindow,
    config: Config,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    speechd: None,
    hang_guard: None,
) -> None:
    service = ScriptedService(short_socket_path("scripted.sock"))
    monkeypatch.setenv("SPEECHD_ADDRESS", service.address)
    monkeypatch.setattr(speech, "ANSWER_MS", 1000)
    window = make_window(config)
    nav = window.navigator
    read = nav.top_bar.read_button
    assert nav.speaker.available and read.isVisibleTo(window)
    nav.switch_language("es")  # the engine's Spanish voice, chosen in the engine's thread
    qtbot.waitUntil(lambda: "SET SELF SYNTHESIS_VOICE Spanish" in service.requests)

    service.go_silent_at_speak()
    read.click()  # read aloud on: Welcome is handed to the engine, which never hears back
    assert read.isChecked() and nav.speaker.spoken
    qtbot.waitUntil(service.waiting_at_speak.is_set)
    qtbot.waitUntil(lambda: not read.isVisibleTo(window), timeout=5000)
    assert not nav.reading and not read.isChecked()  # no reading mode without a button to stop it
    assert caplog.text.count("has not answered within 1 s") == 1
    event_loop_turns(qtbot)
    nav.welcome.checkin_button.click()
    assert nav.current is ScreenId.PRIVACY
    count = len(nav.speaker.spoken)
    nav.speaker.say(["not handed to a stuck engine"])
    assert len(nav.speaker.spoken) == count

    service.answer_again()
    qtbot.waitUntil(lambda: read.isVisibleTo(window), timeout=5000)
    assert "answers again" in caplog.text
    # What was asked before the hang was cancelled right after it: nothing stale is read later.
    last_speak = max(i for i, r in enumerate(service.requests) if r.upper() == "SPEAK")
    assert any(r.upper().startswith("CANCEL") for r in service.requests[last_speak:])
    read.click()  # and read aloud works again: this screen reaches the service
    qtbot.waitUntil(lambda: nav.speaker.spoken[-1] in service.spoken)


def test_shutdown_ends_the_engines_thread(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_TTS_ENGINE", "mock")
    speaker = speech.Speaker()
    qtbot.waitUntil(lambda: speaker.available)
    speaker.say(["hello"])
    qtbot.waitUntil(speaker.is_speaking)
    assert speaker.shutdown() is True
    assert not speaker.available
    assert speaker.shutdown() is True  # a second time (quit after the window closed) is harmless
    speaker.say(["after the end"])
    assert speaker.spoken == ["hello"]
    speaker.deleteLater()
