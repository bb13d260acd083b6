"""ASQ, NIMH's Ask Suicide-Screening Questions (CLINICAL.md): the suicide-risk screen.

Four Yes/No questions and an acuity question (item 5), asked only when any of 1–4 was answered
Yes or skipped. NIMH counts a refusal to answer as positive, so a skip of 1–4 is positive. Any
positive makes the visit urgent (non-acute) at once; item 5 Yes makes it acute.
No standard codes: LOINC has no ASQ panel we could find, so the FHIR export uses the kiosk's
own clearly named local system (docs/content.md).
"""

from __future__ import annotations

from kiosk.instruments.spec import AskedWhen, InstrumentSpec, SafetyRule, ScreenScoring

SCREEN_ITEMS = (1, 2, 3, 4)
ACUITY_ITEM = 5

SPEC = InstrumentSpec(
    id="asq",
    name="ASQ",
    items=5,
    answer_values=(0, 1),  # No, Yes
    bands=(),
    screen=ScreenScoring(positive_items=SCREEN_ITEMS, acuity_item=ACUITY_ITEM),
    asked_when=(AskedWhen(item=ACUITY_ITEM, any_of=SCREEN_ITEMS, above=0, or_skipped=True),),
    safety=(
        *(
            SafetyRule(item=item, above=0, level="non_acute", reason="asq", or_skipped=True)
            for item in SCREEN_ITEMS
        ),
        SafetyRule(item=ACUITY_ITEM, above=0, level="acute", reason="asq_acute"),
    ),
    source="nimh_asq",
)
