"""Audio-first use (UX.md): a visitor who cannot see the screen goes through a check-in with a
headset and a tactile keypad. Accessible kiosk keypads (EZ Access, Storm AudioNav) are USB
keyboards: they send arrows, Enter, Back, Help and the volume keys.

- Any key on Welcome turns read aloud on: Welcome is read, then what the keys do.
- Down/Right and Up/Left move through the controls in reading order (the page top to bottom,
  its footer, then the top bar: read aloud, larger text, high contrast, language), wrapping
  around; the focus moving is what is spoken (ReadAloud.announce, through focusChanged).
- Enter (or Space) presses the control the focus is on; with none, the screen is read again.
- Back (Backspace, Escape, the Back key) does what the screen's own back control does.
- Help (F1, "?", the Help key) says where you are, the control you are on and the keys; Help
  again right after reads the whole screen again.
- Volume keys (and +/-) change the speech volume, kept for the visit, reset at Welcome.

Each key cuts off what was being said (ReadAloud.say_now): speech follows the visitor and never
queues behind old text. Keys are taken where the keyboard's events first arrive, the window's
QWindow (ui.idle.watch_input), so no widget (a scroll area, a button) swallows an arrow first.
Staff mode is left to Qt's own keyboard handling.
"""

from __future__ import annotations

import enum
import functools
from typing import TYPE_CHECKING

from PySide6 import QtCore
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractButton, QApplication

from ui.idle import watch_input
from ui.shell.read_aloud import VOLUME_STEP

if TYPE_CHECKING:
    from ui.shell.navigator import Navigator


class Action(enum.Enum):
    NEXT = "next"
    PREVIOUS = "previous"
    PRESS = "press"
    BACK = "back"
    HELP = "help"
    LOUDER = "louder"
    QUIETER = "quieter"


@functools.cache
def key_table() -> tuple[dict[int, Action], frozenset[int]]:
    """What each keypad key does, and the modifier keys. Made on the first key, not at import:
    naming `Qt.Key` makes PySide6's `Qt` namespace (~14 ms), which the first frame does without
    (ui.widgets.basics.set_enum)."""
    K = QtCore.Qt.Key  # noqa: N806 - the table reads as Qt's key names
    keys: dict[int, Action] = {
        K.Key_Down: Action.NEXT,
        K.Key_Right: Action.NEXT,
        K.Key_Up: Action.PREVIOUS,
        K.Key_Left: Action.PREVIOUS,
        K.Key_Return: Action.PRESS,
        K.Key_Enter: Action.PRESS,
        K.Key_Select: Action.PRESS,
        K.Key_Space: Action.PRESS,
        K.Key_Backspace: Action.BACK,
        K.Key_Escape: Action.BACK,
        K.Key_Back: Action.BACK,
        K.Key_F1: Action.HELP,
        K.Key_Help: Action.HELP,
        K.Key_Question: Action.HELP,
        K.Key_VolumeUp: Action.LOUDER,
        K.Key_Plus: Action.LOUDER,
        K.Key_Equal: Action.LOUDER,  # "+" without Shift on most layouts
        K.Key_VolumeDown: Action.QUIETER,
        K.Key_Minus: Action.QUIETER,
        K.Key_Underscore: Action.QUIETER,
    }
    # Keys that are never "a keypad key" on their own: a modifier pressed first.
    modifiers = frozenset({K.Key_Shift, K.Key_Control, K.Key_Alt, K.Key_Meta, K.Key_AltGr})
    return keys, modifiers


