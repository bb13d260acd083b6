"""Every visitor can use it: contrast, read aloud, keyboard/switch operation, Spanish everywhere."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from kiosk.config import Config
from kiosk.content import Content
from tests.support.windows import MakeWindow
from ui import theme
from ui.app import MainWindow
from ui.preview import SCREENS, drive, settle
from ui.shell.navigator import ScreenId


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# (foreground, background) pairs the stylesheet actually puts together.
PAIRS = [
    ("text", "background"),
    ("text", "surface"),
    ("text", "tint"),
    ("muted", "background"),
    ("muted", "surface"),
    ("primary", "background"),
    ("primary", "surface"),
    ("on_primary", "primary"),
    ("on_primary", "primary_dark"),
    ("urgent", "surface"),
    ("urgent", "background"),
]


@pytest.mark.parametrize(("variant", "minimum"), [("normal", 4.5), ("high_contrast", 7.0)])
def test_theme_contrast(variant: str, minimum: float) -> None:
    with (theme.STYLES_DIR / "theme.toml").open("rb") as fh:
        colours = tomllib.load(fh)[variant]
    failures = [
        f"{fg} on {bg}: {contrast(colours[fg], colours[bg]):.2f}:1"
        for fg, bg in PAIRS
        if contrast(colours[fg], colours[bg]) < minimum
    ]
    assert not failures, failures


# Non-text contrast (WCAG 1.4.11, 3:1): the focus ring and the borders that outline buttons must
# be seen against what they sit on; in high contrast the focus ring also against black buttons.
UI_PAIRS = [
    ("focus", "background"),
    ("focus", "surface"),
    ("border_strong", "surface"),
    ("border_strong", "background"),
]


@pytest.mark.parametrize("variant", ["normal", "high_contrast"])
def test_focus_ring_and_outlines_stand_out(variant: str) -> None:
    with (theme.STYLES_DIR / "theme.toml").open("rb") as fh:
        colours = tomllib.load(fh)[variant]
    pairs = UI_PAIRS + ([("focus", "primary")] if variant == "high_contrast" else [])
    failures = [
        f"{fg} on {bg}: {contrast(colours[fg], colours[bg]):.2f}:1"
        for fg, bg in pairs
        if contrast(colours[fg], colours[bg]) < 3.0
    ]
    assert not failures, failures


def test_contrast_formula_matches_wcag_examples() -> None:
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast("#1F2933", "#FAF7F2") == pytest.approx(13.8, abs=0.2)  # UX.md's figure


def test_large_text_is_about_forty_percent_larger() -> None:
    normal = theme.load_variables(theme.ThemeOptions())
    large = theme.load_variables(theme.ThemeOptions(large_text=True))
    for key in ("body", "question", "title"):
        assert int(large[key]) / int(normal[key]) == pytest.approx(1.4, abs=0.03)


def keyboard_window(make_window: MakeWindow, config: Config, qtbot: QtBot) -> MainWindow:
    """A kiosk window that has the keyboard focus, as a switch device's key presses need."""
    window = make_window(config)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


