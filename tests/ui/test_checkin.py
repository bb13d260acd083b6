"""The private check-in through real widgets: every tap goes navigator -> flow -> SQLite.

What was saved is always read through a second kiosk.store.Store on the same data folder.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from kiosk.config import Config, load_config
from kiosk.content import Content, LanguageContent
from kiosk.flow import QuestionRef
from kiosk.model import Visit
from kiosk.store import DB_FILENAME, Store
from tests.support.checkin import (
    ALL_ZERO,
    Plan,
    code_of,
    current_ref,
    shown_texts,
    start,
    tap,
    walk,
)
from tests.support.windows import MakeWindow
from ui.shell.navigator import Navigator, ScreenId

ITEM9 = QuestionRef("phq9", 9)
# PHQ-9 11 (moderate, item 9 = 1 -> urgent), GAD-7 9 (mild); the PHQ-9's difficulty question
# asked (the GAD-7 has none).
WALK: Plan = {
    **{("phq9", i): v for i, v in enumerate([1, 2, 1, 0, 3, 1, 2, 0, 1], start=1)},
    ("phq9", 10): 2,
    **{("asq", i): 0 for i in range(1, 5)},  # English only: the ASQ is not asked in Spanish
    **{("gad7", i): v for i, v in enumerate([0, 1, 2, 3, 0, 1, 2], start=1)},
    **{("fit", i): v for i, v in enumerate([2, 1, 0, 2, 1], start=1)},
}
ORDER = {
    language: [QuestionRef("phq9", i) for i in range(1, 11)]
    + [QuestionRef("asq", i) for i in range(1, 5) if language == "en"]
    + [QuestionRef("gad7", i) for i in range(1, 8)]
    + [QuestionRef("fit", i) for i in range(1, 6)]
    for language in ("en", "es")
}
# Official wording, quoted from CLINICAL.md (independent of the content files).
OFFICIAL = {
    "en": {
        "stem": "Over the last 2 weeks, how often have you been bothered by any of the following "
        "problems?",
        "options": ["Not at all", "Several days", "More than half the days", "Nearly every day"],
        "item9": "Thoughts that you would be better off dead or of hurting yourself in some way",
        "phq1": "Little interest or pleasure in doing things",
        "gad1": "Feeling nervous, anxious or on edge",
    },
    "es": {
        "stem": "Durante las últimas 2 semanas, ¿qué tan seguido ha tenido molestias debido a los "
        "siguientes problemas?",
        "options": [
            "Ningún día",
            "Varios días",
            "Más de la mitad de los días",
            "Casi todos los días",
        ],
        "item9": "Pensamientos de que estaría mejor muerto(a) o de lastimarse de alguna manera",
        "phq1": "Poco interés o placer en hacer cosas",
        "gad1": "Se ha sentido nervioso(a), ansioso(a) o con los nervios de punta",
    },
}
NAMES = {"en": ("ANA", "Ana"), "es": ("JOSÉ", "José")}


# --- helpers ---------------------------------------------------------------------------------


def all_texts(widgets: Iterable[QWidget]) -> str:
    """Every label and button text, shown or not, still held by these widgets."""
    QApplication.processEvents()
    # Widgets a screen dropped are deleted later; deleted is what counts as gone.
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    parts: list[str] = []
    for widget in widgets:
        parts += [lbl.text() for lbl in widget.findChildren(QLabel)]
        parts += [b.text() for b in widget.findChildren(QPushButton)]
    return "\n".join(parts)


def stored(data_dir: Path, code: str) -> Visit:
    with Store.open(data_dir) as other:
        return other.get_visit(code)


def wording(lc: LanguageContent, ref: QuestionRef) -> tuple[str, str, list[str]]:
    """(question, stem or "", option labels) as the content of that language has them."""
    screening = lc.screening
    if ref.section == "fit":
        question = screening.fit.questions[ref.item - 1]
        return question.text, "", [option.label for option in question.options]
    instrument = screening.instruments.instrument(ref.section)
    if ref.item == len(instrument.items) + 1:
        return instrument.difficulty, "", list(instrument.difficulty_options)
    return instrument.item(ref.item), instrument.stem, list(instrument.options)


def check_question_screen(nav: Navigator, lc: LanguageContent) -> QuestionRef:
    assert nav.current is ScreenId.QUESTION
    screen = nav.question
    assert screen.state is not None and screen.state.question is not None
    ref = screen.state.question
    question, stem, options = wording(lc, ref)
    assert screen.question.text() == question
    if stem:
        assert screen.stem.text() == stem
        assert screen.stem.isVisibleTo(screen)
    else:
        assert not screen.stem.isVisibleTo(screen)
    assert [button.text() for button in screen.option_buttons] == options
    assert screen.progress.text() == lc.strings(
        "question.progress", n=screen.state.section_position, total=screen.state.section_total
    )
    assert screen.talk_button.text() == lc.screening.safety.talk_now_label
    assert screen.skip_button.text() == lc.strings("question.skip")
    assert screen.back_button.text() == lc.strings("question.back")
    shown = shown_texts(screen)
    assert question in shown
    assert all(option in shown for option in options)
    return ref


def make_read_only(nav: Navigator) -> None:
    """The kiosk's own connection refuses every write, as on a disk that went read-only."""
    assert nav.store is not None and nav.store._db is not None
    nav.store._db.execute("PRAGMA query_only = ON")


