"""The screening content of one language: instruments, fit questions, safety screen, result texts.

Files per language in resources/content/{language}/: instruments.toml, fit.toml, safety.toml and
results.toml. The instrument wording is the published wording and must not be paraphrased; its
shape is checked against the instrument's spec (kiosk.instruments), the word-for-word check
against the clinical specification lives in the tests. Answers are stored as numbers (option
values, fit option indexes), so languages must agree on every count and id — see
check_languages_match.
"""

# Annotations are real objects here, not strings (no `from __future__ import annotations`):
# msgspec would otherwise compile and eval every field's string at the first load, ~3 ms of
# the cold start (docs/performance.md). A name used before its class exists is quoted.
import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar

import msgspec

from kiosk import instruments
from kiosk.content.data_file import (
    MAX_TEXT,
    ContentError,
    FieldError,
    Frozen,
    Label,
    Text,
    check_meta_language,
    load_model,
    placeholders,
)
from kiosk.instruments import InstrumentSpec
from kiosk.instruments import ids as instrument_ids

# Ids are referenced from guidance.toml and stored in exports: keep them plain.
Identifier = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]*$")]

INSTRUMENTS_FILE = "instruments.toml"
FIT_FILE = "fit.toml"
SAFETY_FILE = "safety.toml"
RESULTS_FILE = "results.toml"


# Lists that become buttons or lines on one screen: longer ones could only slow it down.
MAX_FIT_QUESTIONS = 30
MAX_FIT_OPTIONS = 10
MAX_CRISIS_LINES = 10


class Meta(Frozen, frozen=True):
    language: Label
    # Where the wording came from, so the clinic can check it against the original.
    source: Text


def _check_count(field: str, labels: tuple[str, ...], values: tuple[int, ...]) -> None:
    if len(labels) != len(values):
        raise FieldError(
            field,
            f"needs exactly {len(values)} options (scored {values[0]}–{values[-1]} in this "
            f"order), found {len(labels)}",
        )


class InstrumentContent(Frozen, frozen=True):
    """Wording of one instrument. Option and item positions are the stored values and numbers.

    Its shape (how many items and options, whether there is a difficulty question) is the
    instrument's spec's; check_instrument holds the one against the other.
    """

    title: Label
    heading: Label
    stem: Text
    options: Annotated[tuple[Label, ...], msgspec.Meta(max_length=20)]
    items: Annotated[tuple[Text, ...], msgspec.Meta(max_length=40)]
    # Only for an instrument whose spec has a difficulty item (the PHQ-9's tenth question).
    difficulty: Text | None = None
    difficulty_options: Annotated[tuple[Label, ...], msgspec.Meta(max_length=20)] = ()
    # This instrument's own attribution line (the ASQ's NIMH line), printed beside the file's.
    attribution: Text | None = None
    # The official form this wording was copied from ("PHQ-9 Spanish for the USA, …"), so a
    # clinic can check it against the original (CLINICAL.md: every translation names it).
    source: Text | None = None

    def item(self, number: int) -> str:
        """Item text by its 1-based number."""
        if not 1 <= number <= len(self.items):
            raise KeyError(number)
        return self.items[number - 1]


def check_instrument(spec: InstrumentSpec, wording: InstrumentContent) -> None:
    """FieldError (the field below the instrument's table) unless `wording` fits `spec`."""
    _check_count("options", wording.options, spec.answer_values)
    if len(wording.items) != spec.items:
        raise FieldError(
            "items",
            f"{spec.name} needs exactly {spec.items} items, found {len(wording.items)}",
        )
    if spec.difficulty_item is None:
        if wording.difficulty is not None or wording.difficulty_options:
            raise FieldError("difficulty", f"{spec.name} has no difficulty question")
        return
    if wording.difficulty is None:
        raise FieldError("difficulty", "missing (required)")
    _check_count("difficulty_options", wording.difficulty_options, spec.difficulty_values)


