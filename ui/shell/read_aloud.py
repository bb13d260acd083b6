"""Read-aloud mode: once the visitor taps "Read aloud", every new screen is spoken (through
ui.speech's Speaker, made on first use) until they tap "Stop reading"."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QAbstractButton, QWidget

from ui.shell.top_bar import TopBar

if TYPE_CHECKING:
    from ui.screens.base import Screen
    from ui.speech import Speaker


class ReadAloud(QObject):
    """Whether the kiosk is reading (`reading`) and the voice that does it (`speaker`)."""

    def __init__(self, parent: QWidget, top_bar: TopBar, language: str) -> None:
        super().__init__(parent)
        self.host = parent
        self.top_bar = top_bar
        self.language = language
        self.reading = False
        # The speech engine is probed by the warm-up (or the first use), not before Welcome:
        # until then the read-aloud button stays hidden, as it does with no engine at all.
        self._speaker: Speaker | None = None

    @property
    def speaker(self) -> Speaker:
        if self._speaker is None:
            from ui import speech

            self._speaker = speech.Speaker(self.host)
            self._speaker.speaking_changed.connect(self._speaking_changed)
            # The engine starts in its own thread: the button shows once it is ready, and hides
            # whenever it stops answering (a hung speech service costs read aloud, not the kiosk).
            self._speaker.available_changed.connect(self._speech_available)
            self._speaker.set_language(self.language)
            self.top_bar.read_button.setVisible(self._speaker.available)
        return self._speaker

    def built_speaker(self) -> Speaker | None:
        """The speaker if it was ever made (shutdown closes its engine)."""
        return self._speaker

    def set_language(self, language: str) -> None:
        self.language = language
        if self._speaker is not None:
            self._speaker.set_language(language)

    def toggle(self, screen: Screen | None) -> None:
        """First tap: speak this screen, and every screen after it, so a visitor who cannot read
        the screen can finish by listening. Second tap: stop, and stop reading new screens."""
        self.reading = not self.reading
        if self.reading:
            self.speak(screen)
        else:
            self.speaker.stop()
        self.top_bar.show_reading(self.reading)

    def stop(self, *, forget: bool = False) -> None:
        """Reading mode off, and silence now; `forget` also drops what was read (the visitor's
        answers, their code), which leaves with the visitor."""
        self.reading = False
        if self._speaker is not None:
            self._speaker.stop()
            if forget:
                self._speaker.forget()

    def speak(self, screen: Screen | None) -> None:
        if self.reading and screen is not None:
            self.speaker.stop()
            self.speaker.say(screen.speech_text())

    def announce(self, widget: QWidget | None) -> None:
        """A switch or keyboard user who listens hears each button as Tab reaches it."""
        if not self.reading or not isinstance(widget, QAbstractButton):
            return
        if not self.host.isAncestorOf(widget) or widget is self.top_bar.read_button:
            return
        text = widget.text()
        if text.strip():
            self.speaker.stop()
            self.speaker.say([text])

    def echo(self, text: str) -> None:
        # Typing by ear: each key press is answered with the name so far.
        if self.reading and text:
            self.speaker.stop()
            self.speaker.say([text])

    def _speaking_changed(self, speaking: bool) -> None:
        self.top_bar.read_button.setChecked(self.reading)

    def _speech_available(self, available: bool) -> None:
        self.top_bar.read_button.setVisible(available)
        if not available and self.reading:
            # Nothing can be heard now: reading mode ends with the button that would stop it.
            self.reading = False
            self.top_bar.show_reading(False)
