"""Screens of the private check-in: privacy, name, questions, safety, results, printing."""

from __future__ import annotations

from typing import Literal

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from kiosk import instruments
from kiosk.config import Config
from kiosk.flow import FlowState, QuestionRef
from kiosk.model import FIT_SECTION
from kiosk.summary.wording import result_words
from ui.screens.base import Screen, clear_layout
from ui.widgets.basics import TouchButton, WrapButton, card, label, set_label, set_prop
from ui.widgets.keypad import LetterKeypad


class PrivacyScreen(Screen):
    agreed = Signal()
    declined = Signal()

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        self.title = label("title")
        self.intro = label("body")
        self.points = [label("body") for _ in range(4)]
        self.column.addWidget(self.title)
        self.column.addWidget(self.intro)
        box = card()
        inner = QVBoxLayout(box)
        inner.setContentsMargins(28, 24, 28, 24)
        inner.setSpacing(16)
        for point in self.points:
            inner.addWidget(point)
        self.column.addWidget(box)
        self.column.addStretch(1)
        self.not_now_button = TouchButton()
        self.agree_button = TouchButton(role="primary")
        self.not_now_button.clicked.connect(self.declined)
        self.agree_button.clicked.connect(self.agreed)
        self.footer.addWidget(self.not_now_button)
        self.footer.addStretch(1)
        self.footer.addWidget(self.agree_button)

    def retranslate(self) -> None:
        set_label(self.title, self.text("privacy.title"))
        set_label(self.intro, self.text("privacy.intro"))
        texts = [
            self.text("privacy.point_asked"),
            self.text("privacy.point_stored", days=self.config.storage.retention_days),
            self.text("privacy.point_who"),
            self.text("privacy.point_diagnosis"),
        ]
        for point, text in zip(self.points, texts, strict=True):
            set_label(point, f"•  {text}")
        self.not_now_button.setText(self.text("privacy.not_now"))
        self.agree_button.setText(self.text("privacy.agree"))

    def back_control(self) -> QAbstractButton | None:
        return self.not_now_button


class NameScreen(Screen):
    name_given = Signal(str)  # "" when skipped

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        self.title = label("title")
        self.hint = label("small")
        self.entry = label("code", " ")
        self.entry.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.entry.setProperty("role", "entry")
        self.keypad = LetterKeypad()
        self.keypad.text_changed.connect(self._show_text)
        for widget in (self.title, self.hint, self.entry, self.keypad):
            self.column.addWidget(widget)
        self.column.addStretch(1)
        self.skip_button = TouchButton()
        self.done_button = TouchButton(role="primary")
        self.skip_button.clicked.connect(lambda: self.name_given.emit(""))
        self.done_button.clicked.connect(lambda: self.name_given.emit(self.keypad.text()))
        self.footer.addWidget(self.skip_button)
        self.footer.addStretch(1)
        self.footer.addWidget(self.done_button)
        self._show_text("")

    def reset(self) -> None:
        self.keypad.clear()

    def _show_text(self, text: str) -> None:
        set_label(self.entry, text or " ")
        self._name_entry()
        self.done_button.setEnabled(bool(text.strip()))

    def _name_entry(self) -> None:
        # A screen reader hears the field as a form field: what it is for, then what is typed
        # (never a blank label while nothing is).
        if self.lc is not None:
            typed = self.keypad.text()
            title = self.text("name.title")
            self.entry.setAccessibleName(f"{title}: {typed}" if typed else title)

    def retranslate(self) -> None:
        set_label(self.title, self.text("name.title"))
        set_label(self.hint, self.text("name.hint"))
        self._name_entry()
        self.skip_button.setText(self.text("name.skip"))
        self.done_button.setText(self.text("name.done"))
        self.keypad.set_labels(self.text("name.space"), self.text("name.delete"))


