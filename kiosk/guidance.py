"""The "which program fits" guidance: rules as data, read by a small fixed vocabulary.

resources/content/guidance.toml lists rules, tried top to bottom; the first whose `when` matches
gives the result. A condition is exactly one of:

    { flag = "urgent" }                       the visit is urgent
    { score = "<id>", at_least = 15 }         the answered items add up to at least 15
    { score = "<id>", could_reach = 15 }      an incomplete instrument whose answered items plus
                                              the highest value of every unanswered item reach 15
    { answer = "hospital", is = "yes" }       a fit question answered with that option
    { any = [ ... ] }  { all = [ ... ] }  { not = { ... } }
    { always = true }                         matches every visit

A partial sum is a lower bound (CLINICAL.md): eight "Nearly every day" and one skip already add
up to 24, so `at_least` counts the answered items whether or not the instrument is complete.
`could_reach` is the other side: the kiosk cannot tell whether an incomplete instrument would
have crossed the line, so the shipped rules suggest neither program (`clinician`). A skipped fit
question never matches (so `not` of one does). Nothing is ever evaluated as code. Clinics may
edit the rules, but not the safety rule: the first rule must send urgent visits to staff, and the
last must be `always` so every visit gets an answer.
"""

# Annotations are real objects here, not strings (no `from __future__ import annotations`):
# msgspec would otherwise compile and eval every field's string at the first load, ~3 ms of
# the cold start (docs/performance.md). A name used before its class exists is quoted.
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Final, Literal, TypeAlias, get_args

from msgspec import Meta, Struct, field

from kiosk.content.data_file import ContentError, FieldError, Frozen, read_toml, validate
from kiosk.content.screening import FitContent, Identifier
from kiosk.instruments import INSTRUMENTS
from kiosk.model import Guidance, InstrumentId, StoredScore
from kiosk.scoring import ScoreResult

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
    "score": frozenset({"score", "at_least", "could_reach"}),
    "answer": frozenset({"answer", "is_"}),
    "any": frozenset({"any_"}),
    "all": frozenset({"all_"}),
    "not": frozenset({"not_"}),
    "always": frozenset({"always"}),
}
_VOCABULARY: Final = (
    "flag, score + at_least, score + could_reach, answer + is, any, all, not, always"
)
# A score condition names its instrument and exactly one of these thresholds.
_THRESHOLDS: Final = frozenset({"at_least", "could_reach"})


def _toml_keys(fields: frozenset[str] | set[str]) -> str:
    return ", ".join(sorted(_TOML_KEY.get(name, name) for name in fields))


class Condition(Frozen, frozen=True):
    flag: Literal["urgent"] | None = None
    score: InstrumentId | None = None
    at_least: Annotated[int, Meta(ge=0)] | None = None
    could_reach: Annotated[int, Meta(ge=0)] | None = None
    answer: Identifier | None = None
    is_: Identifier | None = field(default=None, name="is")
    # "Condition" quoted: the class is not made yet (msgspec resolves these three names).
    any_: Annotated[tuple["Condition", ...], Meta(min_length=1)] | None = field(
        default=None, name="any"
    )
    all_: Annotated[tuple["Condition", ...], Meta(min_length=1)] | None = field(
        default=None, name="all"
    )
    not_: "Condition | None" = field(default=None, name="not")
    always: bool | None = None

    def given(self) -> set[str]:
        """The keys written for this condition (TOML has no null, so None means absent)."""
        return {name for name in _FIELDS if getattr(self, name) is not None}

    def __post_init__(self) -> None:
        if self.always is False:
            raise FieldError(
                "always", "write `always = true`; a rule that never matches is a mistake"
            )
        given = self.given()
        kinds = [kind for kind, keys in _KINDS.items() if keys & given]
        if len(kinds) != 1:
            found = f"found {_toml_keys(given)}" if given else "found none"
            raise ValueError(f"a condition needs exactly one of: {_VOCABULARY}; {found}")
        (kind,) = kinds
        if kind == "score":
            thresholds = _THRESHOLDS & given
            if "score" not in given:
                raise ValueError("'score' also needs score")
            if not thresholds:
                raise ValueError("'score' also needs at_least or could_reach")
            if len(thresholds) > 1:
                raise ValueError("'score' takes one of at_least, could_reach, not both")
        else:
            missing = _KINDS[kind] - given
            if missing:
                raise ValueError(f"'{kind}' also needs {_toml_keys(missing)}")
        if self.score is not None and self.score not in INSTRUMENTS:
            known = ", ".join(repr(instrument_id) for instrument_id in INSTRUMENTS)
            raise FieldError("score", f"{self.score!r} is not one of {known}")
        for name in ("at_least", "could_reach"):
            threshold = getattr(self, name)
            if self.score is None or threshold is None:
                continue
            highest = INSTRUMENTS[self.score].max_total
            if threshold > highest:
                raise ValueError(
                    f"{name} = {threshold} can never match: the highest {self.score} "
                    f"total is {highest}"
                )

    @property
    def kind(self) -> str:
        given = self.given()
        for kind, keys in _KINDS.items():
            if keys & given:
                return kind
        raise AssertionError("unreachable: validation guarantees one kind")