@pytest.fixture
def mock_speech(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("KIOSK_TTS_ENGINE", "mock")
    yield


def test_read_aloud_speaks_the_question_and_options_on_screen(
    make_window: MakeWindow, config: Config, content: Content, qtbot: QtBot, mock_speech: None
) -> None:
    window = make_window(config)
    nav = window.navigator
    read = nav.top_bar.read_button
    assert read.isVisibleTo(window)
    nav.switch_language("es")
    drive(window, "question")
    read.click()
    spoken = nav.speaker.spoken[-1]
    question = nav.question
    for text in (question.section.text(), question.question.text(), question.stem.text()):
        assert text in spoken
    for button in question.option_buttons:
        assert button.text() in spoken
    assert "Atrás" in spoken and "Saltar esta pregunta" in spoken
    qtbot.waitUntil(nav.speaker.is_speaking)  # the engine reports from its own thread
    assert read.text() == content["es"].strings("access.stop_reading")
    # Read-aloud mode stays on: the next question is spoken without another tap.
    question.option_buttons[0].click()
    assert question.question.text() in nav.speaker.spoken[-1]
    assert spoken != nav.speaker.spoken[-1]
    read.click()  # a second tap stops
    qtbot.waitUntil(lambda: not nav.speaker.is_speaking())
    assert read.text() == content["es"].strings("access.read_aloud")
    count = len(nav.speaker.spoken)
    question.option_buttons[0].click()
    assert len(nav.speaker.spoken) == count  # and new screens are no longer read


def on_screen_texts(screen: QWidget) -> list[str]:
    """Every label and button text a sighted visitor sees on the screen, once it is painted."""
    return [
        w.text()
        for w in screen.findChildren(QLabel) + screen.findChildren(QPushButton)
        if w.isVisibleTo(screen) and w.text().strip()
    ]


@pytest.mark.parametrize("screen", SCREENS)
def test_read_aloud_mode_speaks_everything_on_every_screen(
    make_window: MakeWindow, config: Config, mock_speech: None, screen: str
) -> None:
    # A visitor who cannot read the screen turns read aloud on at Welcome and goes on by ear:
    # each screen, each new question, a language switch and the print outcome are spoken, and
    # what is spoken is all that is on screen (the answers of a question just built included).
    # Through a headset: from a loudspeaker the safety texts are not said (test_speech_privacy).
    window = make_window(config.replace(speech=config.speech.replace(output="headset")))
    nav = window.navigator
    nav.top_bar.read_button.click()
    drive(window, screen)
    for language in ("es", "en"):
        nav.switch_language(language)
        spoken = nav.speaker.spoken[-1]
        settle()
        current = nav.stack.currentWidget()
        missing = [t for t in on_screen_texts(current) if t not in spoken]
        assert not missing, f"{screen}/{language}: not read aloud: {missing}"
    nav.reset()
    assert nav.speaker.spoken == []  # nothing of the visitor stays with the speaker


def test_name_typed_by_ear_is_read_back(
    make_window: MakeWindow, config: Config, mock_speech: None
) -> None:
    window = make_window(config)
    nav = window.navigator
    nav.top_bar.read_button.click()
    drive(window, "name")  # types MARÍA on the keypad
    assert nav.speaker.spoken[-2:] == ["Marí", "María"]


def test_tab_announces_each_button_to_a_listening_visitor(
    make_window: MakeWindow, config: Config, mock_speech: None, qtbot: QtBot
) -> None:
    window = keyboard_window(make_window, config, qtbot)
    nav = window.navigator
    nav.top_bar.read_button.click()
    drive(window, "question")
    settle()
    first, second = nav.question.option_buttons[:2]
    first.setFocus(Qt.FocusReason.TabFocusReason)
    assert nav.speaker.spoken[-1] == first.text()
    QTest.keyClick(first, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is second
    assert nav.speaker.spoken[-1] == second.text()
    nav.top_bar.read_button.click()  # reading off: Tab is silent again
    count = len(nav.speaker.spoken)
    QTest.keyClick(second, Qt.Key.Key_Tab)
    assert len(nav.speaker.spoken) == count


def test_nothing_of_staff_mode_is_read_aloud(
    make_window: MakeWindow, config: Config, mock_speech: None, qtbot: QtBot
) -> None:
    window = keyboard_window(make_window, config, qtbot)
    nav = window.navigator
    nav.top_bar.read_button.click()
    assert nav.reading
    nav.open_staff()
    assert nav.current is ScreenId.STAFF and not nav.reading
    count = len(nav.speaker.spoken)
    for _ in range(4):
        QTest.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_Tab)
    assert len(nav.speaker.spoken) == count


def test_idle_warning_is_spoken_to_a_listening_visitor(
    make_window: MakeWindow, config: Config, mock_speech: None
) -> None:
    window = make_window(config)
    nav = window.navigator
    nav.top_bar.read_button.click()
    drive(window, "question")
    window._idle_warning()
    spoken = nav.speaker.spoken[-1]
    overlay = window.overlay
    for text in (overlay.title.text(), overlay.body.text(), overlay.more_time_button.text()):
        assert text and text in spoken


def test_no_engine_hides_the_button(
    make_window: MakeWindow, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIOSK_TTS_ENGINE", "no-such-engine")
    window = make_window(config)
    assert not window.navigator.speaker.available
    assert not window.navigator.top_bar.read_button.isVisibleTo(window)
    window.navigator.read_aloud()  # harmless without an engine


def test_toggles_reset_at_idle(make_window: MakeWindow, config: Config) -> None:
    window = make_window(config)
    nav = window.navigator
    nav.top_bar.large_button.click()
    nav.top_bar.contrast_button.click()
    assert nav.theme_options == theme.ThemeOptions(large_text=True, high_contrast=True)
    for shown in (nav.top_bar, nav.welcome):
        assert "#3366FF" in shown.styleSheet()  # the high-contrast focus ring is in force
    assert not nav.is_at_rest()
    nav.reset()
    assert nav.theme_options == theme.ThemeOptions()
    assert not nav.top_bar.large_button.isChecked()
    for shown in (nav.top_bar, nav.welcome):
        assert shown.styleSheet() == ""  # the application's plain look again


@pytest.mark.parametrize("leave", ["reset", "staff"])
def test_leaving_restyles_once(
    make_window: MakeWindow, config: Config, monkeypatch: pytest.MonkeyPatch, leave: str
) -> None:
    # Unticking both toggles must restyle what is on screen once, not once per toggle.
    window = make_window(config)
    nav = window.navigator
    nav.top_bar.large_button.click()
    nav.top_bar.contrast_button.click()
    restyled: list[object] = []
    real_restyle = nav.looks.restyle
    monkeypatch.setattr(nav.looks, "restyle", lambda w: (restyled.append(w), real_restyle(w)))
    if leave == "reset":
        nav.reset()
    else:
        nav.open_staff()
    assert restyled.count(nav.top_bar) == 1
    assert nav.theme_options == theme.ThemeOptions()
    assert not nav.top_bar.large_button.isChecked()
    assert not nav.top_bar.contrast_button.isChecked()


def test_a_look_is_given_to_each_screen_as_it_is_shown(
    make_window: MakeWindow, config: Config
) -> None:
    # Restyling every screen at each toggle took ~90 ms; only what is on screen changes at
    # once, and each other screen takes the look before it is shown.
    window = make_window(config)
    nav = window.navigator
    assert len(nav.screens) == len(ScreenId) - 1  # warmed up: every visitor screen built
    nav.top_bar.large_button.click()
    nav.top_bar.contrast_button.click()
    options = nav.theme_options
    sheet = theme.widget_stylesheet(options)
    assert nav.welcome.styleSheet() == sheet and nav.top_bar.styleSheet() == sheet
    assert nav.programs.styleSheet() == ""  # not shown yet
    title_px = theme.size("title", options)
    for screen_id in (ScreenId.PROGRAMS, ScreenId.PRIVACY, ScreenId.NAME):
        nav.show_screen(screen_id)
        QApplication.processEvents()
        screen = nav.screens[screen_id]
        assert screen.styleSheet() == sheet, screen_id
        titles = [
            w for w in screen.findChildren(QLabel) if w.property("role") == "title" and w.text()
        ]
        assert titles, screen_id
        assert all(w.font().pixelSize() == title_px for w in titles), screen_id
    # The idle card, shown over whatever screen, takes the visitor's look too.
    window._idle_warning()
    assert window.overlay.styleSheet() == sheet
    window.overlay.dismiss()


def test_keyboard_alone_completes_a_question(
    make_window: MakeWindow, config: Config, qtbot: QtBot
) -> None:
    window = keyboard_window(make_window, config, qtbot)
    nav = window.navigator
    drive(window, "question")  # now on PHQ-9 item 2
    assert nav.current is ScreenId.QUESTION
    reached: list[str] = []
    for _ in range(12):
        QTest.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_Tab)
        focused = QApplication.focusWidget()
        if isinstance(focused, QPushButton):
            reached.append(focused.text())
    options = [b.text() for b in nav.question.option_buttons]
    for text in [*options, nav.question.skip_button.text(), nav.question.talk_button.text()]:
        assert text in reached
    # Tab to the third option and press Enter: recorded, and the next question is shown.
    nav.question.option_buttons[2].setFocus(Qt.FocusReason.TabFocusReason)
    before = nav.flow.state().question if nav.flow else None
    QTest.keyClick(nav.question.option_buttons[2], Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: nav.flow is not None and nav.flow.state().question != before)
    assert nav.flow is not None and nav.flow.answers()["phq9"][2] == 2
    nav.question.option_buttons[0].setFocus(Qt.FocusReason.TabFocusReason)
    QTest.keyClick(nav.question.option_buttons[0], Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: nav.flow is not None and 3 in nav.flow.answers()["phq9"])


@pytest.mark.parametrize("screen", ["question", "fit", "programs", "safety", "results"])
def test_tab_follows_the_reading_order(
    make_window: MakeWindow, config: Config, qtbot: QtBot, screen: str
) -> None:
    # A switch user steps through a page in the order it reads: content top to bottom, then the
    # footer — not the footer first because the answers were built after it.
    window = keyboard_window(make_window, config, qtbot)
    drive(window, screen)
    settle()
    current = window.navigator.stack.currentWidget()
    expected = [
        w for w in current.reading_order() if isinstance(w, QPushButton) and w.isVisibleTo(current)
    ]
    assert len(expected) >= 2
    # Reading order really is top to bottom (left to right within a row).
    positions = [
        (w.mapTo(current, w.rect().topLeft()).y(), w.mapTo(current, w.rect().topLeft()).x())
        for w in expected
    ]
    # What scrolls reads top to bottom; what stays put below it (the Programs pages' help strip,
    # the footer) comes after it, in its own top-to-bottom order.
    body = [w for w in expected if current.scroll_area.isAncestorOf(w)]
    fixed = [w for w in expected if w not in body]
    assert expected == body + fixed
    assert [p[0] for p in positions[: len(body)]] == sorted(p[0] for p in positions[: len(body)])
    fixed_tops = [p[0] for p in positions[len(body) :]]
    assert fixed_tops == sorted(fixed_tops)
    expected[0].setFocus(Qt.FocusReason.TabFocusReason)
    reached = [expected[0]]
    for _ in expected[1:]:
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        reached.append(QApplication.focusWidget())
    assert [w.text() for w in reached] == [w.text() for w in expected]


def visible_texts(root: QWidget) -> list[str]:
    texts = [w.text() for w in root.findChildren(QLabel) if w.isVisibleTo(root)]
    texts += [w.text() for w in root.findChildren(QPushButton) if w.isVisibleTo(root)]
    return [t.strip() for t in texts if t.strip()]


def spanish_strings(content: Content) -> set[str]:
    es = content["es"]
    strings = set(es.strings.values.values())
    screening = es.screening
    for question in screening.fit.questions:
        strings |= {question.text, *(option.label for option in question.options)}
    for instrument in screening.instruments.by_id.values():
        strings |= {instrument.title, *instrument.options}
    return strings


def english_strings(content: Content) -> set[str]:
    en, es = content["en"], content["es"]
    strings = set(en.strings.values.values()) - set(es.strings.values.values())
    for page in en.programs.pages:
        strings |= {page.title, page.summary}
        for block in page.blocks:
            strings |= {block.text or "", block.heading or "", *(block.items or [])}
    screening = en.screening
    for instrument in screening.instruments.by_id.values():
        strings |= {instrument.heading, instrument.stem, instrument.difficulty}
        strings |= {*instrument.items, *instrument.options, *instrument.difficulty_options}
    safety = screening.safety
    strings |= {safety.title, safety.message, safety.continue_label, safety.stop_label}
    strings |= {safety.talk_now_label, *(line.text for line in safety.crisis)}
    for question in screening.fit.questions:
        strings |= {question.text, *(option.label for option in question.options)}
    results = screening.results
    strings |= {results.not_a_diagnosis, results.clinician_decides}
    guidance = results.guidance
    strings |= {guidance.staff_today, guidance.ask_iop, guidance.outpatient}
    strings |= {screening.instruments.attribution}
    # Words that are the same in both languages ("No", "IOP") are not English on a Spanish screen.
    strings -= spanish_strings(content)
    # The button that offers English is meant to be in English.
    strings.discard(en.strings("language.switch_to"))
    return {s for s in strings if s}


@pytest.mark.parametrize("screen", SCREENS)
def test_spanish_screens_show_no_english(
    make_window: MakeWindow, config: Config, content: Content, screen: str
) -> None:
    window = make_window(config)
    window.navigator.switch_language("es")
    drive(window, screen)
    english = english_strings(content)
    shown = visible_texts(window.navigator)
    leaked = [t for t in shown if t in english or t.removeprefix("•").strip() in english]
    assert not leaked, leaked
    assert shown, "nothing visible?"
    for button in window.navigator.findChildren(QPushButton):
        if button.isVisibleTo(window.navigator) and button.text():
            assert button.accessibleName() == button.text()


def do_action(button: QPushButton, action: str) -> None:
    """What a screen reader does (Orca through AT-SPI): invoke one of the button's actions."""
    interface = QAccessible.queryAccessibleInterface(button)
    assert interface is not None
    actions = interface.actionInterface()
    assert actions is not None and action in actions.actionNames()
    actions.doAction(action)
    QTest.qWait(250)  # "Press" is an animated click: it clicks 100 ms later


def top_bar_actions() -> list[tuple[str, str]]:
    # A checkable button offers "Toggle" first (the default action) and "Press" second.
    return [
        (button, action)
        for button in ("read_button", "large_button", "contrast_button")
        for action in ("Toggle", "Press")
    ] + [("language", "Press")]


@pytest.mark.parametrize(("name", "action"), top_bar_actions())
def test_each_action_of_a_control_does_what_a_tap_does(
    make_window: MakeWindow,
    config: Config,
    content: Content,
    mock_speech: None,
    name: str,
    action: str,
) -> None:
    # Through AT-SPI, "Toggle" flipped Read aloud's state and never started reading: every
    # control must do what a tap does whichever of its actions is invoked, both ways.
    window = make_window(config)
    nav = window.navigator
    bar = nav.top_bar
    if name == "language":
        do_action(bar.language_buttons["es"], action)
        assert nav.language == "es"
        return
    button = getattr(bar, name)
    effects = {
        "read_button": lambda: nav.reading,
        "large_button": lambda: nav.theme_options.large_text,
        "contrast_button": lambda: nav.theme_options.high_contrast,
    }
    on = effects[name]
    do_action(button, action)
    assert button.isChecked() and on()
    if name == "read_button":
        assert nav.speaker.spoken[-1].startswith(nav.welcome.greeting.text())
        assert button.text() == content["en"].strings("access.stop_reading")
    do_action(button, action)
    assert not button.isChecked() and not on()
    if name == "read_button":
        assert button.text() == content["en"].strings("access.read_aloud")
