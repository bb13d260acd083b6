"""Daily logs: one clinic-local day of visits as CSV, JSON or a FHIR R4 Bundle.

The CSV columns are a contract ("Daily log CSV columns" in the architecture notes, listed in
docs/admin.md): outside tools read them by position and name. Files are written atomically
(a private temp file in the same folder, then a rename), so a pulled USB drive or a full disk
leaves the previous file or none, never half of one.

No names leave the kiosk this way: the first name a visitor may type is for reception's screen
and the printed summary only. Exports carry the visit code, which links back to the visit here.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any, Final, Literal, get_args

import msgspec

from kiosk.content import Content
from kiosk.flow import FIT_QUESTIONS
from kiosk.model import INSTRUMENTS, InstrumentId, SectionId, Visit
from kiosk.scoring import DIFFICULTY_ITEM
from kiosk.store import Store
from kiosk.store.files import atomic_file, fill_new_file

__all__ = [
    "ANSWER_COLUMNS",
    "CSV_COLUMNS",
    "FORMATS",
    "ExportError",
    "ExportExistsError",
    "ExportFormat",
    "check_destination",
    "day_range",
    "export_day",
    "export_filename",
    "fhir_bundle",
    "render_csv",
    "render_fhir",
    "render_json",
    "visit_record",
]

ExportFormat = Literal["csv", "json", "fhir"]
FORMATS: Final[tuple[ExportFormat, ...]] = get_args(ExportFormat)

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

# The log lists finished visits only. A visit still in progress is someone at the kiosk right
# now: its record would change after the export, and the contract's `status` has no value for it.
# (The store marks visits left in progress by a crash as abandoned when the kiosk starts.)
_EXPORTED_STATUSES: Final = frozenset({"completed", "abandoned"})

_SUFFIXES: Final[Mapping[ExportFormat, str]] = {
    "csv": ".csv",
    "json": ".json",
    "fhir": ".fhir.json",
}


class ExportError(Exception):
    """The export could not be written; the message is one line a person can act on."""


class ExportExistsError(ExportError):
    """The day's file is already there and ``force`` was not given."""


def export_filename(day: date, fmt: ExportFormat) -> str:
    """``kiosk-log-2026-11-27.csv``, ``.json`` or ``.fhir.json``: one predictable name a day."""
    if fmt not in _SUFFIXES:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {FORMATS}")
    return f"kiosk-log-{day.isoformat()}{_SUFFIXES[fmt]}"


def day_range(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """The clinic-local ``day`` as a UTC [start, end) pair, for ``Store.list_visits``.

    Midnight to midnight in ``zone``: 23 or 25 hours long on daylight-saving change days. In UTC
    because Python subtracts two times of the same zone by their wall clocks, hiding that hour.
    """
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def check_destination(out_dir: Path, day: date, fmt: ExportFormat, *, force: bool) -> Path:
    """The file the export would write; raises ExportError when it cannot go there.

    A missing folder is an error, not something to create: on the kiosk it usually means the
    USB drive is not mounted, and writing to the empty mount point would hide that.
    """
    out_dir = Path(out_dir)
    if not out_dir.exists():
        raise ExportError(f"{out_dir}: folder does not exist (is the drive plugged in?)")
    if not out_dir.is_dir():
        raise ExportError(f"{out_dir}: not a folder")
    target = out_dir / export_filename(day, fmt)
    if not force and (target.exists() or target.is_symlink()):
        raise ExportExistsError(f"{target} already exists (use --force to replace it)")
    return target


def export_day(
    store: Store,
    day: date,
    fmt: ExportFormat,
    out_dir: Path,
    *,
    zone: tzinfo,
    with_answers: bool = False,
    force: bool = False,
    content: Content | None = None,
    actor: str = "admin",
) -> Path:
    """Write the log of ``day`` (clinic-local, in ``zone``) to ``out_dir`` and return its path.

    ``content``, when given, adds the item wording (in the visit's language) to FHIR items.
    The export is recorded in the audit trail as done by ``actor``. Raises ExportError
    (ExportExistsError when the file exists and ``force`` is false); nothing is written then.
    """
    target = check_destination(out_dir, day, fmt, force=force)
    start, end = day_range(day, zone)
    # Chronological: a log reads in time order (reception's urgent-first order is a screen's).
    visits = sorted(
        (v for v in store.list_visits(start, end) if v.status in _EXPORTED_STATUSES),
        key=lambda v: (v.started_at, v.id),
    )
    if fmt == "csv":
        data = render_csv(visits, zone, with_answers=with_answers)
    elif fmt == "json":
        data = render_json(visits, zone, with_answers=with_answers)
    else:
        data = render_fhir(visits, zone, content=content)
    _write_atomically(target, data, force=force)
    answers_note = " with answers" if with_answers and fmt != "fhir" else ""
    store.audit(
        actor,
        "export",
        f"{day.isoformat()} as {fmt}{answers_note}: {len(visits)} visit(s) to {target}",
    )
    return target


# --- records (CSV and JSON) ----------------------------------------------------------------


def _local_time(moment: datetime | None, zone: tzinfo) -> str | None:
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
        "started_at": _local_time(visit.started_at, zone),
        "completed_at": _local_time(visit.completed_at, zone),
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


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def render_csv(visits: Sequence[Visit], zone: tzinfo, *, with_answers: bool = False) -> bytes:
    # Every value is a code, a number, an ISO time or a fixed word (no free text such as the
    # name), so no cell can start a spreadsheet formula.
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS + (ANSWER_COLUMNS if with_answers else ()))
    for visit in visits:
        record = visit_record(visit, zone, with_answers=False)
        row = [_cell(record[column]) for column in CSV_COLUMNS]
        if with_answers:
            row += [
                _cell(visit.answers.get(section, {}).get(item))
                for section, count in ANSWER_ITEMS.items()
                for item in range(1, count + 1)
            ]
        writer.writerow(row)
    return buffer.getvalue().encode("utf-8")