class QuestionScreen(Screen):
    answer_chosen = Signal(int)
    skip_requested = Signal()
    back_requested = Signal()
    talk_requested = Signal()

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        self.state: FlowState | None = None
        self.progress_bar = QProgressBar()
        self.progress_bar.setTextVisible(False)
        self.section = label("heading")
        self.progress = label("progress")
        self.stem = label("stem")
        self.question = label("question")
        self.column.setSpacing(16)
        self.column.addWidget(self.progress_bar)
        heading_row = QHBoxLayout()
        heading_row.addWidget(self.section, 1)
        heading_row.addWidget(
            self.progress, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        )
        self.column.addLayout(heading_row)
        self.column.addWidget(self.stem)
        self.column.addWidget(self.question)
        self.options_host = QWidget()
        self.options_host.setObjectName("ScreenBody")
        self.options = QGridLayout(self.options_host)
        self.options.setContentsMargins(0, 4, 0, 0)
        self.options.setSpacing(12)
        self.option_columns = 1
        self.column.addWidget(self.options_host)
        self.column.addStretch(1)
        self.option_buttons: list[WrapButton] = []
        self.back_button = TouchButton()
        self.skip_button = TouchButton(role="quiet")
        self.talk_button = TouchButton(role="talk")
        self.back_button.clicked.connect(self.back_requested)
        self.skip_button.clicked.connect(self.skip_requested)
        self.talk_button.clicked.connect(self.talk_requested)
        self.footer.addWidget(self.back_button)
        self.footer.addWidget(self.skip_button)
        self.footer.addStretch(1)
        self.footer.addWidget(self.talk_button)

    def show_state(self, state: FlowState) -> None:
        self.state = state
        if self.lc is not None:
            self.retranslate()
        self.scroll_to_top()

    def back_control(self) -> QAbstractButton | None:
        return self.back_button

    def withheld_texts(self) -> set[str]:
        # A question with a safety rule (PHQ-9 item 9) is about thoughts of self-harm.
        from kiosk.instruments import get

        ref = self.state.question if self.state is not None else None
        if ref is None or ref.is_difficulty or ref.section not in self.config.screening.instruments:
            return set()
        if any(rule.item == ref.item for rule in get(ref.section).safety):
            return {self.question.text(), self.stem.text()} - {""}
        return set()

    def place_text(self) -> list[str]:
        # The section, "Question 3 of 9" and the question itself: the answers follow on Down.
        labels = (self.section, self.progress, self.question)
        return [w.text() for w in labels if w.text().strip()]

    def _texts(self, ref: QuestionRef) -> tuple[str, str, str, list[str]]:
        """(section heading, stem, question, options) in the current language."""
        assert self.lc is not None
        screening = self.lc.screening
        if ref.section == FIT_SECTION:
            question = screening.fit.questions[ref.item - 1]
            return (screening.fit.title, "", question.text, [o.label for o in question.options])
        instrument = screening.instruments.instrument(ref.section)
        if ref.is_difficulty:
            return (
                instrument.heading,
                "",
                instrument.difficulty or "",
                list(instrument.difficulty_options),
            )
        return (
            instrument.heading,
            instrument.stem,
            instrument.items[ref.item - 1],
            list(instrument.options),
        )

    def retranslate(self) -> None:
        self.back_button.setText(self.text("question.back"))
        self.skip_button.setText(self.text("question.skip"))
        assert self.lc is not None
        self.talk_button.setText(self.lc.screening.safety.talk_now_label)
        state = self.state
        section = state.question.section if state is not None and state.question else None
        if section not in (None, FIT_SECTION) and not self.lc.screening.instruments.offers(section):
            # A question this language does not ask (the ASQ in Spanish), left behind the safety
            # screen: the flow has moved on and shows its next question when the visitor does.
            state = None
        if state is None or state.question is None:
            # After a reset nothing of the last visitor's question or answer stays in memory.
            for text_label in (self.section, self.progress, self.stem, self.question):
                set_label(text_label, "")
            clear_layout(self.options)
            self.option_buttons = []
            self.progress_bar.setValue(0)
            self.progress_bar.setAccessibleName("")
            return
        heading, stem, question, options = self._texts(state.question)
        set_label(self.section, heading)
        set_label(
            self.progress,
            self.text("question.progress", n=state.section_position, total=state.section_total),
        )
        # A screen reader names the bar by where the visitor is, as the label beside it does.
        self.progress_bar.setAccessibleName(self.progress.text())
        self.progress_bar.setRange(0, max(1, state.overall_total))
        self.progress_bar.setValue(state.overall_position - 1)
        set_label(self.stem, stem)
        self.stem.setVisible(bool(stem))
        set_label(self.question, question)
        if len(self.option_buttons) != len(options):
            clear_layout(self.options)
            self.option_buttons = []
            for value in range(len(options)):
                button = WrapButton(role="answer")
                button.clicked.connect(lambda _=False, v=value: self.answer_chosen.emit(v))
                self.option_buttons.append(button)
            self._place_options()
        for value, (button, text) in enumerate(zip(self.option_buttons, options, strict=True)):
            button.setText(text)
            set_prop(button, "selected", state.answer == value)
            set_prop(button.text_label(), "selected", state.answer == value)
            # A screen reader (and the keypad's voice) hears which answer was given before.
            chosen = self.text("access.chosen_state") if state.answer == value else ""
            button.setAccessibleDescription(chosen)

    def set_portrait(self, portrait: bool) -> None:
        super().set_portrait(portrait)
        # Landscape puts the answers in two columns, read left to right, so all of them fit
        # above the fold at 1280x800 even with large text; portrait has the height for one.
        self.option_columns = 1 if portrait else 2
        self._place_options()

    def _place_options(self) -> None:
        for button in self.option_buttons:
            self.options.removeWidget(button)
        for index, button in enumerate(self.option_buttons):
            self.options.addWidget(button, *divmod(index, self.option_columns))
        for column in range(2):
            self.options.setColumnStretch(column, 1 if column < self.option_columns else 0)


