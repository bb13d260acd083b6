"""The ASQ (NIMH Ask Suicide-Screening Questions) end to end, without Qt: scoring, the flow and
its safety screens, the store's level and reason, the summary's banner and staff box, exports.

Scoring cases and wording are CLINICAL.md's. Every check of what was saved reads the real
SQLite store; summaries are read back as text with pypdf.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from kiosk.config import ClinicConfig, Config
from kiosk.content import Content
from kiosk.export import export_day
from kiosk.flow import FlowState, QuestionRef, Step, VisitFlow
from kiosk.model import Visit
from kiosk.scoring import score
from kiosk.store import Store
from kiosk.summary.pdf import render_summary

ROOT = Path(__file__).resolve().parents[2]
ASQ_ITEMS_EN = (
    "In the past few weeks, have you wished you were dead?",
    "In the past few weeks, have you felt that you or your family would be better off if you "
    "were dead?",
    "In the past week, have you been having thoughts about killing yourself?",
    "Have you ever tried to kill yourself?",
    "Are you having thoughts of killing yourself right now?",
)
NO, YES = 0, 1


# --- scoring: every case of CLINICAL.md ------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "band", "total", "urgent", "complete"),
    [
        pytest.param({1: NO, 2: NO, 3: NO, 4: NO}, "negative", 0, False, True, id="negative"),
        pytest.param(
            {1: NO, 2: YES, 3: NO, 4: NO, 5: NO}, "non_acute", 1, True, True, id="positive by yes"
        ),
        pytest.param(
            {1: NO, 2: NO, 3: None, 4: NO, 5: NO},
            "non_acute",
            0,
            True,
            True,
            id="positive by skip",
        ),
        pytest.param({1: YES, 2: YES, 3: YES, 4: NO, 5: YES}, "acute", 3, True, True, id="acute"),
        pytest.param(
            {1: YES, 2: NO, 3: NO, 4: YES, 5: None},
            "non_acute",
            2,
            True,
            True,
            id="non-acute: item 5 skipped",
        ),
        pytest.param({}, None, None, False, False, id="nothing answered"),
        pytest.param({1: NO, 2: NO}, None, None, False, False, id="stopped after two Nos"),
        pytest.param({1: YES}, None, None, True, False, id="stopped after a Yes: still urgent"),
        pytest.param(
            {1: YES, 2: NO, 3: NO, 4: NO}, None, None, True, False, id="item 5 never shown"
        ),
    ],
)
def test_asq_scoring(
    answers: dict[int, int | None],
    band: str | None,
    total: int | None,
    urgent: bool,
    complete: bool,
) -> None:
    result = score("asq", answers)
    assert (result.band, result.total, result.urgent, result.complete) == (
        band,
        total,
        urgent,
        complete,
    )


@pytest.mark.parametrize("answers", [{1: 2}, {1: -1}, {6: 0}, {0: 1}, {1: True}, {"1": 0}], ids=str)
def test_asq_refuses_what_is_not_an_answer(answers: dict[object, object]) -> None:
    with pytest.raises(ValueError, match="asq"):
        score("asq", answers)  # type: ignore[arg-type]


def _names_in_code(path: Path) -> list[str]:
    """Every identifier, import and string constant of a module that says "asq" (comments and
    docstrings explain; they are not code learning the name)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found = []
    for node in ast.walk(tree):
        words: list[str] = []
        if isinstance(node, ast.Name):
            words = [node.id]
        elif isinstance(node, ast.Attribute):
            words = [node.attr]
        elif isinstance(node, ast.alias):
            words = [node.name, node.asname or ""]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            words = [] if id(node) in docstrings else [node.value]
        found += [word for word in words if re.search(r"(?i)asq", word)]
    return found


def test_no_code_outside_the_registry_learns_the_asq_by_name() -> None:
    """The registry proves itself: the ASQ is a spec file and one registration line."""
    learned = {
        str(path.relative_to(ROOT)): names
        for folder in ("kiosk", "ui")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path.name != "asq.py"
        for names in [_names_in_code(path)]
        if names
    }
    learned |= (
        {"main.py": _names_in_code(ROOT / "main.py")} if _names_in_code(ROOT / "main.py") else {}
    )
    # The registry's import and `register(asq.SPEC)`: nothing else.
    assert learned == {"kiosk/instruments/__init__.py": ["asq", "asq"]}


