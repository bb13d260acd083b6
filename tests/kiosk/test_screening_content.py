"""Screening content files: both languages load and agree, broken files are named, and the shipped
wording matches the clinical specification word for word.

The expected wording is parsed out of docs/clinical-rules.md (the project's copy of its clinical
specification), not typed in here, so this test checks content against the specification itself.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from kiosk.content.data_file import ContentError, read_toml
from kiosk.content.screening import (
    InstrumentContent,
    ScreeningContent,
    check_languages_match,
    load_screening,
)

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "resources" / "content"
SPEC = ROOT / "docs" / "clinical-rules.md"
LANGUAGES = ("en", "es")
FILES = ("instruments.toml", "fit.toml", "safety.toml", "results.toml")


@cache
def screening(language: str) -> ScreeningContent:
    return load_screening(CONTENT, language)


# --- reading the specification ----------------------------------------------------------------


def normalize(text: str) -> str:
    return " ".join(text.split())


@cache
def spec_text() -> str:
    return SPEC.read_text(encoding="utf-8")


def spec_section(heading: str) -> str:
    """The text under a '### ' or '## ' heading that starts with `heading`, up to the next one."""
    match = re.search(
        rf"^#+ {re.escape(heading)}[^\n]*\n(.*?)(?=^#+ |\Z)", spec_text(), re.M | re.S
    )
    assert match, f"heading {heading!r} not found in {SPEC}"
    return match.group(1)


def numbered_list(text: str) -> dict[int, str]:
    """'1. ...' entries with their indented continuation lines joined by a space."""
    items: dict[int, str] = {}
    current: int | None = None
    for line in text.splitlines():
        start = re.match(r"^(\d+)\. (.*)$", line)
        if start:
            current = int(start.group(1))
            items[current] = start.group(2)
        elif current is not None and line.startswith(" ") and line.strip():
            items[current] += " " + line.strip()
        else:
            current = None
    return {number: normalize(text) for number, text in items.items()}


def quoted_after(text: str, label: str) -> str:
    match = re.search(re.escape(label) + r'\s*"([^"]+)"', text)
    assert match, f"no quoted text after {label!r} in {SPEC}"
    return normalize(match.group(1))


def spec_quotes() -> list[str]:
    return [normalize(q) for q in re.findall(r'"([^"]+)"', spec_text())]


def english_spec() -> dict[str, dict[str, object]]:
    phq9 = spec_section("PHQ-9")
    gad7 = spec_section("GAD-7")
    options_line = re.search(r"Options and values: (.+?)\.\n", phq9)
    assert options_line
    pairs = re.findall(r"([^,=]+?) = (\d)", options_line.group(1))
    options = [label.strip() for label, value in sorted(pairs, key=lambda p: int(p[1]))]
    assert [int(v) for _, v in sorted(pairs, key=lambda p: int(p[1]))] == [0, 1, 2, 3]

    phq9_items = numbered_list(phq9)
    item_10 = phq9_items.pop(10)
    difficulty = quoted_after(item_10, "")
    difficulty_options = item_10.rsplit('"', 1)[1].strip().rstrip(".").split(" / ")
    phq9_items[9] = re.sub(r"\s*\(LOINC [^)]*\)$", "", phq9_items[9])

    assert "Same four options and values." in gad7
    # The current "GAD-7 English for the USA" form has no difficulty question.
    assert "No difficulty question" in gad7
    return {
        "phq9": {
            "stem": quoted_after(phq9, "Stem (en):"),
            "options": options,
            "items": [phq9_items[n] for n in sorted(phq9_items)],
            "difficulty": difficulty,
            "difficulty_options": difficulty_options,
        },
        "gad7": {
            "stem": quoted_after(gad7, "Stem (en):"),
            "options": options,
            "items": [v for _, v in sorted(numbered_list(gad7).items())],
            "difficulty": None,
            "difficulty_options": [],
        },
    }


# --- loading ----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_language_loads(language: str) -> None:
    content = screening(language)
    assert content.language == language
    assert len(content.instruments.instrument("phq9").items) == 9
    assert len(content.instruments.instrument("gad7").items) == 7
    assert content.fit.question_ids() == ("impact", "hospital", "support", "therapy", "time")
    assert [line.number for line in content.safety.crisis] == ["911", "988"]
    for meta in (
        content.instruments.meta,
        content.fit.meta,
        content.safety.meta,
        content.results.meta,
    ):
        assert meta.language == language
        assert meta.source


def test_languages_match_both_ways() -> None:
    check_languages_match(screening("en"), screening("es"))
    check_languages_match(screening("es"), screening("en"))


def shape(value: object) -> object:
    """Keys and list lengths of a TOML document, with the text left out."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    return type(value).__name__


