"""The staff box: what the front desk needs to triage a visit, in the clinic's staff language.

CLINICAL.md (Safety): on every summary, whatever the visitor's language — visit code, time, risk
level and reason in staff words ("PHQ-9 item 9: Several days"; "ASQ positive, acute"; "Asked
to talk to someone now"), and each instrument's total and band or "not complete". The same
lines serve staff mode's text stand-in and the summary's banner. Pure: a visit in, words out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kiosk import instruments
from kiosk.content.staff_words import StaffContent
from kiosk.model import InstrumentId, StoredScore, Visit
from kiosk.risk import reasons_of


@dataclass(frozen=True)
class StaffBox:
    heading: str
    code: tuple[str, str]  # (label, value)
    time: tuple[str, str]
    language: tuple[str, str]
    risk: tuple[str, str]
    reason: tuple[str, str] | None  # None when the visit is not urgent
    results: tuple[str, ...]  # one line per instrument: "PHQ-9: 12 of 27 (moderate)"

    def lines(self) -> list[str]:
        pairs = [self.code, self.time, self.language, self.risk]
        if self.reason is not None:
            pairs.append(self.reason)
        return [f"{label}: {value}" for label, value in pairs] + list(self.results)


def _rule_of(reason: str) -> tuple[InstrumentId, int] | None:
    """The (instrument, item) whose safety rule stores `reason`, if an instrument's does."""
    for spec in instruments.INSTRUMENTS.values():
        for rule in spec.safety:
            if rule.reason == reason:
                return spec.id, rule.item
    return None


def reason_words(visit: Visit, staff: StaffContent) -> list[str]:
    """Each reason the visit is urgent for, in staff words, in the order they happened."""
    words: list[str] = []
    for reason in reasons_of(visit.reason):
        template = staff.words.reasons.get(reason, reason)
        rule = _rule_of(reason)
        answer = ""
        if rule is not None and "{answer}" in template:
            instrument_id, item = rule
            answers = visit.answers.get(instrument_id, {})
            if item in answers:
                answer = staff.answer_label(instrument_id, item, answers[item])
        words.append(template.format(answer=answer).rstrip(": "))
    return words


def level_and_reason(visit: Visit, staff: StaffContent) -> str:
    """ "URGENT, acute · ASQ positive, acute; Asked to talk to someone now" (the banner)."""
    level = staff.words.level(visit.risk)
    reasons = reason_words(visit, staff)
    return f"{level} \u00b7 {'; '.join(reasons)}" if reasons else level


def result_line(
    instrument_id: InstrumentId, score: StoredScore | None, staff: StaffContent, offered: bool
) -> str:
    spec = instruments.get(instrument_id)
    words = staff.words
    if score is None:
        return f"{spec.name}: {words.not_reached if offered else words.not_offered}"
    if not score.complete or score.total is None or score.band is None:
        return f"{spec.name}: {words.not_complete}"
    total = words.total.format(total=score.total, max=spec.max_total)
    return f"{spec.name}: {total} ({words.band(instrument_id, score.band)})"


def staff_box(
    visit: Visit,
    staff: StaffContent,
    scores: Sequence[tuple[InstrumentId, StoredScore | None, bool]],
    when: str,
) -> StaffBox:
    """The box for `visit`. `scores`: each instrument on the summary with its score (None =
    never reached) and whether the visitor's language offers it; `when` the time as staff
    read it."""
    words = staff.words
    reasons = reason_words(visit, staff)
    return StaffBox(
        heading=words.heading,
        code=(words.code, visit.code),
        time=(words.time, when),
        language=(words.language, words.language_name(visit.language)),
        risk=(words.risk, words.level(visit.risk)),
        reason=(words.reason, "; ".join(reasons)) if visit.urgent and reasons else None,
        results=tuple(
            result_line(instrument_id, score, staff, offered)
            for instrument_id, score, offered in scores
        ),
    )