# --- the flow --------------------------------------------------------------------------------


def begin(store: Store, content: Content, language: str = "en") -> VisitFlow:
    flow = VisitFlow(store, content, language)
    flow.agree()
    flow.set_name(None)
    return flow


def to_asq(flow: VisitFlow, *, item9: int = 0) -> FlowState:
    """PHQ-9 answered 0 (item 9 as given, difficulty 1 when asked) up to ASQ item 1."""
    state = flow.state()
    safety_screens = 0
    while state.question != QuestionRef("asq", 1):
        if state.step is Step.SAFETY:
            safety_screens += 1
            state = flow.continue_after_safety()
            continue
        assert state.question is not None and state.question.section == "phq9"
        item = state.question.item
        state = flow.answer(item9 if item == 9 else 1 if item == 10 else 0)
    return state


def safety_count(flow: VisitFlow, taps: list[int | None]) -> tuple[int, list[QuestionRef]]:
    """Tap `taps` from the current question; how many safety screens came up, and the
    questions shown."""
    shown: list[QuestionRef] = []
    screens = 0
    for value in taps:
        state = flow.state()
        assert state.step is Step.QUESTION and state.question is not None
        shown.append(state.question)
        state = flow.skip() if value is None else flow.answer(value)
        if state.step is Step.SAFETY:
            screens += 1
            flow.continue_after_safety()
    return screens, shown


def test_acuity_question_only_after_a_yes_or_a_skip(store: Store, content: Content) -> None:
    calm = begin(store, content)
    to_asq(calm)
    screens, shown = safety_count(calm, [NO, NO, NO, NO])
    assert screens == 0
    assert shown == [QuestionRef("asq", i) for i in (1, 2, 3, 4)]
    assert calm.state().question == QuestionRef("gad7", 1)  # no item 5 after four Nos

    skipped = begin(store, content)
    to_asq(skipped)
    screens, shown = safety_count(skipped, [NO, None, NO, NO, NO])
    assert shown[-1] == QuestionRef("asq", 5)
    assert screens == 1  # a skip counts as positive: urgent at once
    assert skipped.state().question == QuestionRef("gad7", 1)


def test_positive_answer_brings_the_safety_screen_at_once(store: Store, content: Content) -> None:
    flow = begin(store, content)
    to_asq(flow)
    flow.answer(NO)
    state = flow.answer(YES)  # item 2: the first positive answer
    assert state.step is Step.SAFETY
    assert state.urgent
    visit = store.get_visit(state.code or "")
    assert (visit.urgent, visit.risk, visit.reason) == (True, "non_acute", "asq")
    assert flow.continue_after_safety().question == QuestionRef("asq", 3)


def test_acute_answer_after_item9_shows_the_screen_a_second_time(
    store: Store, content: Content
) -> None:
    flow = begin(store, content)
    to_asq(flow, item9=2)  # item 9 > 0: non-acute, one safety screen on the way
    code = flow.code or ""
    assert store.get_visit(code).risk == "non_acute"
    # ASQ Yes is non-acute too: no second screen for the same level...
    screens, _ = safety_count(flow, [YES, NO, NO, NO])
    assert screens == 0
    assert flow.state().question == QuestionRef("asq", 5)
    # ...but "right now" Yes raises the level to acute: the screen again.
    state = flow.answer(YES)
    assert state.step is Step.SAFETY
    visit = store.get_visit(code)
    assert (visit.risk, visit.reason) == ("acute", "phq9_item9+asq+asq_acute")
    state = flow.continue_after_safety()
    assert state.question == QuestionRef("gad7", 1)


