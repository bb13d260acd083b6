"""The ASQ on real widgets: its question screen, the results screen of an acute visit, a Spanish
results screen that says the ASQ is not asked, a language switch on an ASQ question, and the
level on reception's list and the summary stand-in."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from kiosk.config import Config
from kiosk.content import Content
from kiosk.flow import FlowState, QuestionRef, Step, VisitFlow
from kiosk.store import Store
from tests.support.checkin import current_ref, shown_texts, tap
from tests.support.windows import MakeWindow
from ui.screens.checkin import QuestionScreen, ResultsScreen
from ui.shell.navigator import ScreenId
from ui.staff.reception import VisitLine
from ui.staff.summary_view import summary_text

pytestmark = pytest.mark.clock(start=None)

ASQ_ACUTE = {("asq", 1): 1, ("asq", 5): 1}


def walk_flow(flow: VisitFlow, taps: dict[tuple[str, int], int]) -> FlowState:
    state = flow.state()
    while state.step is not Step.RESULTS:
        if state.step is Step.SAFETY:
            state = flow.continue_after_safety()
            continue
        assert state.question is not None
        state = flow.answer(taps.get((state.question.section, state.question.item), 0))
    return state


def begin(store: Store, content: Content, language: str) -> VisitFlow:
    flow = VisitFlow(store, content, language)
    flow.agree()
    flow.set_name(None)
    return flow


def test_asq_question_shows_nimh_wording_and_yes_no(
    qtbot: QtBot, config: Config, content: Content, store: Store
) -> None:
    flow = begin(store, content, "en")
    state = flow.state()
    while state.question != QuestionRef("asq", 1):
        state = flow.answer(0)
    screen = QuestionScreen(config)
    qtbot.addWidget(screen)
    screen.set_language(content["en"])
    screen.show_state(state)
    screen.show()
    assert screen.question.text() == "In the past few weeks, have you wished you were dead?"
    assert [button.text() for button in screen.option_buttons] == ["No", "Yes"]
    assert all(b.accessibleName() == b.text() for b in screen.option_buttons)


def test_results_of_an_acute_visit_in_plain_words(
    qtbot: QtBot, config: Config, content: Content, store: Store
) -> None:
    state = walk_flow(begin(store, content, "en"), ASQ_ACUTE)
    screen = ResultsScreen(config)
    qtbot.addWidget(screen)
    screen.set_language(content["en"])
    screen.show_state(state)
    screen.show()
    texts = shown_texts(screen)
    acute = content["en"].screening.results.band_text("asq", "acute")
    assert acute in texts  # no count beside it: a screen's number means nothing to a visitor
    assert "About your safety" in texts
    assert content["en"].screening.safety.message in texts
    assert any("NATIONAL INSTITUTE OF MENTAL HEALTH (NIMH)" in text for text in texts)
    assert all(line.text in texts for line in content["en"].screening.safety.crisis)


def test_spanish_results_say_the_asq_is_not_asked(
    qtbot: QtBot, config: Config, content: Content, store: Store
) -> None:
    state = walk_flow(begin(store, content, "es"), {})
    screen = ResultsScreen(config)
    qtbot.addWidget(screen)
    screen.set_language(content["es"])
    screen.show_state(state)
    screen.show()
    sentence = content["es"].screening.instruments.not_offered["asq"]
    assert sentence in shown_texts(screen)
    assert not any("NIMH" in text for text in shown_texts(screen))


def test_choosing_spanish_on_an_asq_question_moves_the_screen_on(
    make_window: MakeWindow, config: Config
) -> None:
    nav = make_window(config).navigator
    nav.welcome.checkin_button.click()
    nav.privacy.agree_button.click()
    nav.name.skip_button.click()
    while current_ref(nav) != QuestionRef("asq", 1):
        tap(nav, 0)
    tap(nav, 0)  # ASQ item 1: No
    nav.switch_language("es")
    assert nav.current is ScreenId.QUESTION
    assert current_ref(nav) == QuestionRef("gad7", 1)
    assert nav.question.question.text().startswith("Se ha sentido nervioso(a)")


def test_reception_names_the_level(config: Config, content: Content, store: Store) -> None:
    acute = walk_flow(begin(store, content, "en"), ASQ_ACUTE)
    non_acute = walk_flow(begin(store, content, "en"), {("asq", 2): 1})
    calm = walk_flow(begin(store, content, "en"), {})
    lines = {
        state.code: VisitLine.of(store.get_visit(state.code or ""), config.zone)
        for state in (acute, non_acute, calm)
    }
    assert [(line.urgent, line.badge) for line in lines.values()] == [
        (True, "ACUTE"),
        (True, "URGENT"),
        (False, "URGENT"),  # never painted: not urgent
    ]
    assert lines[acute.code].spoken().startswith(f"Urgent, acute. {acute.code}")
    assert lines[non_acute.code].spoken().startswith(f"Urgent, non-acute. {non_acute.code}")
    text = summary_text(store.get_visit(acute.code or ""), config)
    assert text.splitlines()[0] == f"Visit {acute.code}  (URGENT, acute)"
    assert "ASQ: 1 (acute)" in text
