"""The one navigator: owns the screen stack and maps flow states to screens with an explicit dict.

Screens only emit intents; the navigator turns them into calls on kiosk.flow (which records every
answer through the store before returning) and shows the screen for the state that comes back.
"""

from __future__ import annotations

import enum
import functools
import logging
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING

from msgspec.structs import replace
from PySide6.QtCore import QEvent, QObject, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QGridLayout,
    QHBoxLayout,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.config import Config
from kiosk.content import Content, LanguageContent
from kiosk.store import (
    Store,
    StoreBusyError,
    StoreError,
    StoreFilesLostError,
    VisitNotFoundError,
)
from ui import theme
from ui.screens.base import Screen
from ui.screens.welcome import WelcomeScreen
from ui.widgets.basics import TouchButton, label, row_width

if TYPE_CHECKING:
    from kiosk.flow import FlowState, Step, VisitFlow
    from kiosk.printing import PrintOutcome
    from ui.printer import PrintService
    from ui.speech import Speaker
    from ui.staff.panel import StaffPanel

log = logging.getLogger(__name__)
HOLD_MS = 3000
WARM_UP_MS = 50  # after the first frame; a visitor cannot tap that fast
WARM_UP_FALLBACK_MS = 3000  # if the window is never reported exposed
# A tap that finds the database locked by another program is tried again after these pauses
# (about 4 s in all), the screen held meanwhile; then the visitor is sent to the front desk.
SAVE_RETRY_MS = (30, 60, 120, 250, 500, 1000, 1000, 1000)


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


NAME_MIN_WIDTH = 160  # narrowest the wrapped clinic name may get beside the controls


