"""Loads and validates everything in resources/content before any window opens.

Per language: `programs.toml` (the program explainers), `ui.toml` (every visitor-facing string of
the screens and the printed summary) and the screening files (see kiosk.content.screening).
Language-neutral: `guidance.toml` (the "which program fits" rules). A broken file raises
ContentError naming the file and the field; a language that lacks a key another language has is an
error too, so a Spanish screen can never fall back to English. The first language must carry
every key the screens ask for (kiosk.content.screen_strings): valid content builds every screen.
"""

# Annotations are real objects here, not strings (no `from __future__ import annotations`):
# msgspec would otherwise compile and eval every field's string at the first load, ~3 ms of
# the cold start (docs/performance.md). A name used before its class exists is quoted.
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Literal

import msgspec

from kiosk.content.data_file import (
    MAX_LABEL,
    ContentError,
    FieldError,
    Frozen,
    Label,
    Text,
    check_meta_language,
    load_model,
    placeholders,
    read_toml,
    shown,
)
from kiosk.content.screen_strings import SAMPLE_VALUES, UI_KEYS
from kiosk.content.screening import ScreeningContent, check_languages_match, load_screening
from kiosk.content.staff_words import STAFF_FILE, StaffContent, load_staff_words
from kiosk.guidance import GuidanceRules, load_rules

PROGRAM_PAGE_IDS = ("outpatient", "iop", "differ", "choose", "paying")
# A screen string is a title, a button or a sentence or two.
MAX_UI_TEXT = 1000
# A page is one screen of reading: lists longer than these could never be read, only slow it.
MAX_BLOCKS = 30
MAX_LIST = 30
Column = Annotated[str, msgspec.Meta(max_length=MAX_LABEL)]  # the first column head may be ""


class Meta(Frozen, frozen=True):
    language: Label
    source: Text


class Block(Frozen, frozen=True):
    kind: Literal["paragraph", "bullets", "table"]
    heading: Label | None = None
    text: Text | None = None
    items: Annotated[list[Text], msgspec.Meta(max_length=MAX_LIST)] | None = None
    columns: Annotated[list[Column], msgspec.Meta(max_length=6)] | None = None
    rows: (
        Annotated[
            list[Annotated[list[Text], msgspec.Meta(max_length=6)]],
            msgspec.Meta(max_length=MAX_LIST),
        ]
        | None
    ) = None

    def __post_init__(self) -> None:
        if self.kind == "paragraph" and not self.text:
            raise ValueError("a paragraph block needs 'text'")
        if self.kind == "bullets" and not self.items:
            raise ValueError("a bullets block needs a non-empty 'items' list")
        if self.kind == "table":
            if not self.columns or len(self.columns) < 2 or not self.rows:
                raise ValueError("a table block needs 'columns' (2 or more) and 'rows'")
            for number, row in enumerate(self.rows, start=1):
                if len(row) != len(self.columns):
                    cells, columns = len(row), len(self.columns)
                    raise FieldError(
                        "rows", f"row {number} has {cells} cells but there are {columns} columns"
                    )


class ProgramPage(Frozen, frozen=True):
    id: Literal["outpatient", "iop", "differ", "choose", "paying"]
    title: Label
    summary: Annotated[str, msgspec.Meta(min_length=1, max_length=140)]
    blocks: Annotated[list[Block], msgspec.Meta(min_length=1, max_length=MAX_BLOCKS)]


class ProgramMenu(Frozen, frozen=True):
    title: Label
    intro: Text


class ProgramsContent(Frozen, frozen=True):
    meta: Meta
    menu: ProgramMenu
    pages: list[ProgramPage]

    def __post_init__(self) -> None:
        ids = tuple(page.id for page in self.pages)
        if ids != PROGRAM_PAGE_IDS:
            raise FieldError(
                "pages", f"pages must be, in this order: {', '.join(PROGRAM_PAGE_IDS)}"
            )
        if not any(block.kind == "table" for block in self.pages[2].blocks):
            raise FieldError("pages", "the 'differ' page needs a side-by-side table block")

    def page(self, page_id: str) -> ProgramPage:
        for page in self.pages:
            if page.id == page_id:
                return page
        raise KeyError(page_id)


