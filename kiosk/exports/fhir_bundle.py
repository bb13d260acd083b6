"""The day's log as a FHIR R4 Bundle: one QuestionnaireResponse per instrument per visit."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import tzinfo
from typing import Any, Final

from kiosk.content import Content
from kiosk.exports.day_log import ExportError
from kiosk.exports.records import json_text, local_time
from kiosk.model import INSTRUMENTS, InstrumentId, Visit
from kiosk.scoring import DIFFICULTY_ITEM

__all__ = [
    "DIFFICULTY_ANSWERS",
    "FREQUENCY_ANSWERS",
    "ITEM_CODES",
    "LOINC",
    "PANELS",
    "TOTAL_CODES",
    "VISIT_CODE_SYSTEM",
    "fhir_bundle",
    "questionnaire_url",
    "render",
    "render_fhir",
]


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
        "authored": local_time(authored, zone),
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
    return json_text(fhir_bundle(visits, zone, content=content))


def render(
    visits: Sequence[Visit], zone: tzinfo, *, with_answers: bool, content: Content | None
) -> bytes:
    # The answers are what a QuestionnaireResponse is: a bundle always carries them.
    return render_fhir(visits, zone, content=content)