# What the safety screen may say of the alert, and the screen string for each.
AlertStatus = Literal["none", "told", "coming"]
ALERT_LINES: dict[str, str] = {"told": "safety.told", "coming": "safety.coming"}


class SafetyScreen(Screen):
    continue_requested = Signal()
    stop_requested = Signal()

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        box = card("safety")
        self.box = QVBoxLayout(box)
        self.box.setContentsMargins(32, 32, 32, 32)
        self.box.setSpacing(20)
        self.title = label("urgent")
        self.message = label("question")
        # What is true of the alert (UX.md), under the message: nothing until a channel has
        # accepted it, then "told", then "coming" once staff acknowledged it.
        self.alert_status: AlertStatus = "none"
        self.alert_line = label("alertstatus")
        self.alert_line.setObjectName("AlertStatus")
        self.alert_line.hide()
        self.box.addWidget(self.title)
        self.box.addWidget(self.message)
        self.box.addWidget(self.alert_line)
        self.lines_host = QWidget()
        self.lines = QVBoxLayout(self.lines_host)
        self.lines.setContentsMargins(0, 0, 0, 0)
        self.lines.setSpacing(12)
        self.box.addWidget(self.lines_host)
        self.column.addStretch(1)
        self.column.addWidget(box)
        self.column.addStretch(2)
        self.stop_button = TouchButton()
        self.continue_button = TouchButton(role="primary")
        self.stop_button.clicked.connect(self.stop_requested)
        self.continue_button.clicked.connect(self.continue_requested)
        self.footer.addWidget(self.stop_button)
        self.footer.addStretch(1)
        self.footer.addWidget(self.continue_button)

    def retranslate(self) -> None:
        assert self.lc is not None
        safety = self.lc.screening.safety
        set_label(self.title, safety.title)
        set_label(self.message, safety.message)
        self._show_alert_line()
        clear_layout(self.lines)
        for line in safety.crisis:
            self.lines.addWidget(label("number", line.number))
            self.lines.addWidget(label("body", line.text))
        if self.config.clinic.phone:
            self.lines.addWidget(
                label("body", self.text("results.staff_phone", phone=self.config.clinic.phone))
            )
        self.stop_button.setText(safety.stop_label)
        self.continue_button.setText(safety.continue_label)

    def show_alert_status(self, status: AlertStatus) -> None:
        """What the front desk knows, as the alert watch last read it ("none": say nothing)."""
        if status != self.alert_status:
            self.alert_status = status
            self._show_alert_line()

    def _show_alert_line(self) -> None:
        status = self.alert_status
        text = "" if status == "none" or self.lc is None else self.text(ALERT_LINES[status])
        set_label(self.alert_line, text)
        self.alert_line.setVisible(bool(text))

    def withheld_texts(self) -> set[str]:
        # The whole message: that this screen is shown says what the visitor answered.
        labels = [self.title, self.message, *self.lines_host.findChildren(QLabel)]
        return {w.text() for w in labels if w.text().strip()}


