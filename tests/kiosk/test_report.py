"""The printed summary: content, clinical rules, languages, one page, fonts, same bytes."""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import pdfplumber
import pytest
from pypdf import PdfReader

from kiosk.config import ClinicConfig, Config, PrintingConfig
from kiosk.content import Content
from kiosk.model import StoredScore, Visit
from kiosk.scoring import score
from kiosk.summary.pdf import format_local_time, render_summary

ROOT = Path(__file__).resolve().parents[2]
STARTED = datetime(2026, 11, 27, 19, 0, tzinfo=UTC)
COMPLETED = datetime(2026, 11, 27, 19, 5, tzinfo=UTC)  # 2:05 PM in New York

# PHQ-9 total 17 (moderately severe) with item 9 above 0 (urgent) or not; GAD-7 total 9 (mild).
PHQ9 = [2, 3, 2, 1, 2, 3, 1, 2, 1]
PHQ9_CALM = [2, 3, 2, 2, 2, 3, 1, 2, 0]
GAD7 = [1, 2, 1, 1, 0, 2, 2]
FIT = {1: 2, 2: 1, 3: 1, 4: 2, 5: 1}


def make_visit(
    language: str = "en",
    *,
    urgent: bool = False,
    phq9: Mapping[int, int | None] | None = None,
    gad7: Mapping[int, int | None] | None = None,
    fit: Mapping[int, int | None] | None = None,
    name: str | None = "Ana",
    guidance: str | None = None,
    with_scores: bool = True,
    status: str = "completed",
) -> Visit:
    if phq9 is None:
        phq = {i: v for i, v in enumerate(PHQ9 if urgent else PHQ9_CALM, 1)} | {10: 2}
    else:
        phq = dict(phq9)
    gad = dict(gad7) if gad7 is not None else {i: v for i, v in enumerate(GAD7, 1)}
    scores = (
        {
            "phq9": score("phq9", phq).to_stored("phq9"),
            "gad7": score("gad7", gad).to_stored("gad7"),
        }
        if with_scores
        else {}
    )
    is_urgent = urgent or any(s.urgent for s in scores.values())
    return Visit(
        id=1,
        code="K7Q-4M2",
        language=language,
        started_at=STARTED,
        completed_at=COMPLETED if status == "completed" else None,
        status=status,  # type: ignore[arg-type]
        urgent=is_urgent,
        name=name,
        answers={"phq9": phq, "gad7": gad, "fit": dict(FIT if fit is None else fit)},
        scores=scores,
        guidance=guidance or ("staff_today" if is_urgent else "ask_iop"),  # type: ignore[arg-type]
    )


def make_config(
    tmp_path: Path, *, paper: str = "letter", phone: str = "", tz: str = "America/New_York"
) -> Config:
    return Config(
        data_dir=tmp_path,
        clinic=ClinicConfig(name="Resilience Behavioral Health", phone=phone, timezone=tz),
        printing=PrintingConfig(paper=paper),  # type: ignore[arg-type]
    )


def text_of(pdf: bytes) -> str:
    """All text of the PDF, whitespace collapsed (wrapped lines read as one sentence)."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def lines_of(pdf: bytes) -> list[str]:
    """Text lines as laid out on the page (cells of one table row read as one line)."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [line for page in doc.pages for line in (page.extract_text() or "").splitlines()]


def pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def cfg(tmp_path: Path) -> Config:
    return make_config(tmp_path)


# --- layout ---------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("urgent", [True, False])
@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_full_visit_fits_one_page(
    content: Content, tmp_path: Path, language: str, urgent: bool, paper: str
) -> None:
    config = make_config(tmp_path, paper=paper, phone="(555) 010-0199")
    visit = make_visit(language, urgent=urgent, name="María José Núñez")
    pdf = render_summary(visit, content[language], config)
    assert pdf.startswith(b"%PDF-")
    assert pages(pdf) == 1


