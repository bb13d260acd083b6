"""Every visitor screen built alone (no navigator, no window): it shows its text in each
language and says what the visitor asks for through its signals, and nothing else."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from kiosk.config import Config
from kiosk.content import Content
from kiosk.flow import FlowState, Step, VisitFlow
from kiosk.store import Store
from ui.screens.base import Screen
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
from ui.screens.welcome import WelcomeScreen
from ui.shell.navigator import ScreenId

# Real time: the widgets under test ask the wall clock what "today" is.
pytestmark = pytest.mark.clock(start=None)


def first_question(store: Store, content: Content) -> FlowState:
    flow = VisitFlow(store, content, "en")
    flow.agree()
    state = flow.set_name(None)
    assert state.step is Step.QUESTION
    return state


def results(store: Store, content: Content) -> FlowState:
    flow = VisitFlow(store, content, "en")
    flow.agree()
    state = flow.set_name(None)
    while state.step in (Step.QUESTION, Step.SAFETY):
        # Skipping the ASQ counts as positive (NIMH): on past its safety screen.
        state = flow.continue_after_safety() if state.step is Step.SAFETY else flow.skip()
    assert state.step is Step.RESULTS
    return state


# Each screen the navigator shows: how it is made alone, and a button -> the signal it gives.
BUILDERS: dict[ScreenId, Callable[[Config], Screen]] = {
    ScreenId.WELCOME: WelcomeScreen,
    ScreenId.PROGRAMS: ProgramsMenuScreen,
    ScreenId.PROGRAM_PAGE: ProgramPageScreen,
    ScreenId.PRIVACY: PrivacyScreen,
    ScreenId.NAME: NameScreen,
    ScreenId.QUESTION: QuestionScreen,
    ScreenId.SAFETY: SafetyScreen,
    ScreenId.RESULTS: ResultsScreen,
    ScreenId.PRINTING: PrintingScreen,
    ScreenId.UNAVAILABLE: lambda config: MessageScreen(
        config, "unavailable.title", "unavailable.body", can_leave=True
    ),
    ScreenId.OUT_OF_ORDER: lambda config: MessageScreen(
        config,
        "unavailable.out_of_order_title",
        "unavailable.out_of_order_body",
        can_leave=False,
    ),
}
INTENTS: dict[ScreenId, list[tuple[str, str]]] = {
    ScreenId.WELCOME: [
        ("learn_button", "learn_requested"),
        ("checkin_button", "checkin_requested"),
    ],
    ScreenId.PROGRAMS: [
        ("home_button", "home_requested"),
        ("checkin_button", "checkin_requested"),
        ("talk_button", "talk_requested"),
    ],
    ScreenId.PROGRAM_PAGE: [
        ("back_button", "menu_requested"),
        ("next_button", "page_requested"),
        ("checkin_button", "checkin_requested"),
        ("talk_button", "talk_requested"),
    ],
    ScreenId.PRIVACY: [("not_now_button", "declined"), ("agree_button", "agreed")],
    ScreenId.NAME: [("skip_button", "name_given")],  # "Done" once a letter is typed (below)
    ScreenId.QUESTION: [
        ("back_button", "back_requested"),
        ("skip_button", "skip_requested"),
        ("talk_button", "talk_requested"),
    ],
    ScreenId.SAFETY: [("stop_button", "stop_requested"), ("continue_button", "continue_requested")],
    ScreenId.RESULTS: [("finish_button", "finish_requested"), ("print_button", "print_requested")],
    ScreenId.PRINTING: [("finish_button", "finish_requested")],
    ScreenId.UNAVAILABLE: [("home_button", "home_requested")],
    ScreenId.OUT_OF_ORDER: [],
}


def test_every_visitor_screen_is_in_the_tables() -> None:
    assert set(BUILDERS) == set(INTENTS) == set(ScreenId) - {ScreenId.STAFF}


@pytest.mark.parametrize("screen_id", list(BUILDERS), ids=lambda screen_id: screen_id.value)
@pytest.mark.parametrize("language", ["en", "es"])
def test_a_screen_built_alone_shows_its_text_and_asks_through_its_signals(
    qtbot: QtBot,
    config: Config,
    content: Content,
    store: Store,
    screen_id: ScreenId,
    language: str,
) -> None:
    screen = BUILDERS[screen_id](config)
    qtbot.addWidget(screen)
    screen.set_language(content[language])
    if isinstance(screen, QuestionScreen):
        screen.show_state(first_question(store, content))
    elif isinstance(screen, ResultsScreen):
        screen.show_state(results(store, content))
    elif isinstance(screen, ProgramPageScreen):
        screen.show_page(content[language].programs.pages[0].id)
    elif isinstance(screen, PrintingScreen):
        screen.show_outcome("progress", "K7Q2")
    screen.set_portrait(False)
    screen.resize(1280, 700)
    screen.show()
    qtbot.waitExposed(screen)
    spoken = screen.speech_text()
    assert spoken and all(text.strip() for text in spoken)
    for button in screen.findChildren(QPushButton):
        if button.isVisibleTo(screen):
            assert button.text().strip(), f"a button without text on {screen_id.value}"
            assert button.accessibleName() == button.text()
    for button_name, signal_name in INTENTS[screen_id]:
        button = getattr(screen, button_name)
        assert button.isVisibleTo(screen), button_name
        with qtbot.waitSignal(getattr(screen, signal_name), timeout=1000):
            button.click()


def test_a_question_answered_alone_gives_the_answer_s_value(
    qtbot: QtBot, config: Config, content: Content, store: Store
) -> None:
    screen = QuestionScreen(config)
    qtbot.addWidget(screen)
    screen.set_language(content["en"])
    screen.show_state(first_question(store, content))
    screen.show()
    assert screen.option_buttons
    with qtbot.waitSignal(screen.answer_chosen, timeout=1000) as chosen:
        screen.option_buttons[-1].click()
    assert isinstance(chosen.args[0], int)


def test_the_name_typed_alone_is_given_with_done(
    qtbot: QtBot, config: Config, content: Content
) -> None:
    screen = NameScreen(config)
    qtbot.addWidget(screen)
    screen.set_language(content["en"])
    screen.show()
    assert not screen.done_button.isEnabled()  # nothing typed yet
    for letter in "AMY":
        screen.keypad.keys[letter].click()
    with qtbot.waitSignal(screen.name_given, timeout=1000) as given:
        screen.done_button.click()
    assert given.args == ["Amy"]  # the keypad capitalises a name as it is typed