def test_two_non_acute_triggers_show_the_screen_once(store: Store, content: Content) -> None:
    flow = begin(store, content)
    screens = 0
    state = flow.state()
    while state.step is not Step.RESULTS:
        if state.step is Step.SAFETY:
            screens += 1
            state = flow.continue_after_safety()
            continue
        assert state.question is not None
        ref = state.question
        value = 1 if (ref.section, ref.item) in {("phq9", 9), ("asq", 1), ("asq", 3)} else 0
        state = flow.answer(value)
    assert screens == 1
    assert state.results is not None and state.results.scores["asq"].band == "non_acute"
    assert state.results.guidance == "staff_today"
    visit = store.get_visit(state.code or "")
    assert (visit.risk, visit.reason) == ("non_acute", "phq9_item9+asq")


def test_talk_now_after_an_acute_answer_still_shows_the_screen(
    store: Store, content: Content
) -> None:
    flow = begin(store, content)
    to_asq(flow)
    safety_count(flow, [YES, NO, NO, NO, YES])  # acute: one screen
    # The visitor asks for someone: the screen answers the tap, level stays acute.
    assert flow.talk_now().step is Step.SAFETY
    visit = store.get_visit(flow.code or "")
    assert (visit.risk, visit.reason) == ("acute", "asq+asq_acute+talk_now")


def test_the_asq_is_not_asked_in_spanish(store: Store, content: Content) -> None:
    flow = begin(store, content, "es")
    sections = {ref.section for ref in flow.sequence()}
    assert sections == {"phq9", "gad7", "fit"}
    state = flow.state()
    while state.step is not Step.RESULTS:
        state = flow.continue_after_safety() if state.step is Step.SAFETY else flow.answer(0)
    assert state.results is not None
    assert "asq" not in state.results.scores
    assert state.results.not_offered == ("asq",)
    assert "asq" not in store.get_visit(state.code or "").answers


def test_switching_to_spanish_on_an_asq_question_moves_on(store: Store, content: Content) -> None:
    flow = begin(store, content)
    to_asq(flow)
    flow.answer(NO)
    state = flow.set_language("es")
    assert state.question == QuestionRef("gad7", 1)
    while state.step is not Step.RESULTS:
        state = flow.answer(0)
    assert state.results is not None
    # What was answered in English is kept and scored (not complete: 2–4 never shown).
    assert state.results.answers["asq"] == {1: NO}
    assert not state.results.scores["asq"].complete


# --- the summary: banner, staff box, level ------------------------------------------------


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def finished_visit(store: Store, content: Content, language: str, taps: dict[str, int]) -> Visit:
    """A completed visit: every question 0 unless `taps` says ("phq9:9" -> 1)."""
    flow = begin(store, content, language)
    state = flow.state()
    while state.step is not Step.RESULTS:
        if state.step is Step.SAFETY:
            state = flow.continue_after_safety()
            continue
        assert state.question is not None
        state = flow.answer(taps.get(f"{state.question.section}:{state.question.item}", 0))
    return store.get_visit(state.code or "")


ACUTE = {"phq9:9": 1, "phq9:10": 1, "asq:1": YES, "asq:5": YES}


def test_english_acute_summary_names_level_and_reason(
    store: Store, content: Content, config: Config
) -> None:
    visit = finished_visit(store, content, "en", ACUTE)
    text = text_of(render_summary(visit, content["en"], config))
    assert "PLEASE SEE STAFF NOW" in text
    assert "URGENT, acute · PHQ-9 item 9: Several days; ASQ positive, non-acute; ASQ" in text
    assert "FOR STAFF" in text
    assert f"Visit code: {visit.code}" in text
    assert "Risk: URGENT, acute" in text
    assert "ASQ: 1 of 4 (positive, acute)" in text
    assert "GAD-7: 0 of 21 (minimal)" in text
    for item in ASQ_ITEMS_EN:
        assert item in text
    assert "Thank you for telling us. Please let the front desk know right now" in text
    assert "asQ Suicide Risk Screening Toolkit, NATIONAL INSTITUTE OF MENTAL HEALTH (NIMH)" in text


def test_spanish_summary_has_an_english_staff_box(
    store: Store, content: Content, config: Config
) -> None:
    visit = finished_visit(store, content, "es", {"phq9:9": 2, "phq9:10": 1})
    text = text_of(render_summary(visit, content["es"], config))
    assert "POR FAVOR, HABLE CON EL PERSONAL AHORA" in text
    assert "URGENT, non-acute · PHQ-9 item 9: More than half the days" in text
    assert "FOR STAFF" in text and "Visitor's language: Spanish" in text
    assert "ASQ: not asked: no official text in the visitor's language" in text
    assert "PHQ-9: 2 of 27 (minimal)" in text
    # The visitor reads why the ASQ is missing, in Spanish.
    assert "Las preguntas sobre su seguridad (ASQ) todavía no están disponibles en español" in text
    assert "In the past few weeks" not in text