@pytest.mark.parametrize("name", FILES)
def test_every_language_has_every_key(name: str) -> None:
    shapes = {language: shape(read_toml(CONTENT / language / name)) for language in LANGUAGES}
    # An instrument with no official text in a language is listed under not_offered there
    # instead of its table (the ASQ in Spanish): every other key is the same.
    for language, other in (("es", "en"), ("en", "es")):
        for instrument_id in shapes[language].pop("not_offered", {}):  # type: ignore[union-attr]
            shapes[other].pop(instrument_id)  # type: ignore[union-attr]
    assert shapes["es"] == shapes["en"]


def test_fit_ids_and_options_match() -> None:
    en, es = screening("en").fit, screening("es").fit
    assert [q.option_ids() for q in en.questions] == [q.option_ids() for q in es.questions]
    assert en.item_number("impact") == 1
    assert en.item_number("time") == 5


def test_helpers() -> None:
    results = screening("en").results
    assert results.not_scored(1) == "Not scored: 1 question skipped"
    assert results.not_scored(3) == "Not scored: 3 questions skipped"
    assert screening("es").results.not_scored(2) == "Sin puntaje: 2 preguntas sin contestar"
    assert results.band_text("phq9", "moderately severe").startswith("Your answers suggest")
    assert screening("en").instruments.instrument("phq9").item(9).startswith("Thoughts that you")
    with pytest.raises(KeyError):
        screening("en").instruments.instrument("gad7").item(8)


# --- broken copies: every message names the file and the field --------------------------------


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


EN_OPTIONS = '["Not at all", "Several days", "More than half the days", "Nearly every day"]'

BROKEN = [
    pytest.param(
        "en/instruments.toml",
        EN_OPTIONS,
        '["Not at all", "Several days", "Nearly every day"]',
        "phq9.options: needs exactly 4 options (scored 0–3 in this order), found 3",
        id="three-options",
    ),
    pytest.param(
        "en/instruments.toml",
        '"Nearly every day"]\nitems = [\n  "Feeling nervous',
        '"Nearly every day", "Always"]\nitems = [\n  "Feeling nervous',
        "gad7.options: needs exactly 4 options (scored 0–3 in this order), found 5",
        id="five-options",
    ),
    pytest.param(
        "en/instruments.toml",
        '  "Poor appetite or overeating",\n',
        "",
        "phq9.items: PHQ-9 needs exactly 9 items, found 8",
        id="phq9-eight-items",
    ),
    pytest.param(
        "es/instruments.toml",
        '  "Ha tenido dificultad para relajarse",\n',
        '  "Ha tenido dificultad para relajarse",\n  "Otra",\n',
        "gad7.items: GAD-7 needs exactly 7 items, found 8",
        id="gad7-eight-items",
    ),
    pytest.param(
        "es/instruments.toml",
        '["No ha sido difícil", "Un poco difícil", "Muy difícil", "Extremadamente difícil"]',
        '["No ha sido difícil", "Muy difícil", "Extremadamente difícil"]',
        "phq9.difficulty_options: needs exactly 4 options",
        id="difficulty-options",
    ),
    pytest.param(
        "en/instruments.toml",
        'heading = "About your mood"',
        'heading = "   "',
        "phq9.heading: must not be empty",
        id="blank-heading",
    ),
    pytest.param(
        "en/instruments.toml",
        'heading = "About your mood"',
        'heading = "About your mood"\nheadline = "typo"',
        "phq9.headline: unknown key (check the spelling)",
        id="unknown-key",
    ),
    pytest.param(
        "en/instruments.toml",
        "attribution = ",
        "# attribution = ",
        "attribution: missing (required)",
        id="no-attribution",
    ),
    pytest.param(
        "en/fit.toml",
        '{ id = "some", label = "Some" }',
        '{ id = "yes", label = "Some" }',
        "questions[3].options: option ids must be unique; repeated: yes",
        id="duplicate-option",
    ),
    pytest.param(
        "en/fit.toml",
        'id = "time"',
        'id = "Time!"',
        "questions[5].id: expected text matching regex",
        id="bad-id",
    ),
    pytest.param(
        "es/safety.toml",
        'language = "es"',
        'language = "en"',
        "meta.language: says 'en' but the folder is 'es'",
        id="wrong-language",
    ),
    pytest.param(
        "en/safety.toml",
        'number = "988"',
        "",
        "crisis[2].number: missing (required)",
        id="no-number",
    ),
    pytest.param(
        "en/results.toml",
        'clinician_decides = "',
        'clinician_decide = "',
        "clinician_decide: unknown key (check the spelling)",
        id="renamed-key",
    ),
    pytest.param(
        "es/results.toml",
        '"moderately severe" = ',
        '"moderadamente grave" = ',
        'bands.phq9: missing "moderately severe"; unknown "moderadamente grave"',
        id="translated-band-key",
    ),
    pytest.param(
        "en/results.toml",
        '"Not scored: {n} questions skipped"',
        '"Not scored: {count} questions skipped"',
        "not_scored_many: needs the {n} placeholder",
        id="placeholder",
    ),
    pytest.param(
        "es/results.toml",
        'ask_iop = "',
        'ask_iop = "" \nx_ask_iop = "',
        "guidance.ask_iop: must not be empty",
        id="empty-guidance",
    ),
    pytest.param(
        "en/results.toml",
        '"Not scored: {n} questions skipped"',
        '"Not scored: {n questions skipped"',
        "not_scored_many: broken {placeholder}",
        id="broken-placeholder",
    ),
    pytest.param(
        "en/results.toml",
        "mild = ",
        "mild = 5\nx_mild = ",
        "bands.phq9.mild: expected text, got int",
        id="band-not-text",
    ),
]


