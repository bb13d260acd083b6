"""kiosk.instruments: each instrument declared once, and every consumer reading the declaration.

The made-up instrument of tests/support/yesno_instrument.py is registered here only and walked
through the flow, the store, the printed summary and every export format; the "which program
fits" questions are as many as the content holds (4 or 6 work end to end).
"""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from kiosk import instruments
from kiosk.config import ConfigError, load_config
from kiosk.content import Content, load_content
from kiosk.exports import FORMATS
from kiosk.exports.day_log import export_day
from kiosk.exports.records import CSV_COLUMNS
from kiosk.flow import Step, VisitFlow
from kiosk.instruments import Band, InstrumentSpec
from kiosk.scoring import score
from kiosk.store import Store
from kiosk.store import schema as store_schema
from kiosk.summary.pdf import render_summary
from tests.support.yesno_instrument import ITEMS, POSITIVE, YESNO, content_with_yesno, registered

ROOT = Path(__file__).resolve().parents[2]
ZONE = ZoneInfo("America/New_York")
# The daily log's first twelve columns, as the contract lists them, then how urgent and why,
# when staff were told and what they did, then the instruments added later (the ASQ).
CONTRACT = [
    *("code", "started_at", "completed_at", "status", "language", "urgent"),
    *("phq9_total", "phq9_band", "gad7_total", "gad7_band", "guidance", "printed"),
    *("risk", "reason", "alerted_at", "acknowledged_at", "outcome", "asq_total", "asq_band"),
]


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


# --- the registry ---------------------------------------------------------------------------


def test_the_shipped_instruments_in_asking_order() -> None:
    assert instruments.ids() == ("phq9", "asq", "gad7")
    assert [spec.max_total for spec in instruments.INSTRUMENTS.values()] == [27, 4, 21]
    assert instruments.get("phq9").difficulty_item == 10
    # The current GAD-7 USA form (and LOINC's panel) has no difficulty question.
    assert instruments.get("gad7").difficulty_item is None
    assert tuple(CSV_COLUMNS) == tuple(CONTRACT)


def test_unknown_instruments_and_clashing_registrations_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown instrument 'cssrs'"):
        instruments.get("cssrs")
    with pytest.raises(ValueError, match="already registered"):
        instruments.register(InstrumentSpec(**{**_fields(YESNO), "id": "phq9"}))
    assert instruments.ids() == ("phq9", "asq", "gad7")


def _fields(spec: InstrumentSpec) -> dict[str, object]:
    names = ("id", "name", "items", "answer_values", "bands", "source")
    return {name: getattr(spec, name) for name in names}


def test_a_spec_that_contradicts_itself_is_refused() -> None:
    with pytest.raises(ValueError, match="bands must rise and end at the maximum total"):
        InstrumentSpec(**{**_fields(YESNO), "bands": (Band(1, "negative"), Band(2, "positive"))})
    with pytest.raises(ValueError, match="0, 1, … in order"):
        InstrumentSpec(**{**_fields(YESNO), "answer_values": (1, 2)})


# --- a made-up instrument, declared only in the tests ----------------------------------------


@pytest.fixture
def yesno(tmp_path: Path) -> Content:
    """The made-up instrument registered, and content (English) that words it."""
    with registered():
        yield load_content(content_with_yesno(tmp_path / "content"), ["en"])


def test_made_up_instrument_scores_from_its_spec(yesno: Content) -> None:
    assert score("yesno", {1: 1, 2: 1, 3: 0}).band == "positive"
    assert score("yesno", {1: 1, 2: 0, 3: 0}).band == "negative"
    assert score("yesno", {1: 1, 2: None}).complete is False
    with pytest.raises(ValueError, match="yesno item 1"):
        score("yesno", {1: 2})
    with pytest.raises(ValueError, match="unknown item"):
        score("yesno", {4: 0})


