"""A made-up instrument that exists only in the tests: three yes/no items, positive at 2.

It proves that an instrument is one spec and one registration (plus its wording in content):
the tests register it and walk it through the flow, the store, the summary and every export,
with no other change to the kiosk.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kiosk import instruments
from kiosk.config import DEFAULT_CONTENT_DIR
from kiosk.instruments import Band, InstrumentSpec

YESNO = InstrumentSpec(
    id="yesno",
    name="Yes-No-3",
    items=3,
    answer_values=(0, 1),
    bands=(Band(1, "negative"), Band(3, "positive")),
    source="made_up_for_tests",
)

ITEMS = (
    "Have you felt like a made-up test item lately?",
    "Did a second invented question come to mind?",
    "Would a third question about nothing help?",
)
POSITIVE = "Your answers to the made-up check were positive."
NEGATIVE = "Your answers to the made-up check were negative."

INSTRUMENTS_TOML = f"""
[yesno]
title = "Yes-No-3"
heading = "A made-up check"
stem = "Please answer yes or no."
options = ["No", "Yes"]
items = {list(ITEMS)!r}
""".replace("'", '"')

RESULTS_TOML = f"""
[bands.yesno]
negative = "{NEGATIVE}"
positive = "{POSITIVE}"
"""


def content_with_yesno(target: Path, languages: tuple[str, ...] = ("en",)) -> Path:
    """A copy of the shipped content, with the made-up instrument's wording in `languages`."""
    shutil.copytree(DEFAULT_CONTENT_DIR, target)
    for language in languages:
        folder = target / language
        with (folder / "instruments.toml").open("a", encoding="utf-8") as handle:
            handle.write(INSTRUMENTS_TOML)
        with (folder / "results.toml").open("a", encoding="utf-8") as handle:
            handle.write(RESULTS_TOML)
    return target


@contextmanager
def registered(spec: InstrumentSpec = YESNO) -> Iterator[InstrumentSpec]:
    """`spec` is a known instrument for the duration, and forgotten after."""
    instruments.register(spec)
    try:
        yield spec
    finally:
        instruments.unregister(spec.id)
