"""A visit as a record with the CSV columns' keys, shared by the CSV and JSON logs.

The CSV columns are a contract ("Daily log CSV columns" in the architecture notes, listed in
docs/admin.md): outside tools read them by position and name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any, Final

import msgspec

from kiosk import instruments
from kiosk.model import FIT_SECTION, SectionId, Visit

__all__ = [
    "CSV_COLUMNS",
    "answer_items",
    "csv_columns",
    "json_text",
    "local_time",
    "visit_record",
]


def _instrument_columns(*, leading: bool) -> tuple[str, ...]:
    # Registration order: phq9_total, phq9_band, gad7_total, gad7_band for the shipped two.
    return tuple(
        f"{spec.id}_{part}"
        for spec in instruments.INSTRUMENTS.values()
        if spec.leading_columns is leading
        for part in ("total", "band")
    )


def csv_columns() -> tuple[str, ...]:
    """The CSV's columns before the answers: the contract's twelve (the shipped instruments'
    in registration order), then how urgent and why (`risk`, `reason`), when staff were told and
    what they did (`alerted_at`, `acknowledged_at`, `outcome`), then any other registered
    instrument's total and band (the ASQ's `asq_total`, `asq_band`)."""
    return (
        "code",
        "started_at",
        "completed_at",
        "status",
        "language",
        "urgent",
        *_instrument_columns(leading=True),
        "guidance",
        "printed",
        *_RISK_COLUMNS,
        # When staff were told of an urgent visit and what they did (kiosk/alerts).
        "alerted_at",
        "acknowledged_at",
        "outcome",
        *_instrument_columns(leading=False),
    )


# CLINICAL.md: `risk` is none / non_acute / acute; `reason` every trigger joined with "+".
_RISK_COLUMNS: Final[tuple[str, ...]] = ("risk", "reason")

# As the shipped instruments make them: the contract's columns.
CSV_COLUMNS: Final[tuple[str, ...]] = csv_columns()


def answer_items(visits: Sequence[Visit]) -> dict[SectionId, int]:
    """Items per section as asked, the unscored difficulty questions included, for the answers'
    columns: each instrument's from its spec; the fit questions, as many as any visit answered
    (the content decides how many there are, and it may have changed over the day)."""
    items: dict[SectionId, int] = {
        spec.id: spec.asked_items for spec in instruments.INSTRUMENTS.values()
    }
    items[FIT_SECTION] = max(
        (max(visit.answers.get(FIT_SECTION, {}), default=0) for visit in visits), default=0
    )
    return items


def local_time(moment: datetime | None, zone: tzinfo) -> str | None:
    return None if moment is None else moment.astimezone(zone).isoformat(timespec="seconds")


def visit_record(
    visit: Visit,
    zone: tzinfo,
    *,
    with_answers: bool = False,
    items: Mapping[SectionId, int] | None = None,
) -> dict[str, Any]:
    """One visit as a JSON-ready record with the CSV columns' keys.

    Times carry the clinic offset; totals and bands are None where the instrument is
    incomplete (a partial total is not a low score). With answers, ``answers`` maps section ->
    item number (as text) -> value, None where skipped or not asked; instrument values are the
    scores (0-3 for the PHQ-9 and GAD-7), "fit" values are the chosen option's position (0 =
    first option). `items` (section -> item count, see answer_items) should be the day's, so
    every record has the same keys; by default, this visit's own.
    """
    record: dict[str, Any] = {
        "code": visit.code,
        "started_at": local_time(visit.started_at, zone),
        "completed_at": local_time(visit.completed_at, zone),
        "status": visit.status,
        "language": visit.language,
        "urgent": visit.urgent,
    }
    for instrument in instruments.ids():
        score = visit.scores.get(instrument)
        complete = score is not None and score.complete
        record[f"{instrument}_total"] = score.total if complete and score else None
        record[f"{instrument}_band"] = score.band if complete and score else None
    record["guidance"] = visit.guidance
    record["printed"] = visit.printed
    record["risk"] = visit.risk
    record["reason"] = visit.reason
    record["alerted_at"] = local_time(visit.alerted_at, zone)
    record["acknowledged_at"] = local_time(visit.acknowledged_at, zone)
    record["outcome"] = visit.outcome
    # In the CSV's column order, so a JSON record reads like a CSV row.
    record = {column: record[column] for column in csv_columns()}
    if with_answers:
        counts = answer_items([visit]) if items is None else items
        record["answers"] = {
            section: {
                str(item): visit.answers.get(section, {}).get(item) for item in range(1, count + 1)
            }
            for section, count in counts.items()
        }
    return record


def json_text(obj: Any) -> bytes:
    """``json.dumps(obj, ensure_ascii=False, indent=2)`` + newline, as UTF-8, byte for byte.

    msgspec encodes in C: a day's FHIR bundle (megabytes) took most of the export's time
    through the standard library, whose ``indent`` mode encodes in pure Python.
    """
    return msgspec.json.format(msgspec.json.encode(obj), indent=2) + b"\n"