def test_long_clinic_texts_still_fit_one_page(content: Content, tmp_path: Path) -> None:
    # Longer than the defaults anywhere: the renderer tightens the type rather than spill over.
    long_name = (
        "Centro Comunitario de Salud Conductual y Bienestar Familiar del Valle de San Joaquín"
    )
    config = Config(
        data_dir=tmp_path,
        clinic=ClinicConfig(name=long_name, phone="(555) 010-0199 ext. 4"),
    )
    visit = make_visit("es", urgent=True, name="María Guadalupe Hernández-Núñez")
    pdf = render_summary(visit, content["es"], config)
    assert pages(pdf) == 1
    assert long_name in text_of(pdf)


@pytest.mark.parametrize(("paper", "size"), [("letter", (612, 792)), ("a4", (595.2756, 841.8898))])
def test_paper_size(
    content: Content, tmp_path: Path, paper: str, size: tuple[float, float]
) -> None:
    pdf = render_summary(make_visit(), content["en"], make_config(tmp_path, paper=paper))
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(size, abs=0.01)


def test_fonts_are_embedded_noto(content: Content, cfg: Config) -> None:
    reader = PdfReader(io.BytesIO(render_summary(make_visit("es"), content["es"], cfg)))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    names = set()
    for ref in fonts.values():
        font = ref.get_object()
        names.add(str(font["/BaseFont"]))
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, f"{font['/BaseFont']} is not embedded"
    assert any("NotoSans-Bold" in n for n in names)
    assert any("NotoSans" in n and "Bold" not in n for n in names)
    # Only the shipped fonts: nothing falls back to a standard (unembedded) Helvetica.
    assert all("NotoSans" in n for n in names)


def test_same_visit_same_bytes(content: Content, cfg: Config) -> None:
    visit = make_visit("es", urgent=True)
    first = render_summary(visit, content["es"], cfg)
    second = render_summary(visit, content["es"], cfg)
    assert first == second
    assert b"CreationDate" not in first or b"D:2000" in first  # invariant: no wall clock


