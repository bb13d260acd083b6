"""A whole visit through the accessibility tree only, as a screen reader drives the kiosk.

The kiosk runs as the deployed unit runs it, a process of its own with
QT_LINUX_ACCESSIBILITY_ALWAYS_ON=1, on a private X server, session bus and accessibility bus.
tests/support/atspi_walk.py (the system's Python with pyatspi) finds each control by role and
name, invokes its default action, and fails on anything unnamed or unreachable: Welcome (Larger
text and Read aloud through "Toggle"), check-in, questions up to an urgent answer, the safety
screen, results, print.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from kiosk.content import Content
from tests.support.a11y_session import walk_app
from tests.support.process import ROOT

WALK = ROOT / "tests" / "support" / "atspi_walk.py"


def plan(content: Content) -> dict[str, object]:
    en = content["en"]
    strings = en.strings
    screening = en.screening
    phq9 = screening.instruments.instrument("phq9")
    return {
        "app": "clinic-kiosk",
        "welcome": strings("welcome.greeting"),
        "larger_text": strings("access.large_text"),
        "read_aloud": strings("access.read_aloud"),
        "stop_reading": strings("access.stop_reading"),
        "checkin": strings("welcome.checkin"),
        "privacy_title": strings("privacy.title"),
        "agree": strings("privacy.agree"),
        "name_title": strings("name.title"),
        "skip_name": strings("name.skip"),
        "progress_first": strings("question.progress", n=1, total=len(phq9.items)),
        "first_question": phq9.items[0],
        "answer": phq9.options[1],  # "Several days": PHQ-9 item 9's is a safety answer
        "max_questions": 30,
        "safety_title": screening.safety.title,
        "stop_here": screening.safety.stop_label,
        "results_title": strings("results.title"),
        "print": strings("results.print"),
        "printed": strings("printing.saved", code="").split(":")[0],
        "finish": strings("printing.done"),
    }


def test_a_visit_through_the_accessibility_tree_only(tmp_path: Path, content: Content) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text('[printing]\nprinter = "none"\n', encoding="utf-8")
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan(content)), encoding="utf-8")
    report, _log = walk_app(
        [sys.executable, "main.py", "--config", str(config), "--data-dir", str(tmp_path)],
        WALK,
        plan_file,
        # read aloud's engine (real speech: test_real_speech.py)
        app_env={"KIOSK_TTS_ENGINE": "mock"},
        timeout=240,
    )
    # The default action of each: "Toggle" for the checkable ones, "Press" for the others.
    assert report["done"][0] == "Toggle Read aloud"
    seen = report["seen"]
    question = seen["question"]
    assert ["label", plan(content)["progress_first"]] in question
    assert ["progress bar", plan(content)["progress_first"]] in question
    assert any(entry[0] == "check box" and entry[1] == "Stop reading" for entry in question)
    assert set(seen) == {"welcome", "privacy", "name", "question", "safety", "results", "printing"}