class TopBar(QWidget):
    """On every visitor screen: the clinic's name (the logo), read aloud, larger text, high
    contrast and the language switch. The controls go on a second row on portrait screens and
    wherever they do not fit beside the name (large text, Spanish)."""

    language_requested = Signal(str)
    staff_requested = Signal()
    read_aloud_requested = Signal()
    large_text_toggled = Signal(bool)
    high_contrast_toggled = Signal(bool)

    def __init__(self, config: Config, content: Content, *, can_speak: bool) -> None:
        super().__init__()
        self.setObjectName("TopBar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(32, 8, 32, 8)
        self.grid.setHorizontalSpacing(12)
        self.grid.setVerticalSpacing(8)
        # The name wraps rather than pushing the controls onto a second row (landscape, large text).
        self.clinic = label("small", config.clinic.name, wrap=True)
        self.clinic.setObjectName("ClinicName")
        # Hidden staff entry (UX.md): press and hold the clinic's name for HOLD_MS.
        self.hold_timer = QTimer(self)
        self.hold_timer.setSingleShot(True)
        self.hold_timer.setInterval(HOLD_MS)
        self.hold_timer.timeout.connect(self.staff_requested)
        self.clinic.installEventFilter(self)
        self.clinic.setMinimumHeight(64)
        self.read_button = TouchButton(role="tool")
        self.read_button.setCheckable(True)
        self.read_button.setVisible(can_speak)
        self.read_button.clicked.connect(self.read_aloud_requested)
        self.large_button = TouchButton(role="tool")
        self.large_button.setCheckable(True)
        self.large_button.toggled.connect(self.large_text_toggled)
        self.contrast_button = TouchButton(role="tool")
        self.contrast_button.setCheckable(True)
        self.contrast_button.toggled.connect(self.high_contrast_toggled)
        self.language_buttons: dict[str, TouchButton] = {}
        if len(content.languages) > 1:
            for code, lc in content.languages.items():
                button = TouchButton(lc.strings("language.switch_to"), role="lang")
                button.clicked.connect(lambda _=False, c=code: self.language_requested.emit(c))
                self.language_buttons[code] = button
        self.controls = QHBoxLayout()
        self.controls.setSpacing(12)
        for button in (self.read_button, self.large_button, self.contrast_button):
            self.controls.addWidget(button)
        for button in self.language_buttons.values():
            self.controls.addWidget(button)
        self.portrait = False
        self.two_rows: bool | None = None
        self._place()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.clinic:
            if event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin):
                self.hold_timer.start()
            elif event.type() in (
                QEvent.Type.MouseButtonRelease,
                QEvent.Type.TouchEnd,
                QEvent.Type.TouchCancel,
                QEvent.Type.Leave,
            ):
                self.hold_timer.stop()
        return False

    def set_portrait(self, portrait: bool) -> None:
        self.portrait = portrait
        self._place()

    def event(self, event: QEvent) -> bool:
        # Text, font (large text) and width all change what fits on one row.
        if event.type() in (QEvent.Type.Resize, QEvent.Type.LayoutRequest):
            self._place()
        return super().event(event)

    def _place(self) -> None:
        margins = self.grid.contentsMargins()
        one_row = (
            margins.left()
            + min(self.clinic.sizeHint().width(), NAME_MIN_WIDTH)
            + self.grid.horizontalSpacing()
            + row_width(self.controls)
            + margins.right()
        )
        two_rows = self.portrait or one_row > self.width()
        if two_rows == self.two_rows:
            return
        self.two_rows = two_rows
        self.grid.removeWidget(self.clinic)
        self.grid.removeItem(self.controls)
        self.grid.addWidget(self.clinic, 0, 0)
        if two_rows:
            self.grid.addLayout(self.controls, 1, 0, Qt.AlignmentFlag.AlignLeft)
        else:
            self.grid.addLayout(self.controls, 0, 1, Qt.AlignmentFlag.AlignRight)
        self.grid.setColumnStretch(0, 1)

    def set_language(self, language: str, lc: LanguageContent) -> None:
        # Only the other languages are offered: the current one is already on screen.
        for code, button in self.language_buttons.items():
            button.setVisible(code != language)
        self.read_button.setText(
            lc.strings(
                "access.stop_reading" if self.read_button.isChecked() else "access.read_aloud"
            )
        )
        self.large_button.setText(lc.strings("access.large_text"))
        self.contrast_button.setText(lc.strings("access.high_contrast"))

    def reset(self) -> None:
        """Untick the toggles without announcing each: whoever resets applies the plain look
        once (two toggled signals would restyle what is on screen twice)."""
        for button in (self.read_button, self.large_button, self.contrast_button):
            blocker = QSignalBlocker(button)
            button.setChecked(False)
            blocker.unblock()


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
        self.store = store
        self.language = content.default_language
        self.flow: VisitFlow | None = None
        self.current = ScreenId.WELCOME
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        # The visitor's intent being saved while the database is locked (see _step), and the
        # screen held meanwhile; the flow moves on only once it is committed.
        self._saving: Callable[[VisitFlow], FlowState] | None = None
        self._save_tries = 0
        self._held: QWidget | None = None
        self.save_retry_ms = SAVE_RETRY_MS
        self.save_timer = QTimer(self)
        self.save_timer.setSingleShot(True)
        self.save_timer.timeout.connect(self._save)
        # Visits a save failure interrupted, marked abandoned as soon as the database takes it.
        self.visits_to_abandon: list[str] = []

        self.theme_options = theme.ThemeOptions()
        # Small widgets outside the screens that may be on screen at a change (the idle card).
        self.restyled_always: list[QWidget] = []
        # The speech engine is probed by the warm-up (or the first use), not before Welcome:
        # until then the read-aloud button stays hidden, as it does with no engine at all.
        self._speaker: Speaker | None = None
        self.reading = False  # read-aloud mode: every new screen is spoken
        self.top_bar = TopBar(config, content, can_speak=False)
        self.top_bar.language_requested.connect(self.switch_language)
        self.top_bar.read_aloud_requested.connect(self.read_aloud)
        self.top_bar.large_text_toggled.connect(self._set_large_text)
        self.top_bar.high_contrast_toggled.connect(self._set_high_contrast)
        self.stack = QStackedWidget()
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
        self._factories: dict[ScreenId, Callable[[], Screen]] = {
            ScreenId.WELCOME: lambda: WelcomeScreen(config),
            ScreenId.PROGRAMS: lambda: _programs().ProgramsMenuScreen(config),
            ScreenId.PROGRAM_PAGE: lambda: _programs().ProgramPageScreen(config),
            ScreenId.PRIVACY: lambda: _checkin().PrivacyScreen(config),
            ScreenId.NAME: lambda: _checkin().NameScreen(config),
            ScreenId.QUESTION: lambda: _checkin().QuestionScreen(config),
            ScreenId.SAFETY: lambda: _checkin().SafetyScreen(config),
            ScreenId.RESULTS: lambda: _checkin().ResultsScreen(config),
            ScreenId.PRINTING: lambda: _checkin().PrintingScreen(config),
            ScreenId.UNAVAILABLE: lambda: _checkin().MessageScreen(
                config, "unavailable.title", "unavailable.body", can_leave=True
            ),
            ScreenId.OUT_OF_ORDER: lambda: _checkin().MessageScreen(
                config,
                "unavailable.out_of_order_title",
                "unavailable.out_of_order_body",
                can_leave=False,
            ),
        }
        # Staff mode (argon2, exports, the PDF viewer) is built on the first 3-second hold:
        # nothing of it is needed to show Welcome, and a restart must be back at once.
        self._staff: StaffPanel | None = None
        self.top_bar.staff_requested.connect(self.open_staff)
        self._apply_language()
        self.show_screen(ScreenId.OUT_OF_ORDER if store is None else ScreenId.WELCOME)
        self._warm_up_scheduled = False  # by the first exposure of the window (window_exposed)
        self._tried: set[ScreenId] = set()  # by the timed warm-up, built or not

    # -- screens ------------------------------------------------------------------------------

    def screen(self, screen_id: ScreenId) -> Screen:
        """The screen, built (translated, laid out for the window, wired) on first use."""
        built = self.screens.get(screen_id)
        if built is None:
            built = self._factories[screen_id]()
            self.screens[screen_id] = built
            self.stack.addWidget(built)
            built.set_portrait(self.portrait)
            built.set_language(self.content[self.language])
            self._wire(screen_id, built)
        return built

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if not self._warm_up_scheduled:
            # The main window calls window_exposed; should the window never be exposed (no
            # compositor answer), the warm-up still comes, later.
            QTimer.singleShot(WARM_UP_FALLBACK_MS, self.window_exposed)

    def window_exposed(self) -> None:
        """The window is on screen and its first frame is being drawn: warm up 50 ms later.

        Counted from the window's first exposure, not from the show: under a compositor the
        window appears only once it has answered the compositor, which may take longer than
        50 ms; the first frame comes first either way."""
        if self._warm_up_scheduled:
            return
        self._warm_up_scheduled = True
        QTimer.singleShot(WARM_UP_MS, self._warm_up_step)

    def _warm_up_step(self) -> None:
        """The warm-up a screen at a time, one per turn of the event loop: the window keeps
        answering its compositor and a visitor's taps in between (all at once is ~40 ms)."""
        if self._warm_up_next():
            QTimer.singleShot(0, self._warm_up_step)
        else:
            self._warm_up_done()

    def warm_up(self) -> None:
        """The whole warm-up now: every screen not built yet, then the voice."""
        self._warm_up_scheduled = True  # done now: the timed one need not come
        while self._warm_up_next():
            pass
        self._warm_up_done()

    def _warm_up_next(self) -> bool:
        """Build the next screen the warm-up has not tried; False when there is none left. A
        screen that cannot be built is logged and passed over: the others must still come,
        and start-up must still settle."""
        screen_id = next((s for s in self._factories if s not in self._tried), None)
        if screen_id is None:
            return False
        self._tried.add(screen_id)
        try:
            self.screen(screen_id)
        except Exception:
            log.exception("warm-up: cannot build the %s screen", screen_id.value)
        return True

    def _warm_up_done(self) -> None:
        try:
            _ = self.printer  # ready before any visitor can finish a check-in
        except Exception:
            log.exception("warm-up: cannot make the print service")
        try:
            _ = self.speaker
        except Exception:
            log.exception("warm-up: cannot start the speech engine")
        self.warmed_up.emit()

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

    @property
    def speaker(self) -> Speaker:
        if self._speaker is None:
            from ui import speech

            self._speaker = speech.Speaker(self)
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

    def set_portrait(self, portrait: bool) -> None:
        self.portrait = portrait
        for screen in self.screens.values():
            screen.set_portrait(portrait)
        self.top_bar.set_portrait(portrait)

    welcome = property(lambda self: self.screen(ScreenId.WELCOME))
    programs = property(lambda self: self.screen(ScreenId.PROGRAMS))
    program_page = property(lambda self: self.screen(ScreenId.PROGRAM_PAGE))
    privacy = property(lambda self: self.screen(ScreenId.PRIVACY))
    name = property(lambda self: self.screen(ScreenId.NAME))
    question = property(lambda self: self.screen(ScreenId.QUESTION))
    safety = property(lambda self: self.screen(ScreenId.SAFETY))
    results = property(lambda self: self.screen(ScreenId.RESULTS))
    printing = property(lambda self: self.screen(ScreenId.PRINTING))
    unavailable = property(lambda self: self.screen(ScreenId.UNAVAILABLE))
    out_of_order = property(lambda self: self.screen(ScreenId.OUT_OF_ORDER))

    @property
    def staff(self) -> StaffPanel:
        if self._staff is None:
            from ui.staff.panel import StaffPanel

            self._staff = StaffPanel(self.config, self.content, self.store, self.printer)
            self.stack.addWidget(self._staff)
            self._staff.exit_requested.connect(self.reset)
            self._staff.quit_requested.connect(self.quit_requested)
        return self._staff

    def built_staff(self) -> StaffPanel | None:
        """The staff panel if it was ever opened (shutdown waits for its work)."""
        return self._staff

    # -- wiring -----------------------------------------------------------------------------

    def _wire(self, screen_id: ScreenId, screen: Screen) -> None:
        step = self._step
        if screen_id is ScreenId.WELCOME:
            screen.learn_requested.connect(lambda: self.show_screen(ScreenId.PROGRAMS))
            screen.checkin_requested.connect(self.start_checkin)
        elif screen_id is ScreenId.PROGRAMS:
            screen.page_requested.connect(self.show_program_page)
            screen.home_requested.connect(self.reset)
            screen.checkin_requested.connect(self.start_checkin)
        elif screen_id is ScreenId.PROGRAM_PAGE:
            screen.menu_requested.connect(lambda: self.show_screen(ScreenId.PROGRAMS))
            screen.page_requested.connect(self.show_program_page)
            screen.checkin_requested.connect(self.start_checkin)
        elif screen_id is ScreenId.PRIVACY:
            screen.agreed.connect(lambda: step(lambda f: f.agree()))
            screen.declined.connect(lambda: step(lambda f: f.decline()))
        elif screen_id is ScreenId.NAME:
            screen.keypad.text_changed.connect(self._echo_name)
            screen.name_given.connect(lambda text: step(lambda f: f.set_name(text or None)))
        elif screen_id is ScreenId.QUESTION:
            screen.answer_chosen.connect(lambda v: step(lambda f: f.answer(v)))
            screen.skip_requested.connect(lambda: step(lambda f: f.skip()))
            screen.back_requested.connect(lambda: step(lambda f: f.back()))
            screen.talk_requested.connect(lambda: step(lambda f: f.talk_now()))
        elif screen_id is ScreenId.SAFETY:
            screen.continue_requested.connect(lambda: step(lambda f: f.continue_after_safety()))
            screen.stop_requested.connect(lambda: step(lambda f: f.stop()))
        elif screen_id is ScreenId.RESULTS:
            screen.finish_requested.connect(self.reset)
            screen.print_requested.connect(self.print_summary)
        elif screen_id is ScreenId.PRINTING:
            screen.finish_requested.connect(self.reset)
        elif screen_id is ScreenId.UNAVAILABLE:
            screen.home_requested.connect(self.reset)

    # -- navigation -------------------------------------------------------------------------

    def show_screen(self, screen_id: ScreenId) -> None:
        self.current = screen_id
        if screen_id is ScreenId.STAFF:
            self.restyle(self.staff)
            self.stack.setCurrentWidget(self.staff)
        else:
            screen = self.screen(screen_id)
            self.restyle(screen)
            screen.scroll_to_top()
            screen.order_focus()
            self.stack.setCurrentWidget(screen)
        self.top_bar.setVisible(screen_id is not ScreenId.STAFF)
        # A new screen starts with no focus ring; Tab moves into it from the top.
        self.setFocus(Qt.FocusReason.OtherFocusReason)
        self._speak_current()
        self.screen_changed.emit(screen_id.value)

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
        self._apply_theme(theme.ThemeOptions())
        self.reading = False
        if self._speaker is not None:
            self._speaker.stop()
        self.staff.open()
        self.show_screen(ScreenId.STAFF)

    def start_checkin(self) -> None:
        if self.store is None:
            self.show_screen(ScreenId.OUT_OF_ORDER)
            return
        self.name.reset()
        from kiosk.flow import VisitFlow

        self.flow = VisitFlow(
            self.store, self.content, self.language, instruments=self.config.screening.instruments
        )
        self._show_state(self.flow.state())

    def _step(self, action: Callable[[VisitFlow], FlowState]) -> None:
        """One visitor intent, saved before the next screen shows. While another program holds
        the database, the screen is held (greyed, taps ignored) and the save tried again a
        moment later, never waited for on this thread: a wait here would freeze the screen."""
        if self.flow is None or self._saving is not None:
            return
        self._saving = action
        self._save_tries = 0
        self._save()

    def _save(self) -> None:
        action, flow = self._saving, self.flow
        if action is None or flow is None:
            return
        try:
            state = action(flow)
        except StoreBusyError as exc:
            if self._save_tries < len(self.save_retry_ms):
                self._hold_screen()
                self.save_timer.start(self.save_retry_ms[self._save_tries])
                self._save_tries += 1
                return
            self._save_failed(exc)
            return
        except StoreError as exc:
            self._save_failed(exc)
            return
        self._end_saving()
        self._show_state(state)

    def _save_failed(self, exc: StoreError) -> None:
        # The store rolled back: nothing half-written. The visitor gets a calm message, and
        # the visit is marked abandoned now (or as soon as the database takes it), not left
        # "in progress" until the next start.
        log.error("cannot save: %s", exc)
        self._end_saving()
        flow, self.flow = self.flow, None
        if flow is not None:
            self._abandon(flow)
        if isinstance(exc, StoreFilesLostError):
            self.store_lost.emit(str(exc))  # the window drops the store: out of order
            return
        self.show_screen(ScreenId.UNAVAILABLE)

    def _hold_screen(self) -> None:
        if self._held is None:
            self._held = self.stack.currentWidget()
            if self._held is not None:
                self._held.setEnabled(False)

    def _end_saving(self) -> None:
        self.save_timer.stop()
        self._saving = None
        if self._held is not None:
            self._held.setEnabled(True)
            self._held = None

    def _abandon(self, flow: VisitFlow) -> None:
        try:
            flow.abandon()
        except StoreError as exc:
            log.warning("cannot mark the visit abandoned yet: %s", exc)
            if flow.code is not None and flow.code not in self.visits_to_abandon:
                self.visits_to_abandon.append(flow.code)

    def retry_abandons(self) -> None:
        """Mark abandoned the visits a save failure interrupted, if the database takes it now
        (called every few seconds and whenever the database is back)."""
        while self.visits_to_abandon and self.store is not None:
            try:
                self.store.abandon_visit(self.visits_to_abandon[0])
            except VisitNotFoundError:
                pass  # purged, or in a database restored from before it
            except StoreError:
                return
            self.visits_to_abandon.pop(0)

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
        if self.flow is not None:
            try:
                self.flow.set_language(language)
            except StoreError as exc:
                log.error("cannot save language: %s", exc)
        self._apply_language()
        if self.current in self.screens:
            self.screens[self.current].order_focus()  # retranslating may rebuild its buttons
        self._speak_current()

    def _apply_language(self) -> None:
        lc = self.content[self.language]
        self.top_bar.set_language(self.language, lc)
        if self._speaker is not None:
            self._speaker.set_language(self.language)
        for screen in self.screens.values():
            screen.set_language(lc)

    def reset(self) -> None:
        """Back to Welcome with every screen, field and cached answer cleared."""
        self._end_saving()
        ended = self.flow is not None
        if self.flow is not None:
            self._abandon(self.flow)
        self.flow = None
        self.retry_abandons()
        if ended and self.store is not None:
            # The WAL is folded into the database and emptied between visitors, so that it
            # stays small (docs/storage.md, "A small or full disk").
            try:
                self.store.checkpoint()
            except StoreFilesLostError as exc:
                self.store_lost.emit(str(exc))  # the window drops it; out of order below
            except StoreError as exc:
                log.info("checkpoint after the visit postponed: %s", exc)
        if self._staff is not None:
            self._staff.lock()
        self.reading = False
        if self._speaker is not None:
            self._speaker.stop()
            self._speaker.forget()  # what was read (answers, the code) leaves with the visitor
        self.top_bar.reset()
        self._apply_theme(theme.ThemeOptions())
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
        """First tap: speak this screen, and every screen after it, so a visitor who cannot read
        the screen can finish by listening. Second tap: stop, and stop reading new screens."""
        self.reading = not self.reading
        if self.reading:
            self._speak_current()
        else:
            self.speaker.stop()
        self.top_bar.read_button.setChecked(self.reading)
        self.top_bar.set_language(self.language, self.content[self.language])

    def announce_focus(self, widget: QWidget | None) -> None:
        """A switch or keyboard user who listens hears each button as Tab reaches it."""
        if not self.reading or self.current is ScreenId.STAFF:
            return
        if not isinstance(widget, QAbstractButton):
            return
        if not self.isAncestorOf(widget) or widget is self.top_bar.read_button:
            return
        text = widget.text()
        if text.strip():
            self.speaker.stop()
            self.speaker.say([text])

    def _speak_current(self) -> None:
        if self.reading and self.current in self.screens:
            self.speaker.stop()
            self.speaker.say(self.screens[self.current].speech_text())

    def _echo_name(self, text: str) -> None:
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
            self.top_bar.read_button.setChecked(False)
            self.top_bar.set_language(self.language, self.content[self.language])

    def _set_large_text(self, on: bool) -> None:
        self._apply_theme(replace(self.theme_options, large_text=on))

    def _set_high_contrast(self, on: bool) -> None:
        self._apply_theme(replace(self.theme_options, high_contrast=on))

    def _apply_theme(self, options: theme.ThemeOptions) -> None:
        """Large text or high contrast on or off: what is on screen changes now, each other
        screen when it is next shown (restyling all of them took ~90 ms, five frames)."""
        if options == self.theme_options:
            return
        self.theme_options = options
        for widget in (self.top_bar, *self.restyled_always):
            self.restyle(widget)
        current = self._staff if self.current is ScreenId.STAFF else self.screens.get(self.current)
        if current is not None:
            self.restyle(current)

    def restyle(self, widget: QWidget) -> None:
        """Give ``widget`` and everything in it the current look, unless it has it already.

        The application's style sheet is the plain look (theme.apply at start) and never
        changes: changing it re-polishes every widget of every screen. Another look is a style
        sheet on the widget, which wins over the application's for the widget and its children.
        """
        sheet = theme.widget_stylesheet(self.theme_options)
        if widget.styleSheet() != sheet:
            widget.setStyleSheet(sheet)

    def is_at_rest(self) -> bool:
        """Nothing to clear: the idle reset need not interrupt anyone."""
        if self.current is ScreenId.STAFF:
            return True  # staff mode has its own 60 s lock; no visitor dialog over it
        return (
            self.current in (ScreenId.WELCOME, ScreenId.OUT_OF_ORDER)
            and self.language == self.content.default_language
            and self.theme_options == theme.ThemeOptions()
            and not self.reading
        )
