"""The private check-in as a visitor taps it, on the real navigator: start a visit, answer by
plan, read what a screen shows (tests/ui/test_checkin.py and the tests beside it)."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QWidget

from kiosk.flow import QuestionRef
from ui.shell.navigator import Navigator, ScreenId

Plan = dict[tuple[str, int], int | None]

ALL_ZERO: Plan = {
    **{("phq9", i): 0 for i in range(1, 10)},
    **{("asq", i): 0 for i in range(1, 5)},  # ASQ all No: negative, item 5 not asked
    **{("gad7", i): 0 for i in range(1, 8)},
    **{("fit", i): v for i, v in enumerate([0, 1, 0, 0, 0], start=1)},
}


def shown_texts(widget: QWidget) -> list[str]:
    """Texts a visitor would see on `widget` (labels rebuilt meanwhile are shown first)."""
    QApplication.processEvents()
    texts = [lbl.text() for lbl in widget.findChildren(QLabel) if lbl.isVisibleTo(widget)]
    texts += [b.text() for b in widget.findChildren(QPushButton) if b.isVisibleTo(widget)]
    return [t for t in texts if t.strip()]


def tap(nav: Navigator, value: int | None) -> None:
    if value is None:
        nav.question.skip_button.click()
    else:
        nav.question.option_buttons[value].click()


def current_ref(nav: Navigator) -> QuestionRef:
    assert nav.current is ScreenId.QUESTION
    assert nav.question.state is not None and nav.question.state.question is not None
    return nav.question.state.question


def start(nav: Navigator, language: str = "en", letters: str = "") -> None:
    if language != nav.language:
        nav.top_bar.language_buttons[language].click()
    nav.welcome.checkin_button.click()
    assert nav.current is ScreenId.PRIVACY
    nav.privacy.agree_button.click()
    assert nav.current is ScreenId.NAME
    for letter in letters:
        nav.name.keypad.keys[letter].click()
    if letters:
        nav.name.done_button.click()
    else:
        nav.name.skip_button.click()
    assert current_ref(nav) == QuestionRef("phq9", 1)


def walk(nav: Navigator, plan: Plan, until: QuestionRef | None = None) -> None:
    """Tap by plan (continuing after a safety screen) until the results or `until`."""
    while nav.current is ScreenId.QUESTION:
        ref = current_ref(nav)
        if ref == until:
            return
        tap(nav, plan[(ref.section, ref.item)])
        if nav.current is ScreenId.SAFETY:
            nav.safety.continue_button.click()


def code_of(nav: Navigator) -> str:
    assert nav.flow is not None and nav.flow.code is not None
    return nav.flow.code


def talk_now_at_first_question(nav: Navigator, language: str = "en") -> str:
    """A visitor checks in and taps "I need to talk to someone now" on the first question;
    the visit's code (the safety screen is showing)."""
    start(nav, language)
    nav.question.talk_button.click()
    assert nav.current is ScreenId.SAFETY
    assert nav.flow is not None and nav.flow.code is not None
    return nav.flow.code


def safety_alert_line(nav: Navigator) -> str:
    """The safety screen's line about staff being told ("" while it is hidden)."""
    status = nav.safety.alert_line
    return status.text() if status.isVisibleTo(nav.safety) else ""