class ResultsScreen(Screen):
    print_requested = Signal()
    finish_requested = Signal()

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        self.state: FlowState | None = None
        self.withheld: set[str] = set()  # the urgent note, when there is one
        self.title = label("title")
        self.code = label("progress")
        self.column.addWidget(self.title)
        self.column.addWidget(self.code)
        self.body_host = QWidget()
        self.body_host.setObjectName("ScreenBody")
        self.body = QVBoxLayout(self.body_host)
        self.body.setContentsMargins(0, 0, 0, 0)
        self.body.setSpacing(16)
        self.column.addWidget(self.body_host)
        self.column.addStretch(1)
        self.finish_button = TouchButton()
        self.print_button = TouchButton(role="primary")
        self.finish_button.clicked.connect(self.finish_requested)
        self.print_button.clicked.connect(self.print_requested)
        self.footer.addWidget(self.finish_button)
        self.footer.addStretch(1)
        self.footer.addWidget(self.print_button)

    def show_state(self, state: FlowState) -> None:
        self.state = state
        if self.lc is not None:
            self.retranslate()
        self.scroll_to_top()

    def withheld_texts(self) -> set[str]:
        return self.withheld

    def band_text(self, instrument: str) -> str:
        """The plain-words line for one instrument, as shown and as read aloud."""
        assert self.lc is not None and self.state is not None and self.state.results is not None
        results = self.state.results
        return result_words(
            instrument, results.scores[instrument], self.lc, results.answers[instrument]
        ).line()

    def retranslate(self) -> None:
        assert self.lc is not None
        set_label(self.title, self.text("results.title"))
        self.finish_button.setText(self.text("results.finish"))
        self.print_button.setText(self.text("results.print"))
        state = self.state
        clear_layout(self.body)
        self.withheld = set()
        if state is None or state.results is None:
            set_label(self.code, "")  # the last visitor's code goes with the reset
            return
        set_label(self.code, self.text("results.code", code=state.code or ""))
        screening = self.lc.screening
        words = screening.results
        if state.results.urgent:
            urgent = card("safety")
            box = QVBoxLayout(urgent)
            box.setContentsMargins(24, 20, 24, 20)
            box.addWidget(label("urgent", screening.safety.message))
            self.withheld = {screening.safety.message}
            self.body.addWidget(urgent)
        for instrument_id in state.results.scores:
            offered = screening.instruments.offers(instrument_id)
            box_frame = card()
            box = QVBoxLayout(box_frame)
            box.setContentsMargins(24, 20, 24, 20)
            # Answered before the visitor chose a language that does not ask it: its name.
            heading = (
                screening.instruments.instrument(instrument_id).heading
                if offered
                else instruments.get(instrument_id).name
            )
            box.addWidget(label("heading", heading))
            box.addWidget(label("body", self.band_text(instrument_id)))
            self.body.addWidget(box_frame)
        for instrument_id in state.results.not_offered:
            # No official text in this language, so not asked: said plainly, never hidden.
            self.body.addWidget(
                label("body", screening.instruments.not_offered.get(instrument_id, ""))
            )
        guidance = card()
        box = QVBoxLayout(guidance)
        box.setContentsMargins(24, 20, 24, 20)
        box.addWidget(label("question", getattr(words.guidance, state.results.guidance)))
        if state.results.guidance != "clinician":  # that one is this very sentence, alone
            box.addWidget(label("body", words.clinician_decides))
        for page_id in ("outpatient", "iop"):
            page = self.lc.programs.page(page_id)
            box.addWidget(label("small", f"{page.title}: {page.summary}"))
        self.body.addWidget(guidance)
        self.body.addWidget(label("heading", self.text("results.crisis_heading")))
        for line in screening.safety.crisis:
            self.body.addWidget(label("body", line.text))
        if self.config.clinic.phone:
            self.body.addWidget(
                label("body", self.text("results.staff_phone", phone=self.config.clinic.phone))
            )
        self.body.addWidget(label("small", words.not_a_diagnosis))
        for attribution in screening.instruments.attributions(list(state.results.scores)):
            self.body.addWidget(label("small", attribution))