class InstrumentsContent(msgspec.Struct, frozen=True):
    """instruments.toml: the attribution line and one table per registered instrument, or the
    instrument's id under [not_offered] with the sentence shown instead (no official text in
    this language: the instrument is not asked in it)."""

    meta: Meta
    attribution: str
    by_id: Mapping[str, InstrumentContent]
    not_offered: Mapping[str, str] = msgspec.field(default_factory=dict)

    def instrument(self, instrument_id: str) -> InstrumentContent:
        return self.by_id[instrument_id]

    def offers(self, instrument_id: str) -> bool:
        """Is `instrument_id` asked in this language?"""
        return instrument_id in self.by_id

    def attributions(self, instrument_ids: tuple[str, ...] | list[str]) -> list[str]:
        """The file's attribution line, then each of these offered instruments' own."""
        own = [
            self.by_id[i].attribution
            for i in instrument_ids
            if i in self.by_id and self.by_id[i].attribution
        ]
        return [self.attribution, *(line for line in own if line)]


@functools.cache
def _instruments_model(instrument_ids: tuple[str, ...]) -> type[msgspec.Struct]:
    # The file's shape follows the registry: a table per instrument, named by its id, so a
    # missing or misspelt table is named like any other key.
    fields: list[Any] = [("meta", Meta), ("attribution", Text)]
    # Optional here, required below unless listed under [not_offered].
    fields += [(instrument_id, InstrumentContent | None, None) for instrument_id in instrument_ids]
    fields.append(("not_offered", dict[str, Text], {}))
    return msgspec.defstruct(
        "InstrumentsFile",
        fields,
        bases=(Frozen,),
        frozen=True,
        kw_only=True,
        forbid_unknown_fields=True,
    )


def load_instruments(path: Path) -> InstrumentsContent:
    """Read instruments.toml; ContentError naming the file and field when it does not fit."""
    registered = instruments.ids()
    loaded: Any = load_model(path, _instruments_model(registered))  # fields made at run time
    by_id: dict[str, InstrumentContent] = {}
    not_offered: dict[str, str] = dict(loaded.not_offered)
    for instrument_id in not_offered:
        if instrument_id not in registered:
            raise ContentError(
                f"{path}: not_offered.{instrument_id}: not a registered instrument "
                f"(known: {', '.join(registered)})"
            )
    for instrument_id in registered:
        wording: InstrumentContent | None = getattr(loaded, instrument_id)
        if wording is None:
            if instrument_id not in not_offered:
                raise ContentError(
                    f"{path}: {instrument_id}: missing (required; or, where no official text "
                    f"exists in this language, a sentence under not_offered.{instrument_id})"
                )
            continue
        if instrument_id in not_offered:
            raise ContentError(
                f"{path}: not_offered.{instrument_id}: the [{instrument_id}] table is there too; "
                "keep one"
            )
        try:
            check_instrument(instruments.get(instrument_id), wording)
        except FieldError as exc:
            field, message = str(exc)[1:].split("@ ", 1)
            raise ContentError(f"{path}: {instrument_id}.{field}: {message}") from None
        by_id[instrument_id] = wording
    return InstrumentsContent(
        meta=loaded.meta, attribution=loaded.attribution, by_id=by_id, not_offered=not_offered
    )


class FitOption(Frozen, frozen=True):
    id: Identifier
    label: Label


def _check_unique_ids(field: str, ids: list[str], what: str) -> None:
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise FieldError(field, f"{what} ids must be unique; repeated: {', '.join(duplicates)}")


class FitQuestion(Frozen, frozen=True):
    id: Identifier
    text: Text
    options: Annotated[
        tuple[FitOption, ...], msgspec.Meta(min_length=2, max_length=MAX_FIT_OPTIONS)
    ]

    def __post_init__(self) -> None:
        _check_unique_ids("options", [option.id for option in self.options], "option")

    def option_ids(self) -> tuple[str, ...]:
        return tuple(option.id for option in self.options)


class FitContent(Frozen, frozen=True):
    """The "which program fits" questions. Stored answers are option indexes by item number."""

    meta: Meta
    title: Label
    questions: Annotated[
        tuple[FitQuestion, ...], msgspec.Meta(min_length=1, max_length=MAX_FIT_QUESTIONS)
    ]

    def __post_init__(self) -> None:
        _check_unique_ids("questions", [q.id for q in self.questions], "question")

    def question_ids(self) -> tuple[str, ...]:
        return tuple(question.id for question in self.questions)

    def item_number(self, question_id: str) -> int:
        """The 1-based item number under which answers to `question_id` are stored."""
        for number, question in enumerate(self.questions, start=1):
            if question.id == question_id:
                return number
        raise KeyError(question_id)


