"""Daily logs: CSV read back with the csv module against visits made through the flow, JSON with
the same records, FHIR validated with fhir.resources, atomic writes and clinic-local days."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from kiosk import instruments
from kiosk.content import Content
from kiosk.exports import fhir_bundle
from kiosk.exports.day_log import (
    ExportError,
    ExportExistsError,
    day_range,
    export_day,
    export_filename,
)
from kiosk.flow import Step, VisitFlow
from kiosk.store import Store
from kiosk.store import files as store_files
from tests.support.clock import Clock

ZONE = ZoneInfo("America/New_York")
DAY = date(2026, 11, 27)  # EST, UTC-05:00
CONTRACT = [
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
    "risk",
    "reason",
    "alerted_at",
    "acknowledged_at",
    "outcome",
    "asq_total",
    "asq_band",
]
ANSWER_HEADER = (
    [f"phq9_{i}" for i in range(1, 11)]
    + [f"asq_{i}" for i in range(1, 6)]
    + [f"gad7_{i}" for i in range(1, 8)]  # no difficulty question on the GAD-7
    + [f"fit_{i}" for i in range(1, 6)]
)
SKIP = object()


# 09:00 in the clinic on DAY; every reading of the clock a second later (each row its own time).
pytestmark = pytest.mark.clock(
    start=datetime(2026, 11, 27, 14, 0, tzinfo=UTC), tick=timedelta(seconds=1)
)


def run_visit(
    store: Store,
    content: Content,
    answers: Mapping[str, Mapping[int, object]],
    *,
    default: object = 0,
    language: str = "en",
    name: str | None = "Zelda",
    abandon_after: int | None = None,
) -> str:
    """Take a visit through the flow, answering from ``answers`` (``default`` elsewhere)."""
    flow = VisitFlow(store, content, language)
    flow.agree()
    state = flow.set_name(name)
    asked = 0
    while state.step in (Step.QUESTION, Step.SAFETY):
        if state.step is Step.SAFETY:
            state = flow.continue_after_safety()
            continue
        if abandon_after is not None and asked == abandon_after:
            flow.abandon()
            break
        assert state.question is not None
        value = answers.get(state.question.section, {}).get(state.question.item, default)
        state = flow.skip() if value is SKIP else flow.answer(int(str(value)))
        asked += 1
    code = flow.code
    assert code is not None
    return code


@pytest.fixture
def day_of_visits(store: Store, content: Content) -> dict[str, str]:
    """Four kinds of visit on DAY: calm, urgent, incomplete and abandoned."""
    return {
        "calm": run_visit(store, content, {"fit": {2: 1}}),  # not out of hospital lately
        "urgent": run_visit(
            store,
            content,
            {"phq9": {1: 3, 2: 3, 3: 2, 9: 1, 10: 2}, "gad7": {1: 1}, "fit": {2: 0}},
            language="es",
        ),
        "incomplete": run_visit(store, content, {"phq9": {4: SKIP}, "gad7": {2: 2}}),
        "abandoned": run_visit(store, content, {"phq9": {1: 1}}, abandon_after=3),
    }


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        assert reader.fieldnames is not None
        return list(reader.fieldnames), rows


# --- CSV ------------------------------------------------------------------------------------


def test_header_is_exactly_the_contract(store: Store, out: Path) -> None:
    path = export_day(store, DAY, "csv", out, zone=ZONE)
    assert path == out / "kiosk-log-2026-11-27.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == CONTRACT
    assert path.read_bytes().endswith(b"asq_band\r\n")


def test_rows_match_the_visits(
    store: Store, out: Path, day_of_visits: dict[str, str], content: Content
) -> None:
    header, rows = read_csv(export_day(store, DAY, "csv", out, zone=ZONE))
    assert header == CONTRACT
    by_code = {row["code"]: row for row in rows}
    assert set(by_code) == set(day_of_visits.values())

    calm = by_code[day_of_visits["calm"]]
    assert calm["status"] == "completed"
    assert calm["language"] == "en"
    assert calm["urgent"] == "0"
    assert (calm["phq9_total"], calm["phq9_band"]) == ("0", "minimal")
    assert (calm["gad7_total"], calm["gad7_band"]) == ("0", "minimal")
    assert calm["guidance"] == "outpatient"
    assert calm["printed"] == "0"

    urgent = by_code[day_of_visits["urgent"]]
    assert urgent["urgent"] == "1"
    assert urgent["language"] == "es"
    assert (urgent["phq9_total"], urgent["phq9_band"]) == ("9", "mild")
    assert (urgent["gad7_total"], urgent["gad7_band"]) == ("1", "minimal")
    assert urgent["guidance"] == "staff_today"

    incomplete = by_code[day_of_visits["incomplete"]]
    assert incomplete["status"] == "completed"
    assert (incomplete["phq9_total"], incomplete["phq9_band"]) == ("", "")  # not "minimal"
    assert (incomplete["gad7_total"], incomplete["gad7_band"]) == ("2", "minimal")

    abandoned = by_code[day_of_visits["abandoned"]]
    assert abandoned["status"] == "abandoned"
    assert abandoned["completed_at"] == ""
    for column in ("phq9_total", "phq9_band", "gad7_total", "gad7_band", "guidance"):
        assert abandoned[column] == ""

    for code, row in by_code.items():
        visit = store.get_visit(code)
        started = datetime.fromisoformat(row["started_at"])
        assert started == visit.started_at.replace(microsecond=0)
        assert started.utcoffset() == timedelta(hours=-5)
        assert row["started_at"].endswith("-05:00")
        if visit.completed_at is not None:
            assert row["completed_at"].endswith("-05:00")
            assert datetime.fromisoformat(row["completed_at"]) >= started


def test_rows_are_in_time_order_urgent_included(
    store: Store, out: Path, day_of_visits: dict[str, str]
) -> None:
    _, rows = read_csv(export_day(store, DAY, "csv", out, zone=ZONE))
    assert [row["code"] for row in rows] == list(day_of_visits.values())


def test_with_answers_one_column_per_item(
    store: Store, out: Path, day_of_visits: dict[str, str]
) -> None:
    header, rows = read_csv(export_day(store, DAY, "csv", out, zone=ZONE, with_answers=True))
    assert header == CONTRACT + ANSWER_HEADER
    by_code = {row["code"]: row for row in rows}

    calm = by_code[day_of_visits["calm"]]
    assert [calm[f"phq9_{i}"] for i in range(1, 10)] == ["0"] * 9
    assert calm["phq9_10"] == ""  # not asked: every scored item was 0
    assert "gad7_8" not in calm  # the GAD-7 has no difficulty question
    assert [calm[f"fit_{i}"] for i in range(1, 6)] == ["0", "1", "0", "0", "0"]

    urgent = by_code[day_of_visits["urgent"]]
    assert (urgent["phq9_1"], urgent["phq9_9"], urgent["phq9_10"]) == ("3", "1", "2")
    assert (urgent["gad7_1"], urgent["gad7_7"]) == ("1", "0")

    incomplete = by_code[day_of_visits["incomplete"]]
    assert incomplete["phq9_4"] == ""  # skipped
    assert incomplete["gad7_2"] == "2"

    abandoned = by_code[day_of_visits["abandoned"]]
    assert [abandoned[f"phq9_{i}"] for i in range(1, 5)] == ["1", "0", "0", ""]
    assert all(abandoned[column] == "" for column in ANSWER_HEADER[10:])

    for code, row in by_code.items():
        visit = store.get_visit(code)
        for column in ANSWER_HEADER:
            section, item = column.rsplit("_", 1)
            value = visit.answers.get(section, {}).get(int(item))
            assert row[column] == ("" if value is None else str(value))


def test_in_progress_visits_are_left_out(store: Store, out: Path, content: Content) -> None:
    finished = run_visit(store, content, {})
    flow = VisitFlow(store, content, "en")
    flow.agree()
    flow.set_name(None)
    flow.answer(1)
    _, rows = read_csv(export_day(store, DAY, "csv", out, zone=ZONE))
    assert [row["code"] for row in rows] == [finished]


def test_names_never_leave_the_kiosk(
    store: Store, out: Path, day_of_visits: dict[str, str], content: Content
) -> None:
    paths = [
        export_day(store, DAY, "csv", out, zone=ZONE, with_answers=True),
        export_day(store, DAY, "json", out, zone=ZONE, with_answers=True),
        export_day(store, DAY, "fhir", out, zone=ZONE, content=content),
    ]
    for path in paths:
        assert b"Zelda" not in path.read_bytes()


def test_printed_comes_from_completed_print_jobs(
    store: Store, out: Path, day_of_visits: dict[str, str]
) -> None:
    job = store.add_print_job(day_of_visits["calm"], "lobby")
    store.update_print_job(job, state="completed", cups_job_id=7)
    failed = store.add_print_job(day_of_visits["urgent"], "lobby")
    store.update_print_job(failed, state="failed", error="jam")
    _, rows = read_csv(export_day(store, DAY, "csv", out, zone=ZONE))
    printed = {row["code"]: row["printed"] for row in rows}
    assert printed[day_of_visits["calm"]] == "1"
    assert printed[day_of_visits["urgent"]] == "0"


# --- the clinic's day -----------------------------------------------------------------------


def test_day_boundaries_follow_the_clinic_timezone(
    store: Store, out: Path, clock: Clock, content: Content
) -> None:
    clock.at(datetime(2026, 11, 27, 4, 58, tzinfo=UTC))  # 23:58 on the 26th in New York
    late = run_visit(store, content, {})
    clock.at(datetime(2026, 11, 27, 5, 0, tzinfo=UTC))  # midnight: the 27th begins
    early = run_visit(store, content, {})
    clock.at(datetime(2026, 11, 28, 4, 58, tzinfo=UTC))  # 23:58 on the 27th
    last = run_visit(store, content, {})
    clock.at(datetime(2026, 11, 28, 5, 0, tzinfo=UTC))
    next_day = run_visit(store, content, {})

    _, rows = read_csv(export_day(store, DAY, "csv", out, zone=ZONE))
    assert [row["code"] for row in rows] == [early, last]
    assert rows[0]["started_at"].startswith("2026-11-27T00:00:")
    _, rows = read_csv(export_day(store, date(2026, 11, 26), "csv", out, zone=ZONE))
    assert [row["code"] for row in rows] == [late]
    assert rows[0]["started_at"].startswith("2026-11-26T23:58:")
    _, rows = read_csv(export_day(store, date(2026, 11, 28), "csv", out, zone=ZONE))
    assert [row["code"] for row in rows] == [next_day]

    # The same instants are another day for a clinic elsewhere.
    other = out / "chicago"
    other.mkdir()
    _, rows = read_csv(
        export_day(store, date(2026, 11, 26), "csv", other, zone=ZoneInfo("America/Chicago"))
    )
    assert [row["code"] for row in rows] == [late, early]
    assert rows[0]["started_at"].endswith("-06:00")


def test_daylight_saving_days(store: Store, out: Path, clock: Clock, content: Content) -> None:
    spring = date(2026, 3, 8)  # clocks go forward at 02:00
    start, end = day_range(spring, ZONE)
    assert end - start == timedelta(hours=23)
    assert start == datetime(2026, 3, 8, 5, 0, tzinfo=UTC)
    autumn_start, autumn_end = day_range(date(2026, 11, 1), ZONE)
    assert autumn_end - autumn_start == timedelta(hours=25)

    clock.at(datetime(2026, 3, 9, 3, 58, tzinfo=UTC))  # 23:58 EDT on the 8th
    code = run_visit(store, content, {})
    _, rows = read_csv(export_day(store, spring, "csv", out, zone=ZONE))
    assert [row["code"] for row in rows] == [code]
    assert rows[0]["started_at"].endswith("-04:00")


# --- JSON -----------------------------------------------------------------------------------


def _as_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


@pytest.mark.parametrize("with_answers", [False, True])
def test_json_carries_the_same_records(
    store: Store, out: Path, day_of_visits: dict[str, str], with_answers: bool
) -> None:
    csv_path = export_day(store, DAY, "csv", out, zone=ZONE, with_answers=with_answers)
    json_path = export_day(store, DAY, "json", out, zone=ZONE, with_answers=with_answers)
    assert json_path.name == "kiosk-log-2026-11-27.json"
    _, rows = read_csv(csv_path)
    records = json.loads(json_path.read_text(encoding="utf-8"))
    assert isinstance(records, list)
    assert len(records) == len(rows) == 4
    for record, row in zip(records, rows, strict=True):
        expected_keys = [*CONTRACT, "answers"] if with_answers else CONTRACT
        assert list(record) == expected_keys
        assert {key: _as_cell(record[key]) for key in CONTRACT} == {k: row[k] for k in CONTRACT}
        assert isinstance(record["urgent"], bool)
        if with_answers:
            flat = {
                f"{section}_{item}": _as_cell(value)
                for section, items in record["answers"].items()
                for item, value in items.items()
            }
            assert flat == {column: row[column] for column in ANSWER_HEADER}


def test_json_totals_are_numbers_and_incomplete_is_null(
    store: Store, out: Path, day_of_visits: dict[str, str]
) -> None:
    records = json.loads(export_day(store, DAY, "json", out, zone=ZONE).read_text("utf-8"))
    by_code = {record["code"]: record for record in records}
    assert by_code[day_of_visits["urgent"]]["phq9_total"] == 9
    incomplete = by_code[day_of_visits["incomplete"]]
    assert (incomplete["phq9_total"], incomplete["phq9_band"]) == (None, None)


# --- FHIR -----------------------------------------------------------------------------------


def _responses(path: Path) -> dict[tuple[str, str], dict[str, object]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    found = {}
    for entry in data["entry"]:
        resource = entry["resource"]
        found[(resource["identifier"]["value"], resource["questionnaire"])] = resource
    return found


def test_fhir_bundle_validates_as_r4(
    store: Store, out: Path, day_of_visits: dict[str, str], content: Content
) -> None:
    path = export_day(store, DAY, "fhir", out, zone=ZONE, content=content)
    assert path.name == "kiosk-log-2026-11-27.fhir.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    bundle = Bundle.model_validate(data)
    assert bundle.type == "collection"
    assert bundle.entry is not None
    assert len(bundle.entry) == 9  # the ASQ too for the two English visits that reached it
    for entry in data["entry"]:
        # Each entry also stands on its own as an R4 QuestionnaireResponse.
        response = QuestionnaireResponse.model_validate(entry["resource"])
        assert response.subject is None  # no person is named or referenced
        assert response.status in ("completed", "stopped")
    full_urls = [entry["fullUrl"] for entry in data["entry"]]
    assert len(set(full_urls)) == len(full_urls)


def test_fhir_answers_and_totals(
    store: Store, out: Path, day_of_visits: dict[str, str], content: Content
) -> None:
    responses = _responses(export_day(store, DAY, "fhir", out, zone=ZONE, content=content))
    phq9, gad7 = "http://loinc.org/q/44249-1", "http://loinc.org/q/69737-5"
    # Calm, urgent and incomplete have both instruments; the abandoned visit only the PHQ-9;
    # the ASQ for calm and incomplete (English; the urgent visit was in Spanish).
    assert len(responses) == 9
    assert (day_of_visits["abandoned"], gad7) not in responses

    urgent = responses[(day_of_visits["urgent"], phq9)]
    assert urgent["status"] == "completed"
    assert urgent["language"] == "es"
    assert str(urgent["authored"]).endswith("-05:00")
    items = {item["linkId"]: item for item in urgent["item"]}
    assert items["44250-9"]["answer"] == [
        {
            "valueCoding": {
                "system": "http://loinc.org",
                "code": "LA6571-9",
                "display": "Nearly every day",
            }
        }
    ]
    assert items["44260-8"]["answer"][0]["valueCoding"]["code"] == "LA6569-3"  # item 9 = 1
    assert items["44260-8"]["text"].startswith("Pensamientos de que")
    assert items["69722-7"]["answer"][0]["valueCoding"]["code"] == "LA6575-0"  # very difficult
    assert items["44261-6"]["answer"] == [{"valueInteger": 9}]
    assert list(items)[-1] == "44261-6"

    urgent_gad7 = responses[(day_of_visits["urgent"], gad7)]
    gad_items = {item["linkId"]: item for item in urgent_gad7["item"]}
    assert gad_items["69725-0"]["answer"][0]["valueCoding"]["code"] == "LA6569-3"
    assert "69722-7" not in gad_items  # the GAD-7 has no difficulty question
    assert gad_items["70274-6"]["answer"] == [{"valueInteger": 1}]

    incomplete = responses[(day_of_visits["incomplete"], phq9)]
    links = [item["linkId"] for item in incomplete["item"]]
    assert "44254-1" not in links  # item 4 was skipped
    assert "44261-6" not in links  # so there is no total

    abandoned = responses[(day_of_visits["abandoned"], phq9)]
    assert abandoned["status"] == "stopped"
    assert [item["linkId"] for item in abandoned["item"]] == [
        "44250-9",
        "44255-8",
        "44259-0",
    ]


def test_clinician_guidance_is_exported(store: Store, out: Path, content: Content) -> None:
    """Issue 16 item 1: a skipped PHQ-9 could still have reached 15; the log says `clinician`."""
    code = run_visit(store, content, {"phq9": dict.fromkeys(range(1, 10), SKIP), "fit": {2: 1}})
    _, rows = read_csv(export_day(store, DAY, "csv", out, zone=ZONE))
    (row,) = [row for row in rows if row["code"] == code]
    assert (row["phq9_total"], row["phq9_band"], row["guidance"]) == ("", "", "clinician")
    records = json.loads(export_day(store, DAY, "json", out, zone=ZONE).read_text("utf-8"))
    assert [r["guidance"] for r in records if r["code"] == code] == ["clinician"]


def _visit_to(store: Store, content: Content, taps: list[int | None], *, then: str) -> str:
    """A visit through the flow: these taps in asking order (None = skip), then `then`:
    "stop" ("Stop here" from the safety screen after "talk now"), "abandon" or "continue"."""
    flow = VisitFlow(store, content, "en")
    flow.agree()
    state = flow.set_name(None)
    for value in taps:
        state = flow.skip() if value is None else flow.answer(value)
        if state.step is Step.SAFETY:
            state = flow.continue_after_safety()
    if then == "stop":
        flow.talk_now()
        flow.stop()
    elif then == "abandon":
        flow.abandon()
    assert flow.code is not None
    return flow.code


def test_fhir_never_reached_is_left_out_and_part_way_is_stopped(
    store: Store, out: Path, content: Content
) -> None:
    """Issue 16 item 7: a completed visit that stopped in the PHQ-9 kept an empty GAD-7 score;
    that instrument was exported as an empty `completed` response, and the PHQ-9 left part-way
    as `completed` too."""
    phq9, gad7 = "http://loinc.org/q/44249-1", "http://loinc.org/q/69737-5"
    ASQ = "urn:clinic-kiosk:instrument:asq"  # noqa: N806 - a constant, as phq9 and gad7
    stopped_in_phq9 = _visit_to(store, content, [1, 0, None], then="stop")
    assert store.get_visit(stopped_in_phq9).status == "completed"
    assert "gad7" in store.get_visit(stopped_in_phq9).scores  # the empty score is kept
    no_asq = [0] * 4  # the ASQ, asked after the PHQ-9: No to its four questions
    stopped_in_gad7 = _visit_to(store, content, [0] * 9 + no_asq + [2, 1], then="stop")
    left_in_fit = _visit_to(store, content, [0] * 9 + no_asq + [1] * 7 + [0], then="abandon")
    path = export_day(store, DAY, "fhir", out, zone=ZONE, content=content)
    bundle = Bundle.model_validate(json.loads(path.read_text("utf-8")))
    assert bundle.entry is not None
    statuses = {
        (response.identifier.value, response.questionnaire): response.status
        for response in (
            QuestionnaireResponse.model_validate(entry.resource.model_dump())  # type: ignore[union-attr]
            for entry in bundle.entry
        )
    }
    assert statuses == {
        (stopped_in_phq9, phq9): "stopped",
        (stopped_in_gad7, phq9): "completed",  # every item shown; no difficulty (all 0)
        (stopped_in_gad7, gad7): "stopped",
        (left_in_fit, phq9): "completed",
        (left_in_fit, gad7): "completed",  # finished, though the visit was then abandoned
        (stopped_in_gad7, ASQ): "completed",  # four No: its acuity question is not asked
        (left_in_fit, ASQ): "completed",
    }
    responses = _responses(path)
    assert "item" not in responses[(stopped_in_phq9, phq9)] or all(
        item["linkId"] != "44261-6" for item in responses[(stopped_in_phq9, phq9)]["item"]
    )  # no total for a part-way instrument


def test_fhir_without_content_has_no_item_text(
    store: Store, out: Path, day_of_visits: dict[str, str]
) -> None:
    path = export_day(store, DAY, "fhir", out, zone=ZONE)
    Bundle.model_validate(json.loads(path.read_text("utf-8")))
    assert '"text"' not in path.read_text("utf-8")


def test_fhir_empty_day_is_a_valid_bundle(store: Store, out: Path) -> None:
    path = export_day(store, DAY, "fhir", out, zone=ZONE)
    bundle = Bundle.model_validate(json.loads(path.read_text("utf-8")))
    assert bundle.entry is None


def test_loinc_item_codes_are_the_published_ones() -> None:
    # Declared in the instruments' specs (kiosk/instruments/), read by the FHIR export.
    phq9, gad7 = instruments.get("phq9").codes, instruments.get("gad7").codes
    assert phq9 is not None and gad7 is not None
    assert (phq9.panel, gad7.panel) == ("44249-1", "69737-5")
    assert (phq9.total, gad7.total) == ("44261-6", "70274-6")
    assert phq9.items[8] == "44260-8"
    assert len(phq9.items) == 10
    assert len(gad7.items) == 7  # LOINC's GAD-7 panel has no difficulty question
    assert fhir_bundle.questionnaire_url("phq9") == "http://loinc.org/q/44249-1"


# --- writing --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "json", "fhir"])
def test_written_privately_with_no_temp_file_left(store: Store, out: Path, fmt: str) -> None:
    path = export_day(store, DAY, fmt, out, zone=ZONE)
    assert sorted(p.name for p in out.iterdir()) == [path.name]
    assert path.stat().st_mode & 0o777 == 0o600


def test_existing_file_is_kept_without_force(store: Store, out: Path) -> None:
    target = out / export_filename(DAY, "csv")
    target.write_text("yesterday's careful work\n")
    with pytest.raises(ExportExistsError, match=r"already exists .*--force"):
        export_day(store, DAY, "csv", out, zone=ZONE)
    assert target.read_text() == "yesterday's careful work\n"
    assert sorted(p.name for p in out.iterdir()) == [target.name]

    export_day(store, DAY, "csv", out, zone=ZONE, force=True)
    assert target.read_text().startswith("code,started_at")
    assert sorted(p.name for p in out.iterdir()) == [target.name]


def test_file_appearing_during_the_export_is_not_replaced(
    store: Store, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = out / export_filename(DAY, "csv")
    real_open = os.open

    def open_then_race(path: str | os.PathLike[str], flags: int, mode: int = 0o777) -> int:
        fd = real_open(path, flags, mode)
        target.write_text("written by someone else meanwhile\n")
        return fd

    monkeypatch.setattr(store_files.os, "open", open_then_race)
    with pytest.raises(ExportExistsError):
        export_day(store, DAY, "csv", out, zone=ZONE)
    assert target.read_text() == "written by someone else meanwhile\n"
    assert sorted(p.name for p in out.iterdir()) == [target.name]


def test_failed_write_leaves_the_old_file_and_no_temp(
    store: Store, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = out / export_filename(DAY, "csv")
    target.write_text("old\n")

    def disk_full(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store_files.os, "replace", disk_full)
    with pytest.raises(ExportError, match="No space left on device"):
        export_day(store, DAY, "csv", out, zone=ZONE, force=True)
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in out.iterdir()) == [target.name]


def test_missing_folder_is_an_error_not_created(store: Store, tmp_path: Path) -> None:
    missing = tmp_path / "not-mounted"
    with pytest.raises(ExportError, match="folder does not exist"):
        export_day(store, DAY, "csv", missing, zone=ZONE)
    assert not missing.exists()
    a_file = tmp_path / "file.txt"
    a_file.write_text("")
    with pytest.raises(ExportError, match="not a folder"):
        export_day(store, DAY, "csv", a_file, zone=ZONE)


def test_unknown_format_is_refused(store: Store, out: Path) -> None:
    with pytest.raises(ValueError, match="unknown export format"):
        export_day(store, DAY, "xml", out, zone=ZONE)
    assert list(out.iterdir()) == []


def test_export_is_audited_without_answers(
    store: Store, out: Path, day_of_visits: dict[str, str]
) -> None:
    path = export_day(store, DAY, "csv", out, zone=ZONE, with_answers=True, actor="admin")
    entry = store.audit_log(1)[0]
    assert (entry.actor, entry.action) == ("admin", "export")
    assert "2026-11-27" in entry.detail
    assert "4 visit(s)" in entry.detail
    assert str(path) in entry.detail
    for code in day_of_visits.values():
        assert code not in entry.detail


def test_filenames_are_predictable() -> None:
    assert export_filename(DAY, "csv") == "kiosk-log-2026-11-27.csv"
    assert export_filename(DAY, "json") == "kiosk-log-2026-11-27.json"
    assert export_filename(DAY, "fhir") == "kiosk-log-2026-11-27.fhir.json"


def test_csv_is_plain_utf8_text(store: Store, out: Path, day_of_visits: dict[str, str]) -> None:
    data = export_day(store, DAY, "csv", out, zone=ZONE).read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    assert next(csv.reader(io.StringIO(data.decode("utf-8")))) == CONTRACT


def test_files_are_exactly_what_json_dumps_writes(
    store: Store, out: Path, content: Content, day_of_visits: dict[str, str]
) -> None:
    # Written by msgspec (fast); the text is the standard library's, byte for byte, so any
    # JSON tool sees the same file (Spanish accents unescaped, 2-space indent, final newline).
    fhir = export_day(store, DAY, "fhir", out, zone=ZONE, content=content)
    records = export_day(store, DAY, "json", out, zone=ZONE, with_answers=True)
    for path in (fhir, records):
        data = path.read_bytes()
        again = json.dumps(json.loads(data), ensure_ascii=False, indent=2) + "\n"
        assert data == again.encode("utf-8"), path.name
    assert "ó".encode() in fhir.read_bytes()  # Spanish item text, unescaped