class AudioKeys(QObject):
    """The keypad of a visitor who listens: see the module's docstring."""

    def __init__(self, navigator: Navigator) -> None:
        super().__init__(navigator)
        self.nav = navigator
        self._watched: QObject | None = None
        self._last: Action | None = None  # the last action, for "Help twice reads it all"

    def watch(self) -> None:
        """Take the window's keys (once it has a QWindow: at its first show)."""
        if self._watched is None:
            self._watched = watch_input(self.nav, self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        return self.key(event)

    # -- keys ---------------------------------------------------------------------------------

    def key(self, event: QKeyEvent) -> bool:
        """Handle one key press; True when it was taken (no widget then sees it)."""
        from ui.shell.navigator import ScreenId

        nav = self.nav
        if nav.current is ScreenId.STAFF or not nav.isVisible() or event.key() in key_table()[1]:
            return False
        focused = QApplication.focusWidget()
        if focused is not None and focused is not nav and not nav.isAncestorOf(focused):
            return False  # over the screens (the idle card's "I need more time"): Qt's keys
        action = key_table()[0].get(event.key())
        reader = nav.reader
        if not reader.reading and nav.current is ScreenId.WELCOME and nav.speaker.available:
            # Any keypad key on Welcome: a visitor who cannot see it hears where they are.
            self._last = None
            self.start()
            return True
        if action is None:
            return False
        last, self._last = self._last, action
        if action is Action.NEXT or action is Action.PREVIOUS:
            self.move(1 if action is Action.NEXT else -1)
        elif action is Action.PRESS:
            if event.isAutoRepeat():
                return True  # a key held down presses once
            self.press()
        elif action is Action.BACK:
            self.back()
        elif action is Action.HELP:
            if nav.speaker.available:
                reader.set_reading(True, None)  # asking for help is asking to hear
            if last is Action.HELP:
                self._last = None
                self.repeat()
            else:
                self.help()
        else:
            step = VOLUME_STEP if action is Action.LOUDER else -VOLUME_STEP
            reader.set_volume(reader.volume + step)
            reader.say_now([self.text("access.volume", percent=round(reader.volume * 100))])
        return True

    def start(self) -> None:
        """Read-aloud mode on: this screen, then what the keys do, in one utterance."""
        nav = self.nav
        reader = nav.reader
        reader.set_reading(True, None)  # nothing said yet: the screen and the keys follow
        screen = nav.screens.get(nav.current)
        reader.say_now([*(screen.speech_text() if screen else []), self.text("access.keys")])

    # -- what each key does -------------------------------------------------------------------

    def controls(self) -> list[QAbstractButton]:
        """The controls in the order the arrows go through them: the screen's (its page top to
        bottom, then its footer), then the top bar's. Only those shown and usable."""
        nav = self.nav
        screen = nav.screens.get(nav.current)
        if screen is None:
            return []
        found = [w for w in screen.reading_order() if isinstance(w, QAbstractButton)]
        found += nav.top_bar.findChildren(QAbstractButton)
        return [w for w in found if w.isVisibleTo(nav.window()) and w.isEnabled()]

    def move(self, step: int) -> None:
        controls = self.controls()
        if not controls:
            return
        focused = QApplication.focusWidget()
        if focused in controls:
            index = (controls.index(focused) + step) % len(controls)
        else:
            index = 0 if step > 0 else len(controls) - 1
        target = controls[index]
        screen = self.nav.screens.get(self.nav.current)
        if screen is not None and screen.isAncestorOf(target):
            screen.scroll_area.ensureWidgetVisible(target)
        if target is focused:  # the only control: no focus change to announce it
            self.nav.reader.announce(target)
        else:
            target.setFocus(QtCore.Qt.FocusReason.TabFocusReason)  # focusChanged announces it

    def press(self) -> None:
        focused = QApplication.focusWidget()
        if isinstance(focused, QAbstractButton) and focused in self.controls():
            focused.click()
        else:
            self.repeat()  # nothing chosen yet: the screen again

    def repeat(self) -> None:
        self.nav.reader.speak(self.nav.screens.get(self.nav.current))

    def back(self) -> None:
        screen = self.nav.screens.get(self.nav.current)
        control = screen.back_control() if screen is not None else None
        if control is not None and control in self.controls():
            control.click()
        else:
            self.nav.reader.say_now([self.text("access.no_back")])

    def help(self) -> None:
        """Where you are (the screen, the control the focus is on) and what the keys do."""
        nav = self.nav
        screen = nav.screens.get(nav.current)
        parts = screen.place_text() if screen is not None else []
        focused = QApplication.focusWidget()
        if isinstance(focused, QAbstractButton) and focused in self.controls():
            described = ", ".join(nav.reader.describe(focused))
            parts.append(self.text("access.focus", control=described))
        nav.reader.say_now([*parts, self.text("access.keys")])

    def answer_chosen(self, value: int) -> None:
        """A question's answer was chosen (by any means): it is confirmed with the next screen."""
        buttons = self.nav.question.option_buttons
        if 0 <= value < len(buttons):
            answer = buttons[value].text()
            self.nav.reader.confirm(self.text("access.you_chose", answer=answer))

    def text(self, key: str, **params: object) -> str:
        return self.nav.content[self.nav.language].strings(key, **params)