class CrisisLine(Frozen, frozen=True):
    text: Text
    # Kept apart from the text so screens can show it large and the summary can print it bold.
    number: Label


class SafetyContent(Frozen, frozen=True):
    meta: Meta
    title: Label
    message: Text
    # Shown on the safety screen, every result screen and every summary; never empty.
    crisis: Annotated[
        tuple[CrisisLine, ...], msgspec.Meta(min_length=1, max_length=MAX_CRISIS_LINES)
    ]
    continue_label: Label
    stop_label: Label
    talk_now_label: Label


class GuidanceTexts(Frozen, frozen=True):
    """One sentence per guidance result (kiosk.model.Guidance); the rules choose which."""

    staff_today: Text
    ask_iop: Text
    # An incomplete instrument that could still have reached a threshold: neither program is
    # suggested, the clinician decides (shown alone, not followed by `clinician_decides` again).
    clinician: Text
    outpatient: Text


def _check_band_keys(instrument: str, texts: object) -> None:
    # Values are checked here, not by type: msgspec names a table's key only as "[...]", and
    # the clinic needs to know which band's sentence is wrong.
    where = f"bands.{instrument}"
    if not isinstance(texts, dict):
        raise FieldError(where, f"expected a table, got {type(texts).__name__}")
    for band, text in texts.items():
        if not isinstance(text, str):
            raise FieldError(f"{where}.{band}", f"expected text, got {type(text).__name__}")
        if not text:
            raise FieldError(f"{where}.{band}", "must not be empty")
        if len(text) > MAX_TEXT:
            raise FieldError(f"{where}.{band}", f"too long (at most {MAX_TEXT} characters)")
    expected = instruments.get(instrument).band_names
    missing = [band for band in expected if band not in texts]
    unknown = sorted(key for key in texts if key not in expected)
    problems = []
    if missing:
        problems.append("missing " + ", ".join(f'"{band}"' for band in missing))
    if unknown:
        problems.append("unknown " + ", ".join(f'"{key}"' for key in unknown))
    if problems:
        raise FieldError(
            where,
            "; ".join(problems) + " (bands are " + ", ".join(f'"{b}"' for b in expected) + ")",
        )


def _check_bands(bands: Mapping[str, object]) -> None:
    """One table per registered instrument, one sentence per band, keyed by the band names."""
    registered = instruments.ids()
    for key in bands:
        if key not in registered:
            raise FieldError(f"bands.{key}", "unknown key (check the spelling)")
    for instrument_id in registered:
        if instrument_id not in bands:
            raise FieldError(f"bands.{instrument_id}", "missing (required)")
        _check_band_keys(instrument_id, bands[instrument_id])


def _check_safety_results(texts: Mapping[str, str]) -> None:
    """A sentence for each instrument whose spec puts it in place of the band after a safety
    answer (InstrumentSpec.safety_replaces_band), and for no other key."""
    registered = instruments.ids()
    for key in texts:
        if key not in registered:
            raise FieldError(f"safety_result.{key}", "unknown instrument (check the spelling)")
        if not instruments.get(key).safety_replaces_band:
            raise FieldError(
                f"safety_result.{key}", f"{key} has no safety answer that replaces its band"
            )
    for instrument_id in registered:
        if instruments.get(instrument_id).safety_replaces_band and instrument_id not in texts:
            raise FieldError(f"safety_result.{instrument_id}", "missing (required)")


def _placeholders(field: str, text: str) -> frozenset[str]:
    try:
        return placeholders(text)
    except ValueError as exc:  # "{n", "{n:d}" and the like
        raise FieldError(field, str(exc)) from None


