"""An instrument's result in words, once, for the results screen, the printed summary and staff.

A visitor's words come from the visit's language's content (band sentences, "Not scored: …");
staff's words from the instrument's spec (its printed name and band names). The clinical rule
lives here and only here: an incomplete instrument never shows a total or a band, because a
partial total is not a low score (CLINICAL.md, "Missing answers").
"""

from __future__ import annotations

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
    instrument_id: InstrumentId, result: _Score | None, lc: LanguageContent
) -> ResultWords:
    """The result of `instrument_id` in `lc`'s language; `result` None = never reached."""
    spec = instruments.get(instrument_id)
    words = lc.screening.results
    if result is None or result.skipped >= spec.items:
        return ResultWords(lc.strings("results.not_scored_none"), None)
    if not result.complete or result.total is None or result.band is None:
        return ResultWords(words.not_scored(result.skipped), None)
    total = lc.strings("results.score_line", total=result.total, max=spec.max_total)
    return ResultWords(words.band_text(spec.id, result.band), total)


def staff_result_line(instrument_id: InstrumentId, result: _Score | None) -> str:
    """The staff's one line for an instrument (staff mode's words): name, total and band."""
    spec = instruments.get(instrument_id)
    if result is None:
        return f"{spec.name}: not reached"
    if not result.complete or result.total is None:
        return f"{spec.name}: incomplete (not scored)"
    return f"{spec.name}: {result.total} ({result.band})"
