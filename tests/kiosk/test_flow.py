"""kiosk.flow without Qt: the visit state machine over a real Store and the shipped content.

Every check of what was saved reads through a *second* Store connection on the same folder, so a
value that only lives in the flow's memory (or in an uncommitted transaction) does not count.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.content import Content
from kiosk.flow import FlowState, QuestionRef, Step, VisitFlow
from kiosk.model import Visit
from kiosk.store import Store, StoreError, StoreUnavailableError

Plan = dict[tuple[str, int], int | None]

LOW_FIT = [0, 1, 0, 0, 0]  # not at all / no hospital / support yes / no therapy / about an hour
PHQ9_ITEM9 = QuestionRef("phq9", 9)
# The visits are looked for around today (all_visits): the store's clock starts at the real time.
pytestmark = pytest.mark.clock(start=None)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def reader(store: Store, folder: Path) -> Iterator[Store]:
    """A second connection to the same database (opened after `store`, so it abandons nothing)."""
    other = Store.open(folder)
    yield other
    other.close()


def plan(
    phq9: Sequence[int | None],
    gad7: Sequence[int | None],
    fit: Sequence[int | None] = LOW_FIT,
    *,
    phq9_difficulty: int | None = 1,
    asq: Sequence[int | None] = (0, 0, 0, 0),
    asq_acuity: int | None = 0,
) -> Plan:
    """What to tap on each question. The difficulty question is planned only when CLINICAL.md
    says it is asked, so asking it otherwise fails the walk with a KeyError; so is the ASQ's
    acuity question (item 5: only after a Yes or a skip of 1–4). The ASQ is all No by default."""
    result: Plan = {}
    for item, value in enumerate(asq, start=1):
        result[("asq", item)] = value
    if any(value is None or value > 0 for value in asq):
        result[("asq", 5)] = asq_acuity
    for section, values, difficulty_item, difficulty in (
        ("phq9", phq9, 10, phq9_difficulty),
        ("gad7", gad7, None, None),  # the GAD-7 USA form has no difficulty question
        ("fit", fit, None, None),
    ):
        for item, value in enumerate(values, start=1):
            result[(section, item)] = value
        if difficulty_item is not None and any((v or 0) > 0 for v in values):
            result[(section, difficulty_item)] = difficulty
    return result


def expected_answers(p: Plan, language: str = "en") -> dict[str, dict[int, int | None]]:
    out: dict[str, dict[int, int | None]] = {}
    for (section, item), value in p.items():
        if section == "asq" and language == "es":
            continue  # no official Spanish ASQ: not asked in Spanish
        out.setdefault(section, {})[item] = value
    return out


def tap(flow: VisitFlow, value: int | None) -> FlowState:
    return flow.skip() if value is None else flow.answer(value)


def walk(flow: VisitFlow, p: Plan, *, until: QuestionRef | None = None) -> FlowState:
    """Answer by plan until the results (continuing after any safety screen) or `until`."""
    state = flow.state()
    while state.step is Step.QUESTION:
        assert state.question is not None
        if state.question == until:
            return state
        state = tap(flow, p[(state.question.section, state.question.item)])
        if state.step is Step.SAFETY:
            state = flow.continue_after_safety()
    return state


def begin(
    store: Store, content: Content, language: str = "en", name: str | None = None
) -> VisitFlow:
    flow = VisitFlow(store, content, language)
    flow.agree()
    flow.set_name(name)
    return flow


def visit(reader: Store, flow: VisitFlow) -> Visit:
    assert flow.code is not None
    return reader.get_visit(flow.code)


def all_visits(reader: Store) -> list[Visit]:
    now = datetime.now(UTC)
    return reader.list_visits(now - timedelta(days=1), now + timedelta(days=1))


# --- privacy and name ---------------------------------------------------------------------------


def test_agree_creates_the_visit_in_the_store(
    store: Store, reader: Store, content: Content
) -> None:
    flow = VisitFlow(store, content, "en")
    first = flow.state()
    assert first.step is Step.PRIVACY
    assert first.code is None
    assert all_visits(reader) == []
    state = flow.agree()
    assert state.step is Step.NAME
    assert state.code is not None and state.code == flow.code
    stored = visit(reader, flow)
    assert stored.status == "in_progress"
    assert stored.language == "en"
    assert not stored.urgent
    assert stored.answers == {}
    with pytest.raises(RuntimeError):
        flow.agree()  # only once, from the privacy step
    assert len(all_visits(reader)) == 1


def test_decline_ends_without_any_visit(store: Store, reader: Store, content: Content) -> None:
    flow = VisitFlow(store, content, "es")
    state = flow.decline()
    assert state.step is Step.ENDED
    assert flow.code is None
    flow.abandon()
    assert all_visits(reader) == []
    with pytest.raises(RuntimeError):
        flow.talk_now()  # nothing to mark urgent: the visitor never agreed


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Ana", "Ana"),
        ("  Ana   María  ", "Ana María"),
        ("J.\tR.", "J. R."),
        ("   ", None),
        ("", None),
        (None, None),
    ],
)
def test_name_is_optional_and_cleaned(
    store: Store, reader: Store, content: Content, typed: str | None, stored: str | None
) -> None:
    flow = VisitFlow(store, content, "en")
    flow.agree()
    state = flow.set_name(typed)
    assert state.name == stored
    assert visit(reader, flow).name == stored
    assert state.step is Step.QUESTION
    assert state.question == QuestionRef("phq9", 1)
    assert (state.section_position, state.section_total) == (1, 9)
    # 9 + 4 + 7 + 5 questions until an answer above 0 adds a difficulty question (or an ASQ
    # Yes its acuity question).
    assert (state.overall_position, state.overall_total) == (1, 25)


def test_first_question_back_returns_to_the_name_screen(store: Store, content: Content) -> None:
    flow = begin(store, content, name="Bo")
    state = flow.back()
    assert state.step is Step.NAME
    assert state.question is None
    state = flow.set_name("Bo")
    assert state.question == QuestionRef("phq9", 1)


# --- question order ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phq9", "asked"),
    [
        ([0] * 9, False),
        ([None] * 9, False),  # skipping is not answering above 0
        ([0, 0, 0, 0, 0, 0, 0, None, 0], False),
        ([0, 0, 1, 0, 0, 0, 0, 0, 0], True),
        ([3, None, None, None, None, None, None, None, None], True),
        ([0, 0, 0, 0, 0, 0, 0, 0, 1], True),
    ],
)
def test_phq9_difficulty_question_only_after_an_answer_above_zero(
    store: Store, reader: Store, content: Content, phq9: list[int | None], asked: bool
) -> None:
    flow = begin(store, content)
    p = plan(phq9, [0] * 7)
    state = walk(flow, p, until=QuestionRef("gad7", 1))
    assert state.question == QuestionRef("gad7", 1)
    assert (QuestionRef("phq9", 10) in flow.sequence()) is asked
    stored = visit(reader, flow).answers["phq9"]
    assert (10 in stored) is asked
    if asked:
        assert stored[10] == 1
    assert {k: v for k, v in stored.items() if k <= 9} == dict(enumerate(phq9, start=1))


@pytest.mark.parametrize("gad7", [[0] * 7, [None] * 7, [3] * 7, [1, 0, 0, 0, 0, None, 0]])
def test_gad7_asks_no_difficulty_question(
    store: Store, reader: Store, content: Content, gad7: list[int | None]
) -> None:
    """The current GAD-7 USA form has none: the fit questions follow its item 7 directly."""
    flow = begin(store, content)
    state = walk(flow, plan([1] * 8 + [0], gad7), until=QuestionRef("gad7", 7))
    assert state.question == QuestionRef("gad7", 7)
    assert state.section_total == 7
    state = tap(flow, gad7[6])
    assert state.question == QuestionRef("fit", 1)
    assert set(visit(reader, flow).answers["gad7"]) == set(range(1, 8))
    assert [ref for ref in flow.sequence() if ref.section == "gad7"] == [
        QuestionRef("gad7", item) for item in range(1, 8)
    ]


def test_difficulty_question_counts_in_the_progress(store: Store, content: Content) -> None:
    flow = begin(store, content)
    state = flow.answer(0)
    assert (state.section_position, state.section_total, state.overall_total) == (2, 9, 25)
    state = flow.answer(2)
    assert state.question == QuestionRef("phq9", 3)
    assert (state.section_position, state.section_total) == (3, 10)
    assert (state.overall_position, state.overall_total) == (3, 26)


# --- every tap is committed at once --------------------------------------------------------------


def test_every_answer_is_in_the_store_before_the_next_question(
    store: Store, reader: Store, content: Content
) -> None:
    flow = begin(store, content, name="Lee")
    p = plan([1, 2, 0, 3, None, 1, 0, 2, 0], [0, 1, 3, None, 2, 0, 1], [2, 1, 2, 2, 1])
    expected: dict[str, dict[int, int | None]] = {}
    state = flow.state()
    while state.step is Step.QUESTION:
        assert state.question is not None
        ref = state.question
        value = p[(ref.section, ref.item)]
        state = tap(flow, value)
        expected.setdefault(ref.section, {})[ref.item] = value
        stored = visit(reader, flow)
        assert stored.answers == expected, f"after {ref}"
        if state.step is Step.QUESTION:
            assert stored.status == "in_progress"
    assert state.step is Step.RESULTS
    assert expected == expected_answers(p)
    assert visit(reader, flow).status == "completed"


def test_back_then_answer_again_replaces_the_value(
    store: Store, reader: Store, content: Content
) -> None:
    flow = begin(store, content)
    flow.answer(2)
    flow.answer(1)
    state = flow.back()
    assert state.question == QuestionRef("phq9", 2)
    assert state.answer == 1  # shown selected
    state = flow.back()
    assert state.question == QuestionRef("phq9", 1)
    assert state.answer == 2
    state = flow.answer(0)
    assert state.question == QuestionRef("phq9", 2)
    assert visit(reader, flow).answers == {"phq9": {1: 0, 2: 1}}
    flow.back()
    flow.skip()  # a skip replaces an earlier answer too
    assert visit(reader, flow).answers == {"phq9": {1: None, 2: 1}}
    assert flow.answers()["phq9"] == {1: None, 2: 1}


def test_skip_records_none(store: Store, reader: Store, content: Content) -> None:
    flow = begin(store, content)
    state = flow.skip()
    assert state.question == QuestionRef("phq9", 2)
    answers = visit(reader, flow).answers
    assert answers == {"phq9": {1: None}}
    assert 1 in answers["phq9"]


# --- safety --------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1, 2, 3])
def test_item9_above_zero_shows_safety_at_once_and_urgent_is_already_saved(
    store: Store, reader: Store, content: Content, value: int
) -> None:
    flow = begin(store, content)
    state = walk(flow, plan([0] * 9, [0] * 7), until=PHQ9_ITEM9)
    assert not visit(reader, flow).urgent
    state = flow.answer(value)
    assert state.step is Step.SAFETY
    assert state.question is None  # no next question before the safety screen
    assert state.urgent and flow.urgent
    stored = visit(reader, flow)
    assert stored.urgent  # committed before the safety state came back
    assert stored.answers["phq9"][9] == value
    assert stored.status == "in_progress"
    state = flow.continue_after_safety()
    # Item 9 was above 0, so the difficulty question comes next.
    assert state.step is Step.QUESTION
    assert state.question == QuestionRef("phq9", 10)
    assert state.urgent


@pytest.mark.parametrize("value", [0, None])
def test_item9_zero_or_skipped_is_not_urgent(
    store: Store, reader: Store, content: Content, value: int | None
) -> None:
    flow = begin(store, content)
    walk(flow, plan([0] * 9, [0] * 7), until=PHQ9_ITEM9)
    state = tap(flow, value)
    assert state.step is Step.QUESTION
    assert state.question == QuestionRef("asq", 1)
    assert not state.urgent
    assert not visit(reader, flow).urgent


def test_stop_after_item9_gives_results_for_what_was_answered(
    store: Store, reader: Store, content: Content
) -> None:
    flow = begin(store, content)
    phq9 = [1, 1, 2, 0, 1, 0, 2, 0, 1]  # total 8: mild
    walk(flow, plan(phq9, [0] * 7), until=PHQ9_ITEM9)
    assert flow.answer(1).step is Step.SAFETY
    state = flow.stop()
    assert state.step is Step.RESULTS
    assert state.results is not None
    assert state.results.urgent
    assert state.results.guidance == "staff_today"
    phq = state.results.scores["phq9"]
    assert (phq.total, phq.band, phq.complete, phq.urgent) == (8, "mild", True, True)
    gad = state.results.scores["gad7"]
    assert (gad.total, gad.band, gad.complete, gad.skipped, gad.answered) == (
        None,
        None,
        False,
        7,
        0,
    )
    stored = visit(reader, flow)
    assert stored.status == "completed"
    assert stored.urgent
    assert stored.guidance == "staff_today"
    assert stored.answers == {"phq9": dict(enumerate(phq9, start=1))}
    assert stored.scores["phq9"].total == 8
    assert stored.scores["phq9"].band == "mild"
    assert stored.scores["gad7"].band is None
    assert stored.scores["gad7"].total is None
    assert not stored.scores["gad7"].complete


@pytest.mark.parametrize(
    "where",
    [
        QuestionRef("phq9", 1),
        QuestionRef("phq9", 9),
        QuestionRef("phq9", 10),
        QuestionRef("gad7", 4),
        QuestionRef("gad7", 7),
        QuestionRef("fit", 2),
        QuestionRef("fit", 5),
    ],
)
def test_talk_now_from_any_question_then_continue_returns_to_it(
    store: Store, reader: Store, content: Content, where: QuestionRef
) -> None:
    flow = begin(store, content)
    p = plan([1, 0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 1, 0, 0, 0, 0])
    state = walk(flow, p, until=where)
    assert state.question == where
    before = visit(reader, flow).answers
    state = flow.talk_now()
    assert state.step is Step.SAFETY
    assert state.urgent
    stored = visit(reader, flow)
    assert stored.urgent
    assert stored.answers == before  # talking now records no answer
    state = flow.continue_after_safety()
    assert state.step is Step.QUESTION
    assert state.question == where
    final = walk(flow, p)
    assert final.step is Step.RESULTS
    assert final.results is not None and final.results.guidance == "staff_today"


def test_talk_now_keeps_the_earlier_answer_selected(store: Store, content: Content) -> None:
    flow = begin(store, content)
    flow.answer(3)
    flow.back()
    flow.talk_now()
    state = flow.continue_after_safety()
    assert state.question == QuestionRef("phq9", 1)
    assert state.answer == 3


def test_urgent_sticks_through_back_reanswer_skip_abandon_and_reopen(
    store: Store, reader: Store, content: Content, folder: Path
) -> None:
    flow = begin(store, content)
    walk(flow, plan([0] * 9, [0] * 7), until=PHQ9_ITEM9)
    assert flow.answer(2).step is Step.SAFETY
    assert flow.continue_after_safety().question == QuestionRef("phq9", 10)
    state = flow.back()
    assert state.question == PHQ9_ITEM9 and state.answer == 2
    state = flow.answer(0)  # the visitor changes the answer: urgent stays
    assert state.question == QuestionRef("asq", 1)
    assert state.urgent
    assert visit(reader, flow).urgent
    state = flow.skip()
    assert state.urgent
    state = flow.back()
    assert state.urgent
    assert visit(reader, flow).urgent
    flow.abandon()
    stored = visit(reader, flow)
    assert stored.status == "abandoned"
    assert stored.urgent
    assert stored.answers["phq9"][9] == 0
    code = flow.code
    assert code is not None
    reader.close()
    store.close()
    with Store.open(folder) as again:
        reopened = again.get_visit(code)
    assert reopened.urgent
    assert reopened.status == "abandoned"


def test_urgent_survives_a_crash_left_in_progress(
    store: Store, content: Content, folder: Path
) -> None:
    flow = begin(store, content)
    flow.answer(1)
    flow.talk_now()
    code = flow.code
    assert code is not None
    store.close()  # no abandon(): as after a power cut
    with Store.open(folder) as again:
        reopened = again.get_visit(code)
    assert reopened.status == "abandoned"
    assert reopened.urgent
    assert reopened.answers == {"phq9": {1: 1}}


def test_urgent_from_talk_now_overrides_low_scores_at_the_end(
    store: Store, reader: Store, content: Content
) -> None:
    flow = begin(store, content)
    flow.talk_now()
    flow.continue_after_safety()
    state = walk(flow, plan([0] * 9, [0] * 7))
    assert state.results is not None
    assert state.results.urgent
    assert state.results.guidance == "staff_today"
    assert state.results.scores["phq9"].band == "minimal"
    stored = visit(reader, flow)
    assert stored.urgent
    assert stored.guidance == "staff_today"
    assert stored.scores["phq9"].band == "minimal"
    assert not stored.scores["phq9"].urgent  # the score itself was not the reason


# --- results ---------------------------------------------------------------------------------


# (PHQ-9 answers, GAD-7 answers, fit answers) -> (PHQ-9 total, band, GAD-7 total, band, guidance)
RESULT_CASES = {
    "all zero": ([0] * 9, [0] * 7, LOW_FIT, (0, "minimal", 0, "minimal", "outpatient")),
    "4/5": ([1] * 4 + [0] * 5, [1] * 5 + [0] * 2, LOW_FIT, (4, "minimal", 5, "mild", "outpatient")),
    "5/9": ([1] * 5 + [0] * 4, [3] * 3 + [0] * 4, LOW_FIT, (5, "mild", 9, "mild", "outpatient")),
    "10/14 very hard but therapy helps": (
        [2] * 5 + [0] * 4,
        [2] * 7,
        [2, 1, 0, 1, 0],
        (10, "moderate", 14, "moderate", "outpatient"),
    ),
    "14/15": (
        [3] * 4 + [2] + [0] * 4,
        [3] * 5 + [0] * 2,
        LOW_FIT,
        (14, "moderate", 15, "severe", "ask_iop"),
    ),
    "15/0": (
        [3] * 5 + [0] * 4,
        [0] * 7,
        LOW_FIT,
        (15, "moderately severe", 0, "minimal", "ask_iop"),
    ),
    "19/0": (
        [3] * 6 + [1, 0, 0],
        [0] * 7,
        LOW_FIT,
        (19, "moderately severe", 0, "minimal", "ask_iop"),
    ),
    "20/21": ([3] * 6 + [2, 0, 0], [3] * 7, LOW_FIT, (20, "severe", 21, "severe", "ask_iop")),
    "24/0": ([3] * 8 + [0], [0] * 7, LOW_FIT, (24, "severe", 0, "minimal", "ask_iop")),
    "left hospital": ([0] * 9, [0] * 7, [0, 0, 0, 0, 0], (0, "minimal", 0, "minimal", "ask_iop")),
    "very hard and need more support": (
        [1] * 8 + [0],
        [1] * 7,
        [2, 1, 2, 2, 2],
        (8, "mild", 7, "mild", "ask_iop"),
    ),
    "very hard, therapy helps": (
        [1] * 8 + [0],
        [1] * 7,
        [2, 1, 2, 1, 2],
        (8, "mild", 7, "mild", "outpatient"),
    ),
    "somewhat hard, need more": (
        [1] * 8 + [0],
        [1] * 7,
        [1, 1, 2, 2, 2],
        (8, "mild", 7, "mild", "outpatient"),
    ),
    "item 9 only": ([0] * 8 + [1], [0] * 7, LOW_FIT, (1, "minimal", 0, "minimal", "staff_today")),
    "all highest": ([3] * 9, [3] * 7, [0] * 5, (27, "severe", 21, "severe", "staff_today")),
}


@pytest.mark.parametrize(
    ("phq9", "gad7", "fit", "expected"), list(RESULT_CASES.values()), ids=list(RESULT_CASES)
)
def test_results_scores_bands_and_guidance_are_stored_with_the_visit(
    store: Store,
    reader: Store,
    content: Content,
    phq9: list[int],
    gad7: list[int],
    fit: list[int],
    expected: tuple[int, str, int, str, str],
) -> None:
    phq_total, phq_band, gad_total, gad_band, guidance = expected
    flow = begin(store, content, "es")
    p = plan(phq9, gad7, fit)
    state = walk(flow, p)
    assert state.step is Step.RESULTS
    results = state.results
    assert results is not None
    assert (results.scores["phq9"].total, results.scores["phq9"].band) == (phq_total, phq_band)
    assert (results.scores["gad7"].total, results.scores["gad7"].band) == (gad_total, gad_band)
    assert results.guidance == guidance
    assert results.urgent is (phq9[8] > 0)
    stored = visit(reader, flow)
    assert stored.status == "completed"
    assert stored.completed_at is not None
    assert stored.guidance == guidance
    assert stored.urgent is (phq9[8] > 0)
    assert stored.answers == expected_answers(p, "es")
    assert "asq" not in results.scores and results.not_offered == ("asq",)
    for instrument, total, band in (("phq9", phq_total, phq_band), ("gad7", gad_total, gad_band)):
        score = stored.scores[instrument]  # type: ignore[index]
        assert (score.total, score.band, score.complete, score.skipped) == (total, band, True, 0)


@pytest.mark.parametrize("skipped_item", [1, 4, 9])
def test_incomplete_instrument_has_no_band_and_says_not_scored(
    store: Store, reader: Store, content: Content, skipped_item: int
) -> None:
    # 3s everywhere but item 9: a partial total of 21-24 must not be shown as any band.
    phq9: list[int | None] = [3] * 8 + [0]
    phq9[skipped_item - 1] = None
    flow = begin(store, content)
    state = walk(flow, plan(phq9, [0] * 7))
    assert state.results is not None
    phq = state.results.scores["phq9"]
    assert (phq.total, phq.band, phq.complete, phq.skipped) == (None, None, False, 1)
    # But its answered items are a lower bound: eight "Nearly every day" and one skip already
    # make 21-24, so the visitor is never steered to the lighter program (CLINICAL.md).
    assert state.results.guidance == "ask_iop"
    assert (
        content["en"].screening.results.not_scored(phq.skipped) == "Not scored: 1 question skipped"
    )
    assert state.results.scores["gad7"].band == "minimal"
    stored = visit(reader, flow)
    assert stored.scores["phq9"].band is None
    assert stored.scores["phq9"].total is None
    assert not stored.scores["phq9"].complete
    assert stored.scores["phq9"].skipped == 1
    assert stored.answers["phq9"][skipped_item] is None
    assert stored.guidance == "ask_iop"


def test_every_question_skipped(store: Store, reader: Store, content: Content) -> None:
    flow = begin(store, content)
    state = walk(flow, plan([None] * 9, [None] * 7, [None] * 5, asq=[None] * 4, asq_acuity=None))
    assert state.results is not None
    assert state.results.scores["phq9"].band is None
    assert state.results.scores["phq9"].skipped == 9
    assert state.results.scores["gad7"].skipped == 7
    # NIMH: a refusal to answer the ASQ counts as positive, so skipping it is urgent.
    assert state.results.scores["asq"].band == "non_acute"
    assert state.results.guidance == "staff_today"
    stored = visit(reader, flow)
    assert (stored.urgent, stored.risk, stored.reason) == (True, "non_acute", "asq")
    assert stored.answers["fit"] == {i: None for i in range(1, 6)}
    assert {i: s.band for i, s in stored.scores.items()} == {
        "phq9": None,
        "asq": "non_acute",
        "gad7": None,
    }


# --- language --------------------------------------------------------------------------------


def test_language_switch_mid_visit_keeps_place_and_answers(
    store: Store, reader: Store, content: Content
) -> None:
    flow = begin(store, content, "en", name="Ana")
    flow.answer(1)
    flow.answer(0)
    flow.answer(2)
    before = flow.state()
    assert before.question == QuestionRef("phq9", 4)
    state = flow.set_language("es")
    assert state.language == "es" and flow.language == "es"
    assert state.question == QuestionRef("phq9", 4)
    assert (state.section_position, state.section_total) == (
        before.section_position,
        before.section_total,
    )
    stored = visit(reader, flow)
    assert stored.language == "es"
    assert stored.answers == {"phq9": {1: 1, 2: 0, 3: 2}}
    assert stored.name == "Ana"
    state = flow.back()
    assert state.question == QuestionRef("phq9", 3)
    assert state.answer == 2
    flow.set_language("en")
    assert visit(reader, flow).language == "en"


def test_language_chosen_before_agreeing_is_the_visit_language(
    store: Store, reader: Store, content: Content
) -> None:
    flow = VisitFlow(store, content, "en")
    assert flow.set_language("es").step is Step.PRIVACY
    flow.agree()
    assert visit(reader, flow).language == "es"


# --- abandon ---------------------------------------------------------------------------------


def test_abandon_keeps_the_answers(store: Store, reader: Store, content: Content) -> None:
    flow = begin(store, content, name="Kim")
    for value in (1, 2, None, 0):
        tap(flow, value)
    flow.abandon()
    assert flow.state().step is Step.ENDED
    stored = visit(reader, flow)
    assert stored.status == "abandoned"
    assert stored.answers == {"phq9": {1: 1, 2: 2, 3: None, 4: 0}}
    assert stored.name == "Kim"
    assert stored.scores == {}
    assert not stored.urgent


def test_abandon_on_the_name_screen_and_after_results(
    store: Store, reader: Store, content: Content
) -> None:
    early = VisitFlow(store, content, "en")
    early.agree()
    early.abandon()
    assert visit(reader, early).status == "abandoned"
    done = begin(store, content)
    walk(done, plan([0] * 9, [0] * 7))
    done.abandon()  # the idle reset after the results: stays completed
    assert visit(reader, done).status == "completed"


# --- bad input and a failing store -----------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "value"),
    [
        (QuestionRef("phq9", 1), 4),
        (QuestionRef("phq9", 1), -1),
        (QuestionRef("phq9", 9), 7),
        (QuestionRef("gad7", 2), 4),
        (QuestionRef("fit", 1), 3),  # three options: 0-2
        (QuestionRef("fit", 2), 2),  # yes / no
    ],
)
def test_out_of_range_value_raises_and_stores_nothing(
    store: Store, reader: Store, content: Content, where: QuestionRef, value: int
) -> None:
    flow = begin(store, content)
    walk(flow, plan([0] * 9, [0] * 7), until=where)
    before = flow.state()
    stored_before = visit(reader, flow).answers
    with pytest.raises(ValueError):
        flow.answer(value)
    assert flow.state() == before
    assert visit(reader, flow).answers == stored_before
    assert where.item not in visit(reader, flow).answers.get(where.section, {})
    assert not visit(reader, flow).urgent


def make_read_only(store: Store) -> None:
    """The store's own connection refuses writes (SQLITE_READONLY), as with a read-only disk."""
    db = store._db
    assert db is not None
    db.execute("PRAGMA query_only = ON")


