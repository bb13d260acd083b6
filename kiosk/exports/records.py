"""A visit as a record with the CSV columns' keys, shared by the CSV and JSON logs.

The CSV columns are a contract ("Daily log CSV columns" in the architecture notes, listed in
docs/admin.md): outside tools read them by position and name.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any, Final

import msgspec

from kiosk.flow import FIT_QUESTIONS
from kiosk.model import INSTRUMENTS, SectionId, Visit
from kiosk.scoring import DIFFICULTY_ITEM

__all__ = [
    "ANSWER_COLUMNS",
    "ANSWER_ITEMS",
    "CSV_COLUMNS",
    "json_text",
    "local_time",
    "visit_record",
]

CSV_COLUMNS: Final[tuple[str, ...]] = (
    "code",
    "started_at",
    "completed_at",
    "status",
    "language",
    "urgent",
    "phq9_total",
    "phq9_band",
    "gad7_total",
    "gad7_band",
    "guidance",
    "printed",
)
# Items per section as asked, including the unscored difficulty questions (PHQ-9 10, GAD-7 8).
ANSWER_ITEMS: Final[Mapping[SectionId, int]] = {
    "phq9": DIFFICULTY_ITEM["phq9"],
    "gad7": DIFFICULTY_ITEM["gad7"],
    "fit": FIT_QUESTIONS,
}
ANSWER_COLUMNS: Final[tuple[str, ...]] = tuple(
    f"{section}_{item}" for section, count in ANSWER_ITEMS.items() for item in range(1, count + 1)
)


def local_time(moment: datetime | None, zone: tzinfo) -> str | None:
    return None if moment is None else moment.astimezone(zone).isoformat(timespec="seconds")


def visit_record(visit: Visit, zone: tzinfo, *, with_answers: bool = False) -> dict[str, Any]:
    """One visit as a JSON-ready record with the CSV columns' keys.

    Times carry the clinic offset; totals and bands are None where the instrument is
    incomplete (a partial total is not a low score). With answers, ``answers`` maps section ->
    item number (as text) -> value, None where skipped or not asked; PHQ-9/GAD-7 values are the
    0-3 scores, "fit" values are the chosen option's position (0 = first option).
    """
    record: dict[str, Any] = {
        "code": visit.code,
        "started_at": local_time(visit.started_at, zone),
        "completed_at": local_time(visit.completed_at, zone),
        "status": visit.status,
        "language": visit.language,
        "urgent": visit.urgent,
    }
    for instrument in INSTRUMENTS:
        score = visit.scores.get(instrument)
        complete = score is not None and score.complete
        record[f"{instrument}_total"] = score.total if complete and score else None
        record[f"{instrument}_band"] = score.band if complete and score else None
    record["guidance"] = visit.guidance
    record["printed"] = visit.printed
    if with_answers:
        record["answers"] = {
            section: {
                str(item): visit.answers.get(section, {}).get(item) for item in range(1, count + 1)
            }
            for section, count in ANSWER_ITEMS.items()
        }
    return record


def json_text(obj: Any) -> bytes:
    """``json.dumps(obj, ensure_ascii=False, indent=2)`` + newline, as UTF-8, byte for byte.

    msgspec encodes in C: a day's FHIR bundle (megabytes) took most of the export's time
    through the standard library, whose ``indent`` mode encodes in pure Python.
    """
    return msgspec.json.format(msgspec.json.encode(obj), indent=2) + b"\n"
