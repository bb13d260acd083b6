"""What an instrument is, as data: its items, answer values, bands, safety rules and codes.

One `InstrumentSpec` per instrument (a file beside this one) is the only place the kiosk learns
about it; scoring, content checks, the visit flow, the summary and every export read the spec.
The rules here come from the published instruments (CLINICAL.md), so they are code, not
clinic-editable content.
"""

from __future__ import annotations

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
    bands: tuple[Band, ...]  # lowest first; the last ends at the maximum total
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
        uppers = [band.upper for band in self.bands]
        if not self.bands or uppers != sorted(set(uppers)) or uppers[-1] != self.max_total:
            raise ValueError(f"{self.id}: bands must rise and end at the maximum total")
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
        return tuple(band.name for band in self.bands)

    @property
    def max_value(self) -> int:
        return self.answer_values[-1]

    @property
    def max_total(self) -> int:
        return self.items * self.max_value

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
        """The rule this answer triggers, if any.

        Deliberately lenient: it never raises, and any value above the threshold counts even if
        it is out of range, because a validation error must not be why the safety screen fails
        to appear.
        """
        if value is None:
            return None
        for rule in self.safety:
            if rule.item != item:
                continue
            try:
                if bool(value > rule.above):
                    return rule
            except TypeError:
                return None
        return None