def make_writable(store: Store) -> None:
    db = store._db
    assert db is not None
    db.execute("PRAGMA query_only = OFF")


@pytest.mark.parametrize(
    "intent",
    ["answer", "answer_item9", "skip", "talk_now", "set_language", "last_answer"],
)
def test_store_unavailable_propagates_and_the_flow_does_not_move(
    store: Store, reader: Store, content: Content, intent: str
) -> None:
    flow = begin(store, content)
    p = plan([1, 0, 0, 0, 0, 0, 0, 0, 0], [0] * 7)
    if intent == "answer_item9":
        walk(flow, p, until=PHQ9_ITEM9)
    elif intent == "last_answer":
        walk(flow, p, until=QuestionRef("fit", 5))
    else:
        walk(flow, p, until=QuestionRef("phq9", 3))
    before = flow.state()
    answers_before = flow.answers()
    stored_before = visit(reader, flow)
    make_read_only(store)
    with pytest.raises(StoreUnavailableError):
        match intent:
            case "answer" | "last_answer":
                flow.answer(1)
            case "answer_item9":
                flow.answer(3)
            case "skip":
                flow.skip()
            case "talk_now":
                flow.talk_now()
            case "set_language":
                flow.set_language("es")
    assert flow.state() == before
    assert flow.answers() == answers_before
    assert not flow.urgent
    assert visit(reader, flow) == stored_before
    # Once the disk is back the same tap works from the same place.
    make_writable(store)
    assert flow.state().question == before.question