@pytest.mark.parametrize(("file", "old", "new", "message"), BROKEN)
def test_broken_file_names_file_and_field(
    content_copy: Path, file: str, old: str, new: str, message: str
) -> None:
    path = content_copy / file
    edit(path, old, new)
    with pytest.raises(ContentError) as caught:
        load_screening(content_copy, file.split("/")[0])
    assert f"{path}: {message}" in str(caught.value)


def test_missing_file(content_copy: Path) -> None:
    (content_copy / "es" / "safety.toml").unlink()
    with pytest.raises(ContentError, match=r"es/safety\.toml: file is missing"):
        load_screening(content_copy, "es")


def test_languages_must_agree_on_fit_options(content_copy: Path) -> None:
    path = content_copy / "es" / "fit.toml"
    edit(path, '  { id = "some", label = "Algunas" },\n', "")
    es = load_screening(content_copy, "es")
    with pytest.raises(ContentError) as caught:
        check_languages_match(screening("en"), es)
    assert f"{path}: questions[3].options: ids are yes, no but en has yes, some, no" in str(
        caught.value
    )


def test_languages_must_agree_on_option_order(content_copy: Path) -> None:
    # Stored answers are positions: swapped options would flip what a stored answer means.
    path = content_copy / "es" / "fit.toml"
    edit(
        path,
        '  { id = "yes", label = "Sí" },\n  { id = "no", label = "No" },\n',
        '  { id = "no", label = "No" },\n  { id = "yes", label = "Sí" },\n',
    )
    with pytest.raises(ContentError) as caught:
        check_languages_match(screening("en"), load_screening(content_copy, "es"))
    assert f"{path}: questions[2].options: ids are no, yes but en has yes, no" in str(caught.value)


def test_languages_must_agree_on_fit_questions(content_copy: Path) -> None:
    path = content_copy / "es" / "fit.toml"
    edit(path, 'id = "support"', 'id = "apoyo"')
    with pytest.raises(ContentError) as caught:
        check_languages_match(screening("en"), load_screening(content_copy, "es"))
    assert f"{path}: questions: ids are impact, hospital, apoyo" in str(caught.value)


# --- word for word against the specification --------------------------------------------------


def assert_instrument(content: InstrumentContent, expected: dict[str, object]) -> None:
    assert content.stem == expected["stem"]
    assert list(content.options) == expected["options"]
    assert list(content.items) == expected["items"]
    assert content.difficulty == expected["difficulty"]
    assert list(content.difficulty_options) == expected["difficulty_options"]


def test_spec_parser_found_everything() -> None:
    # Guards the test itself: a parser that found nothing would make the wording checks vacuous.
    spec = english_spec()
    assert len(spec["phq9"]["items"]) == 9  # type: ignore[arg-type]
    assert len(spec["gad7"]["items"]) == 7  # type: ignore[arg-type]
    assert len(spec["phq9"]["options"]) == 4  # type: ignore[arg-type]
    assert len(spec["phq9"]["difficulty_options"]) == 4  # type: ignore[arg-type]
    assert str(spec["phq9"]["difficulty"]).endswith("get along with other people?")


