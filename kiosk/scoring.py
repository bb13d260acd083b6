"""Scoring any registered instrument from its spec, and the safety trigger — pure functions.

The rules are fixed by the published instruments (CLINICAL.md) and declared once, in
kiosk/instruments/. Two rules matter most:

- An instrument with any scored item skipped has no total and no band: a partial sum is not a low
  score, and showing it as "minimal" could send someone at risk home reassured.
- A safety answer (PHQ-9 item 9 above 0, any ASQ Yes or skip of 1–4) makes the visit urgent,
  whether or not the rest was answered.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Final

from msgspec import Struct

from kiosk import instruments
from kiosk.instruments import InstrumentSpec, SafetyRule
from kiosk.model import StoredScore


class _PerInstrument(Mapping[str, int]):
    """A live view of one number per registered instrument (older importers' tables)."""

    def __init__(self, pick: str) -> None:
        self._pick = pick

    def __getitem__(self, instrument_id: str) -> int:
        spec = instruments.INSTRUMENTS[instrument_id]
        value = getattr(spec, self._pick)
        if value is None:
            raise KeyError(instrument_id)
        return int(value)

    def __iter__(self) -> Iterator[str]:
        return (i for i in instruments.INSTRUMENTS if self._has(i))

    def __len__(self) -> int:
        return sum(1 for i in instruments.INSTRUMENTS if self._has(i))

    def _has(self, instrument_id: str) -> bool:
        return getattr(instruments.INSTRUMENTS[instrument_id], self._pick) is not None


SCORED_ITEMS: Final[Mapping[str, int]] = _PerInstrument("items")
# Asked after the scored items ("how difficult have these problems made it ..."); never scored.
DIFFICULTY_ITEM: Final[Mapping[str, int]] = _PerInstrument("difficulty_item")
MAX_TOTAL: Final[Mapping[str, int]] = _PerInstrument("max_total")


class ScoreResult(Struct, frozen=True):
    """One instrument's score. `total` and `band` are None unless every scored item was answered.

    `partial` is the sum of the answered scored items (the total when complete): a lower bound
    of the total the visitor would have had, which the guidance rules may use (CLINICAL.md,
    "Which program fits"); it is never shown or printed as a score.
    """

    total: int | None
    band: str | None
    complete: bool
    urgent: bool
    skipped: int
    answered: int
    partial: int = 0

    def to_stored(self, instrument: str) -> StoredScore:
        return StoredScore(
            instrument=instruments.get(instrument).id,
            total=self.total,
            band=self.band,
            complete=self.complete,
            skipped=self.skipped,
            urgent=self.urgent,
        )


def _is_int(value: object) -> bool:
    # bool is an int subclass in Python; True must not pass as "Several days".
    return isinstance(value, int) and not isinstance(value, bool)


def band_for(instrument: str, total: int) -> str:
    """The severity band of a complete total."""
    return instruments.get(instrument).band_for(total)


def _check(spec: InstrumentSpec, answers: Mapping[int, int | None]) -> None:
    difficulty = spec.difficulty_item
    for item, value in answers.items():
        if not _is_int(item) or not (1 <= item <= spec.items or item == difficulty):
            where = f"items are 1–{spec.items}"
            if difficulty is not None:
                where += f", and {difficulty} for the difficulty question"
            raise ValueError(f"{spec.id}: unknown item {item!r} ({where})")
        allowed = spec.values_of(item)
        if value is not None and (not _is_int(value) or value not in allowed):
            raise ValueError(
                f"{spec.id} item {item}: value must be an integer "
                f"{allowed[0]}–{allowed[-1]} or None (skipped), got {value!r}"
            )


def score(instrument_id: str, answers: Mapping[int, int | None]) -> ScoreResult:
    """Score one instrument.

    `answers` maps item number (1-based) to the chosen value (0–3 for the PHQ-9 and GAD-7, 0/1
    for the ASQ), or None when skipped. For a summed instrument a scored item that is missing
    counts as skipped; the difficulty item may be present and is ignored. A screen (the ASQ) is
    scored by its own rule (_score_screen). Unknown instruments or items and values outside the
    instrument's answer values raise ValueError.
    """
    spec = instruments.get(instrument_id)
    _check(spec, answers)
    # A rule fires on a present answer only: an absent item was never shown.
    urgent = any(rule.item in answers and rule.fires(answers[rule.item]) for rule in spec.safety)
    if spec.screen is not None:
        return _score_screen(spec, answers, urgent)
    values = [answers.get(item) for item in range(1, spec.items + 1)]
    given = [value for value in values if value is not None]
    skipped = spec.items - len(given)
    complete = skipped == 0
    total = sum(given) if complete else None
    return ScoreResult(
        total=total,
        band=spec.band_for(total) if total is not None else None,
        complete=complete,
        urgent=urgent,
        skipped=skipped,
        answered=len(given),
        partial=sum(given),
    )


def _score_screen(
    spec: InstrumentSpec, answers: Mapping[int, int | None], urgent: bool
) -> ScoreResult:
    """The ASQ's rule (CLINICAL.md): No to every screen item -> negative; any Yes or skip ->
    positive, then the acuity item Yes -> acute, else non-acute. Complete when every screen
    item was shown and the acuity item too where it is asked; total and band only then."""
    screen = spec.screen
    assert screen is not None
    expected = spec.expected_items(answers)
    given = [answers[item] for item in expected if answers.get(item) is not None]
    skipped = len(expected) - len(given)
    complete = all(item in answers for item in expected)
    band: str | None = None
    total: int | None = None
    if answers and complete:
        total = sum(answers.get(item) or 0 for item in screen.positive_items)
        positive = any(
            answers[item] is None or (answers[item] or 0) > 0 for item in screen.positive_items
        )
        if not positive:
            band = screen.negative
        elif (answers.get(screen.acuity_item) or 0) > 0:
            band = screen.acute
        else:
            band = screen.non_acute
    return ScoreResult(
        total=total,
        band=band,
        complete=bool(answers) and complete,
        urgent=urgent,
        skipped=skipped,
        answered=len(given),
    )


def safety_rule(section: str, item: int, value: int | None) -> SafetyRule | None:
    """The safety rule this answer triggers (the safety screen must come up at once), if any.

    Never raises: an unknown section or an odd value is simply no trigger, because a validation
    error must not be the reason the safety screen fails to appear.
    """
    spec = instruments.INSTRUMENTS.get(section)
    return None if spec is None else spec.safety_rule(item, value)


def is_safety_trigger(section: str, item: int, value: int | None) -> bool:
    """True when this answer (None = skipped) must make the visit urgent at once (PHQ-9 item 9
    above 0, an ASQ Yes or skip)."""
    return safety_rule(section, item, value) is not None