def render_json(visits: Sequence[Visit], zone: tzinfo, *, with_answers: bool = False) -> bytes:
    return _json_text([visit_record(v, zone, with_answers=with_answers) for v in visits])


# --- FHIR R4 -------------------------------------------------------------------------------

LOINC: Final = "http://loinc.org"
# Where the visit code lives; a URN, so it names this kiosk software without claiming a domain.
VISIT_CODE_SYSTEM: Final = "urn:clinic-kiosk:visit-code"
_UUID_NAMESPACE: Final = uuid.UUID("6f1c2f64-3f4e-5a39-9d3b-5c1e2b7a9e10")

# LOINC panels and their items, item 1 first; the last is the unscored difficulty question.
PANELS: Final[Mapping[InstrumentId, str]] = {"phq9": "44249-1", "gad7": "69737-5"}
TOTAL_CODES: Final[Mapping[InstrumentId, str]] = {"phq9": "44261-6", "gad7": "70274-6"}
ITEM_CODES: Final[Mapping[InstrumentId, tuple[str, ...]]] = {
    "phq9": (
        "44250-9",
        "44255-8",
        "44259-0",
        "44254-1",
        "44251-7",
        "44258-2",
        "44252-5",
        "44253-3",
        "44260-8",  # item 9, the safety item
        "69722-7",  # how difficult have these problems made it ...
    ),
    "gad7": (
        "69725-0",
        "68509-9",
        "69733-4",
        "69734-2",
        "69735-9",
        "69689-8",
        "69736-7",
        "69722-7",  # the same difficulty question as PHQ-9's
    ),
}
# LOINC answer lists: LL358-3 (frequency, scored 0-3) and the difficulty list, value order.
FREQUENCY_ANSWERS: Final[tuple[tuple[str, str], ...]] = (
    ("LA6568-5", "Not at all"),
    ("LA6569-3", "Several days"),
    ("LA6570-1", "More than half the days"),
    ("LA6571-9", "Nearly every day"),
)
DIFFICULTY_ANSWERS: Final[tuple[tuple[str, str], ...]] = (
    ("LA6572-7", "Not difficult at all"),
    ("LA6573-5", "Somewhat difficult"),
    ("LA6575-0", "Very difficult"),
    ("LA6574-3", "Extremely difficult"),
)


def questionnaire_url(instrument: InstrumentId) -> str:
    return f"{LOINC}/q/{PANELS[instrument]}"


def _item_text(
    content: Content | None, language: str, instrument: InstrumentId, item: int
) -> str | None:
    if content is None or language not in content.languages:
        return None
    wording = content[language].screening.instruments.instrument(instrument)
    return wording.difficulty if item == DIFFICULTY_ITEM[instrument] else wording.item(item)


class _Items:
    """The items of one bundle's QuestionnaireResponses, each built once.

    Every visit that gave the same answer to the same item in the same language has the very
    same item, so a day's bundle holds each of them once and refers to it from every response
    (a bundle is written out, never edited).
    """

    def __init__(self, content: Content | None) -> None:
        self._content = content
        self._made: dict[tuple[str, InstrumentId, int, int], dict[str, Any]] = {}

    def answer(
        self, language: str, instrument: InstrumentId, number: int, value: int
    ) -> dict[str, Any]:
        key = (language, instrument, number, value)
        item = self._made.get(key)
        if item is None:
            options = (
                DIFFICULTY_ANSWERS if number == DIFFICULTY_ITEM[instrument] else FREQUENCY_ANSWERS
            )
            code, display = options[value]
            item = {"linkId": ITEM_CODES[instrument][number - 1]}
            text = _item_text(self._content, language, instrument, number)
            if text:
                item["text"] = text
            item["answer"] = [{"valueCoding": {"system": LOINC, "code": code, "display": display}}]
            self._made[key] = item
        return item