def test_store_unavailable_at_agree_creates_nothing(
    store: Store, reader: Store, content: Content
) -> None:
    flow = VisitFlow(store, content, "en")
    make_read_only(store)
    with pytest.raises(StoreUnavailableError):
        flow.agree()
    assert flow.state().step is Step.PRIVACY
    assert flow.code is None
    assert all_visits(reader) == []
    make_writable(store)
    assert flow.agree().step is Step.NAME


def test_store_unavailable_at_name_stays_on_the_name_step(
    store: Store, reader: Store, content: Content
) -> None:
    flow = VisitFlow(store, content, "en")
    flow.agree()
    make_read_only(store)
    with pytest.raises(StoreUnavailableError):
        flow.set_name("Ana")
    assert flow.state().step is Step.NAME
    assert flow.state().name is None
    assert visit(reader, flow).name is None


def test_store_unavailable_at_stop_keeps_the_safety_step_and_its_question(
    store: Store, reader: Store, content: Content
) -> None:
    flow = begin(store, content)
    flow.answer(1)
    flow.answer(1)
    flow.talk_now()
    make_read_only(store)
    with pytest.raises(StoreUnavailableError):
        flow.stop()
    assert flow.state().step is Step.SAFETY
    assert flow.state().results is None
    stored = visit(reader, flow)
    assert stored.status == "in_progress"
    assert stored.scores == {}
    make_writable(store)
    # "Continue" still goes back to the question the visitor left.
    state = flow.continue_after_safety()
    assert state.step is Step.QUESTION
    assert state.question == QuestionRef("phq9", 3)


