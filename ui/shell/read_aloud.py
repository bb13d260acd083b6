"""Read-aloud mode: once the visitor taps "Read aloud" (or presses a keypad key on Welcome), every
new screen and every control the focus reaches is spoken (through ui.speech's Speaker, made on
first use) until they tap "Stop reading". Each new thing said cuts off what was being said: a
visitor who moves on never waits behind old text."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QAbstractButton, QWidget

from kiosk.content import LanguageContent
from ui.shell.speech_privacy import SpeechPrivacy
from ui.shell.top_bar import TopBar

if TYPE_CHECKING:
    from ui.screens.base import Screen
    from ui.speech import Speaker

# The speech volume of a visit (0.0-1.0) and how far one volume key moves it; every visit
# starts at the default again (a visitor's loud setting is not the next one's).
DEFAULT_VOLUME = 0.8
VOLUME_STEP = 0.1
MIN_VOLUME = 0.2


class ReadAloud(QObject):
    """Whether the kiosk is reading (`reading`) and the voice that does it (`speaker`)."""

    def __init__(
        self,
        parent: QWidget,
        top_bar: TopBar,
        language: str,
        *,
        privacy: SpeechPrivacy | None = None,
        withheld: Callable[[], set[str]] = set,
        volume: float = DEFAULT_VOLUME,
    ) -> None:
        super().__init__(parent)
        self.host = parent
        self.top_bar = top_bar
        self.language = language
        self.lc: LanguageContent | None = None
        self.reading = False
        self.default_volume = volume
        self.volume = volume
        # The texts on screen that only a headset may hear (a safety question), and the rule.
        self.privacy = privacy
        self.withheld = withheld
        # Said before the next screen, in the same utterance (the answer just chosen): a new
        # screen cuts off what was being said, and this must not be cut off by it.
        self._preface: list[str] = []
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
            self._speaker.set_volume(self.volume)
            self.top_bar.read_button.setVisible(self._speaker.available)
        return self._speaker

    def built_speaker(self) -> Speaker | None:
        """The speaker if it was ever made (shutdown closes its engine)."""
        return self._speaker

    def set_language(self, language: str, lc: LanguageContent | None = None) -> None:
        self.language = language
        if lc is not None:
            self.lc = lc
        if self._speaker is not None:
            self._speaker.set_language(language)

    def toggle(self, screen: Screen | None) -> None:
        self.set_reading(not self.reading, screen)

    def set_reading(self, on: bool, screen: Screen | None) -> None:
        """On: speak this screen, and every screen after it, so a visitor who cannot read the
        screen can finish by listening. Off: stop, and stop reading new screens. Setting what is
        already so does nothing (the button's state follows this, and this the button's)."""
        if on == self.reading:
            return
        self.reading = on
        if on:
            self.speak(screen)
        else:
            self._preface = []
            self.speaker.stop()
        self.top_bar.show_reading(on)

    def stop(self, *, forget: bool = False) -> None:
        """Reading mode off, and silence now; `forget` also drops what was read (the visitor's
        answers, their code), which leaves with the visitor, and their volume."""
        self.reading = False
        self._preface = []
        if self._speaker is not None:
            self._speaker.stop()
            if forget:
                self._speaker.forget()
        if forget:
            self.set_volume(self.default_volume)

    def say_now(self, parts: list[str]) -> None:
        """Cut off whatever is being said and say this (in reading mode only)."""
        parts = self._private([p for p in parts if p.strip()])
        if self.reading and parts:
            self.speaker.stop()
            self.speaker.say(parts)

    def _private(self, parts: list[str]) -> list[str]:
        """A safety question is said only where the visitor alone hears it: from a loudspeaker,
        in its place, how to hear it (once)."""
        withheld = self.withheld() if self.privacy is not None else set()
        if not withheld or not any(p in withheld for p in parts):
            return parts
        assert self.privacy is not None
        if self.privacy.may_say_safety():
            return parts
        notice = self.lc.strings("access.headset_only") if self.lc is not None else ""
        kept: list[str] = []
        for part in parts:
            if part not in withheld:
                kept.append(part)
            elif notice not in kept:
                kept.append(notice)
        return kept

    def speak(self, screen: Screen | None) -> None:
        if self.reading and screen is not None:
            preface, self._preface = self._preface, []
            self.say_now([*preface, *screen.speech_text()])

    def confirm(self, text: str) -> None:
        """Said with the next screen, before it: "You chose: Several days"."""
        if self.reading and text.strip():
            self._preface = [text]

    def describe(self, widget: QAbstractButton) -> list[str]:
        """What a control is, as heard: its text, then its state (on/off, chosen, unavailable)."""
        parts = [widget.text()]
        if self.lc is not None:
            strings = self.lc.strings
            if widget.isCheckable() and widget is not self.top_bar.read_button:  # says it
                parts.append(strings("access.on" if widget.isChecked() else "access.off"))
            if not widget.isEnabled():
                parts.append(strings("access.unavailable"))
        if widget.accessibleDescription():
            # A topic's one-line summary; "your answer" on the answer given before.
            parts.append(widget.accessibleDescription())
        return parts

    def announce(self, widget: QWidget | None) -> None:
        """A switch or keypad user who listens hears each control as the focus reaches it."""
        if not self.reading or not isinstance(widget, QAbstractButton):
            return
        if not self.host.isAncestorOf(widget) or not widget.text().strip():
            return
        self.say_now(self.describe(widget))

    def echo(self, text: str) -> None:
        # Typing by ear: each key press is answered with the name so far.
        if text:
            self.say_now([text])

    def set_volume(self, volume: float) -> None:
        self.volume = round(min(1.0, max(MIN_VOLUME, volume)), 2)
        if self._speaker is not None:
            self._speaker.set_volume(self.volume)

    def _speaking_changed(self, speaking: bool) -> None:
        self.top_bar.read_button.setChecked(self.reading)

    def _speech_available(self, available: bool) -> None:
        self.top_bar.read_button.setVisible(available)
        if not available and self.reading:
            # Nothing can be heard now: reading mode ends with the button that would stop it.
            self.reading = False
            self.top_bar.show_reading(False)
