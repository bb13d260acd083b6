"""The screen strings the kiosk's code asks for: every key of ui.toml, with its {placeholders}.

The shipped ``resources/content/<language>/ui.toml`` files are the ones a clinic edits, so they
cannot be their own reference: a key deleted from the first language would pass the check that
every language carries the same keys, and fail only when a screen asks for it, in front of a
visitor. ``kiosk.content.load_content`` checks the first language against this list instead, so
``python -m kiosk check`` and the start-up refuse such a file. tests/kiosk/test_screen_strings.py
keeps this list equal to the shipped English file and to the keys the code looks up.
"""

from __future__ import annotations

from collections.abc import Mapping

_KEYS: dict[str, set[str]] = {
    "language.name": set(),
    "language.switch_to": set(),
    "welcome.greeting": set(),
    "welcome.tagline": set(),
    "welcome.learn": set(),
    "welcome.checkin": set(),
    "welcome.checkin_hint": set(),
    "common.back": set(),
    "common.home": set(),
    "common.next": set(),
    "programs.start_checkin": set(),
    "programs.page_of": {"n", "total"},
    "idle.title": set(),
    "idle.body": {"seconds"},
    "idle.more_time": set(),
    "privacy.title": set(),
    "privacy.intro": set(),
    "privacy.point_asked": set(),
    "privacy.point_stored": {"days"},
    "privacy.point_who": set(),
    "privacy.point_diagnosis": set(),
    "privacy.agree": set(),
    "privacy.not_now": set(),
    "name.title": set(),
    "name.hint": set(),
    "name.skip": set(),
    "name.done": set(),
    "name.delete": set(),
    "name.space": set(),
    "question.progress": {"n", "total"},
    "question.skip": set(),
    "question.back": set(),
    "safety.told": set(),
    "safety.coming": set(),
    "results.title": set(),
    "results.code": {"code"},
    "results.crisis_heading": set(),
    "results.print": set(),
    "results.finish": set(),
    "results.score_line": {"max", "total"},
    "results.staff_phone": {"phone"},
    "printing.progress": set(),
    "printing.waiting": set(),
    "printing.success": {"code"},
    "printing.failure": {"code"},
    "printing.saved": {"code"},
    "printing.done": set(),
    "printing.leave": set(),
    "unavailable.title": set(),
    "unavailable.body": set(),
    "unavailable.out_of_order_title": set(),
    "unavailable.out_of_order_body": set(),
    "report.title": set(),
    "report.urgent_banner": set(),
    "report.code": set(),
    "report.name": set(),
    "report.date": set(),
    "report.answer": set(),
    "report.skipped": set(),
    "report.not_asked": set(),
    "report.total": set(),
    "report.difficulty": set(),
    "report.fit_heading": set(),
    "report.guidance_heading": set(),
    "report.programs_heading": set(),
    "report.crisis_heading": set(),
    "report.clinic_phone": {"phone"},
    "report.page": {"n"},
    "access.read_aloud": set(),
    "access.stop_reading": set(),
    "access.large_text": set(),
    "access.high_contrast": set(),
    "access.on": set(),
    "access.off": set(),
    "access.chosen_state": set(),
    "access.unavailable": set(),
    "access.you_chose": {"answer"},
    "access.focus": {"control"},
    "access.no_back": set(),
    "access.volume": {"percent"},
    "access.keys": set(),
    "access.headset_only": set(),
}

UI_KEYS: Mapping[str, frozenset[str]] = {key: frozenset(names) for key, names in _KEYS.items()}

# A value for every placeholder above, of the type the screens and the summary pass (counts are
# ints, the visit code and the phone are text): kiosk.content fills in every template with these
# at load, so a template that would fail in front of a visitor fails there instead.
SAMPLE_VALUES: Mapping[str, object] = {
    "n": 3,
    "total": 9,
    "max": 27,
    "seconds": 30,
    "days": 90,
    "code": "K7Q2",
    "phone": "555-0100",
    "answer": "Several days",
    "control": "Back",
    "percent": 80,
}
