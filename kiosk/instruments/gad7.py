"""GAD-7 (CLINICAL.md): seven items scored 0–3, the same options and licence as the PHQ-9.

As on the current "GAD-7 English for the USA" form and in LOINC's panel 69737-5: no difficulty
question (the PHQ-9 has its own; the GAD-7 form and its panel have none).
"""

from __future__ import annotations

from kiosk.instruments.phq9 import FREQUENCY_ANSWERS, LOINC
from kiosk.instruments.spec import Band, Codes, InstrumentSpec

SPEC = InstrumentSpec(
    id="gad7",
    name="GAD-7",
    items=7,
    answer_values=(0, 1, 2, 3),
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
        ),
        answers=FREQUENCY_ANSWERS,
    ),
    source="phq_screeners",
    leading_columns=True,
)