_FIELDS: Final = Condition.__struct_fields__


class Rule(Frozen, frozen=True):
    result: Guidance
    when: Condition


class GuidanceRules(Frozen, frozen=True):
    rules: Annotated[tuple[Rule, ...], Meta(min_length=1)]

    def __post_init__(self) -> None:
        rules = self.rules
        first = rules[0]
        if not (first.result == "staff_today" and first.when.kind == "flag"):
            # CLINICAL.md: the urgent flag overrides every other answer; clinics cannot change it.
            raise FieldError(
                "rules",
                f"the first rule (rules[1]) must be the urgent rule: {URGENT_RULE_TOML} "
                "(the safety rule is fixed, not clinic-editable)",
            )
        for number, rule in enumerate(rules[:-1], start=1):
            if rule.when.kind == "always":
                raise FieldError(
                    "rules",
                    f"rules[{number}] uses 'always', so the rules after it could never be used; "
                    "only the last rule may use 'always'",
                )
        if rules[-1].when.kind != "always":
            raise FieldError(
                "rules",
                f"the last rule (rules[{len(rules)}]) must be `when = {{ always = true }}` "
                "so every visit gets guidance",
            )


def _check_ids(condition: Condition, fit: FitContent, where: str) -> list[str]:
    """Question and option ids a condition names that the fit questions do not have."""
    problems = []
    if condition.answer is not None:
        if condition.answer not in fit.question_ids():
            problems.append(
                f"{where}.answer: {condition.answer!r} is not a fit question id "
                f"(known: {', '.join(fit.question_ids())})"
            )
        else:
            question = fit.questions[fit.item_number(condition.answer) - 1]
            if condition.is_ not in question.option_ids():
                problems.append(
                    f"{where}.is: {condition.is_!r} is not an option of question "
                    f"{condition.answer!r} (known: {', '.join(question.option_ids())})"
                )
    for name, parts in (("any", condition.any_), ("all", condition.all_)):
        for number, part in enumerate(parts or (), start=1):
            problems += _check_ids(part, fit, f"{where}.{name}[{number}]")
    if condition.not_ is not None:
        problems += _check_ids(condition.not_, fit, f"{where}.not")
    return problems


def load_rules(path: Path, fit: FitContent) -> GuidanceRules:
    """Read and validate guidance.toml, checking question and option ids against `fit`."""
    rules = validate(path, read_toml(path), GuidanceRules)
    problems = [
        f"{path}: {problem}"
        for number, rule in enumerate(rules.rules, start=1)
        for problem in _check_ids(rule.when, fit, f"rules[{number}].when")
    ]
    if problems:
        raise ContentError("\n".join(problems))
    return rules


class _Facts(Struct, frozen=True):
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


def _complete(result: ScoreResult | StoredScore) -> bool:
    return result.complete and result.total is not None


def _bounds(instrument: str, result: ScoreResult | StoredScore) -> tuple[int, int]:
    """The lowest and highest total this visitor could have had on `instrument`.

    Complete: the total, both ways. Incomplete: the answered items' sum (a lower bound, never
    a score), and that sum plus the highest value of every unanswered item. A stored score
    keeps no partial sum, so its bounds are the widest: 0 and the instrument's maximum.
    """
    if _complete(result):
        assert result.total is not None
        return result.total, result.total
    spec = INSTRUMENTS[instrument]
    if isinstance(result, ScoreResult):
        return result.partial, result.partial + spec.max_value * result.skipped
    return 0, spec.max_total


def _matches(condition: Condition, facts: _Facts) -> bool:
    match condition.kind:
        case "flag":
            return facts.urgent
        case "score":
            assert condition.score is not None
            result = facts.scores.get(condition.score)
            if result is None:
                return False  # not asked at this clinic
            lowest, highest = _bounds(condition.score, result)
            if condition.at_least is not None:
                return lowest >= condition.at_least
            assert condition.could_reach is not None
            return not _complete(result) and highest >= condition.could_reach
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