def _questionnaire_response(
    visit: Visit,
    instrument: InstrumentId,
    zone: tzinfo,
    content: Content | None,
    shared: _Items | None = None,
) -> dict[str, Any] | None:
    answers = visit.answers.get(instrument, {})
    score = visit.scores.get(instrument)
    if not answers and score is None:
        return None  # the visitor never reached this instrument
    made = shared if shared is not None else _Items(content)
    items: list[dict[str, Any]] = []
    for number in range(1, len(ITEM_CODES[instrument]) + 1):
        value = answers.get(number)
        if value is None:
            continue  # skipped or not asked: FHIR leaves the item out
        options = DIFFICULTY_ANSWERS if number == DIFFICULTY_ITEM[instrument] else FREQUENCY_ANSWERS
        if not 0 <= value < len(options):
            raise ExportError(
                f"visit {visit.code}: {instrument} item {number} has value {value}, "
                f"outside 0-{len(options) - 1}; run `python -m kiosk check`"
            )
        items.append(made.answer(visit.language, instrument, number, value))
    if score is not None and score.complete and score.total is not None:
        items.append({"linkId": TOTAL_CODES[instrument], "answer": [{"valueInteger": score.total}]})
    authored = visit.completed_at or visit.started_at
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": f"{visit.code}-{instrument}",
        "language": visit.language,
        "identifier": {"system": VISIT_CODE_SYSTEM, "value": visit.code},
        "questionnaire": questionnaire_url(instrument),
        # A completed visit was submitted by the visitor (skips are answers they chose to give);
        # an abandoned one was left part-way: R4's "stopped".
        "status": "completed" if visit.status == "completed" else "stopped",
        "authored": _local_time(authored, zone),
    }
    if items:  # FHIR allows no empty arrays
        resource["item"] = items
    return resource


def fhir_bundle(
    visits: Sequence[Visit], zone: tzinfo, *, content: Content | None = None
) -> dict[str, Any]:
    """A FHIR R4 Bundle (collection) with one QuestionnaireResponse per instrument per visit.

    No subject and no name: the visit code (``identifier``) is the only link to the visitor.
    The "which program fits" questions have no standard codes and are left out.
    """
    entries = []
    shared = _Items(content)
    for visit in visits:
        for instrument in INSTRUMENTS:
            resource = _questionnaire_response(visit, instrument, zone, content, shared)
            if resource is None:
                continue
            key = f"{visit.code}/{visit.started_at.isoformat()}/{instrument}"
            entries.append(
                {
                    # Stable across re-exports of the same day, unique per visit and instrument.
                    "fullUrl": f"urn:uuid:{uuid.uuid5(_UUID_NAMESPACE, key)}",
                    "resource": resource,
                }
            )
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "collection"}
    if entries:
        bundle["entry"] = entries
    return bundle


def render_fhir(visits: Sequence[Visit], zone: tzinfo, *, content: Content | None = None) -> bytes:
    return _json_text(fhir_bundle(visits, zone, content=content))


def _json_text(obj: Any) -> bytes:
    """``json.dumps(obj, ensure_ascii=False, indent=2)`` + newline, as UTF-8, byte for byte.

    msgspec encodes in C: a day's FHIR bundle (megabytes) took most of the export's time
    through the standard library, whose ``indent`` mode encodes in pure Python.
    """
    return msgspec.json.format(msgspec.json.encode(obj), indent=2) + b"\n"


# --- writing -------------------------------------------------------------------------------


def _write_atomically(target: Path, data: bytes, *, force: bool) -> None:
    """``target`` becomes ``data`` (mode 0600) in one step, or stays as it was."""
    folder = target.parent
    started = False  # a file that cannot even be made says the folder is the problem
    try:
        with atomic_file(target, replace=force) as temporary:
            started = True
            fill_new_file(temporary, data)
    except OSError as exc:
        if not started:
            raise ExportError(
                f"cannot write to {folder} ({exc.strerror or exc}); nothing was written"
            ) from exc
        if isinstance(exc, FileExistsError):
            raise ExportExistsError(
                f"{target} already exists (use --force to replace it)"
            ) from None
        raise ExportError(
            f"could not write {target} ({exc.strerror or exc}); nothing was written"
        ) from exc
