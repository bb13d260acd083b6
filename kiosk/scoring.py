"""PHQ-9 and GAD-7 scoring, severity bands and the safety trigger — pure functions.

The rules are fixed by the published instruments (see docs/clinical-rules.md), so they live in code,
not in clinic-editable content. Two rules matter most:

- An instrument with any scored item skipped has no total and no band: a partial sum is not a low
  score, and showing it as "minimal" could send someone at risk home reassured.
- PHQ-9 item 9 above 0 makes the visit urgent, whether or not the rest was answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from msgspec import Struct

from kiosk.model import InstrumentId, StoredScore

SCORED_ITEMS: Final[Mapping[str, int]] = {"phq9": 9, "gad7": 7}
# Asked after the scored items ("how difficult have these problems made it ..."); never scored.
DIFFICULTY_ITEM: Final[Mapping[str, int]] = {"phq9": 10, "gad7": 8}
SAFETY_ITEM: Final[tuple[str, int]] = ("phq9", 9)
MIN_VALUE: Final = 0
MAX_VALUE: Final = 3

# Inclusive upper bound of each band, lowest first; the last bound is the instrument's maximum.
BANDS: Final[Mapping[str, tuple[tuple[int, str], ...]]] = {
    "phq9": (
        (4, "minimal"),
        (9, "mild"),
        (14, "moderate"),
        (19, "moderately severe"),
        (27, "severe"),
    ),
    "gad7": (
        (4, "minimal"),
        (9, "mild"),
        (14, "moderate"),
        (21, "severe"),
    ),
}
BAND_NAMES: Final[Mapping[str, tuple[str, ...]]] = {
    instrument: tuple(name for _, name in bands) for instrument, bands in BANDS.items()
}
MAX_TOTAL: Final[Mapping[str, int]] = {
    instrument: SCORED_ITEMS[instrument] * MAX_VALUE for instrument in SCORED_ITEMS
}


class ScoreResult(Struct, frozen=True):
    """One instrument's score. `total` and `band` are None unless every scored item was answered."""

    total: int | None
    band: str | None
    complete: bool
    urgent: bool
    skipped: int
    answered: int

    def to_stored(self, instrument: str) -> StoredScore:
        return StoredScore(
            instrument=_instrument_id(instrument),
            total=self.total,
            band=self.band,
            complete=self.complete,
            skipped=self.skipped,
            urgent=self.urgent,
        )


def _instrument_id(instrument: object) -> InstrumentId:
    if instrument == "phq9":
        return "phq9"
    if instrument == "gad7":
        return "gad7"
    raise ValueError(f"unknown instrument {instrument!r} (expected 'phq9' or 'gad7')")


def _is_int(value: object) -> bool:
    # bool is an int subclass in Python; True must not pass as "Several days".
    return isinstance(value, int) and not isinstance(value, bool)


def band_for(instrument: str, total: int) -> str:
    """The severity band of a complete total."""
    instrument_id = _instrument_id(instrument)
    if not _is_int(total) or not 0 <= total <= MAX_TOTAL[instrument_id]:
        raise ValueError(
            f"{instrument_id} total must be an integer 0–{MAX_TOTAL[instrument_id]}, got {total!r}"
        )
    for upper, name in BANDS[instrument_id]:
        if total <= upper:
            return name
    raise AssertionError("unreachable: the last band ends at the maximum total")


def score(instrument_id: str, answers: Mapping[int, int | None]) -> ScoreResult:
    """Score one instrument.

    `answers` maps item number (1-based) to the chosen value 0–3, or None when skipped. A scored
    item that is missing counts as skipped. The difficulty item may be present and is ignored.
    Unknown instruments or items and values that are not integers 0–3 raise ValueError.
    """
    instrument = _instrument_id(instrument_id)
    scored = SCORED_ITEMS[instrument]
    allowed_items = range(1, scored + 1)
    difficulty = DIFFICULTY_ITEM[instrument]
    for item, value in answers.items():
        if not _is_int(item) or (item not in allowed_items and item != difficulty):
            raise ValueError(
                f"{instrument}: unknown item {item!r} (items are 1–{scored}, "
                f"and {difficulty} for the difficulty question)"
            )
        if value is not None and (not _is_int(value) or not MIN_VALUE <= value <= MAX_VALUE):
            raise ValueError(
                f"{instrument} item {item}: value must be an integer "
                f"{MIN_VALUE}–{MAX_VALUE} or None (skipped), got {value!r}"
            )

    values = [answers.get(item) for item in allowed_items]
    given = [value for value in values if value is not None]
    skipped = scored - len(given)
    complete = skipped == 0
    total = sum(given) if complete else None
    safety_instrument, safety_item = SAFETY_ITEM
    safety_value = answers.get(safety_item) if instrument == safety_instrument else None
    return ScoreResult(
        total=total,
        band=band_for(instrument, total) if total is not None else None,
        complete=complete,
        urgent=safety_value is not None and safety_value > 0,
        skipped=skipped,
        answered=len(given),
    )


def is_safety_trigger(section: str, item: int, value: int | None) -> bool:
    """True when this answer must bring up the safety screen at once (PHQ-9 item 9 above 0).

    Deliberately lenient: it never raises, and any value above 0 counts even if it is out of range,
    because a validation error must not be the reason the safety screen fails to appear.
    """
    if (section, item) != SAFETY_ITEM or value is None:
        return False
    try:
        return bool(value > 0)
    except TypeError:
        return False
