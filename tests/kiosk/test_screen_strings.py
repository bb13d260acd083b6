"""kiosk.content.screen_strings: the screen strings the code asks for, checked in the first
language at start.

The list must stay equal to the shipped ui.toml and to what the code looks up, or valid content
could still leave a screen without its text.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from kiosk.config import DEFAULT_CONTENT_DIR
from kiosk.content import load_content, load_strings
from kiosk.content.data_file import ContentError, placeholders
from kiosk.content.screen_strings import UI_KEYS

ROOT = Path(__file__).resolve().parents[2]
KEY = re.compile(r"[a-z_]+\.[a-z_0-9]+")


def drop_line(path: Path, starts: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith(starts)]
    assert len(kept) == len(lines) - 1, f"no single line starting {starts!r} in {path}"
    path.write_text("".join(kept), encoding="utf-8")


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_list_is_the_shipped_ui_toml(language: str) -> None:
    strings = load_strings(DEFAULT_CONTENT_DIR / language / "ui.toml", language)
    assert set(strings.values) == set(UI_KEYS)
    for key, names in UI_KEYS.items():
        assert placeholders(strings.values[key]) == names, key


LOOKUPS = {"text", "strings"}  # Screen.text, the summary's ctx.text, LanguageContent.strings


def code_strings() -> tuple[set[str], set[str], set[str]]:
    """In the kiosk's code: the constant keys passed to a string lookup (``text("...")``,
    ``strings("...")``, ``strings.values["..."]``), whatever their section; every other string
    constant shaped like a key of a known section (keys kept in tuples, passed around); and the
    fixed heads of f-strings that are keys (``f"printing.{outcome}"`` gives ``printing.``)."""
    sections = {key.split(".")[0] for key in UI_KEYS}
    looked_up: set[str] = set()
    constants: set[str] = set()
    heads: set[str] = set()
    for package in ("kiosk", "ui"):
        for path in (ROOT / package).rglob("*.py"):
            if path.name == "screen_strings.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and node.args:
                    func, first = node.func, node.args[0]
                    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                    if name in LOOKUPS and isinstance(first, ast.Constant):
                        looked_up.add(str(first.value))
                elif (
                    isinstance(node, ast.Subscript)
                    and isinstance(node.value, ast.Attribute)
                    and node.value.attr == "values"
                    and isinstance(node.slice, ast.Constant)
                ):
                    looked_up.add(str(node.slice.value))
                elif isinstance(node, ast.JoinedStr) and node.values:
                    first = node.values[0]
                    if isinstance(first, ast.Constant) and isinstance(first.value, str):
                        head = first.value
                        if head.endswith(".") and head[:-1] in sections:
                            heads.add(head)
                elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                    section, _, name = node.value.partition(".")
                    if KEY.fullmatch(node.value) and section in sections and name != "toml":
                        constants.add(node.value)
    return looked_up, constants | looked_up, heads


def test_every_key_the_code_names_is_in_the_list() -> None:
    looked_up, constants, heads = code_strings()
    assert len(looked_up) > 40  # the scan sees the screens' and the summary's lookups
    assert looked_up - set(UI_KEYS) == set()  # a new section too
    assert constants - set(UI_KEYS) == set()
    for head in heads:  # a key built at run time must have some keys to choose from
        assert any(key.startswith(head) for key in UI_KEYS), head


def test_every_key_in_the_list_is_used() -> None:
    _, constants, heads = code_strings()
    unused = {
        key for key in UI_KEYS if key not in constants and not any(map(key.startswith, heads))
    }
    # language.name is the language's own name, asked of translators (docs/content.md).
    assert unused == {"language.name"}


def test_a_key_deleted_from_every_language_stops_the_start(content_copy: Path) -> None:
    # Each language still has the same keys as the other; only the list knows one is gone.
    for language in ("en", "es"):
        drop_line(content_copy / language / "ui.toml", "more_time = ")
    with pytest.raises(ContentError) as info:
        load_content(content_copy, ["en", "es"])
    message = str(info.value)
    assert f"{content_copy / 'en' / 'ui.toml'}: idle.more_time: missing" in message
    assert "screens need it" in message


def test_a_key_deleted_from_the_only_language(content_copy: Path) -> None:
    drop_line(content_copy / "es" / "ui.toml", "greeting = ")
    with pytest.raises(ContentError, match=r"es/ui.toml: welcome.greeting: missing"):
        load_content(content_copy, ["es"])


def test_a_placeholder_renamed_in_every_language(content_copy: Path) -> None:
    for language, old, new in (
        ("en", "{seconds} seconds", "{secs} seconds"),
        ("es", "{seconds} segundos", "{secs} segundos"),
    ):
        path = content_copy / language / "ui.toml"
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_content(content_copy, ["en", "es"])
    assert "idle.body: placeholders ['secs'] differ from the kiosk's ['seconds']" in str(info.value)


def test_a_key_the_kiosk_does_not_use_is_harmless(content_copy: Path) -> None:
    # A clinic's own note in both languages: nothing asks for it, nothing breaks.
    for language in ("en", "es"):
        path = content_copy / language / "ui.toml"
        path.write_text(
            path.read_text(encoding="utf-8") + '\n[clinic_notes]\nreviewed = "2026-11"\n',
            encoding="utf-8",
        )
    content = load_content(content_copy, ["en", "es"])
    assert content["es"].strings("clinic_notes.reviewed") == "2026-11"
