"""An instrument's result in words, once, for the results screen, the printed summary and staff.

A visitor's words come from the visit's language's content (band sentences, "Not scored: …");
staff's words from the instrument's spec (its printed name and band names). The clinical rule
lives here and only here: an incomplete instrument never shows a total or a band, because a
partial total is not a low score (CLINICAL.md, "Missing answers").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from kiosk import instruments
from kiosk.content import LanguageContent
from kiosk.model import InstrumentId


class _Score(Protocol):
    """What a result needs of a score: a ScoreResult (the flow's) or a StoredScore (the store's)."""

    @property
    def total(self) -> int | None: ...
    @property
    def band(self) -> str | None: ...
    @property
    def complete(self) -> bool: ...
    @property
    def skipped(self) -> int: ...
    @property
    def urgent(self) -> bool: ...


@dataclass(frozen=True)
class ResultWords:
    """One instrument's result for the visitor: `sentence` always; `total` only when scored."""

    sentence: str  # the band's sentence, or why there is none ("Not scored: …")
    total: str | None  # "12 of 27" in the visit's language, None when not scored

    @property
    def scored(self) -> bool:
        return self.total is not None

    def line(self) -> str:
        """As shown on the results screen and read aloud: "<sentence> (<total>)"."""
        return self.sentence if self.total is None else f"{self.sentence} ({self.total})"


def result_words(
    instrument_id: InstrumentId,
    result: _Score | None,
    lc: LanguageContent,
    answers: Mapping[int, int | None],
) -> ResultWords:
    """The result of `instrument_id` in `lc`'s language; `result` None = never reached.

    `answers` are the instrument's answers as stored: an item present with None was shown and
    skipped, an absent item was never shown. A question never shown is "not asked", not
    "skipped": the visitor did not pass it over, the check-in ended first (CLINICAL.md)."""
    spec = instruments.get(instrument_id)
    words = lc.screening.results
    # CLINICAL.md: after a safety answer (PHQ-9 item 9 above 0) the line is the safety sentence,
    # whatever the band: a low total must not read "few or no symptoms" under the urgent banner.
    # The band is kept for staff (staff_result_line, the exports).
    safety = (
        words.safety_result.get(spec.id)
        if result is not None and result.urgent and spec.safety_replaces_band
        else None
    )
    # The items this visitor was to be asked (ASQ item 5 only after a Yes or a skip of 1–4).
    expected = spec.expected_items(answers)
    if result is None or any(item not in answers for item in expected):
        return _with_safety(safety, ResultWords(words.not_scored_ended, None))
    if not result.complete or result.total is None or result.band is None:
        skipped = sum(1 for item in expected if answers[item] is None)
        return _with_safety(safety, ResultWords(words.not_scored(skipped), None))
    if spec.screen is not None:
        # A screen's count of Yes answers means nothing to the visitor: the sentence only.
        return ResultWords(words.band_text(spec.id, result.band), None)
    total = lc.strings("results.score_line", total=result.total, max=spec.max_total)
    return ResultWords(safety or words.band_text(spec.id, result.band), total)


def _with_safety(safety: str | None, not_scored: ResultWords) -> ResultWords:
    """An unscored instrument after a safety answer: the safety sentence, then why no total."""
    if safety is None:
        return not_scored
    return ResultWords(f"{safety} {not_scored.sentence}", None)


def staff_result_line(instrument_id: InstrumentId, result: _Score | None) -> str:
    """The staff's one line for an instrument (staff mode's words): name, total and band."""
    spec = instruments.get(instrument_id)
    if result is None:
        return f"{spec.name}: not reached"
    if not result.complete or result.total is None:
        return f"{spec.name}: incomplete (not scored)"
    return f"{spec.name}: {result.total} ({result.band})"