# --- the whole visit -------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "es"])
def test_whole_visit_shows_official_wording_and_stores_exactly_what_was_tapped(
    make_window: MakeWindow, config: Config, content: Content, data_dir: Path, language: str
) -> None:
    lc = content[language]
    official = OFFICIAL[language]
    nav = make_window(config).navigator
    nav.top_bar.language_buttons[language].click()
    nav.welcome.checkin_button.click()
    assert nav.current is ScreenId.PRIVACY
    assert nav.privacy.agree_button.text() == lc.strings("privacy.agree")
    nav.privacy.agree_button.click()
    assert nav.current is ScreenId.NAME
    letters, name = NAMES[language]
    for letter in letters:
        nav.name.keypad.keys[letter].click()
    assert nav.name.entry.text() == name
    nav.name.done_button.click()
    code = code_of(nav)

    asked: list[QuestionRef] = []
    while nav.current is ScreenId.QUESTION:
        ref = check_question_screen(nav, lc)
        asked.append(ref)
        if ref.section == "phq9" and ref.item <= 9:
            assert nav.question.stem.text() == official["stem"]
            assert [b.text() for b in nav.question.option_buttons] == official["options"]
        if ref == QuestionRef("phq9", 1):
            assert nav.question.question.text().startswith(official["phq1"])
        if ref == QuestionRef("gad7", 1):
            assert nav.question.question.text() == official["gad1"]
        if ref == ITEM9:
            assert nav.question.question.text() == official["item9"]
        tap(nav, WALK[(ref.section, ref.item)])
        if ref == ITEM9:
            # The safety screen, before any next question, with the visit already urgent.
            assert nav.current is ScreenId.SAFETY
            assert nav.question.state is not None
            assert nav.question.state.question == ITEM9
            assert stored(data_dir, code).urgent
            safety = shown_texts(nav.safety)
            assert lc.screening.safety.message in safety
            for line in lc.screening.safety.crisis:
                assert line.text in safety
                assert line.number in safety
            assert {"988", "911"} <= set(safety)
            assert any("988" in text and len(text) > 3 for text in safety)
            assert any("911" in text and len(text) > 3 for text in safety)
            assert nav.safety.continue_button.text() == lc.screening.safety.continue_label
            assert nav.safety.stop_button.text() == lc.screening.safety.stop_label
            nav.safety.continue_button.click()
            assert current_ref(nav) == QuestionRef("phq9", 10)
    assert asked == ORDER[language]
    assert nav.current is ScreenId.RESULTS

    words = lc.screening.results
    results = shown_texts(nav.results)
    score_line = lc.strings("results.score_line", total=11, max=27)
    # Item 9 above 0: the PHQ-9 line is the item 9 sentence, total beside it, never a band's.
    phq_line = f"{words.safety_result['phq9']} ({score_line})"
    for band_sentence in words.bands["phq9"].values():
        assert band_sentence not in " ".join(shown_texts(nav.results))
    score_line = lc.strings("results.score_line", total=9, max=21)
    gad_line = f"{words.band_text('gad7', 'mild')} ({score_line})"
    assert phq_line in results
    assert gad_line in results
    assert words.guidance.staff_today in results
    assert words.guidance.outpatient not in results
    assert words.clinician_decides in results
    assert words.not_a_diagnosis in results
    assert lc.screening.safety.message in results  # the urgent card
    for line in lc.screening.safety.crisis:
        assert line.text in results
    assert lc.strings("results.code", code=code) in results
    other = content["es" if language == "en" else "en"].screening.results
    assert other.band_text("phq9", "moderate") not in " ".join(results)
    assert nav.results.finish_button.text() == lc.strings("results.finish")
    assert nav.results.print_button.text() == lc.strings("results.print")

    visit = stored(data_dir, code)
    expected: dict[str, dict[int, int | None]] = {}
    for (section, item), value in WALK.items():
        if (section, item) in {(ref.section, ref.item) for ref in ORDER[language]}:
            expected.setdefault(section, {})[item] = value
    assert visit.answers == expected
    assert visit.name == name
    assert visit.language == language
    assert visit.urgent
    assert visit.status == "completed"
    assert visit.guidance == "staff_today"
    phq, gad = visit.scores["phq9"], visit.scores["gad7"]
    assert (phq.total, phq.band, phq.complete, phq.skipped, phq.urgent) == (
        11,
        "moderate",
        True,
        0,
        True,
    )
    assert (gad.total, gad.band, gad.complete, gad.skipped, gad.urgent) == (
        9,
        "mild",
        True,
        0,
        False,
    )
    nav.results.finish_button.click()
    assert nav.current is ScreenId.WELCOME
    assert stored(data_dir, code).status == "completed"


