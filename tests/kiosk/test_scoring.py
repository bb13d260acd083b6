"""Scoring, bands and the safety trigger against docs/clinical-rules.md."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk import instruments
from kiosk.instruments import SafetyRule
from kiosk.model import StoredScore
from kiosk.scoring import (
    DIFFICULTY_ITEM,
    SCORED_ITEMS,
    ScoreResult,
    band_for,
    is_safety_trigger,
    score,
)

INSTRUMENTS = ("phq9", "gad7")
VALUE = st.integers(min_value=0, max_value=3)
MAYBE_VALUE = st.one_of(st.none(), VALUE)


def full(instrument: str, values: list[int]) -> dict[int, int | None]:
    return {number: value for number, value in enumerate(values, start=1)}


def answers_with_total(instrument: str, total: int) -> dict[int, int | None]:
    """A complete answer vector summing to `total` (filled greedily with 3s)."""
    values = []
    remaining = total
    for _ in range(SCORED_ITEMS[instrument]):
        value = min(3, remaining)
        values.append(value)
        remaining -= value
    assert remaining == 0
    return full(instrument, values)


@st.composite
def complete_answers(draw: st.DrawFn, instrument: str) -> dict[int, int | None]:
    values = draw(
        st.lists(VALUE, min_size=SCORED_ITEMS[instrument], max_size=SCORED_ITEMS[instrument])
    )
    answers = full(instrument, values)
    if instrument in DIFFICULTY_ITEM and draw(st.booleans()):
        answers[DIFFICULTY_ITEM[instrument]] = draw(MAYBE_VALUE)
    return answers


@st.composite
def any_answers(draw: st.DrawFn, instrument: str) -> dict[int, int | None]:
    """Every shape a visit can produce: answered, skipped (None) or never reached (absent)."""
    answers: dict[int, int | None] = {}
    for number in range(1, SCORED_ITEMS[instrument] + 1):
        state = draw(st.sampled_from(("answered", "skipped", "missing")))
        if state == "answered":
            answers[number] = draw(VALUE)
        elif state == "skipped":
            answers[number] = None
    if instrument in DIFFICULTY_ITEM and draw(st.booleans()):
        answers[DIFFICULTY_ITEM[instrument]] = draw(MAYBE_VALUE)
    return answers


instrument_and_complete = st.sampled_from(INSTRUMENTS).flatmap(
    lambda i: st.tuples(st.just(i), complete_answers(i))
)
instrument_and_any = st.sampled_from(INSTRUMENTS).flatmap(
    lambda i: st.tuples(st.just(i), any_answers(i))
)


def expected_band(instrument: str, total: int) -> str:
    # Written out from the specification rather than derived from kiosk.scoring.BANDS.
    if instrument == "phq9":
        if total <= 4:
            return "minimal"
        if total <= 9:
            return "mild"
        if total <= 14:
            return "moderate"
        if total <= 19:
            return "moderately severe"
        return "severe"
    if total <= 4:
        return "minimal"
    if total <= 9:
        return "mild"
    if total <= 14:
        return "moderate"
    return "severe"


# --- complete answers ------------------------------------------------------------------------


@given(instrument_and_complete)
def test_complete_total_is_the_sum_of_scored_items(case: tuple[str, dict[int, int | None]]) -> None:
    instrument, answers = case
    result = score(instrument, answers)
    scored = [answers[n] for n in range(1, SCORED_ITEMS[instrument] + 1)]
    assert result.complete
    assert result.total == sum(v for v in scored if v is not None)
    assert result.band == expected_band(instrument, result.total)
    assert result.skipped == 0
    assert result.answered == SCORED_ITEMS[instrument]


@given(instrument_and_complete)
def test_difficulty_item_never_changes_the_score(case: tuple[str, dict[int, int | None]]) -> None:
    instrument, answers = case
    if instrument not in DIFFICULTY_ITEM:
        return  # the GAD-7 has no difficulty question
    without = {k: v for k, v in answers.items() if k != DIFFICULTY_ITEM[instrument]}
    for difficulty in (None, 0, 1, 2, 3):
        with_difficulty = {**without, DIFFICULTY_ITEM[instrument]: difficulty}
        assert score(instrument, with_difficulty) == score(instrument, without)


@pytest.mark.parametrize(
    ("instrument", "total", "band"),
    [
        ("phq9", 0, "minimal"),
        ("phq9", 4, "minimal"),
        ("phq9", 5, "mild"),
        ("phq9", 9, "mild"),
        ("phq9", 10, "moderate"),
        ("phq9", 14, "moderate"),
        ("phq9", 15, "moderately severe"),
        ("phq9", 19, "moderately severe"),
        ("phq9", 20, "severe"),
        ("phq9", 27, "severe"),
        ("gad7", 0, "minimal"),
        ("gad7", 4, "minimal"),
        ("gad7", 5, "mild"),
        ("gad7", 9, "mild"),
        ("gad7", 10, "moderate"),
        ("gad7", 14, "moderate"),
        ("gad7", 15, "severe"),
        ("gad7", 21, "severe"),
    ],
)
def test_band_boundaries(instrument: str, total: int, band: str) -> None:
    result = score(instrument, answers_with_total(instrument, total))
    assert result.total == total
    assert result.band == band
    assert band_for(instrument, total) == band


@pytest.mark.parametrize(
    ("instrument", "total"), [("phq9", -1), ("phq9", 28), ("gad7", 22), ("gad7", True)]
)
def test_band_for_rejects_impossible_totals(instrument: str, total: Any) -> None:
    with pytest.raises(ValueError, match="total"):
        band_for(instrument, total)


# --- skipped and missing items ---------------------------------------------------------------


@given(instrument_and_any)
def test_incomplete_is_never_banded(case: tuple[str, dict[int, int | None]]) -> None:
    instrument, answers = case
    result = score(instrument, answers)
    scored = [answers.get(n) for n in range(1, SCORED_ITEMS[instrument] + 1)]
    skipped = sum(1 for v in scored if v is None)
    assert result.skipped == skipped
    assert result.answered == SCORED_ITEMS[instrument] - skipped
    assert result.complete is (skipped == 0)
    if skipped:
        assert result.total is None
        assert result.band is None
        assert result.band != "minimal"
    else:
        assert result.total == sum(v for v in scored if v is not None)
        assert result.band is not None


@pytest.mark.parametrize("instrument", INSTRUMENTS)
def test_partial_zeros_are_not_minimal(instrument: str) -> None:
    # The case the specification warns about: a low partial total is not a low score.
    answers: dict[int, int | None] = dict.fromkeys(range(1, SCORED_ITEMS[instrument]), 0)
    answers[SCORED_ITEMS[instrument]] = None
    result = score(instrument, answers)
    assert (result.total, result.band, result.complete, result.skipped) == (None, None, False, 1)


@pytest.mark.parametrize("instrument", INSTRUMENTS)
def test_nothing_answered(instrument: str) -> None:
    result = score(instrument, {})
    assert result == ScoreResult(
        total=None,
        band=None,
        complete=False,
        urgent=False,
        skipped=SCORED_ITEMS[instrument],
        answered=0,
    )


# --- safety ----------------------------------------------------------------------------------


@given(any_answers("phq9"))
def test_item_9_above_zero_is_always_urgent(answers: dict[int, int | None]) -> None:
    result = score("phq9", answers)
    item_9 = answers.get(9)
    assert result.urgent is (item_9 is not None and item_9 > 0)


@given(any_answers("phq9"), st.integers(min_value=1, max_value=3))
def test_urgent_even_when_everything_else_is_skipped(
    answers: dict[int, int | None], item_9: int
) -> None:
    answers[9] = item_9
    result = score("phq9", answers)
    assert result.urgent
    assert is_safety_trigger("phq9", 9, item_9)


@given(any_answers("gad7"))
def test_gad7_is_never_urgent(answers: dict[int, int | None]) -> None:
    assert not score("gad7", answers).urgent


def test_skipping_item_9_is_not_positive() -> None:
    answers: dict[int, int | None] = dict.fromkeys(range(1, 9), 1)
    answers[9] = None
    result = score("phq9", answers)
    assert not result.urgent
    assert result.skipped == 1
    assert not result.complete


def test_safety_item_constant() -> None:
    # Declared once, in the PHQ-9's spec; the GAD-7 has no safety item.
    assert instruments.get("phq9").safety == (
        SafetyRule(item=9, above=0, level="non_acute", reason="phq9_item9"),
    )
    assert instruments.get("gad7").safety == ()
    assert instruments.ids() == ("phq9", "asq", "gad7")
    assert SCORED_ITEMS == {"phq9": 9, "asq": 5, "gad7": 7}
    assert DIFFICULTY_ITEM == {"phq9": 10}


@pytest.mark.parametrize(
    ("section", "item", "value", "expected"),
    [
        ("phq9", 9, 1, True),
        ("phq9", 9, 2, True),
        ("phq9", 9, 3, True),
        ("phq9", 9, 0, False),
        ("phq9", 9, None, False),
        ("phq9", 8, 3, False),
        ("phq9", 10, 3, False),
        ("gad7", 9, 3, False),
        ("fit", 9, 3, False),
        # Lenient on purpose: an out-of-range value must not stop the safety screen.
        ("phq9", 9, 7, True),
        ("phq9", 9, "3", False),
    ],
)
def test_is_safety_trigger(section: str, item: int, value: Any, expected: bool) -> None:
    assert is_safety_trigger(section, item, value) is expected


# --- invalid input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instrument", "answers", "message"),
    [
        ("phq-9", {}, "unknown instrument"),
        ("PHQ9", {}, "unknown instrument"),
        ("fit", {}, "unknown instrument"),
        ("phq9", {0: 1}, "unknown item"),
        ("phq9", {11: 1}, "unknown item"),
        ("gad7", {9: 1}, "unknown item"),
        ("gad7", {10: 0}, "unknown item"),
        ("phq9", {"1": 1}, "unknown item"),
        ("phq9", {True: 1}, "unknown item"),
        ("phq9", {1: 4}, "item 1"),
        ("phq9", {1: -1}, "item 1"),
        ("phq9", {9: True}, "item 9"),
        ("phq9", {9: False}, "item 9"),
        ("phq9", {2: 1.0}, "item 2"),
        ("phq9", {3: "2"}, "item 3"),
        ("phq9", {10: 4}, "item 10"),
        ("gad7", {8: 1}, "unknown item"),  # no difficulty question on the GAD-7
    ],
)
def test_invalid_input_raises(instrument: str, answers: Mapping[Any, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        score(instrument, answers)


@given(
    st.sampled_from(INSTRUMENTS),
    st.integers().filter(lambda v: not 0 <= v <= 3),
    st.integers(min_value=1, max_value=7),
)
def test_every_out_of_range_value_raises(instrument: str, value: int, item: int) -> None:
    with pytest.raises(ValueError):
        score(instrument, {item: value})


# --- stored form -----------------------------------------------------------------------------


def test_to_stored() -> None:
    answers: dict[int, int | None] = dict.fromkeys(range(1, 10), 2)
    stored = score("phq9", answers).to_stored("phq9")
    assert stored == StoredScore(
        instrument="phq9", total=18, band="moderately severe", complete=True, skipped=0, urgent=True
    )
    incomplete = score("gad7", {1: 3}).to_stored("gad7")
    assert incomplete == StoredScore(
        instrument="gad7", total=None, band=None, complete=False, skipped=6, urgent=False
    )
    with pytest.raises(ValueError, match="unknown instrument"):
        score("gad7", {}).to_stored("audit_c")


def test_result_is_frozen() -> None:
    result = score("gad7", {})
    with pytest.raises(AttributeError):
        result.total = 3  # type: ignore[misc]