class PrintingScreen(Screen):
    finish_requested = Signal()

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        self.code = ""
        self.outcome: str = "progress"  # progress | success | failure | saved
        self.message = label("question")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # While the job runs (up to the print timeout, a minute by default) the visitor need not
        # stand and wait: the visit is saved, and the code is all the front desk needs.
        self.waiting = label("body")
        self.waiting.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code_label = label("code")
        self.code_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.column.addStretch(1)
        self.column.addWidget(self.message)
        self.column.addWidget(self.waiting)
        self.column.addWidget(self.code_label)
        self.column.addStretch(2)
        self.finish_button = TouchButton(role="primary")
        self.finish_button.clicked.connect(self.finish_requested)
        self.footer.addStretch(1)
        self.footer.addWidget(self.finish_button)

    def show_outcome(self, outcome: str, code: str) -> None:
        self.outcome = outcome
        self.code = code
        if self.lc is not None:
            self.retranslate()

    def retranslate(self) -> None:
        printing = self.outcome == "progress"
        set_label(self.message, self.text(f"printing.{self.outcome}", code=self.code))
        set_label(self.waiting, self.text("printing.waiting") if printing else "")
        self.waiting.setVisible(printing)
        set_label(self.code_label, self.code)
        # Leaving while it prints is "Done — I'll take my code to the front desk"; the job goes
        # on and its outcome is recorded with the visit for reception (see Navigator).
        self.finish_button.setText(self.text("printing.leave" if printing else "printing.done"))


class MessageScreen(Screen):
    """A calm full-screen message: cannot save, or out of order. The crisis lines are always on
    it: the visitor who sees it may be the one who just said they are not safe."""

    home_requested = Signal()

    def __init__(self, config: Config, title_key: str, body_key: str, *, can_leave: bool) -> None:
        super().__init__(config)
        self.keys = (title_key, body_key)
        self.title = label("title")
        self.body = label("body")
        for widget in (self.title, self.body):
            widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.column.addStretch(1)
        self.column.addWidget(self.title)
        self.column.addWidget(self.body)
        box = card("safety")
        self.lines = QVBoxLayout(box)
        self.lines.setContentsMargins(28, 20, 28, 20)
        self.lines.setSpacing(8)
        self.column.addWidget(box)
        self.column.addStretch(2)
        self.home_button = TouchButton(role="primary")
        self.home_button.clicked.connect(self.home_requested)
        self.footer.addStretch(1)
        self.footer.addWidget(self.home_button)
        self.home_button.setVisible(can_leave)
        self.footer_widget.setVisible(can_leave)

    def retranslate(self) -> None:
        assert self.lc is not None
        set_label(self.title, self.text(self.keys[0]))
        set_label(self.body, self.text(self.keys[1]))
        clear_layout(self.lines)
        for line in self.lc.screening.safety.crisis:
            self.lines.addWidget(label("body", line.text))
        self.home_button.setText(self.text("common.home"))