def test_low_scores_give_outpatient_guidance_on_screen_and_in_the_store(
    make_window: MakeWindow, config: Config, content: Content, data_dir: Path
) -> None:
    nav = make_window(config).navigator
    start(nav, "es")
    code = code_of(nav)
    walk(nav, ALL_ZERO)
    assert nav.current is ScreenId.RESULTS
    lc = content["es"]
    results = shown_texts(nav.results)
    assert lc.screening.results.guidance.outpatient in results
    assert lc.screening.safety.message not in results  # no urgent card
    for line in lc.screening.safety.crisis:  # crisis numbers whatever the score
        assert line.text in results
    minimal = lc.screening.results.band_text("phq9", "minimal")
    assert f"{minimal} ({lc.strings('results.score_line', total=0, max=27)})" in results
    visit = stored(data_dir, code)
    assert visit.guidance == "outpatient"
    assert not visit.urgent
    assert 10 not in visit.answers["phq9"] and 8 not in visit.answers["gad7"]
    assert visit.scores["phq9"].band == "minimal" and visit.scores["gad7"].total == 0


# --- safety ----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "es"])
def test_talk_now_on_a_gad7_question_then_continue_returns_to_it(
    make_window: MakeWindow, config: Config, content: Content, data_dir: Path, language: str
) -> None:
    lc = content[language]
    nav = make_window(config).navigator
    start(nav, language)
    code = code_of(nav)
    where = QuestionRef("gad7", 3)
    walk(nav, {**ALL_ZERO, ("gad7", 1): 2, ("gad7", 2): 1}, until=where)
    assert not stored(data_dir, code).urgent
    nav.question.talk_button.click()
    assert nav.current is ScreenId.SAFETY
    visit = stored(data_dir, code)
    assert visit.urgent
    assert visit.answers["gad7"] == {1: 2, 2: 1}
    safety = shown_texts(nav.safety)
    for line in lc.screening.safety.crisis:
        assert line.text in safety
    nav.safety.continue_button.click()
    assert current_ref(nav) == where
    check_question_screen(nav, lc)
    assert nav.question.question.text() == lc.screening.instruments.instrument("gad7").item(3)
    assert not any(b.property("selected") for b in nav.question.option_buttons)
    nav.question.back_button.click()
    assert current_ref(nav) == QuestionRef("gad7", 2)
    assert [bool(b.property("selected")) for b in nav.question.option_buttons] == [
        False,
        True,
        False,
        False,
    ]
    assert stored(data_dir, code).urgent


@pytest.mark.parametrize("language", ["en", "es"])
def test_stop_here_shows_results_for_what_was_answered(
    make_window: MakeWindow, config: Config, content: Content, data_dir: Path, language: str
) -> None:
    lc = content[language]
    words = lc.screening.results
    nav = make_window(config).navigator
    start(nav, language)
    code = code_of(nav)
    tap(nav, 1)
    tap(nav, 0)
    tap(nav, None)
    assert current_ref(nav) == QuestionRef("phq9", 4)
    nav.question.talk_button.click()
    assert nav.current is ScreenId.SAFETY
    nav.safety.stop_button.click()
    assert nav.current is ScreenId.RESULTS
    results = shown_texts(nav.results)
    # PHQ-9: 2 answered, 1 skipped, 6 never shown; GAD-7 (and in English the ASQ) never
    # reached: all "not asked".
    assert sum(words.not_scored_ended in text for text in results) == (3 if language == "en" else 2)
    assert words.guidance.staff_today in results
    for band in ("minimal", "mild", "moderate"):
        assert words.band_text("phq9", band) not in results
        assert words.band_text("gad7", band) not in results
    if language == "en":
        assert "Not scored: the check-in ended before these questions" in results
    assert not any("skipped" in text or "omiti" in text for text in results)
    visit = stored(data_dir, code)
    assert visit.answers == {"phq9": {1: 1, 2: 0, 3: None}}
    assert visit.status == "completed"
    assert visit.urgent
    assert visit.guidance == "staff_today"
    for instrument in ("phq9", "gad7"):
        score = visit.scores[instrument]  # type: ignore[index]
        assert (score.total, score.band, score.complete) == (None, None, False)
    assert visit.scores["phq9"].skipped == 7
    assert visit.scores["gad7"].skipped == 7


