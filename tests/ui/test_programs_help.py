"""Issue 16 item 10: the Programs menu and every program page carry the crisis lines and
"I need to talk to someone now", which does there what it does on a question: the visit is
urgent in the database before the safety screen shows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.config import Config
from kiosk.content import Content
from kiosk.model import Visit
from kiosk.store import Store
from tests.support.checkin import shown_texts
from tests.support.windows import MakeWindow
from ui.shell.navigator import Navigator, ScreenId


def visits(data_dir: Path) -> list[Visit]:
    """Every visit in the database, read through a second store."""
    with Store.open(data_dir) as other:
        return other.list_visits(datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


def open_programs(nav: Navigator, language: str, page: str | None) -> None:
    nav.top_bar.language_buttons[language].click()
    nav.welcome.learn_button.click()
    assert nav.current is ScreenId.PROGRAMS
    if page is not None:
        nav.programs.topics[page].click()
        assert nav.current is ScreenId.PROGRAM_PAGE


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_programs_screen_carries_the_crisis_lines_and_talk_now(
    make_window: MakeWindow, config: Config, content: Content, language: str
) -> None:
    lc = content[language]
    nav = make_window(config).navigator
    open_programs(nav, language, None)
    screens = [nav.programs]
    for page in lc.programs.pages:
        nav.show_program_page(page.id)
        screens.append(nav.program_page)
        for screen in screens:
            shown = " ".join(shown_texts(screen))
            for line in lc.screening.safety.crisis:
                assert line.text in shown, (page.id, line.number)
            assert screen.talk_button.isVisibleTo(screen)
            assert screen.talk_button.text() == lc.screening.safety.talk_now_label
            assert screen.talk_button.accessibleName() == screen.talk_button.text()
            # Read aloud and Tab reach it too.
            assert lc.screening.safety.talk_now_label in screen.speech_text()


@pytest.mark.parametrize(("language", "page"), [("en", None), ("es", "iop")])
def test_talk_now_on_programs_makes_an_urgent_visit_and_shows_the_safety_screen(
    make_window: MakeWindow,
    config: Config,
    content: Content,
    data_dir: Path,
    language: str,
    page: str | None,
) -> None:
    lc = content[language]
    nav = make_window(config).navigator
    open_programs(nav, language, page)
    assert visits(data_dir) == []
    screen = nav.programs if page is None else nav.program_page
    screen.talk_button.click()
    assert nav.current is ScreenId.SAFETY
    assert lc.screening.safety.message in shown_texts(nav.safety)
    (visit,) = visits(data_dir)
    assert visit.urgent and visit.language == language and visit.answers == {}
    # "Stop here": results of that visit, with its code and the crisis lines.
    nav.safety.stop_button.click()
    assert nav.current is ScreenId.RESULTS
    results = shown_texts(nav.results)
    assert lc.strings("results.code", code=visit.code) in results
    assert lc.screening.results.guidance.staff_today in results
    (visit,) = visits(data_dir)
    assert visit.urgent and visit.status == "completed"


def test_talk_now_on_programs_then_continue_goes_to_the_privacy_screen_of_that_visit(
    make_window: MakeWindow, config: Config, content: Content, data_dir: Path
) -> None:
    nav = make_window(config).navigator
    open_programs(nav, "en", "differ")
    nav.program_page.talk_button.click()
    nav.safety.continue_button.click()
    assert nav.current is ScreenId.PRIVACY
    nav.privacy.agree_button.click()
    nav.name.skip_button.click()
    assert nav.current is ScreenId.QUESTION
    (visit,) = visits(data_dir)
    assert visit.urgent and nav.flow is not None and nav.flow.code == visit.code


def test_talk_now_on_programs_then_leaving_keeps_an_urgent_visit(
    make_window: MakeWindow, config: Config, data_dir: Path
) -> None:
    nav = make_window(config).navigator
    open_programs(nav, "en", None)
    nav.programs.talk_button.click()
    assert nav.current is ScreenId.SAFETY
    nav.reset()  # the idle reset: the visitor walked away
    (visit,) = visits(data_dir)
    assert visit.urgent and visit.status == "abandoned"