class ResultsContent(Frozen, frozen=True):
    # The only texts of the screening files that are filled in (str.format); see check_texts.
    templates: ClassVar[Mapping[str, frozenset[str]]] = {
        "not_scored_one": frozenset({"n"}),
        "not_scored_many": frozenset({"n"}),
    }

    meta: Meta
    not_a_diagnosis: Text
    clinician_decides: Text
    guidance: GuidanceTexts
    # instrument id -> band -> sentence; checked in __post_init__ against the registry.
    bands: dict[str, Any]
    not_scored_one: Text
    not_scored_many: Text
    # Questions never shown are "not asked", not skipped: the visitor is not blamed for them.
    not_scored_ended: Text
    # instrument id -> the line shown instead of its band sentence after a safety answer.
    safety_result: dict[str, Text] = msgspec.field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_bands(self.bands)
        _check_safety_results(self.safety_result)
        if not _placeholders("not_scored_one", self.not_scored_one) <= {"n"}:
            raise FieldError("not_scored_one", "the only placeholder allowed is {n}")
        if _placeholders("not_scored_many", self.not_scored_many) != {"n"}:
            raise FieldError(
                "not_scored_many",
                "needs the {n} placeholder (number of skipped questions) and no other",
            )

    def band_text(self, instrument: str, band: str) -> str:
        return str(self.bands[instrument][band])  # checked to be text at load

    def not_scored(self, skipped: int) -> str:
        template = self.not_scored_one if skipped == 1 else self.not_scored_many
        return template.format(n=skipped)


# Field names of ScreeningContent -> file names, for errors that point at the right file.
SCREENING_FILES = {
    "instruments": INSTRUMENTS_FILE,
    "fit": FIT_FILE,
    "safety": SAFETY_FILE,
    "results": RESULTS_FILE,
}


class ScreeningContent(Frozen, frozen=True):
    language: Text
    folder: Path
    instruments: InstrumentsContent
    fit: FitContent
    safety: SafetyContent
    results: ResultsContent

    def path(self, part: str) -> Path:
        return self.folder / SCREENING_FILES[part]


def load_screening(content_dir: Path, language: str) -> ScreeningContent:
    """Load and validate the four screening files of `language` under `content_dir`."""
    folder = content_dir / language
    instruments = load_instruments(folder / INSTRUMENTS_FILE)
    fit = load_model(folder / FIT_FILE, FitContent)
    safety = load_model(folder / SAFETY_FILE, SafetyContent)
    results = load_model(folder / RESULTS_FILE, ResultsContent)
    for name, meta in (
        (INSTRUMENTS_FILE, instruments.meta),
        (FIT_FILE, fit.meta),
        (SAFETY_FILE, safety.meta),
        (RESULTS_FILE, results.meta),
    ):
        check_meta_language(folder / name, meta.language, language)
    return ScreeningContent(
        language=language,
        folder=folder,
        instruments=instruments,
        fit=fit,
        safety=safety,
        results=results,
    )


def check_languages_match(a: ScreeningContent, b: ScreeningContent) -> None:
    """Raise ContentError unless `b` can stand in for `a`.

    Stored answers are positions (option values, fit option indexes), so an extra or reordered
    option in one language would silently change what a stored answer means in the other.
    """
    problems: list[str] = []
    instruments_path = b.path("instruments")
    for instrument_id in instrument_ids():
        if not (a.instruments.offers(instrument_id) and b.instruments.offers(instrument_id)):
            continue  # not asked in one of them: nothing stored in one can mean another thing
        ours, theirs = (
            a.instruments.instrument(instrument_id),
            b.instruments.instrument(instrument_id),
        )
        for field in ("options", "items", "difficulty_options"):
            count_a, count_b = len(getattr(ours, field)), len(getattr(theirs, field))
            if count_a != count_b:
                problems.append(
                    f"{instruments_path}: {instrument_id}.{field}: has {count_b}, "
                    f"but {a.language} has {count_a}"
                )
    fit_path = b.path("fit")
    ids_a, ids_b = a.fit.question_ids(), b.fit.question_ids()
    if ids_a != ids_b:
        problems.append(
            f"{fit_path}: questions: ids are {', '.join(ids_b)} but {a.language} has "
            f"{', '.join(ids_a)} (same ids in the same order in every language)"
        )
    else:
        for number, (qa, qb) in enumerate(zip(a.fit.questions, b.fit.questions, strict=True), 1):
            if qa.option_ids() != qb.option_ids():
                problems.append(
                    f"{fit_path}: questions[{number}].options: ids are "
                    f"{', '.join(qb.option_ids())} but {a.language} has "
                    f"{', '.join(qa.option_ids())} (same ids in the same order in every language)"
                )
    if problems:
        raise ContentError("\n".join(problems))
