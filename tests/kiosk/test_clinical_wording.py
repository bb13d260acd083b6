"""Issue 16's wording corrections, pinned to CLINICAL.md's exact texts: the official Spanish
option 0, no insurance claim the seed does not make, "not asked" for questions never shown, and
how to reach 988 in Spanish. The expected strings are typed in here on purpose: they are the
clinical specification's words, and a content edit that drifts from them must fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.content import Content
from kiosk.scoring import score
from kiosk.summary.wording import result_words, staff_result_line

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "resources" / "content"

GAD7 = [1, 2, 1, 1, 0, 2, 2]
ENDED = {
    "en": "Not scored: the check-in ended before these questions",
    "es": "Sin puntaje: el cuestionario terminó antes de estas preguntas",
}


# --- item 4: Spanish option 0 ------------------------------------------------------------------


def test_spanish_option_0_is_the_official_ningun_dia(content: Content) -> None:
    es = content["es"].screening.instruments
    for instrument in ("phq9", "gad7"):
        assert es.instrument(instrument).options[0] == "Ningún día"
    assert "Para nada" not in (CONTENT / "es" / "instruments.toml").read_text(encoding="utf-8")


# --- item 5: no coverage claim -----------------------------------------------------------------


def _page_texts(content: Content, language: str) -> list[str]:
    page = content[language].programs.page("paying")
    texts = [page.title, page.summary]
    for block in page.blocks:
        texts += [getattr(block, "heading", None) or "", getattr(block, "text", None) or ""]
        texts += list(getattr(block, "items", None) or ())
    return texts


def test_paying_page_says_only_what_the_seed_says(content: Content) -> None:
    official = {
        "en": "Insurance may help pay for these programs. Coverage depends on your plan. "
        "Ask the front desk about your plan.",
        "es": "El seguro médico puede ayudar a pagar estos programas. La cobertura depende de su "
        "plan. Pregunte en la recepción sobre su plan.",
    }
    claims = {
        "en": ("many insurance", "many plans", "can check", "check your", "check what"),
        "es": ("muchos seguros", "pueden revisar", "revisen", "revisar su"),
    }
    for language in ("en", "es"):
        texts = _page_texts(content, language)
        joined = " ".join(texts)
        assert official[language] in texts, language
        for claim in claims[language]:
            assert claim not in joined.lower(), (language, claim)


# --- item 6: never shown is "not asked" --------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "es"])
def test_never_shown_questions_are_not_asked(content: Content, language: str) -> None:
    lc = content[language]
    # Stopped on item 4: items 1-2 answered, 3 seen and skipped, 4-9 never shown.
    partial = {1: 1, 2: 0, 3: None}
    words = result_words("phq9", score("phq9", partial), lc, partial)
    assert words.sentence == ENDED[language]
    # The GAD-7 never reached at all: the same words, never "no questions answered".
    assert result_words("gad7", score("gad7", {}), lc, {}).sentence == ENDED[language]
    assert result_words("gad7", None, lc, {}).sentence == ENDED[language]


@pytest.mark.parametrize("language", ["en", "es"])
def test_questions_seen_and_skipped_are_still_skipped(content: Content, language: str) -> None:
    lc = content[language]
    results = lc.screening.results
    one = {i: v for i, v in enumerate(GAD7, 1)} | {4: None}
    assert result_words("gad7", score("gad7", one), lc, one).sentence == results.not_scored(1)
    everything = dict.fromkeys(range(1, 10))
    words = result_words("phq9", score("phq9", everything), lc, everything)
    assert words.sentence == results.not_scored(9)
    if language == "en":
        assert words.sentence == "Not scored: 9 questions skipped"


# --- item 2: no reassurance under the urgent banner -----------------------------------------

ITEM9_SENTENCE = {
    "en": "You told us about thoughts of death or of hurting yourself. "
    "Please talk with our staff today.",
    "es": "Usted nos dijo que ha tenido pensamientos de muerte o de hacerse daño. "
    "Por favor, hable hoy con nuestro personal.",
}
# Item 9 "Several days", everything else low: a total of 2 ("minimal") or 6 ("mild").
ITEM9_LOW = {
    "minimal": {1: 1, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0, 7: 0, 8: 0, 9: 1},
    "mild": {1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 0, 7: 0, 8: 0, 9: 1},
}


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("band", ["minimal", "mild"])
def test_item_9_positive_never_reads_few_or_mild(
    content: Content, language: str, band: str
) -> None:
    lc = content[language]
    answers = ITEM9_LOW[band]
    result = score("phq9", answers)
    assert result.urgent and result.band == band
    words = result_words("phq9", result, lc, answers)
    assert words.sentence == ITEM9_SENTENCE[language]
    assert words.total == lc.strings("results.score_line", total=result.total, max=27)
    assert lc.screening.results.band_text("phq9", band) not in words.line()
    # The band is kept for staff.
    assert staff_result_line("phq9", result) == f"PHQ-9: {result.total} ({band})"


@pytest.mark.parametrize("language", ["en", "es"])
def test_item_9_positive_and_a_skip_says_both(content: Content, language: str) -> None:
    lc = content[language]
    answers = ITEM9_LOW["minimal"] | {3: None}
    words = result_words("phq9", score("phq9", answers), lc, answers)
    assert words.total is None
    assert words.sentence == f"{ITEM9_SENTENCE[language]} {lc.screening.results.not_scored(1)}"


def test_item_9_zero_keeps_the_band_sentence(content: Content) -> None:
    answers = ITEM9_LOW["minimal"] | {9: 0, 2: 1}
    words = result_words("phq9", score("phq9", answers), content["en"], answers)
    assert words.sentence == "Your answers suggest few or no symptoms of depression."


# --- item 9: 988 in Spanish --------------------------------------------------------------------


def test_crisis_lines_are_the_specification_wording(content: Content) -> None:
    expected = {
        "en": [
            "If you are in danger, call 911.",
            "Call or text 988 (Suicide & Crisis Lifeline), any time, free. "
            "For Spanish, press 2 or text AYUDA.",
        ],
        "es": [
            "Si está en peligro, llame al 911.",
            "Llame al 988 y marque 2, o envíe AYUDA por mensaje de texto al 988 (Línea 988 de "
            "Prevención del Suicidio y Crisis), a cualquier hora, gratis.",
        ],
    }
    for language, lines in expected.items():
        assert [line.text for line in content[language].screening.safety.crisis] == lines