def test_same_bytes_in_a_fresh_process(content: Content, tmp_path: Path) -> None:
    script = f"""
import hashlib, sys
from datetime import datetime, UTC
from pathlib import Path
sys.path.insert(0, {str(ROOT)!r})
from tests.kiosk.test_report import make_visit, make_config
from kiosk.content import load_content
from kiosk.summary.pdf import render_summary
content = load_content(Path({str(ROOT / "resources" / "content")!r}), ["en", "es"])
pdf = render_summary(make_visit("es", urgent=True), content["es"], make_config(Path("/nowhere")))
print(hashlib.sha256(pdf).hexdigest())
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    here = render_summary(make_visit("es", urgent=True), content["es"], make_config(Path("/x")))
    assert done.stdout.strip() == hashlib.sha256(here).hexdigest()


def test_qr_code_is_drawn(content: Content, cfg: Config) -> None:
    with pdfplumber.open(io.BytesIO(render_summary(make_visit(), content["en"], cfg))) as doc:
        page = doc.pages[0]
        # The QR modules are small black squares in the top right corner.
        squares = [
            r
            for r in page.rects
            if r["x0"] > page.width / 2 and r["top"] < 150 and r["width"] < 5 and r["fill"]
        ]
    assert len(squares) > 50


def test_the_qr_code_reads_back_as_the_visit_code(
    content: Content, cfg: Config, tmp_path: Path
) -> None:
    """Printed at 300 dpi and read by a barcode reader (zbarimg), as a phone would read it."""
    if shutil.which("zbarimg") is None:
        reason = "zbarimg is missing: apt-get install zbar-tools"
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    pdf = tmp_path / "summary.pdf"
    for language in ("en", "es"):
        visit = make_visit(language, urgent=True)
        pdf.write_bytes(render_summary(visit, content[language], cfg))
        subprocess.run(
            ["pdftoppm", "-png", "-r", "300", "-singlefile", str(pdf), str(tmp_path / "page")],
            check=True,
        )
        read = subprocess.run(
            ["zbarimg", "--quiet", "--raw", str(tmp_path / "page.png")],
            capture_output=True,
            text=True,
            check=True,
        )
        assert read.stdout.split() == [visit.code]


# --- what it says ---------------------------------------------------------------------------


def test_english_summary_content(content: Content, tmp_path: Path) -> None:
    config = make_config(tmp_path, phone="(555) 010-0199")
    lc = content["en"]
    text = text_of(render_summary(make_visit("en"), lc, config))
    assert "Resilience Behavioral Health" in text
    assert "Screening summary" in text
    assert "K7Q-4M2" in text
    assert "Name: Ana" in text
    assert "November 27, 2026, 2:05 PM" in text
    assert "Total: 17 out of 27" in text
    assert "Your answers suggest moderately severe symptoms of depression." in text
    assert "Total: 9 out of 21" in text
    assert "Your answers suggest mild symptoms of anxiety." in text
    # Every item of both instruments, with its answer label.
    wording = lc.screening.instruments
    for item in (*wording.instrument("phq9").items, *wording.instrument("gad7").items):
        assert " ".join(item.split()) in text
    assert "Nearly every day" in text
    assert "Very difficult" in text  # PHQ-9 difficulty (value 2)
    # The five fit questions and answers; guidance; both programs; safety lines.
    for question in lc.screening.fit.questions:
        assert question.text in text
    assert "Yes, but I need more support" in text
    assert "Ask about our Intensive Outpatient Program" in text
    assert "A clinician will talk with you to decide which program fits." in text
    for page_id in ("outpatient", "iop"):
        assert lc.programs.page(page_id).summary in text
    assert "If you are in danger, call 911." in text
    assert "Call or text 988" in text
    assert (
        "This is a screening, not a diagnosis. A clinician will talk with you about what fits you."
        in text
    )
    assert lc.screening.instruments.attribution in text
    assert "Clinic phone: (555) 010-0199" in text


def test_banner_only_when_urgent(content: Content, cfg: Config) -> None:
    for language, banner in (("en", "PLEASE SEE STAFF NOW"), ("es", "HABLE CON EL PERSONAL")):
        urgent = render_summary(make_visit(language, urgent=True), content[language], cfg)
        calm = render_summary(make_visit(language), content[language], cfg)
        assert banner in text_of(urgent)
        assert lines_of(urgent)[0].strip() == content[language].strings("report.urgent_banner")
        assert banner not in text_of(calm)


def test_urgent_visit_guidance_is_staff_today(content: Content, cfg: Config) -> None:
    text = text_of(render_summary(make_visit("en", urgent=True), content["en"], cfg))
    assert "Please talk with our staff today." in text
    assert "Ask about our Intensive Outpatient Program" not in text.split("Our programs")[0]


def test_incomplete_instrument_has_no_total_and_no_band(content: Content, cfg: Config) -> None:
    lc = content["en"]
    gad = {i: v for i, v in enumerate(GAD7, 1)} | {3: None, 6: None}
    text = text_of(render_summary(make_visit("en", gad7=gad), lc, cfg))
    assert "Not scored: 2 questions skipped" in text
    assert "out of 21" not in text
    for sentence in lc.screening.results.bands["gad7"].values():
        assert sentence not in text
    # The complete PHQ-9 still shows its band.
    assert "Total: 17 out of 27" in text


def test_one_skip_wording(content: Content, cfg: Config) -> None:
    gad = {i: v for i, v in enumerate(GAD7, 1)} | {4: None}
    text = text_of(render_summary(make_visit("en", gad7=gad), content["en"], cfg))
    assert "Not scored: 1 question skipped" in text


def test_skipped_item_9_is_shown(content: Content, cfg: Config) -> None:
    lc = content["en"]
    phq = {i: v for i, v in enumerate(PHQ9, 1)} | {9: None, 10: 1}
    pdf = render_summary(make_visit("en", phq9=phq), lc, cfg)
    item9 = lc.screening.instruments.instrument("phq9").item(9)
    row = [line for line in lines_of(pdf) if item9[:40] in line]
    assert row, "PHQ-9 item 9 must always be listed"
    assert row[0].rstrip().endswith("Skipped")
    assert "Not scored: 1 question skipped" in text_of(pdf)
    assert "moderately severe" not in text_of(pdf)


def test_difficulty_not_asked_and_unreached_items(content: Content, cfg: Config) -> None:
    # Stopped after the safety screen: PHQ-9 answered to item 9, nothing after it.
    phq = {i: v for i, v in enumerate(PHQ9, 1)}
    visit = make_visit("en", urgent=True, phq9=phq, gad7={}, fit={}, with_scores=False,
                       status="abandoned", guidance="staff_today")  # fmt: skip
    text = text_of(render_summary(visit, content["en"], cfg))
    assert "Total: 17 out of 27" in text  # scored from the answers when no score was saved
    assert "Not scored: the check-in ended before these questions" in text  # GAD-7
    assert text.count("Not asked") >= 7 + 1 + 5  # GAD-7 items, PHQ-9 difficulty, fit


def test_no_name_no_phone(content: Content, cfg: Config) -> None:
    text = text_of(render_summary(make_visit("en", name=None), content["en"], cfg))
    assert "Name:" not in text
    assert "Clinic phone" not in text


def test_markup_in_names_is_text(content: Content, tmp_path: Path) -> None:
    config = Config(data_dir=tmp_path, clinic=ClinicConfig(name="R&D <Clinic>"))
    pdf = render_summary(make_visit("en", name="<b>Al & Bo</b>"), content["en"], config)
    text = text_of(pdf)
    assert "R&D <Clinic>" in text
    assert "<b>Al & Bo</b>" in text


def test_spanish_summary(content: Content, tmp_path: Path) -> None:
    config = Config(
        data_dir=tmp_path,
        clinic=ClinicConfig(name="Clínica ¡Ánimo! Niños", phone="555-0100"),
    )
    lc = content["es"]
    visit = make_visit(
        "es", urgent=True, name="Núñez", gad7={i: 1 for i in range(1, 8)} | {2: None}
    )
    pdf = render_summary(visit, lc, config)
    text = text_of(pdf)
    assert pages(pdf) == 1
    assert "POR FAVOR, HABLE CON EL PERSONAL AHORA" in text
    assert "Clínica ¡Ánimo! Niños" in text
    assert "Resumen de la prueba de detección" in text
    assert "27 de noviembre de 2026, 14:05" in text
    assert "Nombre: Núñez" in text
    assert "Código" in text and "K7Q-4M2" in text
    assert "Total: 17 de 27" in text
    # Item 9 above 0: the item 9 sentence stands in for the band's (issue 16 item 2).
    assert "Usted nos dijo que ha tenido pensamientos de muerte o de hacerse daño." in text
    assert "Sus respuestas sugieren síntomas de depresión moderadamente graves." not in text
    assert "Sin puntaje: 1 pregunta sin contestar" in text
    assert "Más de la mitad de los días" in text
    assert "¿Tiene personas con quienes puede contar cuando necesita apoyo?" in text
    assert "Sí, pero necesito más apoyo" in text
    assert "Sin contestar" in text  # "Skipped"
    assert "Por favor, hable hoy con nuestro personal." in text
    assert "Línea 988 de Prevención del Suicidio y Crisis" in text
    assert "Esto es una prueba de detección, no un diagnóstico." in text
    assert "Teléfono de la clínica: 555-0100" in text
    assert "Sobre su estado de ánimo" in text
    assert "Pensamientos de que estaría mejor muerto(a)" in text


def test_time_uses_the_clinic_timezone(content: Content, tmp_path: Path) -> None:
    config = make_config(tmp_path, tz="America/Los_Angeles")
    assert "November 27, 2026, 11:05 AM" in text_of(
        render_summary(make_visit("en"), content["en"], config)
    )


@pytest.mark.parametrize(
    ("moment", "language", "expected"),
    [
        (datetime(2026, 11, 27, 14, 5), "en", "November 27, 2026, 2:05 PM"),
        (datetime(2026, 11, 27, 14, 5), "es", "27 de noviembre de 2026, 14:05"),
        (datetime(2026, 1, 3, 0, 9), "en", "January 3, 2026, 12:09 AM"),
        (datetime(2026, 1, 3, 0, 9), "es", "3 de enero de 2026, 00:09"),
        (datetime(2026, 7, 4, 12, 0), "en", "July 4, 2026, 12:00 PM"),
        (datetime(2026, 7, 4, 12, 0), "fr", "2026-07-04 12:00"),
    ],
)
def test_format_local_time(moment: datetime, language: str, expected: str) -> None:
    assert format_local_time(moment, language) == expected


def test_stored_score_is_what_is_printed(content: Content, cfg: Config) -> None:
    # The summary prints the saved score (what the visitor saw), not a recomputation.
    visit = make_visit("en")
    saved = dict(visit.scores)
    saved["phq9"] = StoredScore("phq9", 12, "moderate", True, 0, False)
    visit = msgspec.structs.replace(visit, scores=saved)
    text = text_of(render_summary(visit, content["en"], cfg))
    assert "Total: 12 out of 27" in text
    assert re.search(r"moderate symptoms of depression", text)


# --- issue 16: "not asked" and 988 in Spanish on the summary ------------------------------

NOT_ASKED = {
    "en": "Not scored: the check-in ended before these questions",
    "es": "Sin puntaje: el cuestionario terminó antes de estas preguntas",
}


@pytest.mark.parametrize("language", ["en", "es"])
def test_summary_of_a_stopped_visit_says_not_asked(
    content: Content, cfg: Config, language: str
) -> None:
    phq = {i: v for i, v in enumerate(PHQ9_CALM[:5], 1)} | {6: None}
    visit = make_visit(language, phq9=phq, gad7={}, fit={}, status="abandoned")
    text = text_of(render_summary(visit, content[language], cfg))
    # The PHQ-9 left part-way and the GAD-7 never reached; in English the ASQ not reached
    # either (in Spanish it is not asked at all: no official Spanish text).
    assert text.count(NOT_ASKED[language]) == (3 if language == "en" else 2)
    for gone in ("no questions answered", "no respondió ninguna pregunta", "questions skipped"):
        assert gone not in text
    assert "pregunta sin contestar" not in text and "preguntas sin contestar" not in text


@pytest.mark.parametrize("language", ["en", "es"])
def test_summary_tells_how_to_reach_988_in_spanish(
    content: Content, cfg: Config, language: str
) -> None:
    text = text_of(render_summary(make_visit(language), content[language], cfg))
    assert "AYUDA" in text
    assert ("press 2" if language == "en" else "marque 2") in text


ITEM9_SENTENCE = {
    "en": "You told us about thoughts of death or of hurting yourself. "
    "Please talk with our staff today.",
    "es": "Usted nos dijo que ha tenido pensamientos de muerte o de hacerse daño. "
    "Por favor, hable hoy con nuestro personal.",
}


@pytest.mark.parametrize("language", ["en", "es"])
def test_item_9_positive_with_a_low_total_is_never_few_or_mild(
    content: Content, cfg: Config, language: str
) -> None:
    """Issue 16 item 2: under "PLEASE SEE STAFF NOW", the PHQ-9 line is CLINICAL.md's item 9
    sentence with the total beside it, never the "few or no symptoms" or "mild" sentence."""
    lc = content[language]
    for band, phq in (
        ("minimal", {1: 1, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0, 7: 0, 8: 0, 9: 1, 10: 0}),
        ("mild", {1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 0, 7: 0, 8: 0, 9: 1, 10: 1}),
    ):
        visit = make_visit(language, phq9=phq)
        assert visit.urgent and visit.scores["phq9"].band == band
        text = text_of(render_summary(visit, lc, cfg))
        total = lc.strings("results.score_line", total=visit.scores["phq9"].total, max=27)
        assert f"{lc.strings('report.total')}: {total} \u2014 {ITEM9_SENTENCE[language]}" in text
        for sentence in lc.screening.results.bands["phq9"].values():
            assert sentence not in text