@pytest.mark.parametrize("instrument", ("phq9", "gad7"))
def test_english_wording_is_official(instrument: str) -> None:
    assert_instrument(
        screening("en").instruments.instrument(instrument), english_spec()[instrument]
    )


def test_english_item_8_keeps_its_punctuation() -> None:
    item_8 = screening("en").instruments.instrument("phq9").items[7]
    assert "noticed? Or the opposite — being so fidgety" in item_8


def test_attribution_on_every_language() -> None:
    expected = quoted_after(spec_section("Instruments shipped by default"), "on the summary:")
    assert screening("en").instruments.attribution == expected
    es = screening("es").instruments.attribution
    for name in ("Robert L. Spitzer", "Janet B.W. Williams", "Kurt Kroenke", "Pfizer Inc."):
        assert name in es


def test_spanish_fragments_from_the_specification() -> None:
    section = normalize(spec_section("Spanish (US) versions"))
    options_text = re.search(r"Options: (.*?) Stem:", section)
    assert options_text
    options = re.findall(r'"([^"]+)"', options_text.group(1))
    assert len(options) == 4
    stem = quoted_after(section, "Stem:")
    es = screening("es").instruments
    for instrument in (es.instrument("phq9"), es.instrument("gad7")):
        assert list(instrument.options) == options
        assert instrument.stem == stem

    fragments = re.findall(r'(PHQ-9|GAD-7)? ?item (\d+) (begins )?"([^"]+)"', section)
    assert len(fragments) == 3
    last_instrument = ""
    for instrument_name, number, begins, text in fragments:
        last_instrument = instrument_name or last_instrument
        content = es.instrument("phq9" if last_instrument == "PHQ-9" else "gad7")
        item = content.item(int(number))
        if begins:
            assert item.startswith(text), (last_instrument, number)
        else:
            assert item == text, (last_instrument, number)


def test_fit_questions_match_the_specification() -> None:
    section = spec_section('"Which program fits" guidance')
    asked = section.split("ask (clinic-editable content):", 1)[1]
    spec_questions = numbered_list(asked.split("\n\n", 1)[0])
    fit = screening("en").fit
    assert len(spec_questions) == len(fit.questions) == 5
    for number, question in enumerate(fit.questions, start=1):
        text, options = spec_questions[number].rsplit(" — ", 1)
        assert question.text == text
        assert [option.label for option in question.options] == options.split(" / ")


def test_english_sentences_are_the_specification_wording() -> None:
    quotes = spec_quotes()
    en = screening("en")
    exact = [
        en.results.not_a_diagnosis,
        en.results.clinician_decides,
        en.results.guidance.staff_today,
        en.results.guidance.ask_iop,
        en.results.guidance.outpatient,
        en.results.not_scored(1),
        en.results.not_scored_ended,
        en.safety.talk_now_label,
    ]
    for sentence in exact:
        assert sentence in quotes, sentence
    # The safety message and crisis lines share one quotation in the specification.
    for sentence in [en.safety.message, *(line.text for line in en.safety.crisis)]:
        assert any(sentence in quote for quote in quotes), sentence
    for line in en.safety.crisis:
        assert line.number in line.text


def test_crisis_lines_tell_how_to_reach_988_in_spanish() -> None:
    for language, press in (("en", "press 2"), ("es", "marque 2")):
        texts = [line.text for line in screening(language).safety.crisis]
        assert any("988" in text and press in text and "AYUDA" in text for text in texts)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_instrument_names_its_official_source(language: str) -> None:
    """CLINICAL.md: every content file names the official form each text was copied from."""
    usa = {"en": "English (USA)", "es": "Spanish for the USA"}[language]
    for instrument_id in ("phq9", "gad7"):
        content = screening(language).instruments.instrument(instrument_id)
        assert content.source is not None, (language, instrument_id)
        assert content.source.startswith(f"{content.title} {usa}, Pfizer / PHQ Screeners")


def test_gad7_has_no_difficulty_question() -> None:
    """The current GAD-7 USA form asks none (the shipped one reused the PHQ-9's sentence)."""
    from kiosk.instruments import get

    assert get("gad7").difficulty_item is None
    for language in LANGUAGES:
        gad7 = screening(language).instruments.instrument("gad7")
        assert gad7.difficulty is None and gad7.difficulty_options == ()
