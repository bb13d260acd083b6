"""staff.toml: the words of the staff box printed on every summary, in the clinic's staff language.

CLINICAL.md: an English-only receptionist must be able to triage a Spanish summary, so the box
(visit code, time, risk level and reason, each instrument's total and band or "not complete")
is written in `[clinic] staff_language` whatever the visitor's language. Every language folder
has its own staff.toml; the summary picks the staff language's.

Reasons are keyed by the reason stored on the visit (kiosk/risk.py, and each instrument spec's
safety rules), so no code here names an instrument: a reason's text may use {answer}, the
visitor's answer to the item whose rule gave that reason, in the staff language.
"""

# Annotations are real objects here, not strings (no `from __future__ import annotations`):
# msgspec would otherwise compile and eval every field's string at the first load, ~3 ms of
# the cold start (docs/performance.md). A name used before its class exists is quoted.
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import msgspec

from kiosk import instruments
from kiosk.content.data_file import (
    ContentError,
    FieldError,
    Frozen,
    Label,
    Text,
    check_meta_language,
    load_model,
    placeholders,
)
from kiosk.content.screening import INSTRUMENTS_FILE, InstrumentsContent, Meta, load_instruments
from kiosk.risk import SCORE_URGENT, TALK_NOW, reasons_of

STAFF_FILE = "staff.toml"


class Levels(Frozen, frozen=True):
    none: Label
    non_acute: Label
    acute: Label


def known_reasons() -> tuple[str, ...]:
    """Every reason a visit can be urgent for: "talk now", urgent-by-score and every registered
    instrument's safety rules."""
    reasons = [TALK_NOW, SCORE_URGENT]
    for spec in instruments.INSTRUMENTS.values():
        reasons += [rule.reason for rule in spec.safety if rule.reason not in reasons]
    return tuple(reasons)


def _check_template(field: str, text: str, allowed: frozenset[str]) -> None:
    try:
        found = placeholders(text)
    except ValueError as exc:
        raise FieldError(field, str(exc)) from None
    if not found <= allowed:
        names = ", ".join("{" + name + "}" for name in sorted(allowed)) or "none"
        raise FieldError(field, f"the placeholders allowed are: {names}")


class _Templates(dict[str, frozenset[str]]):
    """The fields filled in (check_texts): `total`, and every reason (its {answer})."""

    def get(self, key: str, default: Any = None) -> Any:
        if key.startswith("reasons."):
            return frozenset({"answer"})
        return super().get(key, default)


class StaffWords(Frozen, frozen=True):
    templates: ClassVar[Mapping[str, frozenset[str]]] = _Templates(
        total=frozenset({"total", "max"})
    )

    meta: Meta
    heading: Label
    code: Label
    time: Label
    language: Label
    risk: Label
    reason: Label
    # Language codes in staff words ("es" -> "Spanish").
    languages: dict[str, Label]
    levels: Levels
    # Stored reason -> staff words; {answer} is the visitor's answer (PHQ-9 item 9's).
    reasons: dict[str, Text]
    # Stored reason -> the words said of it off the summary (alerts by e-mail, chat and SMS, the
    # staff-mode banner): which trigger, never an answer, so no placeholder is allowed.
    alert_reasons: dict[str, Label]
    # "{total} of {max}" for a scored instrument.
    total: Label
    not_complete: Label
    not_reached: Label
    # An instrument with no official text in the visitor's language, so not asked.
    not_offered: Label
    skipped: Label
    # instrument id -> band name -> staff words; a band missing here is printed as its name.
    bands: dict[str, dict[str, Label]] = msgspec.field(default_factory=dict)

    def __post_init__(self) -> None:
        missing = [reason for reason in known_reasons() if reason not in self.reasons]
        if missing:
            raise FieldError("reasons", "missing " + ", ".join(missing))
        for reason, text in self.reasons.items():
            _check_template(f"reasons.{reason}", text, frozenset({"answer"}))
        missing = [reason for reason in known_reasons() if reason not in self.alert_reasons]
        if missing:
            raise FieldError("alert_reasons", "missing " + ", ".join(missing))
        for reason, text in self.alert_reasons.items():
            _check_template(f"alert_reasons.{reason}", text, frozenset())
        _check_template("total", self.total, frozenset({"total", "max"}))
        for instrument_id, names in self.bands.items():
            if instrument_id not in instruments.INSTRUMENTS:
                raise FieldError(f"bands.{instrument_id}", "not a registered instrument")
            unknown = set(names) - set(instruments.get(instrument_id).band_names)
            if unknown:
                raise FieldError(f"bands.{instrument_id}", "unknown " + ", ".join(sorted(unknown)))

    def reasons_said(self, joined: str | None) -> str:
        """A visit's stored reasons ("phq9_item9+talk_now") as an alert or the banner says them:
        "a safety answer (PHQ-9 item 9); asked to talk to someone now". A reason this content does
        not know (one from a newer kiosk) is said by its stored name."""
        said = [self.alert_reasons.get(reason, reason) for reason in reasons_of(joined)]
        return "; ".join(dict.fromkeys(said))

    def level(self, risk: str) -> str:
        return str(getattr(self.levels, risk, risk))

    def band(self, instrument_id: str, band: str) -> str:
        return self.bands.get(instrument_id, {}).get(band, band.replace("_", "-"))

    def language_name(self, language: str) -> str:
        return self.languages.get(language, language)


class StaffContent(msgspec.Struct, frozen=True):
    """A language's staff words and its instruments' wording (answers quoted in a reason, e.g.
    "PHQ-9 item 9: Several days", are in the staff language too)."""

    language: str
    words: StaffWords
    # None when the staff language is not one the kiosk shows visitors and its instruments.toml
    # does not load: an answer is then quoted by its value.
    instruments: InstrumentsContent | None

    def answer_label(self, instrument_id: str, item: int, value: int | None) -> str:
        if value is None:
            return self.words.skipped
        if self.instruments is None or not self.instruments.offers(instrument_id):
            return str(value)
        wording = self.instruments.instrument(instrument_id)
        spec = instruments.get(instrument_id)
        labels = wording.difficulty_options if spec.is_difficulty(item) else wording.options
        return labels[value] if 0 <= value < len(labels) else str(value)


def load_staff_words(
    root: Path, known: Mapping[str, InstrumentsContent]
) -> Mapping[str, StaffContent]:
    """Every language folder's staff.toml under `root`, by language (folder name); `known`
    holds the instruments' wording already loaded, by language."""
    words: dict[str, StaffContent] = {}
    for path in sorted(root.glob(f"*/{STAFF_FILE}")):
        language = path.parent.name
        loaded: Any = load_model(path, StaffWords)
        check_meta_language(path, loaded.meta.language, language)
        wording = known.get(language)
        if wording is None:
            try:
                wording = load_instruments(path.parent / INSTRUMENTS_FILE)
            except ContentError:
                wording = None  # not a visitor language here: `check` does not ask it to load
        words[language] = StaffContent(language, loaded, wording)
    return words
