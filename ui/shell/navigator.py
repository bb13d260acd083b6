"""The one navigator: owns the screen stack and maps flow states to screens with explicit tables.

Screens only emit intents; the check-in controller turns them into calls on kiosk.flow (which
records every answer through the store before returning) and the navigator shows the screen for
the state that comes back. The top bar, the warm-up, read aloud and the looks are objects of
their own (ui/shell/); the navigator holds them and passes on what one needs from another.
"""

from __future__ import annotations

import enum
import functools
import logging
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from kiosk.config import Config
from kiosk.content import Content
from kiosk.store import Store
from ui import theme
from ui.screens.base import Screen
from ui.screens.welcome import WelcomeScreen
from ui.shell.audio_keys import AudioKeys
from ui.shell.checkin_controller import CheckinController
from ui.shell.looks import Looks
from ui.shell.read_aloud import ReadAloud
from ui.shell.speech_privacy import SpeechPrivacy
from ui.shell.top_bar import TopBar
from ui.shell.warm_up import WarmUp
from ui.widgets.basics import set_enum

if TYPE_CHECKING:
    from kiosk.flow import FlowState, Step, VisitFlow
    from kiosk.printing import PrintOutcome
    from ui.printer import PrintService
    from ui.screens.checkin import (
        MessageScreen,
        NameScreen,
        PrintingScreen,
        PrivacyScreen,
        QuestionScreen,
        ResultsScreen,
        SafetyScreen,
    )
    from ui.screens.programs import ProgramPageScreen, ProgramsMenuScreen
    from ui.shell.alert_watch import AlertWatch
    from ui.speech import Speaker
    from ui.staff.hub_sync import HubSync
    from ui.staff.panel import StaffPanel

log = logging.getLogger(__name__)


def _checkin() -> ModuleType:
    import ui.screens.checkin

    return ui.screens.checkin


def _programs() -> ModuleType:
    import ui.screens.programs

    return ui.screens.programs


class ScreenId(enum.Enum):
    WELCOME = "welcome"
    PROGRAMS = "programs"
    PROGRAM_PAGE = "program_page"
    PRIVACY = "privacy"
    NAME = "name"
    QUESTION = "question"
    SAFETY = "safety"
    RESULTS = "results"
    PRINTING = "printing"
    UNAVAILABLE = "unavailable"
    OUT_OF_ORDER = "out_of_order"
    STAFF = "staff"


@functools.cache
def step_screens() -> dict[Step, ScreenId]:
    # kiosk.flow (with scoring) loads with the first check-in or the warm-up, not before
    # Welcome is on screen.
    from kiosk.flow import Step

    return {
        Step.PRIVACY: ScreenId.PRIVACY,
        Step.NAME: ScreenId.NAME,
        Step.QUESTION: ScreenId.QUESTION,
        Step.SAFETY: ScreenId.SAFETY,
        Step.RESULTS: ScreenId.RESULTS,
        Step.ENDED: ScreenId.WELCOME,
    }


