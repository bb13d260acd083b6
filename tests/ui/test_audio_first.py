"""Audio-first use (UX.md, issue 19): a visitor who cannot see the screen checks in by ear with a
keypad (a USB keyboard: arrows, Enter, Back, Help, volume). Keys go in where a keypad's do, the
window's QWindow; what is heard is the speaker's transcript (Speaker.said, what is handed to the
engine), compared with what is on screen."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from kiosk.config import Config
from kiosk.content import Content
from tests.support.windows import MakeWindow, with_printer
from ui.app import MainWindow
from ui.preview import settle
from ui.shell.navigator import ScreenId

K = Qt.Key


@pytest.fixture
def mock_speech(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("KIOSK_TTS_ENGINE", "mock")
    yield


@dataclass
class Ear:
    """What the visitor hears: each utterance handed to the speech engine, with its language."""

    heard: list[tuple[str, str]] = field(default_factory=list)

    def hear(self, text: str, language: str) -> None:
        self.heard.append((text, language))

    @property
    def last(self) -> str:
        return self.heard[-1][0] if self.heard else ""

    @property
    def first_line(self) -> str:
        return self.last.split("\n")[0]


@dataclass
class Keypad:
    window: MainWindow
    ear: Ear

    def press(self, key: Qt.Key, text: str = "") -> None:
        handle = self.window.windowHandle()
        assert handle is not None
        QTest.keyClick(handle, key)
        settle()

    def move_to(self, wanted: str, *, limit: int = 60) -> QAbstractButton:
        """Down until the control called `wanted` is heard (as a listener would find it)."""
        for _ in range(limit):
            self.press(K.Key_Down)
            if self.ear.first_line == wanted:
                focused = QApplication.focusWidget()
                assert isinstance(focused, QAbstractButton) and focused.text() == wanted
                return focused
        raise AssertionError(f"never heard {wanted!r}; last heard {self.ear.last!r}")

    def choose(self, wanted: str) -> None:
        self.move_to(wanted)
        self.press(K.Key_Return)


def with_headset(config: Config) -> Config:
    """A kiosk whose speech goes to a headset: everything is read (see test_speech_privacy)."""
    return config.replace(speech=config.speech.replace(output="headset"))


def listening_window(make_window: MakeWindow, config: Config, qtbot: QtBot) -> tuple[Keypad, Ear]:
    window = make_window(with_headset(config))
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    ear = Ear()
    window.navigator.speaker.said.connect(ear.hear)
    return Keypad(window, ear), ear


def on_screen(screen: QWidget) -> list[str]:
    """Every label and button text a sighted visitor sees on the screen."""
    texts = []
    for widget in screen.findChildren(QLabel) + screen.findChildren(QPushButton):
        if widget.isVisibleTo(screen) and widget.text().strip():
            if widget.property("role") in ("buttontext", "buttondetail"):
                continue  # the button's own text, read as the button
            texts.append(widget.text())
    return texts


def assert_heard_screen(window: MainWindow, ear: Ear, language: str) -> None:
    """The last utterance is the screen now shown, all of it, in the visitor's language."""
    settle()
    screen = window.navigator.stack.currentWidget()
    text, spoken_in = ear.heard[-1]
    missing = [t for t in on_screen(screen) if t not in text]
    assert not missing, f"{window.navigator.current}: not heard {missing}"
    assert spoken_in == language


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_keypad_visit_by_ear_from_welcome_to_the_printed_summary(
    make_window: MakeWindow,
    config: Config,
    content: Content,
    qtbot: QtBot,
    mock_speech: None,
    language: str,
) -> None:
    keypad, ear = listening_window(make_window, with_printer(config, "none"), qtbot)
    window = keypad.window
    nav = window.navigator
    strings = content[language].strings
    press = keypad.press

    # Any key on Welcome: read aloud starts, Welcome is read and then what the keys do.
    press(K.Key_Down)
    assert nav.reading and nav.top_bar.read_button.isChecked()
    assert_heard_screen(window, ear, "en")
    assert ear.last.endswith(content["en"].strings("access.keys"))
    assert QApplication.focusWidget() is not nav.welcome.learn_button  # that key only woke it
    if language == "es":
        keypad.choose(content["es"].strings("language.switch_to"))  # "Español", in the top bar
        assert nav.language == "es"
        assert_heard_screen(window, ear, "es")

    keypad.choose(strings("welcome.checkin"))
    assert nav.current is ScreenId.PRIVACY
    assert_heard_screen(window, ear, language)
    keypad.choose(strings("privacy.agree"))
    assert nav.current is ScreenId.NAME
    assert_heard_screen(window, ear, language)
    keypad.choose(strings("name.skip"))
    assert nav.current is ScreenId.QUESTION
    assert_heard_screen(window, ear, language)

    # Help: where you are (the section, "Question 1 of 9", the question) and the keys.
    press(K.Key_F1)
    question = nav.question
    for text in (question.progress.text(), question.question.text(), strings("access.keys")):
        assert text in ear.last
    press(K.Key_Question)  # Help twice: the whole screen again
    assert_heard_screen(window, ear, language)
    # The question and all its options, in the order they are on screen.
    options = [b.text() for b in question.option_buttons]
    positions = [ear.last.index(text) for text in (question.question.text(), *options)]
    assert positions == sorted(positions)

    # Volume keys: louder and quieter, said at the new level and kept for the visit.
    press(K.Key_VolumeUp)
    assert ear.last == strings("access.volume", percent=90)
    assert nav.speaker.volume == pytest.approx(0.9)
    press(K.Key_Minus)
    press(K.Key_VolumeDown)
    assert ear.last == strings("access.volume", percent=70)
    assert nav.speaker.volume == pytest.approx(0.7)

    # Back goes back: answer the first question, hear it confirmed, go back to it.
    first_question = question.question.text()
    keypad.choose(options[0])
    assert ear.last.startswith(strings("access.you_chose", answer=options[0]))
    assert_heard_screen(window, ear, language)
    assert question.question.text() != first_question
    press(K.Key_Escape)
    assert question.question.text() == first_question
    assert_heard_screen(window, ear, language)
    # The answer given is heard as chosen when the focus reaches it.
    keypad.move_to(options[0])
    assert strings("access.chosen_state") in ear.last

    # On through every question with the second answer: PHQ-9 item 9's is a safety answer.
    safety_heard = False
    for _ in range(80):
        if nav.current is ScreenId.SAFETY:
            safety_heard = True
            assert_heard_screen(window, ear, language)
            keypad.choose(content[language].screening.safety.continue_label)
            continue
        if nav.current is not ScreenId.QUESTION:
            break
        answer = question.option_buttons[1].text()
        keypad.choose(answer)
        assert ear.last.startswith(strings("access.you_chose", answer=answer))
    assert safety_heard
    assert nav.current is ScreenId.RESULTS
    assert_heard_screen(window, ear, language)
    assert nav.speaker.volume == pytest.approx(0.7)  # kept all through the visit

    keypad.choose(strings("results.print"))
    assert nav.current is ScreenId.PRINTING
    qtbot.waitUntil(lambda: nav.printing.outcome != "progress", timeout=20_000)
    code = nav.printing.code
    assert code and code in ear.last  # where the summary is, and the code, heard at once
    assert_heard_screen(window, ear, language)
    keypad.choose(nav.printing.finish_button.text())
    assert nav.current is ScreenId.WELCOME
    # The next visitor starts at the default volume, in the default language, not reading.
    assert nav.speaker.volume == pytest.approx(0.8) and not nav.reading


