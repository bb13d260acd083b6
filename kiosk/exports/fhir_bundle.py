"""The day's log as a FHIR R4 Bundle: one QuestionnaireResponse per instrument per visit."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import tzinfo
from typing import Any, Final

from kiosk import instruments
from kiosk.content import Content
from kiosk.exports.day_log import ExportError
from kiosk.exports.records import json_text, local_time
from kiosk.instruments import Coding, InstrumentSpec
from kiosk.model import InstrumentId, Visit

__all__ = [
    "LOCAL_SYSTEM",
    "LOINC",
    "VISIT_CODE_SYSTEM",
    "fhir_bundle",
    "questionnaire_url",
    "render",
    "render_fhir",
]


LOINC: Final = "http://loinc.org"
# Where the visit code lives; a URN, so it names this kiosk software without claiming a domain.
VISIT_CODE_SYSTEM: Final = "urn:clinic-kiosk:visit-code"
# An instrument without standard codes (its spec declares none) gets the kiosk's own.
LOCAL_SYSTEM: Final = "urn:clinic-kiosk:instrument"
_UUID_NAMESPACE: Final = uuid.UUID("6f1c2f64-3f4e-5a39-9d3b-5c1e2b7a9e10")


def questionnaire_url(instrument: InstrumentId) -> str:
    codes = instruments.get(instrument).codes
    if codes is None:
        return f"{LOCAL_SYSTEM}:{instrument}"
    return f"{codes.system}/q/{codes.panel}"


def _link_id(spec: InstrumentSpec, number: int) -> str:
    return spec.codes.items[number - 1] if spec.codes else f"{spec.id}-{number}"


def _total_link_id(spec: InstrumentSpec) -> str:
    return spec.codes.total if spec.codes else f"{spec.id}-total"


def _answer_coding(spec: InstrumentSpec, number: int, value: int) -> dict[str, str]:
    if spec.codes is None:
        return {"system": f"{LOCAL_SYSTEM}:{spec.id}", "code": str(value)}
    options: tuple[Coding, ...] = (
        spec.codes.difficulty_answers if spec.is_difficulty(number) else spec.codes.answers
    )
    return {
        "system": spec.codes.system,
        "code": options[value].code,
        "display": options[value].display,
    }


def _item_text(
    content: Content | None, language: str, instrument: InstrumentId, item: int
) -> str | None:
    if content is None or language not in content.languages:
        return None
    wording = content[language].screening.instruments.instrument(instrument)
    if instruments.get(instrument).is_difficulty(item):
        return wording.difficulty
    return wording.item(item)


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
            spec = instruments.get(instrument)
            item = {"linkId": _link_id(spec, number)}
            text = _item_text(self._content, language, instrument, number)
            if text:
                item["text"] = text
            item["answer"] = [{"valueCoding": _answer_coding(spec, number, value)}]
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
    spec = instruments.get(instrument)
    if not any(item in answers for item in range(1, spec.items + 1)):
        # Never reached (no question of it shown): not exported at all, even though a visit that
        # ended early keeps an empty score for it (CLINICAL.md, "Missing answers").
        return None
    made = shared if shared is not None else _Items(content)
    items: list[dict[str, Any]] = []
    for number in range(1, spec.asked_items + 1):
        value = answers.get(number)
        if value is None:
            continue  # skipped or not asked: FHIR leaves the item out
        options = spec.values_of(number)
        if not 0 <= value < len(options):
            raise ExportError(
                f"visit {visit.code}: {instrument} item {number} has value {value}, "
                f"outside 0-{len(options) - 1}; run `python -m kiosk check`"
            )
        items.append(made.answer(visit.language, instrument, number, value))
    if score is not None and score.complete and score.total is not None:
        items.append({"linkId": _total_link_id(spec), "answer": [{"valueInteger": score.total}]})
    authored = visit.completed_at or visit.started_at
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": f"{visit.code}-{instrument}",
        "language": visit.language,
        "identifier": {"system": VISIT_CODE_SYSTEM, "value": visit.code},
        "questionnaire": questionnaire_url(instrument),
        "status": _status(visit, spec, answers),
        "authored": local_time(authored, zone),
    }
    if items:  # FHIR allows no empty arrays
        resource["item"] = items
    return resource


def _status(visit: Visit, spec: InstrumentSpec, answers: Mapping[int, int | None]) -> str:
    """R4 QuestionnaireResponse.status of one instrument of one visit.

    `completed` once every question of it the visitor was to see was shown (a skip is an answer
    they chose to give); left part-way, `stopped` (they stopped, or walked away), or
    `in-progress` while the visit is still going on at the kiosk.
    """
    # The items this visitor was to be asked: the ASQ's acuity item only after a Yes or a skip.
    expected = set(spec.expected_items(answers))
    if spec.difficulty_item is not None and any(
        (answers.get(item) or 0) > spec.difficulty_when_above for item in expected
    ):
        expected.add(spec.difficulty_item)  # asked after an answer above 0 (CLINICAL.md)
    if expected <= answers.keys():
        return "completed"
    return "in-progress" if visit.status == "in_progress" else "stopped"


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
        for instrument in instruments.ids():
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