# --- language, finish, idle ------------------------------------------------------------------


def test_language_switch_on_a_question_keeps_the_question_and_answers(
    make_window: MakeWindow, config: Config, content: Content, data_dir: Path
) -> None:
    nav = make_window(config).navigator
    start(nav, "en")
    code = code_of(nav)
    tap(nav, 2)
    tap(nav, 1)
    tap(nav, 3)
    assert current_ref(nav) == QuestionRef("phq9", 4)
    english = nav.question.question.text()
    nav.top_bar.language_buttons["es"].click()
    es = content["es"]
    assert nav.current is ScreenId.QUESTION
    assert current_ref(nav) == QuestionRef("phq9", 4)
    check_question_screen(nav, es)
    assert nav.question.question.text() == es.screening.instruments.instrument("phq9").item(4)
    assert nav.question.question.text() != english
    assert nav.question.stem.text() == OFFICIAL["es"]["stem"]
    assert [b.text() for b in nav.question.option_buttons] == OFFICIAL["es"]["options"]
    assert english not in shown_texts(nav.question)
    visit = stored(data_dir, code)
    assert visit.language == "es"
    assert visit.answers == {"phq9": {1: 2, 2: 1, 3: 3}}
    nav.question.back_button.click()
    assert current_ref(nav) == QuestionRef("phq9", 3)
    check_question_screen(nav, es)
    assert nav.question.option_buttons[3].property("selected") is True
    tap(nav, 0)
    tap(nav, 1)
    assert stored(data_dir, code).answers == {"phq9": {1: 2, 2: 1, 3: 0, 4: 1}}
    assert current_ref(nav) == QuestionRef("phq9", 5)


def test_finish_returns_to_welcome_with_everything_cleared(
    make_window: MakeWindow, config: Config, content: Content, data_dir: Path
) -> None:
    nav = make_window(config).navigator
    start(nav, "es", "ANA")
    code = code_of(nav)
    walk(nav, WALK)
    assert nav.current is ScreenId.RESULTS
    es_words = content["es"].screening.results
    last_question = content["es"].screening.fit.questions[-1].text
    assert code in all_texts([nav.results])
    nav.results.finish_button.click()
    assert nav.current is ScreenId.WELCOME
    assert nav.flow is None
    assert nav.language == "en"
    assert nav.welcome.checkin_button.text() == content["en"].strings("welcome.checkin")
    assert nav.name.keypad.text() == ""
    assert nav.question.state is None
    assert nav.results.state is None
    left = all_texts(nav.screens.values())
    assert code not in left
    assert "Ana" not in left
    assert last_question not in left
    assert es_words.band_text("phq9", "moderate") not in left
    assert es_words.guidance.staff_today not in left
    assert not any(b.property("selected") for b in nav.question.option_buttons)
    visit = stored(data_dir, code)
    assert visit.status == "completed"
    assert visit.name == "Ana"
    # The next visitor starts from nothing.
    nav.welcome.checkin_button.click()
    nav.privacy.agree_button.click()
    assert nav.current is ScreenId.NAME
    assert nav.name.entry.text().strip() == ""
    assert not nav.name.done_button.isEnabled()
    nav.name.skip_button.click()
    assert code_of(nav) != code
    assert current_ref(nav) == QuestionRef("phq9", 1)
    assert nav.question.state is not None and nav.question.state.answer is None