def test_each_key_cuts_off_what_was_being_said(
    make_window: MakeWindow, config: Config, qtbot: QtBot, mock_speech: None
) -> None:
    keypad, _ = listening_window(make_window, config, qtbot)
    nav = keypad.window.navigator
    said_and_cut: list[str] = []
    nav.speaker.said.connect(lambda text, _language: said_and_cut.append("say"))
    nav.speaker.silenced.connect(lambda: said_and_cut.append("stop"))
    keypad.press(K.Key_Space)  # starts: Welcome and the keys, a long utterance
    qtbot.waitUntil(nav.speaker.is_speaking)
    for key in (K.Key_Down, K.Key_Down, K.Key_Up, K.Key_F1, K.Key_Plus):
        keypad.press(key)
    # Never a text queued behind another: every utterance follows a stop.
    assert said_and_cut[-10:] == ["stop", "say"] * 5


def test_keys_off_welcome_do_not_start_reading_and_staff_mode_is_left_alone(
    make_window: MakeWindow, config: Config, qtbot: QtBot, mock_speech: None
) -> None:
    keypad, ear = listening_window(make_window, config, qtbot)
    nav = keypad.window.navigator
    nav.welcome.checkin_button.click()
    keypad.press(K.Key_Down)  # a sighted keyboard user: the focus moves, nothing is said
    assert not nav.reading and ear.heard == []
    assert QApplication.focusWidget() is nav.keypad.controls()[0] is nav.privacy.not_now_button
    keypad.press(K.Key_Escape)  # "Not now": back to Welcome
    assert nav.current is ScreenId.WELCOME
    nav.open_staff()
    keypad.press(K.Key_Down)
    assert not nav.reading and ear.heard == []


def test_read_aloud_off_leaves_the_keys_silent(
    make_window: MakeWindow, config: Config, qtbot: QtBot, mock_speech: None
) -> None:
    keypad, ear = listening_window(make_window, config, qtbot)
    nav = keypad.window.navigator
    keypad.press(K.Key_Return)
    assert nav.reading
    keypad.choose(nav.welcome.checkin_button.text())
    read = keypad.move_to(nav.top_bar.read_button.text())
    assert read is nav.top_bar.read_button
    keypad.press(K.Key_Return)
    assert not nav.reading
    count = len(ear.heard)
    keypad.press(K.Key_Up)
    assert len(ear.heard) == count


def test_the_idle_card_is_heard_and_answered_from_the_keypad(
    make_window: MakeWindow, config: Config, qtbot: QtBot, mock_speech: None
) -> None:
    keypad, ear = listening_window(make_window, config, qtbot)
    window = keypad.window
    keypad.press(K.Key_Down)
    keypad.choose(window.navigator.welcome.checkin_button.text())
    window._idle_warning()
    assert window.overlay.more_time_button.text() in ear.last
    keypad.press(K.Key_Return)  # "I need more time", which the card's focus is on
    qtbot.waitUntil(lambda: not window.overlay.isVisible())
    assert window.navigator.current is ScreenId.PRIVACY
