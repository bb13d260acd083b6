"""The "which program fits" guidance rules: the shipped table, the vocabulary, broken files."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.content.data_file import ContentError
from kiosk.content.screening import FitContent, load_screening
from kiosk.guidance import GuidanceRules, evaluate, load_rules
from kiosk.model import StoredScore
from kiosk.scoring import ScoreResult, band_for, score

CONTENT = Path(__file__).resolve().parents[2] / "resources" / "content"
URGENT_RULE = '[[rules]]\nresult = "staff_today"\nwhen = { flag = "urgent" }\n'
DEFAULT_RULE = '[[rules]]\nresult = "outpatient"\nwhen = { always = true }\n'


@pytest.fixture(scope="module")
def fit() -> FitContent:
    return load_screening(CONTENT, "en").fit


@pytest.fixture(scope="module")
def rules(fit: FitContent) -> GuidanceRules:
    return load_rules(CONTENT / "guidance.toml", fit)


def complete(instrument: str, total: int) -> ScoreResult:
    return ScoreResult(
        total=total,
        band=band_for(instrument, total),
        complete=True,
        urgent=False,
        skipped=0,
        answered=9 if instrument == "phq9" else 7,
    )


def incomplete(skipped: int = 1) -> ScoreResult:
    return ScoreResult(
        total=None, band=None, complete=False, urgent=False, skipped=skipped, answered=0
    )


def partial(instrument: str, answered_sum: int, unanswered: int) -> ScoreResult:
    """An incomplete score: `unanswered` items skipped or not asked, the rest adding up."""
    items = 9 if instrument == "phq9" else 7
    return ScoreResult(
        total=None,
        band=None,
        complete=False,
        urgent=False,
        skipped=unanswered,
        answered=items - unanswered,
        partial=answered_sum,
    )


def fit_answers(fit: FitContent, chosen: dict[str, str | None]) -> dict[int, int | None]:
    """Question id -> option id (None = skipped), turned into what the store keeps."""
    stored: dict[int, int | None] = {}
    for question_id, option_id in chosen.items():
        number = fit.item_number(question_id)
        options = fit.questions[number - 1].option_ids()
        stored[number] = None if option_id is None else options.index(option_id)
    return stored


# Each case: urgent flag, scores by instrument, fit answers by id, expected guidance.
CASES = [
    pytest.param(False, {}, {}, "outpatient", id="nothing-answered"),
    pytest.param(
        False,
        {"phq9": complete("phq9", 3), "gad7": complete("gad7", 2)},
        {"impact": "not_at_all", "hospital": "no", "support": "yes", "therapy": "helps"},
        "outpatient",
        id="low-scores",
    ),
    # urgent overrides everything
    pytest.param(True, {}, {}, "staff_today", id="urgent-alone"),
    pytest.param(True, {"phq9": complete("phq9", 0)}, {}, "staff_today", id="urgent-low-score"),
    pytest.param(True, {"phq9": complete("phq9", 22)}, {}, "staff_today", id="urgent-over-iop"),
    pytest.param(True, {}, {"hospital": "yes"}, "staff_today", id="urgent-over-hospital"),
    pytest.param(True, {"phq9": incomplete(8)}, {}, "staff_today", id="urgent-incomplete"),
    pytest.param(
        False,
        {"phq9": StoredScore("phq9", None, None, False, 8, urgent=True)},
        {},
        "staff_today",
        id="item-9-urgent-even-without-flag",
    ),
    # score clauses, at the threshold and just below
    pytest.param(False, {"phq9": complete("phq9", 15)}, {}, "ask_iop", id="phq9-15"),
    pytest.param(False, {"phq9": complete("phq9", 27)}, {}, "ask_iop", id="phq9-27"),
    pytest.param(False, {"phq9": complete("phq9", 14)}, {}, "outpatient", id="phq9-14"),
    pytest.param(False, {"gad7": complete("gad7", 15)}, {}, "ask_iop", id="gad7-15"),
    pytest.param(False, {"gad7": complete("gad7", 14)}, {}, "outpatient", id="gad7-14"),
    pytest.param(
        False,
        {"gad7": StoredScore("gad7", 21, "severe", True, 0, False)},
        {},
        "ask_iop",
        id="stored-score",
    ),
    # An incomplete instrument: its answered items are a lower bound (`at_least`), and if it
    # could still reach 15 the kiosk cannot tell: `clinician`, never the lighter program.
    pytest.param(False, {"phq9": incomplete()}, {}, "outpatient", id="phq9-low-cannot-reach"),
    pytest.param(False, {"gad7": incomplete()}, {}, "outpatient", id="gad7-low-cannot-reach"),
    pytest.param(False, {"phq9": partial("phq9", 12, 1)}, {}, "clinician", id="phq9-12-plus-3"),
    pytest.param(False, {"phq9": partial("phq9", 11, 1)}, {}, "outpatient", id="phq9-11-plus-3"),
    pytest.param(False, {"gad7": partial("gad7", 9, 2)}, {}, "clinician", id="gad7-9-plus-6"),
    pytest.param(False, {"phq9": partial("phq9", 15, 2)}, {}, "ask_iop", id="phq9-partial-15"),
    pytest.param(False, {"phq9": partial("phq9", 0, 9)}, {}, "clinician", id="phq9-all-skipped"),
    pytest.param(
        False,
        {"phq9": StoredScore("phq9", None, None, False, 1, False)},
        {},
        "clinician",
        id="stored-incomplete-has-no-partial-sum",
    ),
    # hospital / residential program in the last 30 days
    pytest.param(False, {}, {"hospital": "yes"}, "ask_iop", id="hospital-yes"),
    pytest.param(False, {}, {"hospital": "no"}, "outpatient", id="hospital-no"),
    pytest.param(False, {}, {"hospital": None}, "outpatient", id="hospital-skipped"),
    # feelings make it very hard AND "Yes, but I need more support"
    pytest.param(
        False, {}, {"impact": "very_much", "therapy": "need_more"}, "ask_iop", id="impact-and-more"
    ),
    pytest.param(False, {}, {"impact": "very_much"}, "outpatient", id="impact-only"),
    pytest.param(False, {}, {"therapy": "need_more"}, "outpatient", id="need-more-only"),
    pytest.param(
        False, {}, {"impact": "somewhat", "therapy": "need_more"}, "outpatient", id="impact-some"
    ),
    pytest.param(
        False, {}, {"impact": "very_much", "therapy": "helps"}, "outpatient", id="therapy-helps"
    ),
    pytest.param(
        False, {}, {"impact": "very_much", "therapy": None}, "outpatient", id="therapy-skipped"
    ),
    pytest.param(
        False, {}, {"impact": None, "therapy": "need_more"}, "outpatient", id="impact-skipped"
    ),
    # support and time inform the clinician but not the default guidance
    pytest.param(
        False, {}, {"support": "no", "time": "not_sure"}, "outpatient", id="support-and-time"
    ),
    pytest.param(
        False,
        {"phq9": incomplete(), "gad7": complete("gad7", 16)},
        {"hospital": None},
        "ask_iop",
        id="one-clause-enough",
    ),
]


@pytest.mark.parametrize(("urgent", "scores", "chosen", "expected"), CASES)
def test_default_rules(
    rules: GuidanceRules,
    fit: FitContent,
    urgent: bool,
    scores: dict[str, ScoreResult | StoredScore],
    chosen: dict[str, str | None],
    expected: str,
) -> None:
    result = evaluate(
        rules, urgent=urgent, scores=scores, fit_answers=fit_answers(fit, chosen), fit=fit
    )
    assert result == expected


def test_shipped_rules_load_with_every_language() -> None:
    for language in ("en", "es"):
        load_rules(CONTENT / "guidance.toml", load_screening(CONTENT, language).fit)


def test_fit_answers_out_of_range_raise(rules: GuidanceRules, fit: FitContent) -> None:
    with pytest.raises(ValueError, match="option index"):
        evaluate(rules, urgent=False, scores={}, fit_answers={2: 5}, fit=fit)
    with pytest.raises(ValueError, match="option index"):
        evaluate(rules, urgent=False, scores={}, fit_answers={2: True}, fit=fit)


# --- the rest of the vocabulary, through a clinic-edited file ---------------------------------


def write_rules(tmp_path: Path, middle: str, *, first: str = URGENT_RULE) -> Path:
    path = tmp_path / "guidance.toml"
    path.write_text(first + middle + DEFAULT_RULE, encoding="utf-8")
    return path


def test_not_all_any(tmp_path: Path, fit: FitContent) -> None:
    path = write_rules(
        tmp_path,
        '[[rules]]\nresult = "ask_iop"\n'
        'when = { all = [ { not = { answer = "support", is = "yes" } },'
        ' { any = [ { answer = "time", is = "several_hours" },'
        ' { score = "gad7", at_least = 10 } ] }'
        " ] }\n",
    )
    custom = load_rules(path, fit)

    def run(chosen: dict[str, str | None], scores: dict[str, ScoreResult] | None = None) -> str:
        return evaluate(
            custom, urgent=False, scores=scores or {}, fit_answers=fit_answers(fit, chosen), fit=fit
        )

    assert run({"support": "no", "time": "several_hours"}) == "ask_iop"
    assert run({"support": "yes", "time": "several_hours"}) == "outpatient"
    # `not` of a skipped answer matches: skipped is "not yes".
    assert run({"support": None, "time": "several_hours"}) == "ask_iop"
    assert run({"support": "some"}, {"gad7": complete("gad7", 10)}) == "ask_iop"
    assert run({"support": "some"}, {"gad7": complete("gad7", 9)}) == "outpatient"
    assert run({"support": "some"}, {"gad7": incomplete()}) == "outpatient"
    assert run({"support": "no"}) == "outpatient"


def test_urgent_still_wins_with_clinic_rules(tmp_path: Path, fit: FitContent) -> None:
    path = write_rules(tmp_path, '[[rules]]\nresult = "ask_iop"\nwhen = { always = true }\n')
    with pytest.raises(ContentError, match="only the last rule may use 'always'"):
        load_rules(path, fit)
    path = write_rules(
        tmp_path, '[[rules]]\nresult = "ask_iop"\nwhen = { answer = "hospital", is = "no" }\n'
    )
    custom = load_rules(path, fit)
    chosen = fit_answers(fit, {"hospital": "no"})
    assert evaluate(custom, urgent=True, scores={}, fit_answers=chosen, fit=fit) == "staff_today"
    assert evaluate(custom, urgent=False, scores={}, fit_answers=chosen, fit=fit) == "ask_iop"


# --- broken files: every message names the file and the field ---------------------------------

IOP_RULE = '[[rules]]\nresult = "ask_iop"\nwhen = {when}\n'


def iop(when: str) -> str:
    return IOP_RULE.replace("{when}", when)


BROKEN = [
    pytest.param(
        iop('{ scor = "phq9", at_least = 15 }'),
        "rules[2].when.scor: unknown key",
        id="unknown-key",
    ),
    pytest.param(
        iop('{ any = [ { answer = "hospital", is = "yes" }, { answr = "impact", is = "x" } ] }'),
        "rules[2].when.any[2].answr: unknown key",
        id="unknown-key-nested",
    ),
    pytest.param(
        iop('{ answer = "hospitl", is = "yes" }'),
        "rules[2].when.answer: 'hospitl' is not a fit question id",
        id="unknown-question",
    ),
    pytest.param(
        iop('{ answer = "hospital", is = "maybe" }'),
        "rules[2].when.is: 'maybe' is not an option of question 'hospital'",
        id="unknown-option",
    ),
    pytest.param(
        iop('{ all = [ { answer = "therapy", is = "very_much" } ] }'),
        "rules[2].when.all[1].is: 'very_much' is not an option of question 'therapy'",
        id="option-of-another-question",
    ),
    pytest.param(
        '[[rules]]\nresult = "iop"\nwhen = { answer = "hospital", is = "yes" }\n',
        "rules[2].result: 'iop' is not one of 'ask_iop', 'clinician', 'outpatient', 'staff_today'",
        id="unknown-result",
    ),
    pytest.param(
        iop('{ score = "phq9" }'),
        "rules[2].when: 'score' also needs at_least or could_reach",
        id="no-at-least",
    ),
    pytest.param(
        iop('{ score = "phq9", at_least = 15, answer = "hospital", is = "yes" }'),
        "rules[2].when: a condition needs exactly one of",
        id="two-kinds",
    ),
    pytest.param(iop("{ }"), "rules[2].when: a condition needs exactly one of", id="empty"),
    pytest.param(
        iop('{ score = "phq9", at_least = 28 }'),
        "rules[2].when: at_least = 28 can never match",
        id="at-least-too-high",
    ),
    pytest.param(
        iop('{ score = "phq9", at_least = "15" }'), "rules[2].when.at_least", id="at-least-text"
    ),
    pytest.param(iop('{ score = "audit_c", at_least = 3 }'), "rules[2].when.score", id="score"),
    pytest.param(iop('{ flag = "panic" }'), "rules[2].when.flag", id="unknown-flag"),
    pytest.param(iop("{ any = [] }"), "rules[2].when.any", id="empty-any"),
    pytest.param(
        iop("{ always = false }"), "rules[2].when.always: write `always = true`", id="always-false"
    ),
    pytest.param(iop("{ always = 1 }"), "rules[2].when.always", id="always-number"),
    pytest.param(
        '[[rules]]\nresult = "ask_iop"\nwhen = { always = true }\n',
        "rules: rules[2] uses 'always'",
        id="always-in-the-middle",
    ),
]


@pytest.mark.parametrize(("middle", "message"), BROKEN)
def test_broken_rules_name_file_and_field(
    tmp_path: Path, fit: FitContent, middle: str, message: str
) -> None:
    path = write_rules(tmp_path, middle)
    with pytest.raises(ContentError) as caught:
        load_rules(path, fit)
    assert f"{path}: {message}" in str(caught.value)


SAFETY_BROKEN = [
    pytest.param("", iop('{ answer = "hospital", is = "yes" }'), id="urgent-rule-removed"),
    pytest.param(
        "",
        iop('{ answer = "hospital", is = "yes" }') + URGENT_RULE,
        id="urgent-rule-moved-down",
    ),
    pytest.param(
        '[[rules]]\nresult = "ask_iop"\nwhen = { flag = "urgent" }\n', "", id="urgent-to-iop"
    ),
    pytest.param(
        '[[rules]]\nresult = "staff_today"\nwhen = { any = [ { flag = "urgent" } ] }\n',
        "",
        id="urgent-rule-rewritten",
    ),
    pytest.param(
        '[[rules]]\nresult = "staff_today"\nwhen = { answer = "hospital", is = "yes" }\n',
        URGENT_RULE,
        id="other-staff-rule-first",
    ),
]


@pytest.mark.parametrize(("first", "middle"), SAFETY_BROKEN)
def test_safety_rule_is_not_clinic_editable(
    tmp_path: Path, fit: FitContent, first: str, middle: str
) -> None:
    path = write_rules(tmp_path, middle, first=first)
    with pytest.raises(ContentError) as caught:
        load_rules(path, fit)
    assert f"{path}: rules: the first rule (rules[1]) must be the urgent rule" in str(caught.value)


def test_last_rule_must_be_always(tmp_path: Path, fit: FitContent) -> None:
    path = tmp_path / "guidance.toml"
    path.write_text(URGENT_RULE + iop('{ answer = "hospital", is = "yes" }'), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_rules(path, fit)
    assert f"{path}: rules: the last rule (rules[2]) must be" in str(caught.value)


def test_no_rules(tmp_path: Path, fit: FitContent) -> None:
    path = tmp_path / "guidance.toml"
    path.write_text("rules = []\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"guidance\.toml: rules: "):
        load_rules(path, fit)
    path.write_text("", encoding="utf-8")
    with pytest.raises(ContentError, match=r"guidance\.toml: rules: missing \(required\)"):
        load_rules(path, fit)


def test_unreadable_files(tmp_path: Path, fit: FitContent) -> None:
    with pytest.raises(ContentError, match="file is missing"):
        load_rules(tmp_path / "guidance.toml", fit)
    path = tmp_path / "guidance.toml"
    path.write_text("[[rules]\n", encoding="utf-8")
    with pytest.raises(ContentError, match="not valid TOML"):
        load_rules(path, fit)


def test_eight_nearly_every_day_and_one_skip_is_not_outpatient(
    rules: GuidanceRules, fit: FitContent
) -> None:
    """CLINICAL.md: a partial sum is a lower bound. Eight "Nearly every day" (3) and one skip
    add up to 24 — past the IOP threshold whatever the skipped item would have been."""
    for skipped_item in range(1, 9):  # item 9 is the safety item: any answer there is urgent
        answers: dict[int, int | None] = {item: 3 for item in range(1, 10)}
        answers[9] = 0
        answers[skipped_item] = None
        phq9 = score("phq9", answers)
        assert not phq9.complete and phq9.total is None  # still never shown as a score
        result = evaluate(rules, urgent=False, scores={"phq9": phq9}, fit_answers={}, fit=fit)
        assert result == "ask_iop", skipped_item
    # The same with the skip on item 9 itself: 24 answered, not urgent.
    answers = {item: 3 for item in range(1, 9)} | {9: None}
    result = evaluate(
        rules, urgent=False, scores={"phq9": score("phq9", answers)}, fit_answers={}, fit=fit
    )
    assert result == "ask_iop"


def test_incomplete_that_could_still_reach_gets_clinician(
    rules: GuidanceRules, fit: FitContent
) -> None:
    # 4 items at "More than half the days" (8) and 5 unanswered (up to 15 more): it could be 23.
    answers: dict[int, int | None] = {1: 2, 2: 2, 3: 2, 4: 2, 5: None}
    phq9 = score("phq9", answers)  # items 6-9 never shown
    gad7 = score("gad7", {item: 0 for item in range(1, 8)})
    result = evaluate(
        rules, urgent=False, scores={"phq9": phq9, "gad7": gad7}, fit_answers={}, fit=fit
    )
    assert result == "clinician"
    # Low answers and one skip cannot reach 15 (at most 1 + 3): outpatient stays.
    low = score("phq9", {1: 1, 2: None} | {item: 0 for item in range(3, 10)})
    assert evaluate(rules, urgent=False, scores={"phq9": low}, fit_answers={}, fit=fit) == (
        "outpatient"
    )
    # A complete instrument never matches could_reach, however close it is.
    fourteen = score("phq9", {1: 3, 2: 3, 3: 3, 4: 3, 5: 2} | {i: 0 for i in range(6, 10)})
    assert fourteen.total == 14
    assert evaluate(rules, urgent=False, scores={"phq9": fourteen}, fit_answers={}, fit=fit) == (
        "outpatient"
    )


def test_could_reach_is_checked_like_at_least(tmp_path: Path, fit: FitContent) -> None:
    too_high = write_rules(
        tmp_path, '[[rules]]\nresult = "clinician"\nwhen = { score = "gad7", could_reach = 22 }\n'
    )
    with pytest.raises(ContentError, match="could_reach = 22 can never match"):
        load_rules(too_high, fit)
    both = write_rules(
        tmp_path,
        '[[rules]]\nresult = "clinician"\n'
        'when = { score = "gad7", at_least = 10, could_reach = 10 }\n',
    )
    with pytest.raises(ContentError, match="one of at_least, could_reach, not both"):
        load_rules(both, fit)
    neither = write_rules(tmp_path, '[[rules]]\nresult = "clinician"\nwhen = { score = "gad7" }\n')
    with pytest.raises(ContentError, match="also needs at_least or could_reach"):
        load_rules(neither, fit)