def test_made_up_instrument_through_flow_store_summary_and_every_export(
    yesno: Content, store: Store, config: object, out: Path
) -> None:
    from kiosk.config import Config, ScreeningConfig

    assert isinstance(config, Config)
    config = config.replace(screening=ScreeningConfig(instruments=["yesno", "phq9"]))
    flow = VisitFlow(store, yesno, "en", instruments=config.screening.instruments)
    flow.agree()
    state = flow.set_name(None)
    # Asked first, as configured, with its three items; then the PHQ-9, then the fit questions.
    sequence = flow.sequence()
    assert [ref.section for ref in sequence[:4]] == ["yesno"] * 3 + ["phq9"]
    assert state.question is not None and state.section_total == 3
    for value in (1, 1, 0):
        state = flow.answer(value)
    for _ in range(9):
        state = flow.answer(0)
    while state.step is Step.QUESTION:
        state = flow.answer(0)
    assert state.results is not None
    assert state.results.scores["yesno"].band == "positive"
    assert list(state.results.scores) == ["yesno", "phq9"]
    code = flow.code
    assert code is not None

    visit = store.get_visit(code)
    assert dict(visit.answers["yesno"]) == {1: 1, 2: 1, 3: 0}
    assert visit.scores["yesno"].total == 2 and visit.scores["yesno"].band == "positive"

    text = pdf_text(render_summary(visit, yesno["en"], config))
    assert "Yes-No-3" in text and "A made-up check" in text
    assert ITEMS[0] in text
    assert POSITIVE in text and "2 out of 3" in text

    day = visit.started_at.astimezone(ZONE).date()
    assert set(FORMATS) >= {"csv", "json", "fhir"}
    written = {
        key: export_day(store, day, key, out, zone=ZONE, with_answers=True, content=yesno)
        for key in FORMATS
    }
    rows = list(csv.DictReader(io.StringIO(written["csv"].read_text("utf-8"))))
    header = next(csv.reader(io.StringIO(written["csv"].read_text("utf-8"))))
    contract = len(CONTRACT)
    assert header[:contract] == CONTRACT  # the contract's columns do not move
    assert header[contract : contract + 2] == ["yesno_total", "yesno_band"]
    assert (rows[0]["yesno_total"], rows[0]["yesno_band"]) == ("2", "positive")
    assert [rows[0][f"yesno_{n}"] for n in (1, 2, 3)] == ["1", "1", "0"]

    record = json.loads(written["json"].read_text("utf-8"))[0]
    assert (record["yesno_total"], record["yesno_band"]) == (2, "positive")
    assert record["answers"]["yesno"] == {"1": 1, "2": 1, "3": 0}

    bundle = json.loads(written["fhir"].read_text("utf-8"))
    responses = {entry["resource"]["id"]: entry["resource"] for entry in bundle["entry"]}
    response = responses[f"{code}-yesno"]
    assert response["questionnaire"] == "urn:clinic-kiosk:instrument:yesno"
    assert response["item"][0]["text"] == ITEMS[0]
    assert response["item"][-1]["answer"] == [{"valueInteger": 2}]


def test_content_must_word_every_registered_instrument(tmp_path: Path) -> None:
    # Spanish has no wording for the made-up instrument: refused, naming the file and table.
    root = content_with_yesno(tmp_path / "content")
    with registered(), pytest.raises(Exception, match=r"es/instruments\.toml: yesno: missing"):
        load_content(root, ["en", "es"])


# --- [screening] instruments ---------------------------------------------------------------


def test_config_lists_the_instruments_asked(write_config: object, tmp_path: Path) -> None:
    assert callable(write_config)
    # ARCHITECTURE.md: PHQ-9, then the ASQ, then the GAD-7 by default.
    assert load_config(None, tmp_path).screening.instruments == ["phq9", "asq", "gad7"]
    path = write_config('[screening]\ninstruments = ["gad7"]\n')
    assert load_config(path, tmp_path).screening.instruments == ["gad7"]
    wrong = write_config('[screening]\ninstruments = ["phq9", "cssrs"]\n', "wrong.toml")
    with pytest.raises(ConfigError) as caught:
        load_config(wrong, tmp_path)
    assert str(caught.value).startswith(
        f"{wrong}: screening.instruments: unknown instrument 'cssrs'"
    )


def test_flow_asks_only_the_configured_instruments(store: Store, content: Content) -> None:
    flow = VisitFlow(store, content, "en", instruments=["gad7"])
    flow.agree()
    flow.set_name(None)
    sections = [ref.section for ref in flow.sequence()]
    assert sections == ["gad7"] * 7 + ["fit"] * 5


# --- the fit questions: as many as the content holds ---------------------------------------