_FIELD = re.compile(r"^[a-z][a-z0-9_]*$")


class Strings(msgspec.Struct, frozen=True):
    """Visitor-facing strings of one language, looked up as "section.key"."""

    language: str
    path: Path
    values: Mapping[str, str]

    def __call__(self, key: str, /, **params: object) -> str:
        text = self.values[key]
        return text.format(**params) if params else text

    def has(self, key: str) -> bool:
        return key in self.values


def load_strings(path: Path, language: str) -> Strings:
    data = read_toml(path)
    values: dict[str, str] = {}
    for raw_section, table in data.items():
        section = shown(raw_section)
        if not isinstance(table, dict):
            raise ContentError(f"{path}: {section}: expected a [{section}] table of strings")
        for raw_key, value in table.items():
            key = shown(raw_key)
            if not _FIELD.match(raw_key):
                raise ContentError(f"{path}: {section}.{key}: keys are lower_case_with_underscores")
            if not isinstance(value, str) or not value.strip():
                raise ContentError(f"{path}: {section}.{key}: expected a non-empty string")
            if len(value.strip()) > MAX_UI_TEXT:
                raise ContentError(
                    f"{path}: {section}.{key}: too long (at most {MAX_UI_TEXT} characters)"
                )
            try:
                placeholders(value)
            except ValueError as exc:
                raise ContentError(f"{path}: {section}.{key}: {exc}") from None
            values[f"{section}.{key}"] = value.strip()
    return Strings(language=language, path=path, values=values)


def _key_problems(
    strings: Strings, expected: Mapping[str, frozenset[str]], where: str, whose: str
) -> list[str]:
    """Keys of ``expected`` that ``strings`` lacks ("missing (<where>)"), and those whose
    {placeholders} differ from ``expected``'s ("differ from <whose>[...]")."""
    problems: list[str] = []
    for key, names in expected.items():
        text = strings.values.get(key)
        if text is None:
            problems.append(f"{strings.path}: {key}: missing ({where})")
        elif (found := placeholders(text)) != names:
            problems.append(
                f"{strings.path}: {key}: placeholders {sorted(found)} differ from "
                f"{whose}{sorted(names)}"
            )
    return problems


def check_same_keys(reference: Strings, other: Strings) -> None:
    """Every language must carry the same keys with the same {placeholders}."""
    expected = {key: placeholders(text) for key, text in reference.values.items()}
    problems = _key_problems(other, expected, f"present in {reference.path.parent.name}", "")
    problems += [
        f"{other.path}: {k}: not in {reference.path} (typo or stale key?)"
        for k in other.values
        if k not in reference.values
    ]
    if problems:
        raise ContentError("\n".join(problems))


def check_fill_in(lc: "LanguageContent") -> None:
    """Fill in every template the screens and the summary use with sample values of the types
    the code passes (kiosk.content.screen_strings.SAMPLE_VALUES): a template that would raise
    in front of a visitor is refused here, by `check` and at start. The placeholder checks
    should leave nothing for this to find; it is the proof that they did."""
    strings = lc.strings
    for key, names in UI_KEYS.items():
        try:
            strings.values[key].format_map({name: SAMPLE_VALUES[name] for name in names})
        except (ValueError, KeyError, IndexError, AttributeError, TypeError) as exc:
            raise ContentError(
                f"{strings.path}: {key}: cannot be filled in: {shown(repr(exc), 200)}"
            ) from None
    results = lc.screening.results
    for skipped in (1, 2):
        try:
            results.not_scored(skipped)
        except (ValueError, KeyError, IndexError, AttributeError, TypeError) as exc:
            field = "not_scored_one" if skipped == 1 else "not_scored_many"
            raise ContentError(
                f"{lc.screening.path('results')}: {field}: cannot be filled in: "
                f"{shown(repr(exc), 200)}"
            ) from None