class Navigator(QWidget):
    """Visitor navigation. `store` is None when the database cannot be used (out of order)."""

    screen_changed = Signal(str)
    quit_requested = Signal()  # an administrator chose "Exit the application"
    warmed_up = Signal()  # every screen built and the voice found, a moment after the first paint
    store_lost = Signal(str)  # the database's files went away under it: out of order (why)

    def __init__(self, config: Config, content: Content, store: Store | None) -> None:
        super().__init__()
        self.config = config
        self.content = content
        self.language = content.default_language
        self.current = ScreenId.WELCOME
        # The window's shipper to the clinic hub (None without one): staff mode shows its state.
        self.hub_sync: Callable[[], HubSync | None] = lambda: None
        set_enum(self, "focusPolicy", "StrongFocus")
        self.stack = QStackedWidget()
        self.checkin = CheckinController(
            self, content, store, self.stack.currentWidget, config.screening.instruments
        )
        self.checkin.state_reached.connect(self._show_state)
        self.checkin.unavailable.connect(lambda: self.show_screen(ScreenId.UNAVAILABLE))
        self.checkin.store_lost.connect(self.store_lost)

        self.top_bar = TopBar(config, content, can_speak=False)
        self.looks = Looks(self.top_bar, self._on_screen)
        self.reader = ReadAloud(
            self,
            self.top_bar,
            self.language,
            privacy=SpeechPrivacy(config.speech),
            withheld=lambda: self._current_screen_withheld(),
            volume=config.speech.volume,
        )
        self.keypad = AudioKeys(self)
        self.top_bar.language_requested.connect(self.switch_language)
        self.top_bar.read_aloud_toggled.connect(self.set_reading)
        self.top_bar.large_text_toggled.connect(self.looks.set_large_text)
        self.top_bar.high_contrast_toggled.connect(self.looks.set_high_contrast)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.top_bar)
        layout.addWidget(self.stack, 1)

        self._printer: PrintService | None = None
        # Welcome (or out-of-order) is built now; every other screen on first use, or by the
        # warm-up right after the first paint, whichever comes first. A restart after a power
        # cut shows Welcome without first building eleven screens, and the safety screen is
        # still built long before any visitor can reach it.
        self.screens: dict[ScreenId, Screen] = {}
        self.portrait = False
        # What would make PySide6's `Qt` namespace (~14 ms: docs/performance.md) waits for the
        # first frame: touch scrolling and the Tab order of the screens built before it.
        self.first_frame_passed = False
        # Each screen: how it is built and wired to what it asks for.
        self._factories: dict[ScreenId, Callable[[], Screen]] = {
            ScreenId.WELCOME: self._welcome,
            ScreenId.PROGRAMS: self._programs_menu,
            ScreenId.PROGRAM_PAGE: self._program_page,
            ScreenId.PRIVACY: self._privacy,
            ScreenId.NAME: self._name,
            ScreenId.QUESTION: self._question,
            ScreenId.SAFETY: self._safety,
            ScreenId.RESULTS: self._results,
            ScreenId.PRINTING: self._printing,
            ScreenId.UNAVAILABLE: self._unavailable,
            ScreenId.OUT_OF_ORDER: self._out_of_order,
        }
        self.warming = WarmUp(
            self,
            lambda: self._factories,
            self.screen_for,
            # The print service is ready before any visitor can finish a check-in.
            [
                ("make the print service", lambda: self.printer),
                ("start the speech engine", lambda: self.reader.speaker),
            ],
        )
        self.warming.started.connect(self._after_first_frame)
        self.warming.finished.connect(self.warmed_up)
        # Made the first time the safety screen shows (ui/shell/alert_watch.py).
        self._alert_watch: AlertWatch | None = None
        # Staff mode (argon2, exports, the PDF viewer) is built on the first 3-second hold:
        # nothing of it is needed to show Welcome, and a restart must be back at once.
        self._staff: StaffPanel | None = None
        self.top_bar.staff_requested.connect(self.open_staff)
        self._apply_language()
        self.show_screen(ScreenId.OUT_OF_ORDER if store is None else ScreenId.WELCOME)

    # -- what the parts share -------------------------------------------------------------------

    @property
    def store(self) -> Store | None:
        return self.checkin.store

    @store.setter
    def store(self, store: Store | None) -> None:
        self.checkin.store = store

    @property
    def flow(self) -> VisitFlow | None:
        return self.checkin.flow

    @property
    def reading(self) -> bool:
        return self.reader.reading

    @property
    def speaker(self) -> Speaker:
        return self.reader.speaker

    def built_speaker(self) -> Speaker | None:
        """The speaker if it was ever made (shutdown closes its engine)."""
        return self.reader.built_speaker()

    @property
    def theme_options(self) -> theme.ThemeOptions:
        return self.looks.options

    @property
    def restyled_always(self) -> list[QWidget]:
        return self.looks.always

    def restyle(self, widget: QWidget) -> None:
        self.looks.restyle(widget)

    def _on_screen(self) -> QWidget | None:
        if self.current is ScreenId.STAFF:
            return self._staff
        return self.screens.get(self.current)

    # -- screens ------------------------------------------------------------------------------

    def screen_for(self, screen_id: ScreenId) -> Screen:
        """The screen, built (translated, laid out for the window, wired) on first use."""
        built = self.screens.get(screen_id)
        if built is None:
            built = self._factories[screen_id]()
            self.screens[screen_id] = built
            self.stack.addWidget(built)
            built.set_portrait(self.portrait)
            built.set_language(self.content[self.language])
            if self.first_frame_passed:
                built.scroll_by_touch()
        return built

    def _welcome(self) -> Screen:
        screen = WelcomeScreen(self.config)
        screen.learn_requested.connect(lambda: self.show_screen(ScreenId.PROGRAMS))
        screen.checkin_requested.connect(self.start_checkin)
        return screen

    def _programs_menu(self) -> Screen:
        screen: ProgramsMenuScreen = _programs().ProgramsMenuScreen(self.config)
        screen.page_requested.connect(self.show_program_page)
        screen.home_requested.connect(self.reset)
        screen.checkin_requested.connect(self.start_checkin)
        screen.talk_requested.connect(self.talk_now)
        return screen

    def _program_page(self) -> Screen:
        screen: ProgramPageScreen = _programs().ProgramPageScreen(self.config)
        screen.menu_requested.connect(lambda: self.show_screen(ScreenId.PROGRAMS))
        screen.page_requested.connect(self.show_program_page)
        screen.checkin_requested.connect(self.start_checkin)
        screen.talk_requested.connect(self.talk_now)
        return screen

    def _privacy(self) -> Screen:
        step = self.checkin.step
        screen: PrivacyScreen = _checkin().PrivacyScreen(self.config)
        screen.agreed.connect(lambda: step(lambda f: f.agree()))
        screen.declined.connect(lambda: step(lambda f: f.decline()))
        return screen

    def _name(self) -> Screen:
        step = self.checkin.step
        screen: NameScreen = _checkin().NameScreen(self.config)
        screen.keypad.text_changed.connect(self.reader.echo)
        screen.name_given.connect(lambda text: step(lambda f: f.set_name(text or None)))
        return screen

    def _question(self) -> Screen:
        step = self.checkin.step
        screen: QuestionScreen = _checkin().QuestionScreen(self.config)
        # Before the step: the confirmation is said with the next screen, not cut off by it.
        screen.answer_chosen.connect(self.keypad.answer_chosen)
        screen.answer_chosen.connect(lambda v: step(lambda f: f.answer(v)))
        screen.skip_requested.connect(lambda: step(lambda f: f.skip()))
        screen.back_requested.connect(lambda: step(lambda f: f.back()))
        screen.talk_requested.connect(lambda: step(lambda f: f.talk_now()))
        return screen

    def _safety(self) -> Screen:
        step = self.checkin.step
        screen: SafetyScreen = _checkin().SafetyScreen(self.config)
        screen.continue_requested.connect(lambda: step(lambda f: f.continue_after_safety()))
        screen.stop_requested.connect(lambda: step(lambda f: f.stop()))
        return screen

    def _results(self) -> Screen:
        screen: ResultsScreen = _checkin().ResultsScreen(self.config)
        screen.finish_requested.connect(self.reset)
        screen.print_requested.connect(self.print_summary)
        return screen

    def _printing(self) -> Screen:
        screen: PrintingScreen = _checkin().PrintingScreen(self.config)
        screen.finish_requested.connect(self.reset)
        return screen

    def _unavailable(self) -> Screen:
        screen: MessageScreen = _checkin().MessageScreen(
            self.config, "unavailable.title", "unavailable.body", can_leave=True
        )
        screen.home_requested.connect(self.reset)
        return screen

    def _out_of_order(self) -> Screen:
        screen: MessageScreen = _checkin().MessageScreen(
            self.config,
            "unavailable.out_of_order_title",
            "unavailable.out_of_order_body",
            can_leave=False,
        )
        return screen

    # The screens by name, built on first use.
    @property
    def welcome(self) -> WelcomeScreen:
        return cast(WelcomeScreen, self.screen_for(ScreenId.WELCOME))

    @property
    def programs(self) -> ProgramsMenuScreen:
        return cast("ProgramsMenuScreen", self.screen_for(ScreenId.PROGRAMS))

    @property
    def program_page(self) -> ProgramPageScreen:
        return cast("ProgramPageScreen", self.screen_for(ScreenId.PROGRAM_PAGE))

    @property
    def privacy(self) -> PrivacyScreen:
        return cast("PrivacyScreen", self.screen_for(ScreenId.PRIVACY))

    @property
    def name(self) -> NameScreen:
        return cast("NameScreen", self.screen_for(ScreenId.NAME))

    @property
    def question(self) -> QuestionScreen:
        return cast("QuestionScreen", self.screen_for(ScreenId.QUESTION))

    @property
    def safety(self) -> SafetyScreen:
        return cast("SafetyScreen", self.screen_for(ScreenId.SAFETY))

    @property
    def results(self) -> ResultsScreen:
        return cast("ResultsScreen", self.screen_for(ScreenId.RESULTS))

    @property
    def printing(self) -> PrintingScreen:
        return cast("PrintingScreen", self.screen_for(ScreenId.PRINTING))

    @property
    def unavailable(self) -> MessageScreen:
        return cast("MessageScreen", self.screen_for(ScreenId.UNAVAILABLE))

    @property
    def out_of_order(self) -> MessageScreen:
        return cast("MessageScreen", self.screen_for(ScreenId.OUT_OF_ORDER))

    # -- warm-up --------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.keypad.watch()  # the window has its QWindow now: a keypad's keys arrive there
        self.warming.shown()

    def _after_first_frame(self) -> None:
        """The warm-up begins, a moment after the first frame: the screens built before it get
        touch scrolling, and the one on screen its Tab order. (No finger or key comes sooner.)"""
        if self.first_frame_passed:
            return
        self.first_frame_passed = True
        for screen in self.screens.values():
            screen.scroll_by_touch()
        if self.current in self.screens:
            self.screens[self.current].order_focus()

    def window_exposed(self) -> None:
        """The window's first frame is being drawn: the warm-up follows a moment later."""
        self.warming.window_exposed()

    def warm_up(self) -> None:
        """The whole warm-up now: every screen not built yet, the print service, the voice."""
        self.warming.run_now()

    @property
    def printer(self) -> PrintService:
        """Made on first use (the warm-up, a print or staff mode), not before Welcome."""
        if self._printer is None:
            from ui.printer import PrintService

            self._printer = PrintService(self.config, self.content, lambda: self.store)
            self._printer.finished.connect(self._print_finished)
        return self._printer

    def built_printer(self) -> PrintService | None:
        """The print service if it was ever made (shutdown waits for its job)."""
        return self._printer

    def set_portrait(self, portrait: bool) -> None:
        self.portrait = portrait
        for screen in self.screens.values():
            screen.set_portrait(portrait)
        self.top_bar.set_portrait(portrait)

    @property
    def staff(self) -> StaffPanel:
        if self._staff is None:
            from ui.staff.panel import StaffPanel

            self._staff = StaffPanel(self.config, self.content, self.store, self.printer)
            self._staff.hub_sync = lambda: self.hub_sync()
            self.stack.addWidget(self._staff)
            self._staff.exit_requested.connect(self.reset)
            self._staff.quit_requested.connect(self.quit_requested)
        return self._staff

    def built_staff(self) -> StaffPanel | None:
        """The staff panel if it was ever opened (shutdown waits for its work)."""
        return self._staff

    # -- navigation -------------------------------------------------------------------------

    def show_screen(self, screen_id: ScreenId) -> None:
        self.current = screen_id
        if screen_id is ScreenId.STAFF:
            self.restyle(self.staff)
            self.stack.setCurrentWidget(self.staff)
        else:
            screen = self.screen_for(screen_id)
            self.restyle(screen)
            screen.scroll_to_top()
            if self.first_frame_passed:
                screen.order_focus()
            self.stack.setCurrentWidget(screen)
        self.top_bar.setVisible(screen_id is not ScreenId.STAFF)
        self._watch_alert(screen_id)
        # A new screen starts with no focus ring; Tab moves into it from the top. (setFocus's
        # reason is Qt.OtherFocusReason, left unnamed: see set_enum.)
        self.setFocus()
        self._speak_current()
        self.screen_changed.emit(screen_id.value)

    def _watch_alert(self, screen_id: ScreenId) -> None:
        """While the safety screen is shown, what the front desk knows is read every second."""
        code = self.flow.code if self.flow is not None else None
        if screen_id is ScreenId.SAFETY and code is not None:
            self.alert_watch.watch(code, self.safety)
        elif self._alert_watch is not None:
            self._alert_watch.stop()

    @property
    def alert_watch(self) -> AlertWatch:
        if self._alert_watch is None:
            from ui.shell.alert_watch import AlertWatch

            self._alert_watch = AlertWatch(self, lambda: self.store, self.config.alerts_configured)
        return self._alert_watch

    def built_alert_watch(self) -> AlertWatch | None:
        """The alert watch if the safety screen ever showed (shutdown waits for its question)."""
        return self._alert_watch

    def show_program_page(self, page_id: str) -> None:
        self.program_page.show_page(page_id)
        self.show_screen(ScreenId.PROGRAM_PAGE)

    def open_staff(self) -> None:
        """Only from Welcome or out-of-order: a visitor's open check-in is never shown to staff
        mode's sign-in, and staff never see a visitor's screen."""
        if self.current not in (ScreenId.WELCOME, ScreenId.OUT_OF_ORDER):
            return
        # Staff pages have no toggles to turn a visitor's large text, high contrast or read
        # aloud off again; and nothing of staff mode (visit codes, urgent rows) is read aloud.
        self.top_bar.reset()
        self.looks.plain()
        self.reader.stop()
        self.staff.open()
        self.show_screen(ScreenId.STAFF)

    def start_checkin(self) -> None:
        if self.store is None:
            self.show_screen(ScreenId.OUT_OF_ORDER)
            return
        self.name.reset()
        state = self.checkin.start(self.language)
        if state is not None:
            self._show_state(state)

    def talk_now(self) -> None:
        """The button "I need to talk to someone now" on the Programs pages: no visit exists
        yet, so one is started and made urgent (kiosk.flow: VisitFlow.talk_now), then the safety
        screen shows, exactly as from a question. With no database the out-of-order screen
        (crisis lines on it) is all there is."""
        if self.store is None:
            self.show_screen(ScreenId.OUT_OF_ORDER)
            return
        self.name.reset()
        if self.checkin.start(self.language) is not None:
            self.checkin.step(lambda flow: flow.talk_now())

    def retry_abandons(self) -> None:
        """Mark abandoned the visits a save failure interrupted, if the database takes it now."""
        self.checkin.retry_abandons()

    def _show_state(self, state: FlowState) -> None:
        from kiosk.flow import Step

        if state.step is Step.ENDED:
            self.reset()
            return
        if state.step is Step.QUESTION:
            self.question.show_state(state)
        elif state.step is Step.RESULTS:
            self.results.show_state(state)
        self.show_screen(step_screens()[state.step])

    def print_summary(self) -> None:
        """The visit is already complete and saved; printing only adds a paper copy."""
        code = self.flow.code if self.flow is not None else None
        if code is None:
            return
        self.printing.show_outcome("progress", code)
        self.show_screen(ScreenId.PRINTING)
        self.printer.print_visit(code)

    def _print_finished(self, code: str, outcome: PrintOutcome) -> None:
        # Logged whoever is at the kiosk now: the visitor may have left while it printed.
        if outcome.state not in ("completed", "saved"):
            log.warning("print of %s failed: %s", code, outcome.error)
        # A reset (idle, Finish, "Done" while printing) may have happened while the job ran:
        # then nothing is shown; the outcome is already recorded with the visit.
        if self.current is not ScreenId.PRINTING or self.printing.code != code:
            return
        if outcome.state == "completed":
            self.printing.show_outcome("success", code)
        elif outcome.state == "saved":
            self.printing.show_outcome("saved", code)
        else:
            self.printing.show_outcome("failure", code)
        # A visitor listening must hear where their summary is (or their code, if it failed).
        self.printing.order_focus()
        self._speak_current()

    # -- language and reset -----------------------------------------------------------------

    def switch_language(self, language: str) -> None:
        if language not in self.content.languages or language == self.language:
            return
        self.language = language
        self.checkin.set_language(language)
        self._apply_language()
        if self.current in self.screens:
            self.screens[self.current].order_focus()  # retranslating may rebuild its buttons
        self._speak_current()

    def _apply_language(self) -> None:
        lc = self.content[self.language]
        self.top_bar.set_language(self.language, lc)
        self.reader.set_language(self.language, lc)
        for screen in self.screens.values():
            screen.set_language(lc)

    def reset(self) -> None:
        """Back to Welcome with every screen, field and cached answer cleared."""
        self.checkin.end()
        if self._staff is not None:
            self._staff.lock()
        self.reader.stop(forget=True)  # what was read (answers, the code) leaves with the visitor
        self.top_bar.reset()
        self.looks.plain()
        built = self.screens
        if ScreenId.NAME in built:
            self.name.reset()
        if ScreenId.QUESTION in built:
            self.question.state = None
        if ScreenId.RESULTS in built:
            self.results.state = None
        if ScreenId.PRINTING in built:
            self.printing.show_outcome("progress", "")
        self.language = self.content.default_language
        self._apply_language()
        self.show_screen(ScreenId.OUT_OF_ORDER if self.store is None else ScreenId.WELCOME)

    # -- accessibility ------------------------------------------------------------------------

    def read_aloud(self) -> None:
        """Reading mode on (this screen and every next one is spoken) or off."""
        self.reader.toggle(self.screens.get(self.current))

    def set_reading(self, on: bool) -> None:
        """The top bar's read-aloud button, whichever way its state was changed."""
        self.reader.set_reading(on, self.screens.get(self.current))

    def announce_focus(self, widget: QWidget | None) -> None:
        """A switch or keyboard user who listens hears each button as Tab reaches it."""
        if self.current is not ScreenId.STAFF:  # nothing of staff mode is read aloud
            self.reader.announce(widget)

    def _current_screen_withheld(self) -> set[str]:
        screen = self.screens.get(self.current)
        return screen.withheld_texts() if screen is not None else set()

    def _speak_current(self) -> None:
        self.reader.speak(self.screens.get(self.current))

    def is_at_rest(self) -> bool:
        """Nothing to clear: the idle reset need not interrupt anyone."""
        if self.current is ScreenId.STAFF:
            return True  # staff mode has its own 60 s lock; no visitor dialog over it
        return (
            self.current in (ScreenId.WELCOME, ScreenId.OUT_OF_ORDER)
            and self.language == self.content.default_language
            and self.looks.is_plain()
            and not self.reading
        )