def _fit_content(root: Path, count: int) -> Content:
    """The shipped content with `count` fit questions in both languages (guidance unchanged:
    it names impact, hospital and therapy, which every variant keeps)."""
    for language in ("en", "es"):
        path = root / language / "fit.toml"
        text = path.read_text("utf-8")
        blocks = text.split("[[questions]]")
        head, questions = blocks[0], blocks[1:]
        if count < len(questions):
            questions = [q for q in questions if 'id = "time"' not in q][:count]
        while len(questions) < count:
            extra = questions[-1].replace('id = "time"', f'id = "extra{len(questions)}"')
            questions.append(extra)
        path.write_text(head + "".join("[[questions]]" + q for q in questions), "utf-8")
    return load_content(root, ["en", "es"])


@pytest.mark.parametrize("count", [4, 6])
def test_fit_files_with_4_or_6_questions_work_end_to_end(
    count: int, content_copy: Path, store: Store, config: object, out: Path
) -> None:
    from kiosk.config import Config

    assert isinstance(config, Config)
    content = _fit_content(content_copy, count)
    assert len(content["en"].screening.fit.questions) == count
    flow = VisitFlow(store, content, "en")
    flow.agree()
    state = flow.set_name(None)
    asked = 0
    while state.step is Step.QUESTION:
        assert state.question is not None
        if state.question.section == "fit":
            asked += 1
            assert state.section_total == count
        state = flow.answer(0)
    assert asked == count  # every question asked, none past the last
    code = flow.code
    assert code is not None
    visit = store.get_visit(code)
    assert sorted(visit.answers["fit"]) == list(range(1, count + 1))

    text = pdf_text(render_summary(visit, content["en"], config))
    last = content["en"].screening.fit.questions[-1].text
    assert last[:40] in text

    day = visit.started_at.astimezone(ZONE).date()
    path = export_day(store, day, "csv", out, zone=ZONE, with_answers=True)
    header = next(csv.reader(io.StringIO(path.read_text("utf-8"))))
    assert header[-1] == f"fit_{count}"
    record = json.loads(
        export_day(store, day, "json", out, zone=ZONE, with_answers=True).read_text("utf-8")
    )[0]
    assert list(record["answers"]["fit"]) == [str(n) for n in range(1, count + 1)]


# --- no instrument named outside its spec --------------------------------------------------

_QUOTED_ID = re.compile(r"""["'](phq9|gad7)["']""")
# The released first migration created the CHECKs a later one drops: never edited (schema.py).
_HISTORY = (ROOT / "kiosk" / "store" / "schema.py", "_initial_schema")


def _quoted_ids(path: Path) -> list[str]:
    text = path.read_text("utf-8")
    if path == _HISTORY[0]:
        start = text.index(f"def {_HISTORY[1]}(")
        end = text.index("\n@_migration", start)
        text = text[:start] + text[end:]
    return [f"{path.relative_to(ROOT)}: {match[0]}" for match in _QUOTED_ID.finditer(text)]


def test_no_quoted_instrument_id_outside_the_specs() -> None:
    found = [
        hit
        for folder in ("kiosk", "ui")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if "instruments" not in path.relative_to(ROOT).parts[:2]
        for hit in _quoted_ids(path)
    ]
    assert found == []


# --- the store: no per-instrument CHECKs ---------------------------------------------------


def test_migration_drops_the_instrument_checks_and_keeps_every_row(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / store_schema.DB_FILENAME
    conn = sqlite3.connect(path)
    conn.isolation_level = None
    store_schema._migrate(conn, 2)  # as the kiosk left it before the instruments registry
    conn.execute(
        "INSERT INTO visits (id, code, language, started_at) "
        "VALUES (1, 'ABC-234', 'en', '2026-01-05T14:00:00.000+00:00')"
    )
    conn.execute("INSERT INTO answers VALUES (1, 'phq9', 9, 2, '2026-01-05T14:01:00.000+00:00')")
    conn.execute("INSERT INTO scores VALUES (1, 'gad7', 3, 'minimal', 1, 0, 0)")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO scores VALUES (1, 'yesno', 2, 'positive', 1, 0, 0)")
    conn.close()

    with Store.open(folder) as store:
        visit = store.get_visit("ABC-234")
    assert visit.answers["phq9"][9] == 2
    assert visit.scores["gad7"].band == "minimal"
    conn = sqlite3.connect(path)
    schema = " ".join(
        row[0] for row in conn.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL")
    )
    conn.execute("INSERT INTO scores VALUES (1, 'yesno', 2, 'positive', 1, 0, 0)")
    conn.commit()
    conn.close()
    assert "phq9" not in schema and "gad7" not in schema
    assert store_schema._MIGRATION_NAMES[2] == "0003_open_sections"