def test_a_positive_item9_is_never_saved_on_a_visit_that_is_not_urgent(
    store: Store, reader: Store, content: Content, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If marking urgent fails (a crash between two commits is the same), the positive answer
    must not be durable on a visit reception would list as not urgent."""
    flow = begin(store, content)
    walk(flow, plan([0] * 9, [0] * 7), until=PHQ9_ITEM9)

    def broken(code: str, reason: str, level: str) -> bool:
        raise StoreUnavailableError("disk gone")

    monkeypatch.setattr(store, "mark_urgent", broken)
    with pytest.raises(StoreUnavailableError):
        flow.answer(2)
    stored = visit(reader, flow)
    positive_saved = (stored.answers.get("phq9", {}).get(9) or 0) > 0
    assert not (positive_saved and not stored.urgent)
    assert flow.state().question == PHQ9_ITEM9


def test_closed_store_raises_store_error_and_nothing_moves(store: Store, content: Content) -> None:
    flow = begin(store, content)
    before = flow.state()
    store.close()
    with pytest.raises(StoreError):
        flow.answer(0)
    with pytest.raises(StoreError):
        flow.talk_now()
    assert flow.state() == before
    assert not flow.urgent


# --- "talk now" on the Programs pages, before any check-in -------------------------------------


def test_talk_now_before_any_visit_starts_an_urgent_visit(
    store: Store, reader: Store, content: Content
) -> None:
    """Issue 16 item 10: the button on Programs must mark something staff will see, so it starts
    a visit (no answers, no name) and makes it urgent before the safety screen shows."""
    flow = VisitFlow(store, content, "es")
    state = flow.talk_now()
    assert state.step is Step.SAFETY and state.urgent
    stored = visit(reader, flow)
    assert stored.urgent and stored.status == "in_progress" and stored.language == "es"
    assert stored.answers == {} and stored.name is None
    # "Continue the check-in": the privacy screen of that same visit, then its questions.
    state = flow.continue_after_safety()
    assert state.step is Step.PRIVACY
    code = flow.code
    state = flow.agree()
    assert state.step is Step.NAME and flow.code == code
    state = flow.set_name(None)
    assert state.question == QuestionRef("phq9", 1)
    assert visit(reader, flow).urgent


def test_talk_now_before_any_visit_then_stop_gives_results_with_staff_today(
    store: Store, reader: Store, content: Content
) -> None:
    flow = VisitFlow(store, content, "en")
    flow.talk_now()
    state = flow.stop()
    assert state.step is Step.RESULTS and state.results is not None
    assert state.results.guidance == "staff_today" and state.results.urgent
    stored = visit(reader, flow)
    assert stored.status == "completed" and stored.urgent and stored.guidance == "staff_today"


@pytest.mark.parametrize("leave", ["decline", "abandon"])
def test_talk_now_before_any_visit_then_leaving_keeps_it_urgent(
    store: Store, reader: Store, content: Content, leave: str
) -> None:
    flow = VisitFlow(store, content, "en")
    flow.talk_now()
    if leave == "decline":  # "Continue", then "Not now" on the privacy screen
        flow.continue_after_safety()
        assert flow.decline().step is Step.ENDED
    else:  # walked away from the safety screen: the idle reset
        flow.abandon()
    stored = visit(reader, flow)
    assert stored.urgent and stored.status == "abandoned"