def test_staff_box_follows_the_staff_language(
    store: Store, content: Content, config: Config
) -> None:
    spanish_desk = config.replace(clinic=ClinicConfig(staff_language="es"))
    visit = finished_visit(store, content, "en", ACUTE)
    text = text_of(render_summary(visit, content["en"], spanish_desk))
    assert "PARA EL PERSONAL" in text and "Riesgo: URGENTE, agudo" in text
    assert "PHQ-9, pregunta 9: Varios días" in text
    assert "PLEASE SEE STAFF NOW" in text  # the banner itself is the visitor's language


def test_calm_visit_has_a_staff_box_and_no_banner(
    store: Store, content: Content, config: Config
) -> None:
    visit = finished_visit(store, content, "en", {})
    text = text_of(render_summary(visit, content["en"], config))
    assert "PLEASE SEE STAFF NOW" not in text
    assert "Risk: not urgent" in text and "Reason:" not in text
    assert "ASQ: 0 of 4 (negative)" in text
    assert "Thank you for answering the questions about your safety." in text


# --- exports ------------------------------------------------------------------------------


def test_exports_carry_risk_reason_and_the_asq(
    store: Store, content: Content, out: Path, config: Config
) -> None:
    acute = finished_visit(store, content, "en", ACUTE)
    calm = finished_visit(store, content, "en", {})
    spanish = finished_visit(store, content, "es", {})
    day = acute.started_at.astimezone(config.zone).date()
    path = export_day(store, day, "csv", out, zone=config.zone, with_answers=True)
    rows = {row["code"]: row for row in csv.DictReader(io.StringIO(path.read_text("utf-8")))}
    header = next(csv.reader(io.StringIO(path.read_text("utf-8"))))
    assert header[11:19] == [
        *("printed", "risk", "reason"),
        *("alerted_at", "acknowledged_at", "outcome"),  # the alerts' columns (docs/alerts.md)
        *("asq_total", "asq_band"),
    ]
    got = {
        code: (rows[code]["risk"], rows[code]["reason"], rows[code]["asq_band"]) for code in rows
    }
    assert got == {
        acute.code: ("acute", "phq9_item9+asq+asq_acute", "acute"),
        calm.code: ("none", "", "negative"),
        spanish.code: ("none", "", ""),
    }
    assert [rows[acute.code][f"asq_{i}"] for i in range(1, 6)] == ["1", "0", "0", "0", "1"]
    assert rows[calm.code]["asq_5"] == ""  # not asked after four Nos

    records = json.loads(export_day(store, day, "json", out, zone=config.zone).read_text("utf-8"))
    by_code = {record["code"]: record for record in records}
    assert (by_code[acute.code]["risk"], by_code[acute.code]["asq_band"]) == ("acute", "acute")
    assert by_code[spanish.code]["asq_band"] is None

    bundle = json.loads(
        export_day(store, day, "fhir", out, zone=config.zone, content=content).read_text("utf-8")
    )
    asq = [
        entry["resource"] for entry in bundle["entry"] if entry["resource"]["id"].endswith("-asq")
    ]
    assert {response["identifier"]["value"] for response in asq} == {acute.code, calm.code}
    acute_asq = next(r for r in asq if r["identifier"]["value"] == acute.code)
    # No LOINC codes exist for the ASQ: the kiosk's own, clearly named local system.
    assert acute_asq["questionnaire"] == "urn:clinic-kiosk:instrument:asq"
    first = acute_asq["item"][0]
    assert first["text"] == ASQ_ITEMS_EN[0]
    assert first["answer"] == [
        {"valueCoding": {"system": "urn:clinic-kiosk:instrument:asq", "code": "1"}}
    ]
    assert acute_asq["item"][-1]["answer"] == [{"valueInteger": 1}]
