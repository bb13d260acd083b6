"""The visit as a pure state machine: what comes next, and what is recorded on the way.

No Qt here. The UI calls one method per visitor intent and shows the returned FlowState.
Every answer is committed through the store *before* the next state is returned, so a crash
after any tap loses nothing the visitor saw acknowledged.

The questions asked are the configured instruments' (`[screening] instruments`, in that order,
each as its spec and content declare) and then every "which program fits" question the content
holds: no count is fixed here.

Safety (CLINICAL.md): a safety answer (as the instrument's spec declares: PHQ-9 item 9 > 0 is
non-acute; an ASQ Yes or skip of items 1–4 is non-acute; ASQ item 5 Yes is acute), or "I need
to talk to someone now" (acute), marks the visit urgent in the store first. The safety screen
follows, before any further question, when the visit's level rose: once per level, so PHQ-9
item 9 and then an ASQ Yes show it once, item 9 and then ASQ item 5 Yes twice. The ASQ's
non-acute trigger fires on the first positive answer (a Yes or a skip of 1–4), not at the end
of the ASQ. A "talk now" tap always shows it: the visitor asked.
Urgent is never cleared and never lowered: skips, back-navigation, abandonment and restarts
keep it.

An instrument whose content has no text in the visit's language (listed under `not_offered`,
e.g. the ASQ in Spanish) is not asked in that language; the results say so.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from kiosk import instruments
from kiosk.content import Content
from kiosk.content.screening import FitContent
from kiosk.guidance import evaluate
from kiosk.model import FIT_SECTION, Guidance, InstrumentId, SectionId
from kiosk.risk import TALK_NOW, UrgentLevel
from kiosk.scoring import ScoreResult, safety_rule, score
from kiosk.store import Store


class Step(enum.Enum):
    PRIVACY = "privacy"
    NAME = "name"
    QUESTION = "question"
    SAFETY = "safety"
    RESULTS = "results"
    ENDED = "ended"


@dataclass(frozen=True)
class QuestionRef:
    section: SectionId
    item: int  # 1-based; an instrument's difficulty item (PHQ-9 10, GAD-7 8) is not scored

    @property
    def is_difficulty(self) -> bool:
        spec = instruments.INSTRUMENTS.get(self.section)
        return spec is not None and spec.is_difficulty(self.item)


@dataclass(frozen=True)
class Results:
    scores: Mapping[InstrumentId, ScoreResult]
    guidance: Guidance
    urgent: bool
    # Each instrument's answers (absent = never shown): "skipped" and "not asked" read differently.
    answers: Mapping[InstrumentId, Mapping[int, int | None]]
    # Configured instruments not asked because the visit's language has no official text.
    not_offered: tuple[InstrumentId, ...] = ()


@dataclass(frozen=True)
class FlowState:
    step: Step
    language: str
    code: str | None = None
    urgent: bool = False
    question: QuestionRef | None = None
    answer: int | None = None  # the current question's earlier answer, to show it selected
    section_position: int = 0  # "Question n of total" within the current section
    section_total: int = 0
    overall_position: int = 0  # for the progress bar across the whole check-in
    overall_total: int = 0
    results: Results | None = None
    name: str | None = None


@dataclass
class _Answers:
    by_section: dict[SectionId, dict[int, int | None]] = field(default_factory=dict)

    def of(self, section: SectionId) -> dict[int, int | None]:
        return self.by_section.setdefault(section, {})

    def any_above(self, spec: instruments.InstrumentSpec) -> bool:
        threshold = spec.difficulty_when_above
        return any(
            (value or 0) > threshold
            for item, value in self.of(spec.id).items()
            if item <= spec.items
        )


class VisitFlow:
    """One visitor's check-in. Create a new one for each visit; `abandon()` when idle resets."""

    def __init__(
        self,
        store: Store,
        content: Content,
        language: str,
        *,
        instruments: Sequence[InstrumentId] | None = None,
    ) -> None:
        self._store = store
        self._content = content
        self._language = language
        # `[screening] instruments` (Config.screening.instruments); default: every registered one.
        asked = _registered() if instruments is None else tuple(instruments)
        self._instruments = tuple(_instrument(instrument_id).id for instrument_id in asked)
        self._step = Step.PRIVACY
        self._code: str | None = None
        self._urgent = False
        self._name: str | None = None
        self._answers = _Answers({section: {} for section in (*self._instruments, FIT_SECTION)})
        self._current: QuestionRef | None = None
        # Where "Continue the check-in" returns to after the safety screen.
        self._resume: QuestionRef | None = None
        # "Talk now" tapped before the privacy screen (on Programs): "Continue the check-in"
        # goes on to the privacy screen of the visit it started.
        self._resume_privacy = False
        self._results: Results | None = None

    # -- what the UI asks -------------------------------------------------------------------

    @property
    def code(self) -> str | None:
        return self._code

    @property
    def urgent(self) -> bool:
        return self._urgent

    @property
    def language(self) -> str:
        return self._language

    def answers(self) -> Mapping[SectionId, Mapping[int, int | None]]:
        return {k: dict(v) for k, v in self._answers.by_section.items()}

    def sequence(self) -> list[QuestionRef]:
        """Every question the visitor will be asked, given the answers so far."""
        refs: list[QuestionRef] = []
        for instrument_id in self._instruments:
            if not self._offered(instrument_id):
                continue
            spec = instruments.get(instrument_id)
            # An item with an `asked_when` rule (ASQ item 5) only when earlier answers call for it.
            answers = self._answers.of(spec.id)
            refs += [QuestionRef(spec.id, i) for i in spec.expected_items(answers)]
            # CLINICAL.md: the difficulty question only when any scored item is above 0.
            if spec.difficulty_item is not None and self._answers.any_above(spec):
                refs.append(QuestionRef(spec.id, spec.difficulty_item))
        # As many "which program fits" questions as the content holds.
        fit_count = len(self._fit().questions)
        refs += [QuestionRef(FIT_SECTION, i) for i in range(1, fit_count + 1)]
        return refs

    @property
    def instruments(self) -> tuple[InstrumentId, ...]:
        """The instruments this visit asks, in asking order."""
        return self._instruments

    def state(self) -> FlowState:
        base = FlowState(
            step=self._step,
            language=self._language,
            code=self._code,
            urgent=self._urgent,
            name=self._name,
            results=self._results,
        )
        if self._step is not Step.QUESTION or self._current is None:
            return base
        seq = self.sequence()
        current = self._current
        in_section = [r for r in seq if r.section == current.section]
        return FlowState(
            step=self._step,
            language=self._language,
            code=self._code,
            urgent=self._urgent,
            name=self._name,
            question=current,
            answer=self._answers.of(current.section).get(current.item),
            section_position=in_section.index(current) + 1,
            section_total=len(in_section),
            overall_position=seq.index(current) + 1,
            overall_total=len(seq),
        )

    # -- visitor intents --------------------------------------------------------------------

    def set_language(self, language: str) -> FlowState:
        if self._code is not None:
            self._store.set_language(self._code, language)
        before = self.sequence()
        self._language = language
        # On a question the new language does not ask (the ASQ in Spanish): on to the next one
        # it does ask, or to the results when none is left.
        for attribute in ("_current", "_resume"):
            ref: QuestionRef | None = getattr(self, attribute)
            if ref is None or self._offered(ref.section):
                continue
            after = self.sequence()
            start = before.index(ref) + 1 if ref in before else len(before)
            following = [r for r in before[start:] if r in after]
            setattr(self, attribute, following[0] if following else None)
            if attribute == "_current" and not following and self._step is Step.QUESTION:
                return self._finish()
        return self.state()

    def agree(self) -> FlowState:
        """Consent given: the visit exists in the store from here on (or already did, if
        "talk now" on Programs started it)."""
        self._require(Step.PRIVACY)
        if self._code is None:
            visit = self._store.create_visit(self._language)
            self._code = visit.code
        self._step = Step.NAME
        return self.state()

    def decline(self) -> FlowState:
        self._require(Step.PRIVACY)
        if self._code is not None:
            # The urgent visit "talk now" started stays, abandoned: reception sees it first.
            self._store.abandon_visit(self._code)
        self._step = Step.ENDED
        return self.state()

    def set_name(self, name: str | None) -> FlowState:
        self._require(Step.NAME)
        cleaned = " ".join((name or "").split())[:40] or None
        self._store.set_name(self._visit_code(), cleaned)
        self._name = cleaned
        self._step = Step.QUESTION
        self._current = self.sequence()[0]
        return self.state()

    def answer(self, value: int) -> FlowState:
        return self._record(value)

    def skip(self) -> FlowState:
        return self._record(None)

    def back(self) -> FlowState:
        """One question back; from the first question, back to the name screen."""
        if self._step is Step.QUESTION and self._current is not None:
            seq = self.sequence()
            index = seq.index(self._current)
            if index == 0:
                self._step = Step.NAME
                self._current = None
            else:
                self._current = seq[index - 1]
        elif self._step is Step.RESULTS:
            self._step = Step.QUESTION
            self._current = self.sequence()[-1]
        return self.state()

    def talk_now(self) -> FlowState:
        """'I need to talk to someone now': urgent at once, then the safety screen.

        Before any visit exists (the button on the Programs pages), it starts one, with no
        answers and no name, so that the urgent mark is durable and reaches staff like any
        other: a visitor who walks away leaves an abandoned urgent visit, listed first."""
        if self._code is None:
            self._require(Step.PRIVACY)
            self._code = self._store.create_visit(self._language).code
        if self._step is Step.PRIVACY:
            self._resume_privacy = True
        code = self._visit_code()
        self._mark_urgent(code, TALK_NOW, "acute")
        if self._step is Step.QUESTION:
            self._resume = self._current
        self._step = Step.SAFETY
        return self.state()

    def continue_after_safety(self) -> FlowState:
        self._require(Step.SAFETY)
        if self._resume_privacy:
            self._resume_privacy = False
            self._step = Step.PRIVACY
            return self.state()
        if self._resume is None:
            return self._finish()
        self._step = Step.QUESTION
        self._current = self._resume
        self._resume = None
        return self.state()

    def stop(self) -> FlowState:
        """'Stop here': results for what was answered so far."""
        state = self._finish()
        # Only once the results are saved: if saving fails, "Continue" still knows its question.
        self._resume = None
        self._resume_privacy = False
        return state

    def abandon(self) -> None:
        """Idle reset or power-down: keep every answer, mark unfinished visits abandoned."""
        if self._code is not None and self._step is not Step.RESULTS:
            self._store.abandon_visit(self._code)
        self._step = Step.ENDED

    def finish(self) -> FlowState:
        self._step = Step.ENDED
        return self.state()

    # -- internals --------------------------------------------------------------------------

    def _record(self, value: int | None) -> FlowState:
        self._require(Step.QUESTION)
        current = self._current
        assert current is not None
        self._validate_value(current, value)
        code = self._visit_code()
        trigger = safety_rule(current.section, current.item, value)
        rose = False
        if trigger is not None:
            # Urgent before the answer: a positive item 9 is never durable on a visit that is
            # not urgent, even if the answer's commit fails or the power goes between the two.
            rose = self._mark_urgent(code, trigger.reason, trigger.level)
        # Committed before anything moves on: the visitor's tap is durable once we return.
        self._store.record_answer(code, current.section, current.item, value)
        self._answers.of(current.section)[current.item] = value
        seq = self.sequence()
        index = seq.index(current)
        following = seq[index + 1] if index + 1 < len(seq) else None
        if rose:
            # Once per level (CLINICAL.md): a trigger that does not raise the level is recorded
            # (its reason) but does not bring the screen back.
            self._step = Step.SAFETY
            self._resume = following
            return self.state()
        if following is None:
            return self._finish()
        self._current = following
        return self.state()

    def _validate_value(self, ref: QuestionRef, value: int | None) -> None:
        if value is None:
            return
        if ref.section == FIT_SECTION:
            count = len(self._fit().questions[ref.item - 1].options)
        else:
            count = len(instruments.get(ref.section).values_of(ref.item))
        if not 0 <= value < count:
            raise ValueError(f"{ref.section} item {ref.item}: value {value} out of range")

    def _mark_urgent(self, code: str, reason: str, level: UrgentLevel) -> bool:
        """Urgent in the store at `level` or above; True when the visit's level rose."""
        rose = self._store.mark_urgent(code, reason, level)
        self._urgent = True
        return rose

    def _offered(self, instrument_id: InstrumentId) -> bool:
        return self._content[self._language].screening.instruments.offers(instrument_id)

    def _finish(self) -> FlowState:
        code = self._visit_code()
        # Every instrument asked in this language, and any answered before a language switch.
        scored = [i for i in self._instruments if self._offered(i) or self._answers.of(i)]
        scores = {
            instrument: score(instrument, self._answers.of(instrument)) for instrument in scored
        }
        # Urgency may also come from an earlier session of this visit; the store is the truth.
        urgent = self._urgent or any(s.urgent for s in scores.values())
        guidance = evaluate(
            self._content.rules,
            urgent=urgent,
            scores=scores,
            fit_answers=self._answers.of(FIT_SECTION),
            fit=self._fit(),
        )
        self._store.complete_visit(
            code,
            {instrument: result.to_stored(instrument) for instrument, result in scores.items()},
            guidance,
        )
        self._results = Results(
            scores=scores,
            guidance=guidance,
            urgent=urgent,
            answers={i: dict(self._answers.of(i)) for i in scored},
            not_offered=tuple(i for i in self._instruments if i not in scored),
        )
        self._step = Step.RESULTS
        self._current = None
        return self.state()

    def _fit(self) -> FitContent:
        return self._content[self._language].screening.fit

    def _visit_code(self) -> str:
        if self._code is None:
            raise RuntimeError("no visit yet: the visitor has not agreed to the privacy notice")
        return self._code

    def _require(self, step: Step) -> None:
        if self._step is not step:
            raise RuntimeError(
                f"expected step {step.value}, but the visit is at {self._step.value}"
            )


def _registered() -> tuple[InstrumentId, ...]:
    return instruments.ids()


def _instrument(instrument_id: InstrumentId) -> instruments.InstrumentSpec:
    return instruments.get(instrument_id)