def check_ui_keys(strings: Strings) -> None:
    """The first language carries every key the screens ask for, with the same {placeholders}
    (the other languages are then checked against it). Keys the kiosk does not use may stay."""
    problems = _key_problems(strings, UI_KEYS, "the kiosk's screens need it", "the kiosk's ")
    if problems:
        raise ContentError("\n".join(problems))


class LanguageContent(msgspec.Struct, frozen=True):
    language: str
    programs: ProgramsContent
    strings: Strings
    screening: ScreeningContent
    # Every language folder's staff.toml (the summary's staff box is in the clinic's staff
    # language, whatever this content's language is).
    staff_words: Mapping[str, StaffContent] = msgspec.field(default_factory=dict)

    def staff(self, language: str) -> StaffContent:
        """The staff box's words in `language`, or in this content's own language."""
        return self.staff_words.get(language) or self.staff_words[self.language]


class Content(msgspec.Struct, frozen=True):
    root: Path
    languages: Mapping[str, LanguageContent]
    rules: GuidanceRules

    def __getitem__(self, language: str) -> LanguageContent:
        return self.languages[language]

    @property
    def default_language(self) -> str:
        return next(iter(self.languages))

    def for_visit(self, language: str) -> LanguageContent:
        """The content a visit's summary is written in: its own language, or the kiosk's first
        when a clinic has since dropped that language (the summary must still print)."""
        return self.languages.get(language) or self.languages[self.default_language]


def load_language(root: Path, language: str) -> LanguageContent:
    folder = root / language
    try:
        is_folder = folder.is_dir()
    except OSError as exc:  # a name too long, a folder without permission to look in
        raise ContentError(f"{folder}: content folder cannot be read: {exc.strerror}") from None
    if not is_folder:
        raise ContentError(f"{folder}: content folder for language {language!r} is missing")
    programs_path = folder / "programs.toml"
    programs = load_model(programs_path, ProgramsContent)
    check_meta_language(programs_path, programs.meta.language, language)
    strings = load_strings(folder / "ui.toml", language)
    screening = load_screening(root, language)
    return LanguageContent(language, programs, strings, screening)


def load_content(root: Path, languages: Iterable[str]) -> Content:
    """Load and cross-check every file; the first language is the reference for keys."""
    loaded: dict[str, LanguageContent] = {}
    for language in languages:
        loaded[language] = load_language(root, language)
    if not loaded:
        raise ContentError(f"{root}: no languages configured")
    reference = next(iter(loaded.values()))
    check_ui_keys(reference.strings)
    for other in list(loaded.values())[1:]:
        check_same_keys(reference.strings, other.strings)
        check_languages_match(reference.screening, other.screening)
        ref_shape = [[b.kind for b in p.blocks] for p in reference.programs.pages]
        other_shape = [[b.kind for b in p.blocks] for p in other.programs.pages]
        if ref_shape != other_shape:
            raise ContentError(
                f"{root / other.language / 'programs.toml'}: pages: blocks differ from "
                f"{reference.language} (each language needs the same pages and block kinds)"
            )
    for language_content in loaded.values():
        check_fill_in(language_content)
    staff_words = load_staff_words(
        root, {language: lc.screening.instruments for language, lc in loaded.items()}
    )
    for language in loaded:
        if language not in staff_words:
            raise ContentError(f"{root / language / STAFF_FILE}: missing (the summary's staff box)")
        loaded[language] = msgspec.structs.replace(loaded[language], staff_words=staff_words)
    rules = load_rules(root / "guidance.toml", reference.screening.fit)
    return Content(root=root, languages=loaded, rules=rules)


def raw_keys(path: Path) -> list[str]:
    """Section.key names in a ui.toml, for tools and tests."""
    return [f"{s}.{k}" for s, t in read_toml(path).items() if isinstance(t, dict) for k in t]
