"""PHQ-9 (CLINICAL.md): nine items scored 0–3, a difficulty question, item 9 the safety item."""

from __future__ import annotations

from kiosk.instruments.spec import Band, Codes, Coding, InstrumentSpec, SafetyRule

LOINC = "http://loinc.org"
# LOINC answer lists: LL358-3 (frequency, scored 0-3) and the difficulty list, value order.
FREQUENCY_ANSWERS = (
    Coding("LA6568-5", "Not at all"),
    Coding("LA6569-3", "Several days"),
    Coding("LA6570-1", "More than half the days"),
    Coding("LA6571-9", "Nearly every day"),
)
DIFFICULTY_ANSWERS = (
    Coding("LA6572-7", "Not difficult at all"),
    Coding("LA6573-5", "Somewhat difficult"),
    Coding("LA6575-0", "Very difficult"),
    Coding("LA6574-3", "Extremely difficult"),
)
DIFFICULTY_CODE = "69722-7"  # "how difficult have these problems made it …"

SPEC = InstrumentSpec(
    id="phq9",
    name="PHQ-9",
    items=9,
    answer_values=(0, 1, 2, 3),
    difficulty_item=10,
    difficulty_values=(0, 1, 2, 3),
    bands=(
        Band(4, "minimal"),
        Band(9, "mild"),
        Band(14, "moderate"),
        Band(19, "moderately severe"),
        Band(27, "severe"),
    ),
    # Any answer above "Not at all" to "thoughts that you would be better off dead …".
    safety=(SafetyRule(item=9, above=0, level="non_acute", reason="phq9_item9"),),
    safety_replaces_band=True,
    codes=Codes(
        system=LOINC,
        panel="44249-1",
        total="44261-6",
        items=(
            "44250-9",
            "44255-8",
            "44259-0",
            "44254-1",
            "44251-7",
            "44258-2",
            "44252-5",
            "44253-3",
            "44260-8",  # item 9, the safety item
            DIFFICULTY_CODE,
        ),
        answers=FREQUENCY_ANSWERS,
        difficulty_answers=DIFFICULTY_ANSWERS,
    ),
    source="phq_screeners",
    leading_columns=True,
)
