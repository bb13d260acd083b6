"""The "which program fits" guidance: rules as data, read by a small fixed vocabulary.

resources/content/guidance.toml lists rules, tried top to bottom; the first whose `when` matches
gives the result. A condition is exactly one of:

    { flag = "urgent" }                       the visit is urgent
    { score = "phq9", at_least = 15 }         a complete total of at least 15
    { answer = "hospital", is = "yes" }       a fit question answered with that option
    { any = [ ... ] }  { all = [ ... ] }  { not = { ... } }
    { always = true }                         matches every visit

An incomplete score or a skipped fit question never matches (so `not` of one does). Nothing is
ever evaluated as code. Clinics may edit the rules, but not the safety rule: the first rule must
send urgent visits to staff, and the last must be `always` so every visit gets an answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Final, Literal, TypeAlias, get_args

from pydantic import (
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from kiosk.contentfile import ContentError, Frozen, describe_validation_error, read_toml
from kiosk.model import Guidance, InstrumentId, StoredScore
from kiosk.scoring import MAX_TOTAL, ScoreResult
from kiosk.screening_content import FitContent, Identifier

# Mapping is invariant in its key type, so Visit.scores (keyed by InstrumentId) needs its own arm.
Scores: TypeAlias = (
    Mapping[str, ScoreResult | StoredScore] | Mapping[InstrumentId, ScoreResult | StoredScore]
)
GUIDANCE_RESULTS: Final[tuple[Guidance, ...]] = get_args(Guidance)
URGENT_RULE_TOML: Final = 'result = "staff_today", when = { flag = "urgent" }'

# Field name -> the key written in TOML (Python keywords and builtins get a trailing underscore).
_TOML_KEY: Final[Mapping[str, str]] = {"is_": "is", "any_": "any", "all_": "all", "not_": "not"}
# Each kind of condition and the keys it needs, in the order they are explained in messages.
_KINDS: Final[Mapping[str, frozenset[str]]] = {
    "flag": frozenset({"flag"}),
    "score": frozenset({"score", "at_least"}),
    "answer": frozenset({"answer", "is_"}),
    "any": frozenset({"any_"}),
    "all": frozenset({"all_"}),
    "not": frozenset({"not_"}),
    "always": frozenset({"always"}),
}
_VOCABULARY: Final = "flag, score + at_least, answer + is, any, all, not, always"


def _toml_keys(fields: frozenset[str] | set[str]) -> str:
    return ", ".join(sorted(_TOML_KEY.get(name, name) for name in fields))


def _fit_from(info: ValidationInfo) -> FitContent:
    fit = info.context.get("fit") if isinstance(info.context, dict) else None
    if not isinstance(fit, FitContent):
        # Checking ids against the fit questions is part of validation, not optional.
        raise ValueError("guidance rules must be loaded with the fit questions (use load_rules)")
    return fit


class Condition(Frozen):
    flag: Literal["urgent"] | None = None
    score: InstrumentId | None = None
    at_least: Annotated[StrictInt, Field(ge=0)] | None = None
    answer: Identifier | None = None
    is_: Identifier | None = Field(default=None, alias="is")
    any_: Annotated[tuple[Condition, ...], Field(min_length=1)] | None = Field(
        default=None, alias="any"
    )
    all_: Annotated[tuple[Condition, ...], Field(min_length=1)] | None = Field(
        default=None, alias="all"
    )
    not_: Condition | None = Field(default=None, alias="not")
    always: StrictBool | None = None

    @field_validator("answer")
    @classmethod
    def _known_question(cls, answer: str | None, info: ValidationInfo) -> str | None:
        if answer is not None:
            fit = _fit_from(info)
            if answer not in fit.question_ids():
                raise ValueError(
                    f"{answer!r} is not a fit question id (known: {', '.join(fit.question_ids())})"
                )
        return answer

    @field_validator("is_")
    @classmethod
    def _known_option(cls, option: str | None, info: ValidationInfo) -> str | None:
        question_id = info.data.get("answer")
        if option is None or question_id is None:
            # An unknown or absent question is reported on its own field.
            return option
        fit = _fit_from(info)
        question = fit.questions[fit.item_number(question_id) - 1]
        if option not in question.option_ids():
            raise ValueError(
                f"{option!r} is not an option of question {question_id!r} "
                f"(known: {', '.join(question.option_ids())})"
            )
        return option

    @field_validator("always")
    @classmethod
    def _always_true(cls, always: bool | None) -> bool | None:
        if always is False:
            raise ValueError("write `always = true`; a rule that never matches is a mistake")
        return always

    @model_validator(mode="after")
    def _one_kind(self) -> Condition:
        given = set(self.model_fields_set)
        kinds = [kind for kind, keys in _KINDS.items() if keys & given]
        if len(kinds) != 1:
            found = f"found {_toml_keys(given)}" if given else "found none"
            raise ValueError(f"a condition needs exactly one of: {_VOCABULARY}; {found}")
        (kind,) = kinds
        missing = _KINDS[kind] - given
        if missing:
            raise ValueError(f"'{kind}' also needs {_toml_keys(missing)}")
        if self.score is not None and self.at_least is not None:
            highest = MAX_TOTAL[self.score]
            if self.at_least > highest:
                raise ValueError(
                    f"at_least = {self.at_least} can never match: the highest {self.score} "
                    f"total is {highest}"
                )
        return self

    @property
    def kind(self) -> str:
        for kind, keys in _KINDS.items():
            if keys & self.model_fields_set:
                return kind
        raise AssertionError("unreachable: validation guarantees one kind")


class Rule(Frozen):
    result: Guidance
    when: Condition


class GuidanceRules(Frozen):
    rules: Annotated[tuple[Rule, ...], Field(min_length=1)]

    @field_validator("rules")
    @classmethod
    def _safety_first_default_last(cls, rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
        first = rules[0]
        if not (first.result == "staff_today" and first.when.kind == "flag"):
            # CLINICAL.md: the urgent flag overrides every other answer; clinics cannot change it.
            raise ValueError(
                f"the first rule (rules[1]) must be the urgent rule: {URGENT_RULE_TOML} "
                "(the safety rule is fixed, not clinic-editable)"
            )
        for number, rule in enumerate(rules[:-1], start=1):
            if rule.when.kind == "always":
                raise ValueError(
                    f"rules[{number}] uses 'always', so the rules after it could never be used; "
                    "only the last rule may use 'always'"
                )
        if rules[-1].when.kind != "always":
            raise ValueError(
                f"the last rule (rules[{len(rules)}]) must be `when = {{ always = true }}` "
                "so every visit gets guidance"
            )
        return rules


def load_rules(path: Path, fit: FitContent) -> GuidanceRules:
    """Read and validate guidance.toml, checking question and option ids against `fit`."""
    data = read_toml(path)
    try:
        return GuidanceRules.model_validate(data, context={"fit": fit})
    except ValidationError as exc:
        raise ContentError(describe_validation_error(path, exc)) from None


@dataclass(frozen=True)
class _Facts:
    urgent: bool
    scores: Scores
    fit_answers: Mapping[int, int | None]
    fit: FitContent


def _answered(facts: _Facts, question_id: str) -> str | None:
    try:
        number = facts.fit.item_number(question_id)
    except KeyError:
        raise ValueError(f"guidance refers to unknown fit question {question_id!r}") from None
    index = facts.fit_answers.get(number)
    if index is None:
        return None
    options = facts.fit.questions[number - 1].options
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(options):
        raise ValueError(
            f"fit item {number} ({question_id}): answer must be an option index "
            f"0–{len(options) - 1} or None, got {index!r}"
        )
    return options[index].id


def _matches(condition: Condition, facts: _Facts) -> bool:
    match condition.kind:
        case "flag":
            return facts.urgent
        case "score":
            assert condition.score is not None and condition.at_least is not None
            result = facts.scores.get(condition.score)
            # A partial total is not a low (or high) score: incomplete never matches.
            return (
                result is not None
                and result.complete
                and result.total is not None
                and result.total >= condition.at_least
            )
        case "answer":
            assert condition.answer is not None
            return _answered(facts, condition.answer) == condition.is_
        case "any":
            assert condition.any_ is not None
            return any(_matches(part, facts) for part in condition.any_)
        case "all":
            assert condition.all_ is not None
            return all(_matches(part, facts) for part in condition.all_)
        case "not":
            assert condition.not_ is not None
            return not _matches(condition.not_, facts)
        case "always":
            return True
    raise AssertionError(f"unreachable: unknown condition kind {condition.kind!r}")


def evaluate(
    rules: GuidanceRules,
    *,
    urgent: bool,
    scores: Scores,
    fit_answers: Mapping[int, int | None],
    fit: FitContent,
) -> Guidance:
    """The guidance for one visit: the result of the first rule that matches.

    `scores` maps instrument id to its ScoreResult or StoredScore (absent = not taken);
    `fit_answers` maps fit item number (1-based) to the chosen option index, None when skipped.
    """
    # Belt and braces: validation already forces the urgent rule first, but an urgent visit must
    # get "staff_today" even if that rule were somehow bypassed, and a PHQ-9 item 9 answer above 0
    # is urgent even if the caller forgot to pass the flag.
    is_urgent = urgent or any(result.urgent for result in scores.values())
    if is_urgent:
        return "staff_today"
    facts = _Facts(urgent=is_urgent, scores=scores, fit_answers=fit_answers, fit=fit)
    for rule in rules.rules:
        if _matches(rule.when, facts):
            return rule.result
    raise AssertionError("unreachable: validation guarantees the last rule is 'always'")
