"""Templates are checked in full at load: a placeholder the kiosk cannot fill is refused there.

Every example here passed `python -m kiosk check` and `main.py --self-check` once, then broke a
screen in front of a visitor (issue 14, defect 3): `{phone:d}` blanked the safety screen's
buttons, `{days:s}` made check-in impossible, `{n:s}`/`{total:s}` left the visitor stuck and
`{code:>20000000}` froze the screen for 15 s.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.content import Content, load_content
from kiosk.content.data_file import ContentError, placeholders
from kiosk.content.screen_strings import SAMPLE_VALUES, UI_KEYS


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# (language, file, text in the shipped file, its broken form, key named, placeholder named)
BROKEN_TEMPLATES = [
    (
        "en",
        "ui.toml",
        "Front desk: {phone}",
        "Front desk: {phone:d}",
        "results.staff_phone",
        "{phone:d}",
    ),
    ("en", "ui.toml", "for {days} days", "for {days:s} days", "privacy.point_stored", "{days:s}"),
    (
        "en",
        "ui.toml",
        "Page {n} of {total}",
        "Page {n:s} of {total:s}",
        "programs.page_of",
        "{n:s}",
    ),
    (
        "en",
        "ui.toml",
        "Question {n} of {total}",
        "Question {n} of {total:s}",
        "question.progress",
        "{total:s}",
    ),
    (
        "en",
        "ui.toml",
        "Your code: {code}",
        "Your code: {code:>20000000}",
        "results.code",
        "{code:>20000000}",
    ),
    ("en", "ui.toml", "Your code: {code}", "Your code: {code!r}", "results.code", "{code!r}"),
    (
        "en",
        "ui.toml",
        "Your code: {code}",
        "Your code: {code.upper}",
        "results.code",
        "{code.upper}",
    ),
    ("en", "ui.toml", "Your code: {code}", "Your code: {code[0]}", "results.code", "{code[0]}"),
    ("en", "ui.toml", "Your code: {code}", "Your code: {code} {}", "results.code", "{}"),
    ("en", "ui.toml", "Your code: {code}", "Your code: {0}", "results.code", "{0}"),
    ("en", "ui.toml", "Your code: {code}", "Your code: {code", "results.code", "'{'"),
    ("en", "ui.toml", "Your code: {code}", "Your code: {code}}", "results.code", "'}'"),
    ("en", "ui.toml", "Your code: {code}", "Your code: {{{code}}}", "results.code", "'{{'"),
    (
        "es",
        "ui.toml",
        "Recepción: {phone}",
        "Recepción: {phone:d}",
        "results.staff_phone",
        "{phone:d}",
    ),
    (
        "es",
        "ui.toml",
        "Recepción: {phone}",
        "Recepción: {phone!s}",
        "results.staff_phone",
        "{phone!s}",
    ),
    (
        "en",
        "results.toml",
        "{n} questions skipped",
        "{n:s} questions skipped",
        "not_scored_many",
        "{n:s}",
    ),
    (
        "es",
        "results.toml",
        "puntaje: {n} preguntas",
        "puntaje: {n!r} preguntas",
        "not_scored_many",
        "{n!r}",
    ),
]


@pytest.mark.parametrize(
    ("language", "file", "old", "new", "key", "shown"),
    BROKEN_TEMPLATES,
    ids=[f"{case[0]}-{case[4]}-{case[5]}" for case in BROKEN_TEMPLATES],
)
def test_a_placeholder_the_kiosk_cannot_fill_is_refused_at_load(
    content_copy: Path, language: str, file: str, old: str, new: str, key: str, shown: str
) -> None:
    path = content_copy / language / file
    edit(path, old, new)
    with pytest.raises(ContentError) as info:
        load_content(content_copy, ["en", "es"])
    message = str(info.value)
    assert message.startswith(f"{path}: {key}: "), message
    assert shown in message
    assert "\n" not in message


def test_a_placeholder_of_another_key_is_refused(content_copy: Path) -> None:
    # Every placeholder is known somewhere, but {phone} is not filled in on the privacy screen.
    path = content_copy / "en" / "ui.toml"
    edit(path, "for {days} days", "for {days} days, call {phone}")
    with pytest.raises(ContentError, match=r"privacy\.point_stored: .*'phone'"):
        load_content(content_copy, ["en", "es"])


@pytest.mark.parametrize(
    ("file", "old", "new", "field"),
    [
        ("safety.toml", 'title = "We are here to help"', 'title = "Call {phone}"', "title"),
        ("instruments.toml", "Over the last 2 weeks", "Over the last {days} weeks", "phq9.stem"),
        ("results.toml", 'not_scored_one = "', 'not_scored_one = "{total} ', "not_scored_one"),
        ("programs.toml", 'title = "Our programs"', 'title = "Our {programs}"', "menu.title"),
    ],
)
def test_text_shown_as_written_takes_no_placeholder(
    content_copy: Path, file: str, old: str, new: str, field: str
) -> None:
    # Only ui.toml and the "not scored" lines are filled in; anywhere else a visitor would read
    # "{phone}" where a number was meant.
    path = content_copy / "en" / file
    edit(path, old, new)
    with pytest.raises(ContentError) as info:
        load_content(content_copy, ["en", "es"])
    assert str(info.value).startswith(f"{path}: {field}: "), str(info.value)


def test_every_template_of_the_shipped_content_formats_with_sample_values(
    content: Content,
) -> None:
    for lc in content.languages.values():
        for key, names in UI_KEYS.items():
            assert placeholders(lc.strings.values[key]) == names
            filled = lc.strings(key, **{name: SAMPLE_VALUES[name] for name in names})
            assert "{" not in filled and "}" not in filled
        for skipped in (1, 2):
            assert str(skipped) in lc.screening.results.not_scored(skipped)


def test_sample_values_have_the_types_the_screens_pass() -> None:
    # A format spec may pass with a value of the wrong type; the samples must be what the code
    # passes (numbers for counts, text for the code and the phone).
    for name in ("n", "total", "seconds", "days", "max"):
        assert type(SAMPLE_VALUES[name]) is int
    for name in ("code", "phone"):
        assert type(SAMPLE_VALUES[name]) is str
    assert {name for names in UI_KEYS.values() for name in names} <= set(SAMPLE_VALUES)
