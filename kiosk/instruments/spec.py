"""What an instrument is, as data: its items, answer values, bands, safety rules and codes.

One `InstrumentSpec` per instrument (a file beside this one) is the only place the kiosk learns
about it; scoring, content checks, the visit flow, the summary and every export read the spec.
The rules here come from the published instruments (CLINICAL.md), so they are code, not
clinic-editable content.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from msgspec import Struct

SafetyLevel = Literal["non_acute", "acute"]


# msgspec Structs rather than dataclasses: these are made while the kiosk starts, and a frozen
# dataclass builds its methods with exec() (~0.7 ms a class; docs/performance.md).
class Band(Struct, frozen=True):
    """A severity band: totals up to and including `upper` (from the band below) get `name`."""

    upper: int
    name: str


class SafetyRule(Struct, frozen=True):
    """An answer that makes the visit urgent at once and brings up the safety screen."""

    item: int
    # Any value above this triggers (PHQ-9 item 9: anything above "Not at all").
    above: int
    level: SafetyLevel
    # Stored as the visit's urgent reason and exported in `reason`.
    reason: str
    # A skip triggers too (NIMH's ASQ: a refusal to answer counts as positive). PHQ-9 item 9:
    # a skip is not a positive answer.
    or_skipped: bool = False

    def fires(self, value: int | None) -> bool:
        """Does this answer (None = shown and skipped) trigger the rule? Never raises: an odd
        value above the threshold still counts, a validation error must not hide the screen."""
        if value is None:
            return self.or_skipped
        try:
            return bool(value > self.above)
        except TypeError:
            return False


class AskedWhen(Struct, frozen=True):
    """An item asked only when earlier answers call for it (the ASQ's acuity question)."""

    item: int
    # Asked when any of these items was answered above `above`, or skipped if `or_skipped`.
    any_of: tuple[int, ...]
    above: int = 0
    or_skipped: bool = False

    def holds(self, answers: Mapping[int, int | None]) -> bool:
        for item in self.any_of:
            if item not in answers:
                continue
            value = answers[item]
            if (value is None and self.or_skipped) or (value is not None and value > self.above):
                return True
        return False


class ScreenScoring(Struct, frozen=True):
    """A screen rather than a sum (the ASQ): any `positive_items` answer above 0 or skipped is
    positive; then the `acuity_item` above 0 makes it acute. `total` counts the answers above 0
    among the positive items; the bands are named here, lowest first."""

    positive_items: tuple[int, ...]
    acuity_item: int
    negative: str = "negative"
    non_acute: str = "non_acute"
    acute: str = "acute"

    @property
    def band_names(self) -> tuple[str, ...]:
        return (self.negative, self.non_acute, self.acute)


class Coding(Struct, frozen=True):
    code: str
    display: str


class Codes(Struct, frozen=True):
    """Standard codes for the FHIR export: the questionnaire, its total and its items."""

    system: str
    panel: str
    total: str
    # Item 1 first; the difficulty item's code last when there is one.
    items: tuple[str, ...]
    # One coding per answer value, value order.
    answers: tuple[Coding, ...]
    difficulty_answers: tuple[Coding, ...] = ()


class InstrumentSpec(Struct, frozen=True):
    """One instrument. Stored answers are option positions, so values are 0, 1, … in order."""

    id: str  # stored, exported and written in content and config: plain, never renamed
    name: str  # as printed on the form ("PHQ-9"), for staff
    items: int  # scored items, numbered 1..items
    answer_values: tuple[int, ...]
    bands: tuple[Band, ...]  # lowest first; the last ends at the maximum total (sum scoring)
    difficulty_item: int | None = None  # asked after the scored items, never scored
    difficulty_values: tuple[int, ...] = ()
    safety: tuple[SafetyRule, ...] = ()
    codes: Codes | None = None
    # Names where the wording and the licence come from (the content's attribution line).
    source: str = ""
    # The difficulty question is asked only when a scored item is above this (CLINICAL.md).
    difficulty_when_above: int = 0
    # When a safety rule fired, the visitor's line for this instrument is the content's safety
    # sentence (results.toml `safety_result`), never its band sentence: PHQ-9 item 9 above 0
    # with a low total must not read "few or no symptoms" under the urgent banner (CLINICAL.md).
    safety_replaces_band: bool = False
    # The daily log's first twelve columns are a contract (phq9_total … gad7_band between
    # `urgent` and `guidance`); an instrument added later has its columns after `printed`.
    leading_columns: bool = False
    # Items asked only when earlier answers call for them; every other item is always asked.
    asked_when: tuple[AskedWhen, ...] = ()
    # Screen scoring (positive / acute) instead of a banded sum; `bands` is then empty.
    screen: ScreenScoring | None = None

    def __post_init__(self) -> None:
        for what, values in (
            ("answer_values", self.answer_values),
            ("difficulty_values", self.difficulty_values),
        ):
            if values and values != tuple(range(len(values))):
                raise ValueError(f"{self.id}: {what} must be 0, 1, … in order, got {values}")
        if not self.answer_values:
            raise ValueError(f"{self.id}: needs answer values")
        if (self.difficulty_item is None) != (not self.difficulty_values):
            raise ValueError(f"{self.id}: a difficulty item needs its values, and only then")
        if self.difficulty_item is not None and self.difficulty_item != self.items + 1:
            raise ValueError(f"{self.id}: the difficulty item comes right after the scored items")
        if self.screen is not None:
            scored = {*self.screen.positive_items, self.screen.acuity_item}
            if self.bands or not scored <= set(range(1, self.items + 1)):
                raise ValueError(f"{self.id}: a screen names its own items and has no sum bands")
        else:
            uppers = [band.upper for band in self.bands]
            if not self.bands or uppers != sorted(set(uppers)) or uppers[-1] != self.max_total:
                raise ValueError(f"{self.id}: bands must rise and end at the maximum total")
        for asked in self.asked_when:
            if not 1 <= asked.item <= self.items or not all(i < asked.item for i in asked.any_of):
                raise ValueError(f"{self.id}: item {asked.item} can only depend on earlier items")
        for rule in self.safety:
            if not 1 <= rule.item <= self.items:
                raise ValueError(f"{self.id}: safety item {rule.item} is not a scored item")
        if self.codes is not None:
            expected = self.items + (1 if self.difficulty_item is not None else 0)
            if len(self.codes.items) != expected or len(self.codes.answers) != len(
                self.answer_values
            ):
                raise ValueError(f"{self.id}: codes must cover every item and answer value")

    @property
    def band_names(self) -> tuple[str, ...]:
        if self.screen is not None:
            return self.screen.band_names
        return tuple(band.name for band in self.bands)

    @property
    def max_value(self) -> int:
        return self.answer_values[-1]

    @property
    def max_total(self) -> int:
        if self.screen is not None:
            return len(self.screen.positive_items) * self.max_value
        return self.items * self.max_value

    def asked(self, item: int, answers: Mapping[int, int | None]) -> bool:
        """Is scored item `item` asked, given the answers so far (`asked_when`)?"""
        return all(rule.holds(answers) for rule in self.asked_when if rule.item == item)

    def expected_items(self, answers: Mapping[int, int | None]) -> tuple[int, ...]:
        """The scored items this visitor is (or was) asked, given their answers."""
        return tuple(i for i in range(1, self.items + 1) if self.asked(i, answers))

    @property
    def asked_items(self) -> int:
        """Items as asked, the difficulty item included: answers' columns 1..asked_items."""
        return self.difficulty_item or self.items

    def is_difficulty(self, item: int) -> bool:
        return self.difficulty_item is not None and item == self.difficulty_item

    def values_of(self, item: int) -> tuple[int, ...]:
        return self.difficulty_values if self.is_difficulty(item) else self.answer_values

    def band_for(self, total: int) -> str:
        """The band of a complete total; ValueError outside 0..max_total."""
        if self.screen is not None:
            raise ValueError(f"{self.id} is a screen: its band is not a function of its total")
        if isinstance(total, bool) or not isinstance(total, int):
            raise ValueError(f"{self.id} total must be an integer, got {total!r}")
        if not 0 <= total <= self.max_total:
            raise ValueError(
                f"{self.id} total must be an integer 0–{self.max_total}, got {total!r}"
            )
        for band in self.bands:
            if total <= band.upper:
                return band.name
        raise AssertionError("unreachable: the last band ends at the maximum total")

    def safety_rule(self, item: int, value: int | None) -> SafetyRule | None:
        """The rule this answer (None = shown and skipped) triggers, if any.

        Deliberately lenient: it never raises, and any value above the threshold counts even if
        it is out of range, because a validation error must not be why the safety screen fails
        to appear.
        """
        for rule in self.safety:
            if rule.item == item and rule.fires(value):
                return rule
        return None
