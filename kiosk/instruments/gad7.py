"""GAD-7 (CLINICAL.md): seven items scored 0–3, the same options and licence as the PHQ-9."""

from __future__ import annotations

from kiosk.instruments.phq9 import DIFFICULTY_ANSWERS, DIFFICULTY_CODE, FREQUENCY_ANSWERS, LOINC
from kiosk.instruments.spec import Band, Codes, InstrumentSpec

SPEC = InstrumentSpec(
    id="gad7",
    name="GAD-7",
    items=7,
    answer_values=(0, 1, 2, 3),
    # The shipped content asks the PHQ's difficulty question after the GAD-7 too (item 8).
    difficulty_item=8,
    difficulty_values=(0, 1, 2, 3),
    bands=(
        Band(4, "minimal"),
        Band(9, "mild"),
        Band(14, "moderate"),
        Band(21, "severe"),
    ),
    codes=Codes(
        system=LOINC,
        panel="69737-5",
        total="70274-6",
        items=(
            "69725-0",
            "68509-9",
            "69733-4",
            "69734-2",
            "69735-9",
            "69689-8",
            "69736-7",
            DIFFICULTY_CODE,
        ),
        answers=FREQUENCY_ANSWERS,
        difficulty_answers=DIFFICULTY_ANSWERS,
    ),
    source="phq_screeners",
    leading_columns=True,
)