def test_idle_during_a_visit_abandons_it_keeping_answers_and_urgent(
    make_window: MakeWindow,
    qtbot: QtBot,
    write_config,
    data_dir: Path,  # type: ignore[no-untyped-def]
) -> None:
    path = write_config("[kiosk]\nidle_seconds = 5\nidle_countdown_seconds = 3\n")
    window = make_window(load_config(path, data_dir))
    nav = window.navigator
    start(nav, "es", "ANA")
    code = code_of(nav)
    walk(nav, {**ALL_ZERO, ("phq9", 9): 2}, until=ITEM9)
    tap(nav, 2)
    assert nav.current is ScreenId.SAFETY
    nav.safety.continue_button.click()
    assert current_ref(nav) == QuestionRef("phq9", 10)
    # Speed the clock up: the same timers, shorter intervals.
    window.idle.timer.setInterval(100)
    window.overlay.tick.setInterval(20)
    window.idle.poke()
    qtbot.waitUntil(window.overlay.isVisible, timeout=2000)
    qtbot.waitUntil(lambda: nav.current is ScreenId.WELCOME, timeout=2000)
    assert nav.flow is None
    assert nav.language == "en"
    visit = stored(data_dir, code)
    assert visit.status == "abandoned"
    assert visit.urgent
    assert visit.name == "Ana"
    assert visit.answers == {"phq9": {i: (2 if i == 9 else 0) for i in range(1, 10)}}
    assert visit.scores == {}


# --- a store that fails ----------------------------------------------------------------------


@pytest.mark.parametrize("action", ["answer", "skip", "talk_now", "last_answer"])
def test_store_failure_shows_the_calm_cannot_save_screen_and_writes_nothing_half(
    make_window: MakeWindow, config: Config, content: Content, data_dir: Path, action: str
) -> None:
    nav = make_window(config).navigator
    start(nav, "en", "ANA")
    code = code_of(nav)
    plan = {**ALL_ZERO, ("phq9", 1): 1, ("phq9", 2): 2, ("phq9", 10): 0}
    until = QuestionRef("fit", 5) if action == "last_answer" else QuestionRef("phq9", 3)
    walk(nav, plan, until=until)
    before = stored(data_dir, code)
    make_read_only(nav)
    match action:
        case "answer" | "last_answer":
            tap(nav, 1)
        case "skip":
            tap(nav, None)
        case "talk_now":
            nav.question.talk_button.click()
    assert nav.current is ScreenId.UNAVAILABLE
    assert nav.flow is None
    en = content["en"]
    shown = shown_texts(nav.unavailable)
    assert en.strings("unavailable.title") in shown
    assert en.strings("unavailable.body") in shown
    after = stored(data_dir, code)
    assert after == before
    assert after.status == "in_progress"
    assert after.scores == {}
    assert after.guidance is None
    assert not after.urgent
    assert after.answers["phq9"][1] == 1 and after.answers["phq9"][2] == 2
    assert until.item not in after.answers.get(until.section, {})
    nav.unavailable.home_button.click()
    assert nav.current is ScreenId.WELCOME


def test_corrupt_database_opens_out_of_order_and_leaves_the_file_alone(
    make_window: MakeWindow, config: Config, content: Content, data_dir: Path
) -> None:
    data_dir.mkdir(parents=True)
    db = data_dir / DB_FILENAME
    garbage = b"this is not an SQLite database\n" * 256
    db.write_bytes(garbage)
    window = make_window(config)
    nav = window.navigator
    assert window.store is None
    assert nav.current is ScreenId.OUT_OF_ORDER
    shown = shown_texts(nav.out_of_order)
    assert content["en"].strings("unavailable.out_of_order_title") in shown
    assert not nav.out_of_order.home_button.isVisibleTo(nav.out_of_order)
    nav.start_checkin()  # whatever is tapped, no visit can start
    assert nav.current is ScreenId.OUT_OF_ORDER
    assert nav.flow is None
    nav.top_bar.language_buttons["es"].click()
    assert content["es"].strings("unavailable.out_of_order_title") in shown_texts(nav.out_of_order)
    assert db.read_bytes() == garbage
    assert sorted(p.name for p in data_dir.iterdir()) == [DB_FILENAME]


@pytest.mark.parametrize("language", ["en", "es"])
def test_skipped_phq9_that_could_reach_15_shows_clinician_alone(
    make_window: MakeWindow, config: Config, content: Content, data_dir: Path, language: str
) -> None:
    """Issue 16 item 1 on screen: the PHQ-9 skipped could still have been 15 or more, so neither
    program is suggested; the clinician sentence is shown once, not twice."""
    nav = make_window(config).navigator
    start(nav, language)
    code = code_of(nav)
    plan: Plan = {**ALL_ZERO, **{("phq9", item): None for item in range(1, 10)}}
    plan[("fit", 2)] = 1  # not out of a hospital lately
    walk(nav, plan)
    assert nav.current is ScreenId.RESULTS
    words = content[language].screening.results
    results = shown_texts(nav.results)
    assert results.count(words.guidance.clinician) == 1
    assert words.guidance.outpatient not in results
    assert words.guidance.ask_iop not in results
    assert stored(data_dir, code).guidance == "clinician"
